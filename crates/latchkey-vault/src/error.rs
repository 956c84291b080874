//! The vault's one error type. Messages are plain and safe to show: they name items and key ids,
//! never a secret.

use latchkey_core::admin::Privilege;
use latchkey_core::ids::VaultItemId;
use latchkey_core::repo::RepoError;
use latchkey_core::secretbox::SecretBoxError;

/// What went wrong in the vault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No item has this id.
    #[error("there is no vault item {0}")]
    NotFound(VaultItemId),
    /// The viewer (or writer) is not the item's owner. Nobody else may read a secret: there is
    /// no operator, help-desk or administrator override.
    #[error("only the owner of this item can see its secret")]
    NotOwner,
    /// The item has no secret yet (cloned without an initial password).
    #[error("this vault item has no secret yet")]
    NoSecret,
    /// The item's data key is wrapped by a master key this node was not given.
    #[error(
        "the vault item was sealed with key {key_id} which this node does not have: configure the previous master key to read it"
    )]
    WrongKey {
        /// The master key's id (`k` + 8 hex digits), as `latchkey keys` prints it.
        key_id: String,
    },
    /// A sealed value does not open: changed bytes, or copied from another item.
    #[error(
        "the vault item {0} does not open with its own key: its stored data was changed or copied from another item"
    )]
    Corrupt(VaultItemId),
    /// A secret was to be set on a template.
    #[error("templates hold no secret: clone the template into an item first")]
    Template,
    /// An item named as a template is not one.
    #[error("vault item {0} is not a template")]
    NotTemplate(VaultItemId),
    /// The administrator lacks the privilege this needs.
    #[error("this needs the {0} privilege")]
    Forbidden(Privilege),
    /// Rotation found items wrapped by an old key again after it had re-wrapped them.
    #[error(
        "{0} vault items were wrapped with an old key again during rotation: give every node the new master key, then rotate again"
    )]
    RotationRaced(u64),
    /// Encryption itself failed (a key id or length the cipher refuses; not expected).
    #[error("vault encryption failed: {0}")]
    Crypto(SecretBoxError),
    /// The store failed.
    #[error("vault storage: {0}")]
    Repo(#[from] RepoError),
}
