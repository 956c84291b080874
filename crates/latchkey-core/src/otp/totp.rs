//! TOTP enrolment and verification over `totp-rs`, with the time passed in.
//!
//! `totp-rs` computes the codes (RFC 6238 over RFC 4226 truncation). The acceptance window and
//! replay rule are ours, because `totp-rs`'s own `check` looks the same number of steps ahead as
//! back and knows nothing of codes already used:
//!
//! - accepted: the code of the current step, or of the one before it (a code typed just as it
//!   rolled over, or a clock a little behind). Never a step ahead: a phone clock that runs fast
//!   is rarer than network delay, and every extra step accepted is another code an attacker may
//!   guess.
//! - a code whose step is at or before `last_used_step` is a replay and fails, even inside the
//!   window (RFC 6238 §5.2: one code, one use).

use super::OtpError;
use crate::chain::tally::Resolved;
use crate::ids::ProfileId;
use crate::random::RandomSource;
use crate::secretbox::{Sealed, SecretBox};
use crate::token::constant_time_eq;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The issuer shown in authenticator apps (the label prefix and the `issuer` parameter).
pub const ISSUER: &str = "Latchkey";

/// Shortest shared secret accepted: 160 bits, RFC 4226's recommendation.
pub const MIN_SECRET_BYTES: usize = 20;

/// The HMAC hash of the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1: the default, and the only one most authenticator apps honour.
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl TotpAlgorithm {
    /// The secret length drawn at enrolment: the hash's output size (RFC 6238 appendix B uses
    /// keys of that length), so never below 160 bits.
    pub fn secret_bytes(self) -> usize {
        match self {
            TotpAlgorithm::Sha1 => 20,
            TotpAlgorithm::Sha256 => 32,
            TotpAlgorithm::Sha512 => 64,
        }
    }

    fn lib(self) -> totp_rs::Algorithm {
        match self {
            TotpAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
            TotpAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
            TotpAlgorithm::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

/// How codes are computed. Stored with each enrolment: changing the configured defaults later
/// must not break phones that were enrolled under the old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    /// HMAC hash.
    pub algorithm: TotpAlgorithm,
    /// 6 or 8.
    pub digits: u8,
    /// Seconds per step (15–300; 30 by default).
    pub step_seconds: u64,
}

impl Default for TotpParams {
    fn default() -> Self {
        Self {
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            step_seconds: 30,
        }
    }
}

impl TotpParams {
    /// Refuses digits other than 6 or 8 and steps outside 15–300 s.
    pub fn validate(&self) -> Result<(), OtpError> {
        if !matches!(self.digits, 6 | 8) {
            return Err(OtpError::InvalidDigits(self.digits));
        }
        if !(15..=300).contains(&self.step_seconds) {
            return Err(OtpError::InvalidStep(self.step_seconds));
        }
        Ok(())
    }
}

/// The shared secret. Wiped on drop, never printed; at rest only as a [`Sealed`] value.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl TotpSecret {
    /// Draws a secret of [`TotpAlgorithm::secret_bytes`] from the caller's CSPRNG.
    pub fn generate(params: &TotpParams, rng: &mut dyn RandomSource) -> Self {
        let mut raw = Zeroizing::new(vec![0u8; params.algorithm.secret_bytes()]);
        rng.fill_bytes(&mut raw);
        Self(raw)
    }

    /// Wraps secret bytes (opened from the store, or a test vector); at least 160 bits.
    pub fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Result<Self, OtpError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(OtpError::SecretTooShort(bytes.len() * 8));
        }
        Ok(Self(bytes))
    }

    /// The raw bytes. Declassifying: only to seal them or to compute codes.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 (RFC 4648, no padding) for users who type the key instead of scanning it.
    /// Declassifying: show it once on the enrolment page, never log it.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(totp_rs::Secret::from(self.expose_bytes()).to_base32())
    }

    /// Length in bits.
    pub fn bits(&self) -> usize {
        self.0.len() * 8
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

/// The associated data that binds a sealed TOTP secret to its profile.
pub fn totp_aad(profile: ProfileId) -> Vec<u8> {
    format!("totp:{profile}").into_bytes()
}

/// Seals a profile's secret for storage.
pub fn seal_secret(
    secret: &TotpSecret,
    secret_box: &SecretBox,
    profile: ProfileId,
    rng: &mut dyn RandomSource,
) -> Result<Sealed, OtpError> {
    Ok(secret_box.seal(secret.expose_bytes(), &totp_aad(profile), rng)?)
}

/// Opens a profile's stored secret; a secret sealed for another profile does not open.
pub fn open_secret(
    secret_box: &SecretBox,
    sealed: &Sealed,
    profile: ProfileId,
) -> Result<TotpSecret, OtpError> {
    TotpSecret::from_bytes(secret_box.open(sealed, &totp_aad(profile))?)
}

/// The verdict on a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// Right code for this step; the edge stores `step` as the new `last_used_step`.
    Valid {
        /// The step the code belongs to.
        step: u64,
    },
    /// Right code, but its step was already used (or an earlier one was used after it).
    Replay,
    /// Wrong, malformed, or out of the window.
    Invalid,
}

