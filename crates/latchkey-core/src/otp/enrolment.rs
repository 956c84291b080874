//! Making an enrolment from a drawn secret: the steps `latchkey totp enrol` and the
//! self-service page share, so both store the same thing.
//!
//! The secret is sealed for the profile with the master key's `totp` box, a fresh set of
//! recovery codes is drawn, and only their hashes go into the record; the codes themselves are
//! handed back to be shown once.

use super::recovery::{self, RecoveryCode};
use super::repo::TotpEnrolment;
use super::{OtpError, TotpParams, TotpSecret, seal_secret};
use crate::ids::ProfileId;
use crate::random::RandomSource;
use crate::secretbox::SecretBox;
use crate::token::TokenHash;
use time::OffsetDateTime;

/// A new enrolment, ready to store ([`super::repo::TotpRepo::save_totp_enrolment`]).
#[derive(Debug)]
pub struct NewEnrolment {
    /// The record, secret sealed.
    pub record: TotpEnrolment,
    /// The recovery codes, to show once and never again.
    pub recovery_codes: Vec<RecoveryCode>,
    /// Their hashes, to store.
    pub recovery_hashes: Vec<TokenHash>,
}

/// Seals `secret` for `profile` and draws [`recovery::DEFAULT_COUNT`] recovery codes.
/// `first_step` is the step of the code that confirmed the enrolment (the page), so that code
/// cannot sign in again; `None` when no code was typed (the command line).
pub fn new_enrolment(
    secret: &TotpSecret,
    params: TotpParams,
    secret_box: &SecretBox,
    profile: ProfileId,
    first_step: Option<u64>,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> Result<NewEnrolment, OtpError> {
    let sealed_secret = seal_secret(secret, secret_box, profile, rng)?;
    let (recovery_codes, recovery_hashes) = recovery::generate(recovery::DEFAULT_COUNT, rng)?;
    Ok(NewEnrolment {
        record: TotpEnrolment {
            profile,
            sealed_secret,
            params,
            last_used_step: first_step,
            enrolled_at: now,
        },
        recovery_codes,
        recovery_hashes,
    })
}
