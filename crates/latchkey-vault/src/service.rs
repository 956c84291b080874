//! The vault service: the access rules, over a repository.
//!
//! Reading a secret is for the item's owner only. Being in the item's collection does not
//! grant it, and neither does any administrator privilege: there is deliberately no operator,
//! help-desk or administrator read path, so an operator who runs a mass reset never sees a
//! password. Every read and every refused read is written to the audit log (the item's name,
//! never the secret) before the answer is returned; when the audit cannot be written, the
//! secret is not returned either.
//!
//! Administrators with [`Privilege::ManageVault`] manage templates and clone them; a run of the
//! mass reset ([`Privilege::MassPasswordReset`]) may create items and set secrets, which it
//! cannot read back.

use crate::envelope::Envelope;
use crate::error::VaultError;
use crate::prepare::{self, ItemSpec};
use latchkey_core::admin::{Authorized, Privilege};
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{AuditEvent, AuditRepo, RepoError};
use latchkey_core::secret::Password;
use latchkey_core::vault::{VaultItem, VaultRepo};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Audit action of a successful read of an item's secret.
pub const AUDIT_READ: &str = "vault.read";
/// Audit action of a refused read (not the owner, no such item).
pub const AUDIT_READ_REFUSED: &str = "vault.read_refused";
/// Audit action of a read of an item's earlier secrets.
pub const AUDIT_HISTORY: &str = "vault.history";
/// Audit action of a new secret.
pub const AUDIT_SET: &str = "vault.set";
/// Audit action of a new item or template.
pub const AUDIT_CREATE: &str = "vault.create";
/// Audit action of a master-key rotation.
pub const AUDIT_ROTATE: &str = "vault.rotate";

/// What a person sees in the list of their items: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSummary {
    /// The item.
    pub id: VaultItemId,
    /// Its name.
    pub name: String,
    /// Its collection.
    pub collection: Option<String>,
    /// The account it is for.
    pub account: Option<AccountId>,
    /// Non-secret fields.
    pub fields: BTreeMap<String, String>,
    /// Whether it holds a secret.
    pub has_secret: bool,
    /// When the secret was last set.
    pub secret_changed_at: Option<OffsetDateTime>,
}

impl From<VaultItem> for ItemSummary {
    fn from(item: VaultItem) -> Self {
        Self {
            id: item.id,
            name: item.name,
            collection: item.collection,
            account: item.account,
            fields: item.fields,
            has_secret: item.secret.is_some(),
            secret_changed_at: item.secret_changed_at,
        }
    }
}

/// An earlier secret of an item, revealed to its owner.
#[derive(Debug, Clone)]
pub struct PastSecret {
    /// When it had been set.
    pub changed_at: OffsetDateTime,
    /// The secret (`Debug` prints `[redacted]`).
    pub secret: Password,
}

/// Who sets a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The item's owner.
    Owner(ProfileId),
    /// An administrator holding [`Privilege::ManageVault`] or [`Privilege::MassPasswordReset`].
    Admin(Authorized),
}

impl Actor {
    fn profile(self) -> ProfileId {
        match self {
            Actor::Owner(p) => p,
            Actor::Admin(a) => a.admin(),
        }
    }
}

/// The vault over a repository `R` (the store).
#[derive(Debug)]
pub struct Vault<R> {
    pub(crate) repo: R,
    pub(crate) envelope: Envelope,
}

impl<R: VaultRepo + AuditRepo + Sync> Vault<R> {
    /// The vault of `repo`, with this node's keys.
    pub fn new(repo: R, envelope: Envelope) -> Self {
        Self { repo, envelope }
    }

    /// This node's keys (to prepare writes for a batch with [`crate::prepare`]).
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The repository.
    pub fn repo(&self) -> &R {
        &self.repo
    }

    /// The secret of `id`, for its owner only; the read, or its refusal, is audited.
    pub async fn reveal(
        &self,
        id: VaultItemId,
        viewer: ProfileId,
        now: OffsetDateTime,
    ) -> Result<Password, VaultError> {
        let item = self.owned_item(id, viewer, "secret", now).await?;
        let (Some(wrapped), Some(sealed)) = (&item.wrapped_key, &item.secret) else {
            return Err(VaultError::NoSecret);
        };
        let data_key = self.envelope.unwrap_key(id, wrapped)?;
        let secret = self.envelope.open_secret(id, &data_key, sealed)?;
        let detail = serde_json::json!({ "name": item.name });
        self.audit(Some(viewer), AUDIT_READ, Some(id), detail, now)
            .await?;
        Ok(secret)
    }

    /// The earlier secrets of `id` (newest first), for its owner only; audited like a read.
    pub async fn history(
        &self,
        id: VaultItemId,
        viewer: ProfileId,
        now: OffsetDateTime,
    ) -> Result<Vec<PastSecret>, VaultError> {
        let item = self.owned_item(id, viewer, "history", now).await?;
        let entries = self.repo.history(id).await?;
        let mut past = Vec::with_capacity(entries.len());
        if !entries.is_empty() {
            let wrapped = item.wrapped_key.as_ref().ok_or(VaultError::Corrupt(id))?;
            let data_key = self.envelope.unwrap_key(id, wrapped)?;
            for entry in entries {
                past.push(PastSecret {
                    changed_at: entry.changed_at,
                    secret: self.envelope.open_secret(id, &data_key, &entry.secret)?,
                });
            }
        }
        let detail = serde_json::json!({ "name": item.name, "entries": past.len() });
        self.audit(Some(viewer), AUDIT_HISTORY, Some(id), detail, now)
            .await?;
        Ok(past)
    }

