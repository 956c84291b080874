//! The password policy a person's new password is checked against, at registration, change and
//! reset alike.
//!
//! Everything here is a pure decision. Data moves like this:
//!
//! 1. **Configuration** gives a [`PasswordPolicy`] (plain data, serde); the loader calls
//!    [`PasswordPolicy::check`], which refuses unsafe or unsatisfiable numbers (a maximum below
//!    64, a minimum below 8 …). At start-up the edge also builds one [`Blocklist`]: the shipped
//!    list ([`Blocklist::embedded`]), extended or replaced by the operator's own.
//! 2. **The page** shows [`describe`]: the rules in order, each with its stable code, so it can
//!    tick them as the person types and translate them by code.
//! 3. **On submit** the edge calls [`normalise`] on what was typed, then [`evaluate`] with the
//!    person's [`UserContext`] and their [`History`] (previous hashes from the store, see
//!    [`history`]). The [`Verdict`] lists *every* rule that failed, each with a message and its
//!    numbers, and the [`Strength`] for a meter.
//! 4. When the verdict is ok, the edge hashes the **same normalised** password
//!    ([`crate::password_hash::hash_password`]) or hands it to the directory, and records it in
//!    the history.
//!
//! **Rules** (the defaults follow NIST SP 800-63B; see [`policy`] for the reasons):
//! lengths count Unicode scalar values after NFKC, never bytes; nothing is ever cut off (a
//! password longer than the maximum is refused, and every character counts in every check);
//! composition rules exist but are off unless configured; the blocklist compares whole
//! passwords (see [`blocklist`]); the person's own data is refused ([`user`]); a minimum
//! strength score ([`strength`]); no reuse of the last `history` passwords.
//!
//! **Secrecy.** The candidate is a [`Password`]: it never prints. Lower-cased working copies are
//! zeroized on drop. A [`Verdict`] holds rule codes and numbers, never the password or a piece
//! of it, so it is safe to log and to show.

pub mod blocklist;
pub mod classes;
pub mod config;
pub mod history;
pub mod policy;
pub mod repo;
pub mod rule;
pub mod strength;
pub mod user;

#[cfg(test)]
mod tests;

pub use blocklist::Blocklist;
pub use classes::CharClass;
pub use history::{History, NoHistory, StoredHistory};
pub use policy::{PasswordPolicy, PolicyError, describe};
pub use rule::{Rule, RuleText};
pub use strength::Strength;
pub use user::UserContext;

use crate::secret::Password;
use classes::ClassCounts;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// The form a password is checked and hashed in: Unicode NFKC, nothing else.
///
/// Compatibility forms become the plain character (full-width `ｐａｓｓ` → `pass`, `ﬁ` → `fi`)
/// and a letter with a combining accent becomes one character (`A` + U+030A → `Å`), so the same
/// password typed on another keyboard or phone is the same password. Case, spaces and
/// everything else are kept: they are part of the password. Idempotent.
pub fn normalise(typed: &str) -> Password {
    let mut out = String::with_capacity(typed.len());
    out.extend(typed.nfkc());
    Password::new(out)
}

/// The outcome of [`evaluate`]: which rules failed, and how strong the password is.
///
/// Holds no part of the password: `Debug` and serialisation are safe to log and send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// True exactly when `failures` is empty.
    pub ok: bool,
    /// Every rule the password failed, in the order of [`PasswordPolicy::rules`].
    pub failures: Vec<Rule>,
    /// The strength estimate, for a meter (also when the password was refused).
    pub strength: Strength,
}

impl Verdict {
    /// The failed rules' codes, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.failures.iter().map(Rule::code).collect()
    }
}

/// Checks `candidate` against every rule of `policy` and lists all that failed.
///
/// The candidate is normalised first ([`normalise`] is idempotent, so passing an already
/// normalised password is fine). `history` is asked only when `policy.history > 0`. The
/// strength is estimated on the whole password when it is within `max_length`, and on its first
/// `max_length` characters when it is already refused as too long (this bounds the work an
/// oversized input can cause).
pub fn evaluate<H>(
    policy: &PasswordPolicy,
    blocklist: &Blocklist,
    candidate: &Password,
    user: &UserContext,
    history: &H,
) -> Verdict
where
    H: History + ?Sized,
{
    let password = normalise(candidate.expose());
    let lower = Zeroizing::new(password.expose().to_lowercase());
    let length = password.char_count();
    let counts = ClassCounts::of(password.expose());
    let user_words = if policy.check_user_attributes {
        user.words()
    } else {
        Vec::new()
    };
    let inputs: Vec<&str> = user_words.iter().map(String::as_str).collect();
    let scored_chars = policy.max_length.min(policy::MAX_LENGTH_CEILING);
    let strength = strength::estimate(password.expose(), &inputs, scored_chars);

    let failures: Vec<Rule> = policy
        .rules()
        .into_iter()
        .filter(|rule| match *rule {
            Rule::TooShort { min } => length < min,
            Rule::TooLong { max } => length > max,
            Rule::NeedsLower { min } => counts.lower < min,
            Rule::NeedsUpper { min } => counts.upper < min,
            Rule::NeedsDigits { min } => counts.digit < min,
            Rule::NeedsSymbols { min } => counts.symbol < min,
            Rule::NeedsClasses { min } => counts.kinds() < min,
            Rule::Common => blocklist.is_blocked_lower(&lower),
            Rule::ContainsUserData => user::contains_any(&lower, &user_words),
            Rule::TooWeak { min } => strength.score < min,
            Rule::Reused { .. } => history.matches_previous(&password),
        })
        .collect();

    Verdict {
        ok: failures.is_empty(),
        failures,
        strength,
    }
}
