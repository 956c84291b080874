//! The policy itself: plain data from configuration, checked once when it is loaded.
//!
//! The defaults follow NIST SP 800-63B and OWASP ASVS (research/mpr_security.md §2.5): at least 8
//! characters, at least 64 allowed (128 by default), nothing cut off, no composition rules, a
//! blocklist, no reuse of the last 5 passwords, and a strength score of at least 2.
//!
//! **Why a minimum strength of 2.** zxcvbn's score estimates how many guesses an attacker who
//! knows common passwords, words, names, keyboard walks, dates and repeats needs: 0 is under
//! 10^3, 1 under 10^6, 2 under 10^8, 3 under 10^10, 4 more. Score 2 refuses what the blocklist
//! alone misses — `qwertyuiop`, `aaaaaaaa`, `abcd1234`, a name and a year, a dictionary word
//! with the usual substitutions — while every 8-character password of random letters, and any
//! two or three unrelated words, still passes. Online guessing is throttled by lockout long
//! before 10^6 guesses. Score 3 or 4 would refuse passphrases NIST tells us to accept and push
//! people towards the `Password1!` tricks composition rules breed; an operator who wants it
//! sets `min_strength = 3`.

use super::rule::{Rule, RuleText};
use serde::{Deserialize, Serialize};

/// Shortest minimum length a policy may set (NIST SP 800-63B: at least 8).
pub const MIN_LENGTH_FLOOR: usize = 8;
/// A policy must allow at least this many characters (NIST SP 800-63B, ASVS 4.0.3 2.1.2).
pub const MAX_LENGTH_FLOOR: usize = 64;
/// No policy allows more: every character costs strength estimation and hashing time, and
/// nobody types a password this long.
pub const MAX_LENGTH_CEILING: usize = 1024;
/// At most this many previous passwords are compared; each costs one Argon2id verification
/// (about 25 ms), and Active Directory stops at the same number.
pub const HISTORY_CEILING: usize = 24;
/// Kinds of character [`PasswordPolicy::min_classes`] counts ([`super::CharClass`]).
pub const CHAR_CLASSES: usize = 5;

/// What a person's new password must satisfy. Deserialises from configuration with every field
/// optional (missing ones take the default); call [`PasswordPolicy::check`] after loading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values after NFKC). Default 8, never below 8.
    pub min_length: usize,
    /// Most characters. Default 128; at least 64, at most 1024. A longer password is refused,
    /// never cut.
    pub max_length: usize,
    /// How many previous passwords may not be used again. Default 5; 0 turns the rule off.
    pub history: usize,
    /// Fewest lower-case letters. Default 0 (composition rules are only for directories that
    /// demand them).
    pub min_lower: usize,
    /// Fewest upper-case letters. Default 0.
    pub min_upper: usize,
    /// Fewest digits. Default 0.
    pub min_digits: usize,
    /// Fewest symbols (neither letter nor digit). Default 0.
    pub min_symbols: usize,
    /// Fewest kinds of character out of five (Active Directory's "complexity" is 3). Default 0.
    pub min_classes: usize,
    /// Lowest strength score (zxcvbn, 0–4) accepted. Default 2 (see the module docs); 0 turns
    /// the rule off.
    pub min_strength: u8,
    /// Refuse a password that contains the person's login id, given name, surname or mail
    /// local part. Default true.
    pub check_user_attributes: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            history: 5,
            min_lower: 0,
            min_upper: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            min_strength: 2,
            check_user_attributes: true,
        }
    }
}

