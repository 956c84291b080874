//! AES-256-GCM for small secrets at rest (TOTP secrets today; the vault builds envelope
//! encryption on top of it later).
//!
//! A [`SecretBox`] holds one 256-bit key and the id it is known by. [`SecretBox::seal`] draws a
//! fresh 96-bit nonce from the caller's CSPRNG and returns a [`Sealed`] value whose text form is
//!
//! ```text
//! v1.<key id>.<base64url nonce>.<base64url ciphertext ‖ 16-byte tag>
//! ```
//!
//! (base64url without padding). The key id says which key opens it, so keys can be rotated: the
//! edge keeps a few boxes and picks one by [`Sealed::key_id`].
//!
//! The caller passes associated data that names the record the secret belongs to (for a TOTP
//! secret, `totp:<profile id>`). It is not stored in the text but authenticated with it, so a
//! ciphertext copied into another record does not open. Every failure — wrong key, wrong key id,
//! wrong AAD, any changed byte — is an error; opening never returns garbage.
//!
//! Random nonces are safe for about 2^32 seals per key (the birthday bound for 96 bits at the
//! usual 2^-32 collision budget); a few secrets per user is far below that.

use crate::random::RandomSource;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;
use std::str::FromStr;
use zeroize::{Zeroize, Zeroizing};

/// Length of the random nonce (96 bits, the size GCM is specified for).
pub const NONCE_BYTES: usize = 12;
/// Length of the authentication tag appended to the ciphertext.
pub const TAG_BYTES: usize = 16;
/// Longest key id accepted.
pub const MAX_KEY_ID_LEN: usize = 64;
/// The only format version so far.
const VERSION: &str = "v1";

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretBoxError {
    /// A key id must be 1–64 characters of `A–Z a–z 0–9 _ -` (it sits between dots in the text).
    #[error("key id must be 1-{MAX_KEY_ID_LEN} characters of A-Z, a-z, 0-9, '_' or '-'")]
    InvalidKeyId,
    /// The text is not `v1.<key id>.<nonce>.<ciphertext>` with valid base64url parts.
    #[error("sealed value is malformed")]
    Malformed,
    /// The value was sealed under another key.
    #[error("sealed under key {found:?}, this box holds key {expected:?}")]
    WrongKey {
        /// The key id this box holds.
        expected: String,
        /// The key id in the sealed value.
        found: String,
    },
    /// Authentication failed: wrong key material, wrong associated data or a changed byte.
    #[error("sealed value does not open with this key and record")]
    Unauthentic,
    /// The plaintext is too long for GCM.
    #[error("plaintext too long to seal")]
    TooLong,
}

/// An AES-256-GCM key with its id. The key schedule is wiped on drop and never printed.
pub struct SecretBox {
    cipher: Aes256Gcm,
    key_id: String,
}

impl SecretBox {
    /// A box for `key`, known as `key_id`. The local copy of the key is wiped here; the caller
    /// should wipe theirs (read it into a `Zeroizing` buffer).
    pub fn new(mut key: [u8; 32], key_id: String) -> Result<Self, SecretBoxError> {
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(key));
        key.zeroize();
        if !valid_key_id(&key_id) {
            return Err(SecretBoxError::InvalidKeyId);
        }
        Ok(Self { cipher, key_id })
    }

    /// The id of this box's key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Encrypts `plaintext` bound to `aad` under a fresh random nonce.
    pub fn seal(
        &self,
        plaintext: &[u8],
        aad: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<Sealed, SecretBoxError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SecretBoxError::TooLong)?;
        Ok(Sealed {
            key_id: self.key_id.clone(),
            nonce,
            ciphertext,
        })
    }

    /// Decrypts a value sealed by this key for the same `aad`.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretBoxError> {
        if sealed.key_id != self.key_id {
            return Err(SecretBoxError::WrongKey {
                expected: self.key_id.clone(),
                found: sealed.key_id.clone(),
            });
        }
        self.cipher
            .decrypt(
                &Nonce::from(sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SecretBoxError::Unauthentic)
    }
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBox")
            .field("key_id", &self.key_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_KEY_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A sealed secret: key id, nonce and ciphertext with its tag. Not secret itself (it is safe to
/// store and to log), but `Debug` shows only the key id and sizes to keep logs short.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    key_id: String,
    nonce: [u8; NONCE_BYTES],
    ciphertext: Vec<u8>,
}

impl Sealed {
    /// The id of the key that opens it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Parses the text form (`v1.<key id>.<nonce>.<ciphertext>`).
    pub fn parse(text: &str) -> Result<Self, SecretBoxError> {
        let mut parts = text.split('.');
        let (Some(version), Some(key_id), Some(nonce), Some(ciphertext), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(SecretBoxError::Malformed);
        };
        if version != VERSION || !valid_key_id(key_id) {
            return Err(SecretBoxError::Malformed);
        }
        let nonce: [u8; NONCE_BYTES] = URL_SAFE_NO_PAD
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(SecretBoxError::Malformed)?;
        let ciphertext = URL_SAFE_NO_PAD
            .decode(ciphertext)
            .map_err(|_| SecretBoxError::Malformed)?;
        if ciphertext.len() < TAG_BYTES {
            return Err(SecretBoxError::Malformed);
        }
        Ok(Self {
            key_id: key_id.to_owned(),
            nonce,
            ciphertext,
        })
    }
}

impl fmt::Display for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{VERSION}.{}.{}.{}",
            self.key_id,
            URL_SAFE_NO_PAD.encode(self.nonce),
            URL_SAFE_NO_PAD.encode(&self.ciphertext)
        )
    }
}

impl FromStr for Sealed {
    type Err = SecretBoxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("key_id", &self.key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "secretbox_tests.rs"]
mod tests;
