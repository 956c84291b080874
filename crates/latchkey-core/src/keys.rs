//! The node's master key and the keys derived from it.
//!
//! One 256-bit master key per deployment (every node of a cluster has the same one) protects
//! what the store must hold encrypted: queued messages (they may carry PINs and links), TOTP
//! secrets, and the device-cookie signatures. Each use gets its own key, derived as
//! HMAC-SHA256(master, label), so a key never serves two purposes. The file holds the key as
//! base64 (44 characters); `latchkey keys generate FILE` writes one.

use crate::random::RandomSource;
use crate::secretbox::{SecretBox, SecretBoxError};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The master key. Zeroized on drop; never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

/// A key file that does not hold a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not base64 of exactly 32 bytes.
    #[error(
        "the key file must hold 32 random bytes as base64 (44 characters); generate one with `latchkey keys generate FILE`"
    )]
    Format,
    /// All zero or otherwise unusable.
    #[error("the key is all zeros; generate a random one with `latchkey keys generate FILE`")]
    Weak,
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate(rng: &mut dyn RandomSource) -> Self {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        Self(key)
    }

    /// Reads the text of a key file (surrounding whitespace ignored; standard or URL-safe
    /// base64, padded or not).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = Zeroizing::new(
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| KeyError::Format)?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| KeyError::Format)?;
        if key.iter().all(|b| *b == 0) {
            return Err(KeyError::Weak);
        }
        Ok(Self(key))
    }

    /// The text to write to a key file.
    pub fn encode(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0))
    }

    /// A short public id of the key (`k` + 8 hex digits), stored with what it sealed so a
    /// wrong key is recognised as such.
    pub fn key_id(&self) -> String {
        let digest = Sha256::new_with_prefix(b"latchkey key id\0")
            .chain_update(self.0)
            .finalize();
        let mut id = String::from("k");
        for b in digest.iter().take(4) {
            id.push_str(&format!("{b:02x}"));
        }
        id
    }

    /// The key for one purpose: HMAC-SHA256(master, label).
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        // HMAC accepts keys of any length, so this cannot fail.
        if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) {
            mac.update(label.as_bytes());
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        out
    }

    /// A secret box for one purpose (its key id names the master key and the purpose).
    pub fn secret_box(&self, purpose: &str) -> Result<SecretBox, SecretBoxError> {
        SecretBox::new(
            *self.derive(purpose),
            format!("{}-{purpose}", self.key_id()),
        )
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, [redacted])", self.key_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn round_trip_derivation_and_redaction() {
        let key = MasterKey::generate(&mut SeededRandom::new(5));
        let text = key.encode();
        assert_eq!(text.len(), 44);
        let again = MasterKey::parse(&format!("  {}\n", text.as_str())).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        assert_ne!(*key.derive("mail"), *key.derive("totp"));
        assert_eq!(*key.derive("mail"), *again.derive("mail"));
        assert!(!format!("{key:?}").contains(text.as_str()));
        let sealed = key
            .secret_box("mail")
            .unwrap()
            .seal(b"pin 1234", b"aad", &mut SeededRandom::new(1))
            .unwrap();
        assert!(
            again
                .secret_box("totp")
                .unwrap()
                .open(&sealed, b"aad")
                .is_err(),
            "purposes are separate"
        );
        assert_eq!(
            &*again
                .secret_box("mail")
                .unwrap()
                .open(&sealed, b"aad")
                .unwrap(),
            b"pin 1234"
        );
    }

    #[test]
    fn bad_files_are_refused() {
        assert_eq!(MasterKey::parse("short").unwrap_err(), KeyError::Format);
        assert_eq!(
            MasterKey::parse(&STANDARD.encode([0u8; 32])).unwrap_err(),
            KeyError::Weak
        );
        assert_eq!(
            MasterKey::parse(&STANDARD.encode([1u8; 31])).unwrap_err(),
            KeyError::Format
        );
        // HMAC-SHA256 RFC 4231 test case 2 ("Jefe" / "what do ya want for nothing?") checks the
        // primitive the derivation uses.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