impl TotpCheck {
    /// The module outcome for the chain.
    pub fn resolved(self) -> Resolved {
        match self {
            TotpCheck::Valid { .. } => Resolved::Success,
            TotpCheck::Replay => Resolved::Fail("totp.replay".to_owned()),
            TotpCheck::Invalid => Resolved::Fail("totp.wrong".to_owned()),
        }
    }
}

/// A secret with its parameters, ready to compute and verify codes.
pub struct Totp {
    inner: totp_rs::Totp,
    params: TotpParams,
}

impl Totp {
    /// Checks the parameters and builds the generator.
    pub fn new(secret: &TotpSecret, params: TotpParams) -> Result<Self, OtpError> {
        params.validate()?;
        let inner = builder(secret.expose_bytes(), &params)
            .build()
            .map_err(|e| OtpError::Totp(e.to_string()))?;
        Ok(Self { inner, params })
    }

    /// The parameters.
    pub fn params(&self) -> TotpParams {
        self.params
    }

    /// The `otpauth://totp/Latchkey:<login id>?secret=…&issuer=Latchkey` URI for the QR code.
    /// It contains the secret: send it only in the enrolment page, never log it.
    pub fn enrolment_uri(&self, login_id: &str) -> Result<Zeroizing<String>, OtpError> {
        if login_id.is_empty() || login_id.contains(':') {
            return Err(OtpError::InvalidAccountName);
        }
        let labelled = builder(self.inner.secret().as_bytes(), &self.params)
            .with_issuer(Some(ISSUER))
            .with_account_name(login_id)
            .build()
            .map_err(|e| OtpError::Totp(e.to_string()))?;
        labelled
            .to_url()
            .map(Zeroizing::new)
            .map_err(|e| OtpError::Totp(e.to_string()))
    }

    /// The step number at `now` (`None` before 1970).
    pub fn step_at(&self, now: OffsetDateTime) -> Option<u64> {
        u64::try_from(now.unix_timestamp())
            .ok()
            .map(|secs| secs / self.params.step_seconds)
    }

    /// The code for the step containing `unix_seconds` (tests, and test kits that play the
    /// phone). Declassifying: a valid code is a credential for a few seconds.
    pub fn code_at(&self, unix_seconds: u64) -> Zeroizing<String> {
        Zeroizing::new(self.inner.generate(unix_seconds).to_string())
    }

    /// Checks a typed code at `now` against the current and the previous step, refusing steps
    /// at or before `last_used_step`. Spaces in the input are ignored ("123 456").
    pub fn verify(
        &self,
        typed: &str,
        now: OffsetDateTime,
        last_used_step: Option<u64>,
    ) -> TotpCheck {
        let Some(current) = self.step_at(now) else {
            return TotpCheck::Invalid;
        };
        let typed: Zeroizing<String> =
            Zeroizing::new(typed.chars().filter(|c| !c.is_whitespace()).collect());
        if typed.len() != usize::from(self.params.digits)
            || !typed.bytes().all(|b| b.is_ascii_digit())
        {
            return TotpCheck::Invalid;
        }
        // Both candidates are computed and compared every time; the later match wins.
        let mut matched = None;
        for step in [current.checked_sub(1), Some(current)]
            .into_iter()
            .flatten()
        {
            let code = self.code_at(step.saturating_mul(self.params.step_seconds));
            if constant_time_eq(&code, &typed) {
                matched = Some(step);
            }
        }
        match (matched, last_used_step) {
            (None, _) => TotpCheck::Invalid,
            (Some(step), Some(last)) if step <= last => TotpCheck::Replay,
            (Some(step), _) => TotpCheck::Valid { step },
        }
    }
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("params", &self.params)
            .field("secret", &"[redacted]")
            .finish()
    }
}

fn builder(secret: &[u8], params: &TotpParams) -> totp_rs::Builder {
    totp_rs::Builder::new()
        .with_algorithm(params.algorithm.lib())
        .with_digits(params.digits)
        .with_step_duration(params.step_seconds)
        .with_skew(0)
        .with_secret(secret)
}
