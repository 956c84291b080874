//! Second factors from an authenticator app: TOTP (RFC 6238, computed by `totp-rs`) and the
//! single-use recovery codes that stand in for a lost phone.
//!
//! How data moves:
//!
//! 1. **Enrolment.** [`TotpSecret::generate`] draws the shared secret from the caller's CSPRNG
//!    (at least 160 bits); [`Totp::enrolment_uri`] gives the `otpauth://` URI that the browser
//!    turns into a QR code (no image is made on the server). The user types a code; only when
//!    [`Totp::verify`] accepts it does the edge store the secret, sealed with
//!    [`crate::secretbox`] under [`totp_aad`] for that profile, together with the
//!    [`TotpParams`] it was made with and the step of that first code as `last_used_step`.
//! 2. **Login.** The edge opens the sealed secret, calls [`Totp::verify`] with the current time
//!    and the stored `last_used_step`, and on [`TotpCheck::Valid`] stores the new step with a
//!    compare-and-set, so two nodes cannot both accept the same code. Failed codes go through
//!    the chain's lockout counter like any other answer.
//! 3. **Recovery codes.** [`recovery::generate`] makes the set shown once to the user and the
//!    SHA-256 hashes that are stored; [`recovery::check`] decides which stored hash a typed code
//!    would consume.
//!
//! Defaults are SHA-1, 6 digits, 30 s: most authenticator apps ignore the `algorithm`, `digits`
//! and `period` parameters of the URI and silently compute SHA-1/6/30 codes, so a user enrolled
//! with anything else may get codes that never match. SHA-256/SHA-512 and 8 digits are there
//! for operators whose tokens support them. HMAC-SHA-1 is not weakened by SHA-1 collisions.

mod enrolment;
mod recovery_codes;
pub mod repo;
mod totp;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

pub use enrolment::{NewEnrolment, new_enrolment};
pub use totp::{
    ISSUER, Totp, TotpAlgorithm, TotpCheck, TotpParams, TotpSecret, open_secret, seal_secret,
    totp_aad,
};

/// Recovery codes: generation, normalisation and the single-use decision.
pub mod recovery {
    pub use super::recovery_codes::{
        CODE_BITS, CODE_CHARS, DEFAULT_COUNT, MAX_COUNT, RecoveryCheck, RecoveryCode,
        TOKEN_PURPOSE, check, generate, hash_typed, outcome,
    };
}

/// What went wrong while setting up or using a TOTP enrolment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    /// Digits other than 6 or 8.
    #[error("a TOTP code has 6 or 8 digits, not {0}")]
    InvalidDigits(u8),
    /// A time step outside 15–300 seconds.
    #[error("the TOTP time step must be 15 to 300 seconds, not {0}")]
    InvalidStep(u64),
    /// A shared secret shorter than 160 bits.
    #[error("a TOTP secret needs at least 160 bits, got {0}")]
    SecretTooShort(usize),
    /// The login id cannot be put in an `otpauth://` label (empty, or it has a `:`).
    #[error("this login id cannot label an authenticator entry (empty or contains ':')")]
    InvalidAccountName,
    /// Recovery code count outside 1–[`recovery::MAX_COUNT`].
    #[error("recovery code count must be 1 to {max}, not {0}", max = recovery::MAX_COUNT)]
    InvalidRecoveryCount(usize),
    /// `totp-rs` refused the parameters (should not happen after our own checks).
    #[error("TOTP parameters refused: {0}")]
    Totp(String),
    /// Sealing or opening the secret failed.
    #[error(transparent)]
    SecretBox(#[from] crate::secretbox::SecretBoxError),
}
