//! How answers are hashed: a small trait, so the decisions here do not depend on a scheme, and
//! its production implementation over [`crate::answer_hash`] (Argon2id for new values; imported
//! schemes still verify and ask for a rehash).

use super::normalise::NormalisedAnswer;
use crate::answer_hash;
use crate::password_hash::Argon2Params;
use crate::random::RandomSource;
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroize;

/// A stored answer hash (self-describing: a PHC string or an LDAP-style `{SCHEME}` value). An
/// offline guessing target, and an imported `{PLAIN}` value holds the answer itself: zeroized on
/// drop, and `Debug` shows only the scheme label.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredHash(String);

impl StoredHash {
    /// Wraps a stored string (checked when verifying).
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    /// The string, for storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scheme label (`argon2id`, `SSHA` …) when it looks like one, else `?`.
    fn label(&self) -> &str {
        let label = if let Some(rest) = self.0.strip_prefix('$') {
            rest.split('$').next()
        } else if let Some(rest) = self.0.strip_prefix('{') {
            rest.split_once('}').map(|(l, _)| l)
        } else {
            None
        };
        label
            .filter(|l| {
                !l.is_empty()
                    && l.len() <= 16
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            .unwrap_or("?")
    }
}

impl Drop for StoredHash {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for StoredHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredHash({}, [redacted])", self.label())
    }
}

/// The outcome of checking one answer against its stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerCheck {
    /// The answer is right.
    pub matches: bool,
    /// Right, but hashed with another scheme or parameters: store a fresh hash.
    pub needs_rehash: bool,
}

/// Hashing or verifying failed (bad parameters, a stored string in an unknown format). The
/// message never contains the answer or the stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("answer hashing failed: {0}")]
pub struct HasherError(pub String);

/// Hashes answers.
pub trait AnswerHasher {
    /// A fresh stored hash of `answer` (new salt each call).
    fn hash(&mut self, answer: &NormalisedAnswer) -> Result<StoredHash, HasherError>;
    /// Checks `answer` against `stored`, in constant time with respect to the hash.
    fn verify(
        &self,
        answer: &NormalisedAnswer,
        stored: &StoredHash,
    ) -> Result<AnswerCheck, HasherError>;
}

/// The production hasher: new answers are Argon2id with `params` and a salt from `rng`;
/// verification accepts every scheme [`crate::answer_hash`] reads.
pub struct StoredAnswerHasher<'r> {
    /// Cost of new hashes (a stored hash with other costs asks for a rehash).
    pub params: Argon2Params,
    /// Salts come from here (the operating system's CSPRNG in production).
    pub rng: &'r mut dyn RandomSource,
}

impl fmt::Debug for StoredAnswerHasher<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredAnswerHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl AnswerHasher for StoredAnswerHasher<'_> {
    fn hash(&mut self, answer: &NormalisedAnswer) -> Result<StoredHash, HasherError> {
        answer_hash::hash_default(answer.as_password(), &self.params, &mut *self.rng)
            .map(|h| StoredHash::from_stored(h.as_str().to_owned()))
            .map_err(|e| HasherError(e.to_string()))
    }

    fn verify(
        &self,
        answer: &NormalisedAnswer,
        stored: &StoredHash,
    ) -> Result<AnswerCheck, HasherError> {
        answer_hash::verify(answer.as_password(), stored.as_str(), &self.params)
            .map(|v| AnswerCheck {
                matches: v.matches,
                needs_rehash: v.needs_rehash,
            })
            .map_err(|e| HasherError(e.to_string()))
    }
}
