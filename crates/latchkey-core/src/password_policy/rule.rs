//! The rules a new password is held to, each with a stable code and plain-English text.
//!
//! A [`Rule`] carries its numbers (`TooShort { min: 8 }`), so one value gives the code a page
//! keys its translation on, the message shown when the rule failed ([`Rule::message`]) and the
//! line shown next to the field before anything is typed ([`Rule::description`]). Codes never
//! change once shipped: pages, translations and tests depend on them.

use serde::Serialize;
use std::fmt;

/// One rule of a [`super::PasswordPolicy`], with the numbers the policy gives it.
///
/// Serialises as `{"code": "too_short", "min": 8}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rule {
    /// Fewer characters (Unicode scalar values after NFKC) than `min`.
    TooShort {
        /// The policy's minimum length.
        min: usize,
    },
    /// More characters than `max`. Nothing is ever cut off: a longer password is refused.
    TooLong {
        /// The policy's maximum length.
        max: usize,
    },
    /// Fewer lower-case letters than `min`.
    NeedsLower {
        /// How many the policy asks for.
        min: usize,
    },
    /// Fewer upper-case letters than `min`.
    NeedsUpper {
        /// How many the policy asks for.
        min: usize,
    },
    /// Fewer digits than `min`.
    NeedsDigits {
        /// How many the policy asks for.
        min: usize,
    },
    /// Fewer symbols (neither letter nor digit; a space counts) than `min`.
    NeedsSymbols {
        /// How many the policy asks for.
        min: usize,
    },
    /// Characters of fewer kinds than `min` ([`super::CharClass`]).
    NeedsClasses {
        /// How many kinds the policy asks for.
        min: usize,
    },
    /// On the blocklist of common and breached passwords, whole or with a run of digits and
    /// symbols taken off its ends.
    Common,
    /// Contains the person's login id, given name, surname, mail local part or another context
    /// word (case-insensitive, parts of three characters or more).
    ContainsUserData,
    /// The strength score is below `min` (0–4).
    TooWeak {
        /// The policy's minimum score.
        min: u8,
    },
    /// Equal to one of the person's last `count` passwords.
    Reused {
        /// How many previous passwords are compared.
        count: usize,
    },
}

impl Rule {
    /// The stable code (`too_short`, `needs_lower`, `common` …) pages translate by.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::TooShort { .. } => "too_short",
            Rule::TooLong { .. } => "too_long",
            Rule::NeedsLower { .. } => "needs_lower",
            Rule::NeedsUpper { .. } => "needs_upper",
            Rule::NeedsDigits { .. } => "needs_digits",
            Rule::NeedsSymbols { .. } => "needs_symbols",
            Rule::NeedsClasses { .. } => "needs_classes",
            Rule::Common => "common",
            Rule::ContainsUserData => "contains_user_data",
            Rule::TooWeak { .. } => "too_weak",
            Rule::Reused { .. } => "reused",
        }
    }

    /// What went wrong and what to do, for a person whose password failed this rule.
    pub fn message(&self) -> String {
        match *self {
            Rule::TooShort { min } => format!("Use at least {}.", count(min, "character")),
            Rule::TooLong { max } => format!("Use at most {}.", count(max, "character")),
            Rule::NeedsLower { min } => {
                format!("Use at least {}.", count(min, "lower-case letter"))
            }
            Rule::NeedsUpper { min } => {
                format!("Use at least {}.", count(min, "upper-case letter"))
            }
            Rule::NeedsDigits { min } => format!("Use at least {}.", count(min, "digit")),
            Rule::NeedsSymbols { min } => format!(
                "Use at least {} (anything that is not a letter or a digit, such as ! or a space).",
                count(min, "symbol")
            ),
            Rule::NeedsClasses { min } => format!(
                "Use characters of at least {min} of these kinds: {}.",
                super::CharClass::LIST
            ),
            Rule::Common => "This password is on a list of common and leaked passwords that \
                             attackers try first. Choose another one."
                .to_owned(),
            Rule::ContainsUserData => "Do not use your user name, your name or your email \
                                       address in your password."
                .to_owned(),
            Rule::TooWeak { min } => format!(
                "This password is too easy to guess (strength below {min} of 4). Make it longer, \
                 for example with a few unrelated words."
            ),
            Rule::Reused { count: 1 } => "Do not use your previous password again.".to_owned(),
            Rule::Reused { count } => {
                format!("Do not use any of your last {count} passwords again.")
            }
        }
    }

    /// The rule as a line to show next to the password field ("At least 8 characters").
    pub fn description(&self) -> String {
        match *self {
            Rule::TooShort { min } => format!("At least {}", count(min, "character")),
            Rule::TooLong { max } => format!("At most {}", count(max, "character")),
            Rule::NeedsLower { min } => format!("At least {}", count(min, "lower-case letter")),
            Rule::NeedsUpper { min } => format!("At least {}", count(min, "upper-case letter")),
            Rule::NeedsDigits { min } => format!("At least {}", count(min, "digit")),
            Rule::NeedsSymbols { min } => format!("At least {}", count(min, "symbol")),
            Rule::NeedsClasses { min } => format!(
                "Characters of at least {min} of these kinds: {}",
                super::CharClass::LIST
            ),
            Rule::Common => "Not a common or leaked password".to_owned(),
            Rule::ContainsUserData => {
                "Does not contain your user name, your name or your email address".to_owned()
            }
            Rule::TooWeak { min } => format!("Hard enough to guess (strength {min} of 4 or more)"),
            Rule::Reused { count: 1 } => "Not your previous password".to_owned(),
            Rule::Reused { count } => format!("Not one of your last {count} passwords"),
        }
    }

    /// True when a page can check the rule itself as the person types (lengths and character
    /// counts); the others need the server (blocklist, user data, strength, history).
    pub fn checkable_in_page(&self) -> bool {
        !matches!(
            self,
            Rule::Common | Rule::ContainsUserData | Rule::TooWeak { .. } | Rule::Reused { .. }
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// A rule as [`super::describe`] lists it for a page: code, text, and whether the page can tick
/// it live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleText {
    /// The rule's stable code (the same as in a failed [`super::Verdict`]).
    pub code: &'static str,
    /// The line to show, numbers filled in.
    pub text: String,
    /// The page can check this rule as the person types (see [`Rule::checkable_in_page`]).
    pub checkable_in_page: bool,
    /// The rule itself, for pages that need its numbers (`min`, `max`).
    pub rule: Rule,
}

impl From<Rule> for RuleText {
    fn from(rule: Rule) -> Self {
        Self {
            code: rule.code(),
            text: rule.description(),
            checkable_in_page: rule.checkable_in_page(),
            rule,
        }
    }
}

/// "1 digit", "2 digits".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
