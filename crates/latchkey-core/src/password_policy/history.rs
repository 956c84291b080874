//! Password history (the `reused` rule), without core touching the store.
//!
//! The store keeps a person's previous passwords as Argon2id PHC hashes (never in clear), newest
//! first. Core cannot read them, so [`super::evaluate`] asks a [`History`] whether the candidate
//! equals one of them. Data moves like this:
//!
//! 1. The edge loads the person's last `policy.history` hashes and wraps them in a
//!    [`StoredHistory`] (or passes any closure `Fn(&Password) -> bool`, as tests do).
//! 2. [`super::evaluate`] calls [`History::matches_previous`] with the *normalised* candidate,
//!    only when `policy.history > 0`. [`StoredHistory`] verifies it against each hash with
//!    [`crate::password_hash::verify_password`]: pure computation, about 25 ms per hash with the
//!    default cost, which is why `history` is capped at
//!    [`HISTORY_CEILING`](super::policy::HISTORY_CEILING).
//! 3. When the verdict is ok, the edge hashes the normalised password, stores it as the current
//!    hash, pushes it onto the history and drops the entries beyond `policy.history`.
//!
//! Hashes are compared on the normalised text, so history entries written before normalisation
//! was introduced only match passwords that NFKC leaves unchanged (nearly every password).
//! A stored entry that is not an Argon2id PHC string (imported from elsewhere, damaged) cannot be
//! compared and counts as no match: refusing every new password over one unreadable entry would
//! lock the person out of a reset, and history guards against reuse, not against an attacker.

use crate::password_hash::{Argon2Params, PasswordHashString, verify_password};
use crate::secret::Password;

/// Answers whether a candidate equals one of the person's previous passwords.
pub trait History {
    /// True when `candidate` (normalised) is one of the previous passwords the policy counts.
    fn matches_previous(&self, candidate: &Password) -> bool;
}

impl<F> History for F
where
    F: Fn(&Password) -> bool,
{
    fn matches_previous(&self, candidate: &Password) -> bool {
        self(candidate)
    }
}

/// No previous passwords (a new account, or history kept nowhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHistory;

impl History for NoHistory {
    fn matches_previous(&self, _candidate: &Password) -> bool {
        false
    }
}

/// Previous passwords as the store keeps them: Argon2id PHC hashes, newest first.
#[derive(Debug, Clone, Copy)]
pub struct StoredHistory<'a> {
    hashes: &'a [PasswordHashString],
    depth: usize,
}

impl<'a> StoredHistory<'a> {
    /// The newest `depth` of `hashes` (pass `policy.history`); older entries are ignored.
    pub fn new(hashes: &'a [PasswordHashString], depth: usize) -> Self {
        Self { hashes, depth }
    }
}

impl History for StoredHistory<'_> {
    fn matches_previous(&self, candidate: &Password) -> bool {
        // The parameters only decide `needs_rehash`, which history does not use.
        let params = Argon2Params::default();
        self.hashes.iter().take(self.depth).any(|stored| {
            verify_password(candidate, stored, &params).is_ok_and(|check| check.matches)
        })
    }
}