    /// The items `viewer` owns, by name, without their secrets.
    pub async fn items_of(&self, viewer: ProfileId) -> Result<Vec<ItemSummary>, VaultError> {
        let items = self.repo.items_of_owner(viewer).await?;
        Ok(items
            .into_iter()
            .filter(|i| !i.is_template && i.owner == Some(viewer))
            .map(ItemSummary::from)
            .collect())
    }

    /// Every template, by name.
    pub async fn templates(&self) -> Result<Vec<ItemSummary>, VaultError> {
        let items = self.repo.templates().await?;
        Ok(items.into_iter().map(ItemSummary::from).collect())
    }

    /// Creates a template (needs [`Privilege::ManageVault`]).
    pub async fn create_template(
        &self,
        name: &str,
        fields: BTreeMap<String, String>,
        actor: &Authorized,
        now: OffsetDateTime,
        rng: &mut (dyn RandomSource + Send),
    ) -> Result<VaultItemId, VaultError> {
        require(actor, &[Privilege::ManageVault])?;
        let write = prepare::new_template(name, fields, now, rng);
        self.repo.write_item(&write).await?;
        let detail = serde_json::json!({ "name": name, "template": true });
        self.audit(
            Some(actor.admin()),
            AUDIT_CREATE,
            Some(write.item_id()),
            detail,
            now,
        )
        .await?;
        Ok(write.item_id())
    }

    /// Creates an item for `spec.owner` cloned from `template` (needs
    /// [`Privilege::ManageVault`] or [`Privilege::MassPasswordReset`]). The actor cannot read
    /// the initial password back.
    pub async fn clone_template(
        &self,
        template: VaultItemId,
        spec: &ItemSpec,
        actor: &Authorized,
        now: OffsetDateTime,
        rng: &mut (dyn RandomSource + Send),
    ) -> Result<VaultItemId, VaultError> {
        require(
            actor,
            &[Privilege::ManageVault, Privilege::MassPasswordReset],
        )?;
        let template = self
            .repo
            .item(template)
            .await?
            .ok_or(VaultError::NotFound(template))?;
        let write = prepare::new_item(&self.envelope, spec, Some(&template), now, rng)?;
        self.repo.write_item(&write).await?;
        let detail = serde_json::json!({
            "name": spec.name,
            "template": template.id.to_string(),
            "owner": spec.owner.to_string(),
        });
        self.audit(
            Some(actor.admin()),
            AUDIT_CREATE,
            Some(write.item_id()),
            detail,
            now,
        )
        .await?;
        Ok(write.item_id())
    }

    /// Gives `id` a new secret (its current one moves to the history). The owner may, and an
    /// administrator with [`Privilege::ManageVault`] or [`Privilege::MassPasswordReset`]; an
    /// item changed meanwhile is read again and the write tried once more.
    pub async fn set_secret(
        &self,
        id: VaultItemId,
        password: &Password,
        actor: Actor,
        now: OffsetDateTime,
        rng: &mut (dyn RandomSource + Send),
    ) -> Result<(), VaultError> {
        if let Actor::Admin(admin) = &actor {
            require(
                admin,
                &[Privilege::ManageVault, Privilege::MassPasswordReset],
            )?;
        }
        let mut retried = false;
        let name = loop {
            let item = self.repo.item(id).await?.ok_or(VaultError::NotFound(id))?;
            if let Actor::Owner(p) = actor
                && item.owner != Some(p)
            {
                return Err(VaultError::NotOwner);
            }
            let write = prepare::set_secret(&self.envelope, &item, password, now, rng)?;
            match self.repo.write_item(&write).await {
                Ok(()) => break item.name,
                Err(RepoError::Conflict(_)) if !retried => retried = true,
                Err(RepoError::NotFound(_)) => return Err(VaultError::NotFound(id)),
                Err(e) => return Err(e.into()),
            }
        };
        let detail = serde_json::json!({ "name": name });
        self.audit(Some(actor.profile()), AUDIT_SET, Some(id), detail, now)
            .await?;
        Ok(())
    }

    /// The item, when `viewer` owns it; a refusal (or a miss) is audited first.
    async fn owned_item(
        &self,
        id: VaultItemId,
        viewer: ProfileId,
        what: &str,
        now: OffsetDateTime,
    ) -> Result<VaultItem, VaultError> {
        let (refusal, error, name) = match self.repo.item(id).await? {
            Some(item) if item.owner == Some(viewer) && !item.is_template => return Ok(item),
            Some(item) => ("not_owner", VaultError::NotOwner, Some(item.name)),
            None => ("not_found", VaultError::NotFound(id), None),
        };
        let detail = serde_json::json!({ "name": name, "what": what, "reason": refusal });
        self.audit(Some(viewer), AUDIT_READ_REFUSED, Some(id), detail, now)
            .await?;
        Err(error)
    }

    pub(crate) async fn audit(
        &self,
        actor: Option<ProfileId>,
        action: &str,
        subject: Option<VaultItemId>,
        detail: serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<(), VaultError> {
        let event = AuditEvent {
            at: now,
            actor,
            action: action.to_owned(),
            subject: subject.map(|id| id.to_string()),
            detail: detail.to_string(),
        };
        self.repo.append_audit(&event).await?;
        Ok(())
    }
}

fn require(actor: &Authorized, any_of: &[Privilege]) -> Result<(), VaultError> {
    if any_of.contains(&actor.privilege()) {
        Ok(())
    } else {
        Err(VaultError::Forbidden(
            any_of.first().copied().unwrap_or(Privilege::ManageVault),
        ))
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
