//! Master-key rotation: every item's data key is re-wrapped under the new master key.
//!
//! Only the wrapped data keys change. The secrets and their history are sealed with the data
//! keys, which stay the same, so their stored text is not touched, and an interrupted rotation
//! can simply be run again: it asks the store for the items not yet wrapped by the new key, in
//! batches, until none are left. Each re-wrap is a compare-and-set on the item's version, so a
//! secret set meanwhile is never overwritten; such an item is read again and re-wrapped (or
//! found already wrapped by the new key, when the writer had it).

use crate::envelope::Envelope;
use crate::error::VaultError;
use crate::service::{AUDIT_ROTATE, Vault};
use latchkey_core::ids::VaultItemId;
use latchkey_core::keys::MasterKey;
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{AuditEvent, AuditRepo, RepoError};
use latchkey_core::vault::{VaultItem, VaultRepo};
use std::collections::HashSet;
use time::OffsetDateTime;

/// How often one item is read again when its version moved under the re-wrap.
const REWRAP_TRIES: usize = 3;

/// What a rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Items whose data key was re-wrapped under the new key.
    pub rewrapped: u64,
    /// Items found already wrapped by the new key when their turn came (another writer with
    /// the new key set their secret meanwhile).
    pub already_current: u64,
}

enum Outcome {
    Rewrapped,
    AlreadyCurrent,
    Gone,
}

impl<R: VaultRepo + AuditRepo + Sync> Vault<R> {
    /// Re-wraps every item's data key under `new_master`, opening the old wrappings with
    /// `old_masters`, `batch` items at a time. Secrets are not touched. An item wrapped by a key
    /// missing from `old_masters` stops the rotation with [`VaultError::WrongKey`] naming it;
    /// after configuring that key, run it again.
    pub async fn rotate(
        &self,
        new_master: &MasterKey,
        old_masters: &[MasterKey],
        batch: u32,
        now: OffsetDateTime,
        rng: &mut (dyn RandomSource + Send),
    ) -> Result<RotationReport, VaultError> {
        let envelope = Envelope::new(new_master, old_masters)?;
        let mut report = RotationReport::default();
        let mut seen: HashSet<VaultItemId> = HashSet::new();
        loop {
            let items = self
                .repo
                .items_not_wrapped_by(envelope.key_id(), batch.max(1))
                .await?;
            if items.is_empty() {
                break;
            }
            let mut raced = 0u64;
            let mut progressed = false;
            for item in items {
                // An item coming back after this run re-wrapped it was wrapped with an old key
                // again, by a node that does not have the new key yet.
                if !seen.insert(item.id) {
                    raced += 1;
                    continue;
                }
                progressed = true;
                match self.rewrap_one(&envelope, item, rng).await? {
                    Outcome::Rewrapped => report.rewrapped += 1,
                    Outcome::AlreadyCurrent => report.already_current += 1,
                    Outcome::Gone => {}
                }
            }
            if !progressed {
                return Err(VaultError::RotationRaced(raced));
            }
        }
        let event = AuditEvent {
            at: now,
            actor: None,
            action: AUDIT_ROTATE.to_owned(),
            subject: Some(envelope.key_id().to_owned()),
            detail: serde_json::json!({
                "rewrapped": report.rewrapped,
                "already_current": report.already_current,
            })
            .to_string(),
        };
        self.repo.append_audit(&event).await?;
        Ok(report)
    }

    async fn rewrap_one(
        &self,
        envelope: &Envelope,
        mut item: VaultItem,
        rng: &mut (dyn RandomSource + Send),
    ) -> Result<Outcome, VaultError> {
        for _ in 0..REWRAP_TRIES {
            let Some(wrapped) = &item.wrapped_key else {
                return Ok(Outcome::Gone);
            };
            let Some(rewrapped) = envelope.rewrap(item.id, wrapped, rng)? else {
                return Ok(Outcome::AlreadyCurrent);
            };
            if self
                .repo
                .rewrap_key(item.id, item.version, &rewrapped)
                .await?
            {
                return Ok(Outcome::Rewrapped);
            }
            match self.repo.item(item.id).await? {
                Some(fresh) => item = fresh,
                None => return Ok(Outcome::Gone),
            }
        }
        Err(RepoError::Conflict(format!(
            "vault item {} kept changing during rotation; run the rotation again",
            item.id
        ))
        .into())
    }
}