/// A policy that cannot be used. The message names the setting, its value and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `min_length` below 8.
    #[error(
        "min_length is {0}: a password policy must ask for at least {MIN_LENGTH_FLOOR} characters"
    )]
    MinLengthTooLow(usize),
    /// `max_length` below 64.
    #[error(
        "max_length is {0}: a password policy must allow at least {MAX_LENGTH_FLOOR} characters, \
         so that people can use passphrases and password managers"
    )]
    MaxLengthTooLow(usize),
    /// `max_length` above 1024.
    #[error("max_length is {0}: at most {MAX_LENGTH_CEILING} characters can be allowed")]
    MaxLengthTooHigh(usize),
    /// `min_length` above `max_length`.
    #[error("min_length ({min}) is greater than max_length ({max}): no password could be set")]
    MinAboveMax {
        /// The minimum.
        min: usize,
        /// The maximum.
        max: usize,
    },
    /// The per-kind minimums add up to more than `max_length`.
    #[error(
        "min_lower + min_upper + min_digits + min_symbols is {required}, more than max_length \
         ({max}): no password could be set"
    )]
    CompositionTooLong {
        /// The sum of the per-kind minimums.
        required: usize,
        /// The maximum length.
        max: usize,
    },
    /// `min_classes` above 5.
    #[error("min_classes is {0}: there are only {CHAR_CLASSES} kinds of character")]
    TooManyClasses(usize),
    /// `min_strength` above 4.
    #[error("min_strength is {0}: the strength score goes from 0 to 4")]
    StrengthOutOfRange(u8),
    /// `history` above 24.
    #[error("history is {0}: at most {HISTORY_CEILING} previous passwords can be compared")]
    HistoryTooLong(usize),
}

impl PasswordPolicy {
    /// Refuses a policy that is unsafe or that no password could satisfy. Call it when the
    /// configuration is loaded; [`super::evaluate`] applies whatever numbers it is given.
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.min_length < MIN_LENGTH_FLOOR {
            return Err(PolicyError::MinLengthTooLow(self.min_length));
        }
        if self.max_length < MAX_LENGTH_FLOOR {
            return Err(PolicyError::MaxLengthTooLow(self.max_length));
        }
        if self.max_length > MAX_LENGTH_CEILING {
            return Err(PolicyError::MaxLengthTooHigh(self.max_length));
        }
        if self.min_length > self.max_length {
            return Err(PolicyError::MinAboveMax {
                min: self.min_length,
                max: self.max_length,
            });
        }
        let required = [
            self.min_lower,
            self.min_upper,
            self.min_digits,
            self.min_symbols,
        ]
        .iter()
        .fold(0usize, |sum, n| sum.saturating_add(*n));
        if required > self.max_length {
            return Err(PolicyError::CompositionTooLong {
                required,
                max: self.max_length,
            });
        }
        if self.min_classes > CHAR_CLASSES {
            return Err(PolicyError::TooManyClasses(self.min_classes));
        }
        if self.min_strength > 4 {
            return Err(PolicyError::StrengthOutOfRange(self.min_strength));
        }
        if self.history > HISTORY_CEILING {
            return Err(PolicyError::HistoryTooLong(self.history));
        }
        Ok(())
    }

    /// The rules this policy turns on, in the order pages show them and verdicts list failures:
    /// length, composition, blocklist, user data, strength, history.
    pub fn rules(&self) -> Vec<Rule> {
        let mut rules = vec![
            Rule::TooShort {
                min: self.min_length,
            },
            Rule::TooLong {
                max: self.max_length,
            },
        ];
        let composition = [
            (
                self.min_lower,
                Rule::NeedsLower {
                    min: self.min_lower,
                },
            ),
            (
                self.min_upper,
                Rule::NeedsUpper {
                    min: self.min_upper,
                },
            ),
            (
                self.min_digits,
                Rule::NeedsDigits {
                    min: self.min_digits,
                },
            ),
            (
                self.min_symbols,
                Rule::NeedsSymbols {
                    min: self.min_symbols,
                },
            ),
            (
                self.min_classes,
                Rule::NeedsClasses {
                    min: self.min_classes,
                },
            ),
        ];
        rules.extend(
            composition
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(_, rule)| rule),
        );
        rules.push(Rule::Common);
        if self.check_user_attributes {
            rules.push(Rule::ContainsUserData);
        }
        if self.min_strength > 0 {
            rules.push(Rule::TooWeak {
                min: self.min_strength,
            });
        }
        if self.history > 0 {
            rules.push(Rule::Reused {
                count: self.history,
            });
        }
        rules
    }
}

/// The rules to show next to a new-password field, in order, each with its code so the page can
/// tick it as the person types (where [`RuleText::checkable_in_page`]) or after the server
/// answered.
pub fn describe(policy: &PasswordPolicy) -> Vec<RuleText> {
    policy.rules().into_iter().map(RuleText::from).collect()
}
