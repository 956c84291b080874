//! One-time tokens and session ids: random secrets that are only ever stored hashed.
//!
//! A token is 256 bits from the caller's CSPRNG, shown once (base64url, 43 characters) and
//! stored as the SHA-256 of that text. SHA-256 without salt or stretching is right here: the
//! input has 256 bits of entropy, so a database dump gives nothing to guess at, and lookups stay
//! a single indexed equality.

use crate::random::RandomSource;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

/// Entropy of every token and session id, in bytes (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// The clear token: give it to the user once, never store or log it.
#[derive(Clone)]
pub struct TokenSecret(SecretString);

impl TokenSecret {
    /// Draws a new token.
    pub fn generate(rng: &mut dyn RandomSource) -> Self {
        let mut raw = [0u8; TOKEN_BYTES];
        rng.fill_bytes(&mut raw);
        let text = URL_SAFE_NO_PAD.encode(raw);
        raw.fill(0);
        Self(SecretString::from(text))
    }

    /// Wraps a token that came back from a user (a link, a cookie).
    pub fn from_user(text: &str) -> Self {
        Self(SecretString::from(text.to_owned()))
    }

    /// The text to put in a link or cookie. Declassifying: only to hand it to its owner.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the store keeps.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(self.expose())
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret([redacted])")
    }
}

/// SHA-256 of a token, hex-encoded: the only form that reaches the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes token text.
    pub fn of(token: &str) -> Self {
        let digest = Sha256::digest(token.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest.iter() {
            hex.push_str(&format!("{b:02x}"));
        }
        Self(hex)
    }

    /// Wraps a hash read back from the store.
    pub fn from_stored(hex: String) -> Self {
        Self(hex)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A flow id derived from this hash (its first 128 bits): a flow is stored under the hash
    /// of the token its browser holds, so a database dump does not let anyone continue it.
    pub fn flow_id(&self) -> Option<crate::ids::FlowId> {
        let hex = self.0.get(..32)?;
        uuid::Uuid::try_parse(hex).ok().map(crate::ids::FlowId)
    }
}

/// Compares two secrets in constant time (for PINs, CSRF tokens and the like).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let mut rng = SeededRandom::new(9);
        let a = TokenSecret::generate(&mut rng);
        let b = TokenSecret::generate(&mut rng);
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.hash(), TokenHash::of(a.expose()));
        assert_eq!(a.hash().as_str().len(), 64);
        assert!(!a.hash().as_str().contains(a.expose()));
        assert_eq!(format!("{a:?}"), "TokenSecret([redacted])");
        assert_eq!(TokenSecret::from_user(a.expose()).hash(), a.hash());
        let flow = a.hash().flow_id().unwrap();
        assert_eq!(flow.0.simple().to_string(), a.hash().as_str()[..32]);
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
