//! The service's rules against an in-memory repository that can fail on demand: the version
//! retry, and no secret without its audit record.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use latchkey_core::keys::MasterKey;
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::RepoResult;
use latchkey_core::secretbox::Sealed;
use latchkey_core::vault::{HistoryEntry, ItemLink, VaultWrite};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[derive(Debug, Default)]
struct Memory {
    items: Mutex<BTreeMap<VaultItemId, VaultItem>>,
    audit: Mutex<Vec<AuditEvent>>,
    /// `SetSecret` writes still to be refused with `Conflict`.
    conflicts: AtomicU32,
    audit_down: AtomicBool,
}

impl VaultRepo for Memory {
    async fn write_item(&self, write: &VaultWrite) -> RepoResult<()> {
        let mut items = self.items.lock().unwrap();
        match write {
            VaultWrite::Create(item) => {
                items.insert(item.id, item.clone());
            }
            VaultWrite::SetSecret {
                id,
                wrapped_key,
                secret,
                changed_at,
                ..
            } => {
                if self.conflicts.load(Ordering::SeqCst) > 0 {
                    self.conflicts.fetch_sub(1, Ordering::SeqCst);
                    return Err(RepoError::Conflict("moved".into()));
                }
                let item = items
                    .get_mut(id)
                    .ok_or(RepoError::NotFound("item".into()))?;
                item.wrapped_key = Some(wrapped_key.clone());
                item.secret = Some(secret.clone());
                item.secret_changed_at = Some(*changed_at);
                item.version += 1;
            }
        }
        Ok(())
    }
    async fn item(&self, id: VaultItemId) -> RepoResult<Option<VaultItem>> {
        Ok(self.items.lock().unwrap().get(&id).cloned())
    }
    async fn items_of_owner(&self, owner: ProfileId) -> RepoResult<Vec<VaultItem>> {
        let items = self.items.lock().unwrap();
        Ok(items
            .values()
            .filter(|i| i.owner == Some(owner))
            .cloned()
            .collect())
    }
    async fn items_for_accounts(&self, _: &[AccountId]) -> RepoResult<Vec<VaultItem>> {
        Ok(Vec::new())
    }
    async fn item_links(&self, _: &[AccountId]) -> RepoResult<Vec<ItemLink>> {
        Ok(Vec::new())
    }
    async fn templates(&self) -> RepoResult<Vec<VaultItem>> {
        Ok(Vec::new())
    }
    async fn history(&self, _: VaultItemId) -> RepoResult<Vec<HistoryEntry>> {
        Ok(Vec::new())
    }
    async fn items_not_wrapped_by(&self, _: &str, _: u32) -> RepoResult<Vec<VaultItem>> {
        Ok(Vec::new())
    }
    async fn rewrap_key(&self, _: VaultItemId, _: i64, _: &Sealed) -> RepoResult<bool> {
        Ok(false)
    }
    async fn delete_item(&self, _: VaultItemId) -> RepoResult<()> {
        Ok(())
    }
}

impl AuditRepo for Memory {
    async fn append_audit(&self, event: &AuditEvent) -> RepoResult<()> {
        if self.audit_down.load(Ordering::SeqCst) {
            return Err(RepoError::Unavailable("audit log".into()));
        }
        self.audit.lock().unwrap().push(event.clone());
        Ok(())
    }
    async fn recent_audit(&self, _: u32) -> RepoResult<Vec<AuditEvent>> {
        Ok(self.audit.lock().unwrap().clone())
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
}

/// A vault holding one item of `owner` with secret "first".
async fn setup(rng: &mut SeededRandom) -> (Vault<Memory>, ProfileId, VaultItemId) {
    let envelope = Envelope::new(&MasterKey::generate(rng), &[]).unwrap();
    let owner = ProfileId::generate(now(), rng);
    let spec = ItemSpec {
        name: "db: app".into(),
        owner,
        collection: None,
        account: None,
        username: None,
        account_link: None,
        association: None,
        password: Some(Password::new("first")),
    };
    let write = prepare::new_item(&envelope, &spec, None, now(), rng).unwrap();
    let vault = Vault::new(Memory::default(), envelope);
    vault.repo.write_item(&write).await.unwrap();
    (vault, owner, write.item_id())
}

#[tokio::test]
async fn a_moved_version_is_retried_once() {
    let mut rng = SeededRandom::new(1);
    let (vault, owner, id) = setup(&mut rng).await;
    let (second, third) = (Password::new("second"), Password::new("third"));
    vault.repo.conflicts.store(1, Ordering::SeqCst);
    vault
        .set_secret(id, &second, Actor::Owner(owner), now(), &mut rng)
        .await
        .unwrap();
    assert_eq!(
        vault.reveal(id, owner, now()).await.unwrap().expose(),
        "second"
    );

    vault.repo.conflicts.store(2, Ordering::SeqCst);
    let err = vault
        .set_secret(id, &third, Actor::Owner(owner), now(), &mut rng)
        .await
        .unwrap_err();
    assert!(
        matches!(err, VaultError::Repo(RepoError::Conflict(_))),
        "{err:?}"
    );
    assert_eq!(
        vault.reveal(id, owner, now()).await.unwrap().expose(),
        "second"
    );
    let audit = vault.repo.audit.lock().unwrap().clone();
    let sets = audit.iter().filter(|e| e.action == AUDIT_SET).count();
    assert_eq!(sets, 1, "only the write that landed is audited");
}

#[tokio::test]
async fn no_secret_leaves_without_its_audit_record() {
    let mut rng = SeededRandom::new(2);
    let (vault, owner, id) = setup(&mut rng).await;
    vault.repo.audit_down.store(true, Ordering::SeqCst);
    let err = vault.reveal(id, owner, now()).await.unwrap_err();
    assert!(
        matches!(err, VaultError::Repo(RepoError::Unavailable(_))),
        "{err:?}"
    );
    // A refusal that cannot be audited is still a refusal.
    let stranger = ProfileId::generate(now(), &mut rng);
    assert!(vault.reveal(id, stranger, now()).await.is_err());
    vault.repo.audit_down.store(false, Ordering::SeqCst);
    assert_eq!(
        vault.reveal(id, owner, now()).await.unwrap().expose(),
        "first"
    );
    let audit = vault.repo.audit.lock().unwrap().clone();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AUDIT_READ);
    assert_eq!(audit[0].detail, r#"{"name":"db: app"}"#);
}
