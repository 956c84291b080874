//! The built-in credential vault, as the store keeps it: items, their sealed secrets and the
//! history of earlier secrets. The encryption and the access rules live in `latchkey-vault`;
//! this module holds the records and the repository trait so the store and the mass-reset
//! journal can write vault items in the same transaction as everything else.
//!
//! Envelope encryption: every item has its own random 256-bit data key. The item's secret (and
//! each entry of its history) is sealed with the data key; the data key is sealed ("wrapped")
//! with the vault key, which is derived from the master key. Rotating the master key re-wraps the
//! data keys and never touches the secrets. Both are [`Sealed`] texts (AES-256-GCM), bound by
//! their associated data to the item they belong to.
//!
//! Non-secret fields (`username`, `AccountLink`, `assocID`, custom fields of a template) are plain
//! text: an operator may see that an item exists and what it is for, never the secret.

use crate::ids::{AccountId, ProfileId, VaultItemId};
use crate::repo::RepoResult;
use crate::secretbox::Sealed;
use std::collections::BTreeMap;
use std::future::Future;
use time::OffsetDateTime;

/// How many earlier secrets an item keeps.
pub const HISTORY_LEN: usize = 5;

/// The field naming the account an item is for (seed 000's `AccountLink`).
pub const FIELD_ACCOUNT_LINK: &str = "AccountLink";
/// The field naming the owner by the association attribute's value (seed 000's `assocID`).
pub const FIELD_ASSOCIATION: &str = "assocID";
/// The field holding the account's user name on its target.
pub const FIELD_USERNAME: &str = "username";

/// Which item holds an account's password, and whose it is: what planning a mass reset needs,
/// without the item's sealed key, secret and fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemLink {
    /// The item.
    pub id: VaultItemId,
    /// The account it is linked to.
    pub account: AccountId,
    /// Its owner.
    pub owner: Option<ProfileId>,
}

/// An item of the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultItem {
    /// Its id.
    pub id: VaultItemId,
    /// A name for people ("LDAP_MAIN: uid=ann").
    pub name: String,
    /// The profile that owns it (may read its secret); `None` for templates.
    pub owner: Option<ProfileId>,
    /// The collection (team) it belongs to, for listing and grouping.
    pub collection: Option<String>,
    /// A template other items are cloned from; templates hold no secret.
    pub is_template: bool,
    /// The template it was cloned from.
    pub template: Option<VaultItemId>,
    /// The account on a target system whose password this is.
    pub account: Option<AccountId>,
    /// Non-secret fields.
    pub fields: BTreeMap<String, String>,
    /// The item's data key, wrapped by the vault key. Present once the item has a secret.
    pub wrapped_key: Option<Sealed>,
    /// The current secret, sealed with the data key.
    pub secret: Option<Sealed>,
    /// When the secret was last set.
    pub secret_changed_at: Option<OffsetDateTime>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Bumped by every change; writes compare it (optimistic concurrency).
    pub version: i64,
}

/// An earlier secret of an item (sealed with the item's data key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Increasing per item.
    pub seq: i64,
    /// The secret.
    pub secret: Sealed,
    /// When it had been set.
    pub changed_at: OffsetDateTime,
}

/// A write to the vault, prepared by `latchkey-vault` and applied by the store, alone or in the
/// same transaction as a mass-reset journal update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultWrite {
    /// A new item (onboarding, or a clone of a template). Refused with `Conflict` when another
    /// item already links the same account.
    Create(VaultItem),
    /// A new secret for an existing item: its current secret moves to the history (trimmed to
    /// [`HISTORY_LEN`]) and `version` must still be `expected_version`.
    SetSecret {
        /// The item.
        id: VaultItemId,
        /// The version the writer read.
        expected_version: i64,
        /// The data key (the same one unless the item had none).
        wrapped_key: Sealed,
        /// The new secret.
        secret: Sealed,
        /// Now.
        changed_at: OffsetDateTime,
    },
}

impl VaultWrite {
    /// The item written.
    pub fn item_id(&self) -> VaultItemId {
        match self {
            Self::Create(item) => item.id,
            Self::SetSecret { id, .. } => *id,
        }
    }
}

/// The vault's storage.
pub trait VaultRepo {
    /// Applies one write. `SetSecret` on a changed item (version moved) is `Conflict`.
    fn write_item(&self, write: &VaultWrite) -> impl Future<Output = RepoResult<()>> + Send;
    /// An item by id.
    fn item(&self, id: VaultItemId) -> impl Future<Output = RepoResult<Option<VaultItem>>> + Send;
    /// The items a profile owns, by name.
    fn items_of_owner(
        &self,
        owner: ProfileId,
    ) -> impl Future<Output = RepoResult<Vec<VaultItem>>> + Send;
    /// The items linked to these accounts (at most one per account).
    fn items_for_accounts(
        &self,
        accounts: &[AccountId],
    ) -> impl Future<Output = RepoResult<Vec<VaultItem>>> + Send;
    /// The links of the items linked to these accounts, without their contents.
    fn item_links(
        &self,
        accounts: &[AccountId],
    ) -> impl Future<Output = RepoResult<Vec<ItemLink>>> + Send;
    /// Every template, by name.
    fn templates(&self) -> impl Future<Output = RepoResult<Vec<VaultItem>>> + Send;
    /// Earlier secrets of an item, newest first.
    fn history(
        &self,
        id: VaultItemId,
    ) -> impl Future<Output = RepoResult<Vec<HistoryEntry>>> + Send;
    /// Up to `limit` items whose data key is wrapped by a key other than `key_id`, for
    /// rotation.
    fn items_not_wrapped_by(
        &self,
        key_id: &str,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<VaultItem>>> + Send;
    /// Replaces an item's wrapped data key if its version is still `expected_version`
    /// (rotation; the secret and history stay as they are). Returns whether it was replaced.
    fn rewrap_key(
        &self,
        id: VaultItemId,
        expected_version: i64,
        wrapped_key: &Sealed,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Deletes an item and its history.
    fn delete_item(&self, id: VaultItemId) -> impl Future<Output = RepoResult<()>> + Send;
}
