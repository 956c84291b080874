//! What every batch of a run shares: the run, its targets, its keys, and the owners' login ids
//! the vault items and the report need (read per batch for the batch's owners, kept for the run).

use crate::MprError;
use crate::target_io::Targets;
use latchkey_core::ids::ProfileId;
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::generate::{GeneratorPolicy, generate};
use latchkey_core::mpr::job::{JobKind, MprJob};
use latchkey_core::mpr::journal::{Budgets, Entry};
use latchkey_core::mpr::repo::BatchWrite;
use latchkey_core::random::RandomSource;
use latchkey_core::repo::ProfileRepo;
use latchkey_core::secret::Password;
use latchkey_core::secretbox::{Sealed, SecretBox};
use latchkey_core::vault::{
    FIELD_ACCOUNT_LINK, FIELD_ASSOCIATION, FIELD_USERNAME, VaultItem, VaultWrite,
};
use latchkey_store::Store;
use latchkey_vault::{Envelope, ItemSpec};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use time::OffsetDateTime;

/// The master key's purpose for pending passwords in the journal.
pub const JOURNAL_PURPOSE: &str = "mpr-journal";

/// Shared by the batches of one run.
#[derive(Debug)]
pub struct Context<R> {
    /// The store.
    pub store: Store,
    /// The run.
    pub job: MprJob,
    /// Its targets.
    pub targets: Arc<Targets>,
    /// Its limits.
    pub budgets: Budgets,
    /// Randomness (a CSPRNG whose clones draw independently: the OS's).
    pub rng: R,
    /// The runner holding the run's lease; every batch write checks it still does.
    pub runner: String,
    journal: SecretBox,
    envelope: Envelope,
    policy: GeneratorPolicy,
    /// Login ids of the owners seen so far (at most one per account of the run).
    owners: Mutex<BTreeMap<ProfileId, String>>,
    template: Option<VaultItem>,
}

impl<R: RandomSource> Context<R> {
    /// Reads what the run needs.
    pub async fn load(
        store: &Store,
        master: &MasterKey,
        job: MprJob,
        rng: R,
        runner: String,
    ) -> Result<Self, MprError> {
        let request = &job.request;
        let targets = Targets::open(
            store,
            master,
            &request.targets,
            request.concurrency,
            request.rate_per_second,
        )
        .await?;
        let journal = master
            .secret_box(JOURNAL_PURPOSE)
            .map_err(|e| MprError::Crypto(e.to_string()))?;
        let envelope = Envelope::new(master, &[]).map_err(|e| MprError::Crypto(e.to_string()))?;
        let template = match (&request.vault.template, request.kind) {
            (Some(name), JobKind::Onboard) => Some(crate::plan::template(store, name).await?),
            _ => None,
        };
        Ok(Self {
            store: store.clone(),
            budgets: Budgets {
                retries: request.retry_budget,
                refusals: request.refusal_budget,
            },
            job,
            targets: Arc::new(targets),
            rng,
            runner,
            journal,
            envelope,
            policy: GeneratorPolicy::default(),
            owners: Mutex::default(),
            template,
        })
    }

    /// An empty batch write that applies only while this runner holds the run.
    pub fn new_write(&self) -> BatchWrite {
        BatchWrite {
            runner: Some(self.runner.clone()),
            ..BatchWrite::default()
        }
    }

    /// Whether committed passwords are verified by binding.
    pub fn verify(&self) -> bool {
        self.job.request.verify
    }

    /// A new password for `entry`'s account.
    pub fn generate(
        &self,
        _entry: &Entry,
        rng: &mut impl RandomSource,
    ) -> Result<Password, MprError> {
        generate(&self.policy, rng).map_err(|e| MprError::Crypto(e.to_string()))
    }

    fn journal_aad(entry: &Entry) -> Vec<u8> {
        format!("mpr:{}:{}", entry.job, entry.account).into_bytes()
    }

    /// Seals a pending password into the journal.
    pub fn seal_pending(
        &self,
        entry: &Entry,
        password: &Password,
        rng: &mut impl RandomSource,
    ) -> Result<Sealed, MprError> {
        self.journal
            .seal(password.expose().as_bytes(), &Self::journal_aad(entry), rng)
            .map_err(|e| MprError::Crypto(e.to_string()))
    }

