//! What password history needs from storage: a person's previous hashes, newest first, and a
//! password change that records the old hash in the same transaction as the new one.
//!
//! The change is one transaction so that a crash or a concurrent change can never leave the new
//! password stored without the old one in the history (which would let the person go back to
//! it), nor the history grow past the policy's depth.

use crate::ids::ProfileId;
use crate::password_hash::PasswordHashString;
use crate::repo::RepoResult;
use std::future::Future;
use time::OffsetDateTime;

/// Previous passwords of internal-directory profiles, as Argon2id PHC hashes.
pub trait PasswordHistoryRepo {
    /// The profile's previous password hashes (not the current one), newest first, at most
    /// `limit`.
    fn previous_hashes(
        &self,
        profile: ProfileId,
        limit: usize,
    ) -> impl Future<Output = RepoResult<Vec<PasswordHashString>>> + Send;

    /// In one transaction: pushes the profile's current hash (if any) onto its history, stores
    /// `new_hash` as the current one, and keeps only the newest `keep` history entries (0 keeps
    /// none). `NotFound` when the profile does not exist.
    fn set_password_hash_with_history(
        &self,
        profile: ProfileId,
        new_hash: &PasswordHashString,
        keep: usize,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;
}
