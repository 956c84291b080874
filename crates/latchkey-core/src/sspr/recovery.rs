//! What a verified forgotten-password flow does at its end ("recovery mode", seed 001): the
//! person sets a new password, or the service makes one and mails it, optionally marking it
//! expired so the next sign-in must change it.
//!
//! A mailed password is drawn by the mass-reset generator ([`crate::mpr::generate`]) from a
//! [`GeneratorPolicy`] that [`generator_policy`] derives from the effective password policy:
//! at least 20 characters (more if the policy's minimum asks), one of each of the four ASCII
//! classes (or the policy's higher minimums), no `0 O 1 l I` (the person reads it from a mail)
//! and none of the person's login id or names. The caller still judges the draw with the full
//! policy (blocklist, history, strength) and draws again when refused.

use crate::mpr::generate::{DEFAULT_SYMBOLS, GeneratorPolicy, MAX_LENGTH, MIN_LENGTH};
use crate::password_policy::PasswordPolicy;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Length of a mailed password when the policy's minimum is shorter.
pub const SENT_LENGTH: usize = 20;

/// The end of a verified reset (`FORGOTTEN_PASSWORD / RECOVERY_MODE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryMode {
    /// The person chooses the new password (the default).
    #[default]
    Set,
    /// The service generates a password, sets it and mails it to the person's address.
    Send,
    /// As [`RecoveryMode::Send`], and the password is marked expired: the next sign-in must
    /// change it.
    SendExpired,
}

/// A value that is not a recovery mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a recovery mode: use set, send or send_expired")]
pub struct RecoveryModeError(pub String);

impl RecoveryMode {
    /// The configured word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Send => "send",
            Self::SendExpired => "send_expired",
        }
    }

    /// Does the service make and mail the password?
    pub fn sends(self) -> bool {
        !matches!(self, Self::Set)
    }

    /// Must the person change the password at the next sign-in?
    pub fn expires(self) -> bool {
        matches!(self, Self::SendExpired)
    }
}

impl FromStr for RecoveryMode {
    type Err = RecoveryModeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "set" => Ok(Self::Set),
            "send" => Ok(Self::Send),
            "send_expired" => Ok(Self::SendExpired),
            _ => Err(RecoveryModeError(s.to_owned())),
        }
    }
}

impl fmt::Display for RecoveryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The generator policy of a mailed password under `policy`; `forbid` holds the person's login
/// id and names (see the module docs). Always one [`GeneratorPolicy::check`] accepts: the
/// length is raised to the class minimums and capped at what both policies allow.
pub fn generator_policy(policy: &PasswordPolicy, forbid: Vec<String>) -> GeneratorPolicy {
    let min_lower = policy.min_lower.max(1);
    let min_upper = policy.min_upper.max(1);
    let min_digits = policy.min_digits.max(1);
    let min_symbols = policy.min_symbols.max(1);
    let required = min_lower + min_upper + min_digits + min_symbols;
    let wanted = SENT_LENGTH.max(policy.min_length).max(required);
    // Never below the generator's floor, never above what either side accepts.
    let ceiling = MAX_LENGTH.min(policy.max_length).max(MIN_LENGTH);
    let length = wanted.min(ceiling);
    GeneratorPolicy {
        length,
        min_lower,
        min_upper,
        min_digits,
        min_symbols,
        symbols: DEFAULT_SYMBOLS.to_owned(),
        exclude_ambiguous: true,
        forbid_substrings: forbid,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::mpr::generate::generate;
    use crate::password_policy::{Blocklist, NoHistory, UserContext, evaluate};
    use crate::random::RandomSource;

    /// A deterministic source for tests (xorshift): never for real passwords.
    struct Fixed(u64);
    impl RandomSource for Fixed {
        fn fill_bytes(&mut self, out: &mut [u8]) {
            for b in out {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                *b = (self.0 & 0xff) as u8;
            }
        }
    }

    #[test]
    fn modes_parse_and_print() {
        for (word, mode) in [
            ("set", RecoveryMode::Set),
            ("send", RecoveryMode::Send),
            ("SEND_EXPIRED", RecoveryMode::SendExpired),
        ] {
            assert_eq!(word.parse::<RecoveryMode>(), Ok(mode));
            assert_eq!(mode.as_str(), word.to_ascii_lowercase());
        }
        assert!("mail".parse::<RecoveryMode>().is_err());
        assert!("".parse::<RecoveryMode>().is_err());
        assert_eq!(RecoveryMode::default(), RecoveryMode::Set);
        assert!(!RecoveryMode::Set.sends() && RecoveryMode::Send.sends());
        assert!(RecoveryMode::SendExpired.expires() && !RecoveryMode::Send.expires());
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let strict = PasswordPolicy {
            min_length: 40,
            min_lower: 3,
            min_upper: 3,
            min_digits: 3,
            min_symbols: 3,
            min_classes: 4,
            ..PasswordPolicy::default()
        };
        for policy in [PasswordPolicy::default(), strict] {
            let generator = generator_policy(&policy, vec!["alice".into()]);
            generator.check().unwrap();
            assert!(generator.length >= policy.min_length && generator.length >= SENT_LENGTH);
            let mut rng = Fixed(0x9e37_79b9_7f4a_7c15);
            for _ in 0..20 {
                let pw = generate(&generator, &mut rng).unwrap();
                assert!(!pw.expose().to_ascii_lowercase().contains("alice"));
                let user = UserContext::new("alice");
                let verdict = evaluate(&policy, &Blocklist::embedded(), &pw, &user, &NoHistory);
                assert!(verdict.ok, "{:?}", verdict.failures);
            }
        }
    }

    #[test]
    fn the_length_stays_within_both_limits() {
        let long = PasswordPolicy {
            min_length: 300,
            max_length: 1024,
            ..PasswordPolicy::default()
        };
        assert_eq!(generator_policy(&long, Vec::new()).length, MAX_LENGTH);
        let short_max = PasswordPolicy {
            max_length: 64,
            ..PasswordPolicy::default()
        };
        assert_eq!(generator_policy(&short_max, Vec::new()).length, SENT_LENGTH);
    }
}
