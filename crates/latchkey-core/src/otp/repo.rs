//! What TOTP needs from storage: one enrolment per profile and its recovery-code hashes.
//!
//! The two single-use decisions are made by the database, in one statement each, so they hold
//! across nodes sharing it:
//! - [`TotpRepo::advance_totp_step`] moves `last_used_step` forward only if the new step is
//!   later than the stored one (`… WHERE last_used_step < $new`); of two requests carrying the
//!   same code, exactly one sees its row updated, and the other is a replay.
//! - [`TotpRepo::consume_recovery_code`] deletes exactly the matched hash; of two requests
//!   carrying the same recovery code, exactly one deletes a row.

use super::TotpParams;
use crate::ids::ProfileId;
use crate::repo::RepoResult;
use crate::secretbox::Sealed;
use crate::token::TokenHash;
use std::future::Future;
use time::OffsetDateTime;

/// The purpose of the master key's secret box that seals TOTP secrets
/// (`master_key.secret_box(BOX_PURPOSE)`).
pub const BOX_PURPOSE: &str = "totp";

/// A profile's authenticator enrolment, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// Whose.
    pub profile: ProfileId,
    /// The shared secret, sealed under [`super::totp_aad`] of `profile`.
    pub sealed_secret: Sealed,
    /// How codes are computed for this enrolment.
    pub params: TotpParams,
    /// The step of the last code accepted (None until one is).
    pub last_used_step: Option<u64>,
    /// When it was made.
    pub enrolled_at: OffsetDateTime,
}

/// TOTP enrolments and recovery codes.
pub trait TotpRepo {
    /// The profile's enrolment, if it has one.
    fn totp_enrolment(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<TotpEnrolment>>> + Send;

    /// Stores an enrolment with its recovery-code hashes, replacing any earlier enrolment and
    /// every earlier recovery code of the profile (all or nothing).
    fn save_totp_enrolment(
        &self,
        enrolment: &TotpEnrolment,
        recovery_codes: &[TokenHash],
    ) -> impl Future<Output = RepoResult<()>> + Send;

    /// Records `step` as the last one used, only if it is later than the stored one. False
    /// when another request used this step (or a later one) first, or there is no enrolment.
    fn advance_totp_step(
        &self,
        profile: ProfileId,
        step: u64,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// The hashes of the profile's unused recovery codes.
    fn recovery_code_hashes(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Vec<TokenHash>>> + Send;

    /// Removes one recovery code; true only for the call whose delete took effect.
    fn consume_recovery_code(
        &self,
        profile: ProfileId,
        hash: &TokenHash,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Removes the enrolment and its recovery codes; false when there was none.
    fn delete_totp_enrolment(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
}
