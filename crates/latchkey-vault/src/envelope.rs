//! Envelope encryption of vault items, without IO.
//!
//! ```text
//! master key ──HMAC("vault")──▶ vault key ──wraps──▶ item data key ──seals──▶ secret, history
//!                                (AAD vault-key:<id>)                (AAD vault-secret:<id>)
//! ```
//!
//! Every item has its own random 256-bit data key. The item's secret and each of its earlier
//! secrets are sealed with that data key (AES-256-GCM, [`SecretBox`]); the data key is sealed
//! ("wrapped") with the vault key, `master.secret_box("vault")`. The associated data names the
//! item, so a secret or a wrapped key copied onto another item does not open there.
//!
//! Rotation: an [`Envelope`] holds the current vault key and any number of previous ones. It
//! opens with whichever key a wrapped data key names ([`Sealed::key_id`]) and always wraps with
//! the current one. Re-wrapping a data key under a new master key leaves the secrets, which are
//! sealed with the unchanged data key, byte for byte as they were.

use crate::error::VaultError;
use latchkey_core::ids::VaultItemId;
use latchkey_core::keys::MasterKey;
use latchkey_core::random::RandomSource;
use latchkey_core::secret::Password;
use latchkey_core::secretbox::{Sealed, SecretBox, SecretBoxError};
use std::fmt;
use zeroize::Zeroizing;

/// The purpose label the vault key is derived with.
pub const VAULT_KEY_PURPOSE: &str = "vault";
/// The key id written into values sealed by an item's data key. The data key itself is found
/// through the item, so the id only marks the text as "sealed by the item's own key".
pub const DATA_KEY_ID: &str = "item";

/// An item's data key: 32 random bytes, wiped on drop, never printed.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A fresh random key (the caller passes the CSPRNG).
    pub fn generate(rng: &mut dyn RandomSource) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut_slice());
        Self(key)
    }

    fn secret_box(&self) -> Result<SecretBox, VaultError> {
        // `SecretBox::new` takes its own copy and wipes it.
        SecretBox::new(*self.0, DATA_KEY_ID.to_owned()).map_err(VaultError::Crypto)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// The vault keys of this node: the current one wraps, any of them unwraps.
pub struct Envelope {
    current: SecretBox,
    previous: Vec<SecretBox>,
}

impl Envelope {
    /// The envelope of `current`, also able to open what `previous` master keys wrapped.
    pub fn new(current: &MasterKey, previous: &[MasterKey]) -> Result<Self, VaultError> {
        let current = current
            .secret_box(VAULT_KEY_PURPOSE)
            .map_err(VaultError::Crypto)?;
        let mut boxes: Vec<SecretBox> = Vec::with_capacity(previous.len());
        for key in previous {
            let b = key
                .secret_box(VAULT_KEY_PURPOSE)
                .map_err(VaultError::Crypto)?;
            if b.key_id() != current.key_id() && boxes.iter().all(|o| o.key_id() != b.key_id()) {
                boxes.push(b);
            }
        }
        Ok(Self {
            current,
            previous: boxes,
        })
    }

    /// The key id every data key wrapped now carries (`k…-vault`); rotation asks the store for
    /// items wrapped by anything else.
    pub fn key_id(&self) -> &str {
        self.current.key_id()
    }

    /// Whether `wrapped` is wrapped by the current key.
    pub fn is_current(&self, wrapped: &Sealed) -> bool {
        wrapped.key_id() == self.current.key_id()
    }

    /// Seals an item's secret with its data key.
    pub fn seal_secret(
        &self,
        item: VaultItemId,
        data_key: &DataKey,
        password: &Password,
        rng: &mut dyn RandomSource,
    ) -> Result<Sealed, VaultError> {
        data_key
            .secret_box()?
            .seal(password.expose().as_bytes(), &secret_aad(item), rng)
            .map_err(VaultError::Crypto)
    }

    /// Opens an item's secret (current or from its history) with its data key.
    pub fn open_secret(
        &self,
        item: VaultItemId,
        data_key: &DataKey,
        sealed: &Sealed,
    ) -> Result<Password, VaultError> {
        let clear = data_key
            .secret_box()?
            .open(sealed, &secret_aad(item))
            .map_err(|_| VaultError::Corrupt(item))?;
        let text = std::str::from_utf8(&clear).map_err(|_| VaultError::Corrupt(item))?;
        Ok(Password::new(text))
    }

    /// Wraps a data key with the current vault key.
    pub fn wrap_key(
        &self,
        item: VaultItemId,
        data_key: &DataKey,
        rng: &mut dyn RandomSource,
    ) -> Result<Sealed, VaultError> {
        self.current
            .seal(data_key.0.as_slice(), &key_aad(item), rng)
            .map_err(VaultError::Crypto)
    }

    /// Unwraps an item's data key with whichever vault key wrapped it.
    pub fn unwrap_key(&self, item: VaultItemId, wrapped: &Sealed) -> Result<DataKey, VaultError> {
        let Some(vault_key) = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|b| b.key_id() == wrapped.key_id())
        else {
            // A vault key we lack is named so the operator can configure it; anything else
            // (a secret pasted where a wrapped key belongs) is damage.
            return Err(match master_key_id(wrapped.key_id()) {
                Some(key_id) => VaultError::WrongKey {
                    key_id: key_id.to_owned(),
                },
                None => VaultError::Corrupt(item),
            });
        };
        let clear = vault_key
            .open(wrapped, &key_aad(item))
            .map_err(|e| match e {
                SecretBoxError::WrongKey { found, .. } => match master_key_id(&found) {
                    Some(key_id) => VaultError::WrongKey {
                        key_id: key_id.to_owned(),
                    },
                    None => VaultError::Corrupt(item),
                },
                _ => VaultError::Corrupt(item),
            })?;
        let bytes: [u8; 32] = clear
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Corrupt(item))?;
        Ok(DataKey(Zeroizing::new(bytes)))
    }

    /// The item's data key wrapped by the current key: `None` when it already is, a fresh
    /// wrapping otherwise. The data key, and so every sealed secret, stays the same.
    pub fn rewrap(
        &self,
        item: VaultItemId,
        wrapped: &Sealed,
        rng: &mut dyn RandomSource,
    ) -> Result<Option<Sealed>, VaultError> {
        if self.is_current(wrapped) {
            return Ok(None);
        }
        let data_key = self.unwrap_key(item, wrapped)?;
        self.wrap_key(item, &data_key, rng).map(Some)
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("current", &self.current.key_id())
            .field(
                "previous",
                &self
                    .previous
                    .iter()
                    .map(SecretBox::key_id)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The associated data of an item's secrets.
fn secret_aad(item: VaultItemId) -> Vec<u8> {
    format!("vault-secret:{item}").into_bytes()
}

/// The associated data of an item's wrapped data key.
fn key_aad(item: VaultItemId) -> Vec<u8> {
    format!("vault-key:{item}").into_bytes()
}

/// `k1234abcd` from the vault key id `k1234abcd-vault`: the id operators know the master by.
/// `None` when the id is not a vault key's.
fn master_key_id(vault_key_id: &str) -> Option<&str> {
    vault_key_id
        .strip_suffix(VAULT_KEY_PURPOSE)
        .and_then(|rest| rest.strip_suffix('-'))
        .filter(|master| !master.is_empty())
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
