//! Latchkey's built-in credential vault: how items are encrypted and who may read them.
//!
//! The records and the storage trait are in `latchkey_core::vault` (the store implements it, and
//! the mass-reset runner writes vault items in its own batch transactions); this crate adds
//!
//! - [`envelope`]: envelope encryption, without IO. Each item has its own random 256-bit data
//!   key; the item's secret and its earlier secrets are sealed with it (AES-256-GCM), and the
//!   data key is wrapped by the vault key derived from the master key. Associated data binds every
//!   sealed value to its item. Rotating the master key re-wraps the data keys and leaves the
//!   secrets untouched.
//! - [`prepare`]: the writes (a new item, cloned from a template or not; a new secret) as values,
//!   so the mass-reset runner can commit them with its journal.
//! - [`Vault`]: the access rules over a repository. **Only an item's owner may read its secret.**
//!   No collection membership, no administrator privilege and no help-desk role grants reading
//!   another person's secret: there is intentionally no operator read path, so the operator of a
//!   mass reset never sees a password. Every read and every refused read is audited.
//!
//! Data flow of a read: the server authenticates the viewer (a chain, with step-up), then calls
//! [`Vault::reveal`] with the viewer's profile; the vault loads the item, checks the owner,
//! audits the refusal or unwraps the data key and opens the secret, audits the read, and hands
//! back a [`latchkey_core::secret::Password`] that zeroizes on drop and prints `[redacted]`.

pub mod envelope;
mod error;
pub mod prepare;
mod rotate;
mod service;

pub use envelope::{DataKey, Envelope};
pub use error::VaultError;
pub use prepare::{ItemSpec, new_item, new_template, set_secret};
pub use rotate::RotationReport;
pub use service::{
    AUDIT_CREATE, AUDIT_HISTORY, AUDIT_READ, AUDIT_READ_REFUSED, AUDIT_ROTATE, AUDIT_SET, Actor,
    ItemSummary, PastSecret, Vault,
};