    /// Opens an entry's pending password.
    pub fn open_pending(&self, entry: &Entry) -> Result<Password, MprError> {
        let sealed = entry.pending.as_ref().ok_or_else(|| {
            MprError::Crypto(format!(
                "account {} has no pending password in the journal",
                entry.account_name
            ))
        })?;
        let clear = self
            .journal
            .open(sealed, &Self::journal_aad(entry))
            .map_err(|e| {
                MprError::Crypto(format!(
                    "the pending password of {} does not open: {e}",
                    entry.account_name
                ))
            })?;
        let text = std::str::from_utf8(&clear)
            .map_err(|_| MprError::Crypto("a pending password is not UTF-8".into()))?;
        Ok(Password::new(text))
    }

    /// The vault write that stores `password` for `entry`: a new secret for its item, or (when
    /// onboarding) a new item.
    pub fn vault_write(
        &self,
        entry: &Entry,
        item: Option<&VaultItem>,
        password: &Password,
        rng: &mut impl RandomSource,
    ) -> Result<VaultWrite, MprError> {
        let now = OffsetDateTime::now_utc();
        let crypto = |e: latchkey_vault::VaultError| MprError::Crypto(e.to_string());
        if let Some(item) = item {
            return latchkey_vault::set_secret(&self.envelope, item, password, now, rng)
                .map_err(crypto);
        }
        let owner = entry.owner.ok_or_else(|| {
            MprError::Crypto(format!("account {} has no owner", entry.account_name))
        })?;
        let mapping = &self.job.request.vault;
        let spec = ItemSpec {
            name: format!("{}: {}", entry.target, entry.account_name),
            owner,
            collection: None,
            account: Some(entry.account),
            username: Some(entry.account_name.clone()),
            account_link: Some(format!("{}/{}", entry.target, entry.account_name)),
            association: self.owners().get(&owner).cloned(),
            password: Some(password.clone()),
        };
        let mut write =
            latchkey_vault::new_item(&self.envelope, &spec, self.template.as_ref(), now, rng)
                .map_err(crypto)?;
        if let VaultWrite::Create(item) = &mut write {
            // The settings may name the fields differently from the built-in names.
            for (ours, theirs) in [
                (FIELD_ASSOCIATION, &mapping.association_field),
                (FIELD_ACCOUNT_LINK, &mapping.link_field),
                (FIELD_USERNAME, &mapping.username_field),
            ] {
                if ours != theirs.as_str()
                    && let Some(value) = item.fields.remove(ours)
                {
                    item.fields.insert(theirs.clone(), value);
                }
            }
            if let Some(field) = &mapping.group_field {
                item.fields.insert(field.clone(), entry.target.to_string());
                item.collection = Some(entry.target.to_string());
            }
        }
        Ok(write)
    }

    /// Opens the current secret of a vault item (the runner's own check, not a person's read).
    pub fn open_item(&self, item: &VaultItem) -> Result<Password, MprError> {
        let (Some(wrapped), Some(secret)) = (&item.wrapped_key, &item.secret) else {
            return Err(MprError::Crypto(format!(
                "vault item {} has no secret",
                item.name
            )));
        };
        let key = self
            .envelope
            .unwrap_key(item.id, wrapped)
            .map_err(|e| MprError::Crypto(e.to_string()))?;
        self.envelope
            .open_secret(item.id, &key, secret)
            .map_err(|e| MprError::Crypto(e.to_string()))
    }

    /// Reads the login ids of `entries`' owners not read yet: call it before
    /// [`owner_name`](Self::owner_name) or [`vault_write`](Self::vault_write) for them.
    pub async fn learn_owners(&self, entries: &[Entry]) -> Result<(), MprError> {
        let unknown: Vec<ProfileId> = {
            let known = self.owners();
            entries
                .iter()
                .filter_map(|e| e.owner)
                .filter(|o| !known.contains_key(o))
                .collect()
        };
        if unknown.is_empty() {
            return Ok(());
        }
        let found = self.store.login_ids(&unknown).await?;
        self.owners().extend(found);
        Ok(())
    }

    /// The owner's login id, for the report (its id if the profile is gone).
    pub fn owner_name(&self, entry: &Entry) -> Option<String> {
        entry.owner.map(|o| {
            self.owners()
                .get(&o)
                .cloned()
                .unwrap_or_else(|| o.to_string())
        })
    }

    fn owners(&self) -> std::sync::MutexGuard<'_, BTreeMap<ProfileId, String>> {
        // The map is only ever extended: a panic elsewhere cannot leave it half written.
        self.owners.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
