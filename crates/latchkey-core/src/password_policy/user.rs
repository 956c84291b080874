//! The person's own data a new password may not contain (the `contains_user_data` rule).
//!
//! A password built from one's own login id or name is the first thing someone who knows the
//! person tries. Each value is normalised (NFKC, lower case) and cut into parts at every
//! character that is not a letter or digit (`jean-luc.picard@example.com` gives `jean`, `luc`,
//! `picard`, and `jean-luc.picard` itself); a part or whole value of at least
//! [`MIN_PART`] characters found anywhere in the lower-cased password refuses it. For mail only
//! the local part counts: the domain is shared by everyone in the company. The same parts go to
//! the strength estimator as extra dictionary words.
//!
//! Three characters is the cut Active Directory's complexity check uses. It refuses `Lee` in
//! `sleepless`; shorter parts would refuse nearly everything.

use super::blocklist::canonical;
use serde::{Deserialize, Serialize};

/// Parts shorter than this are not looked for.
pub const MIN_PART: usize = 3;

/// What is known about the person choosing the password. Not secret; never holds the password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserContext {
    /// The login id.
    pub login_id: String,
    /// Given name, when the profile has one.
    pub given_name: Option<String>,
    /// Surname, when the profile has one.
    pub surname: Option<String>,
    /// Mail address; only its local part is used.
    pub mail: Option<String>,
    /// Other context words refused the same way (the service name, the company name).
    pub other: Vec<String>,
}

impl UserContext {
    /// A context with just a login id.
    pub fn new(login_id: impl Into<String>) -> Self {
        Self {
            login_id: login_id.into(),
            ..Self::default()
        }
    }

    /// The normalised, lower-cased words a password may not contain, without duplicates, in
    /// the order login id, given name, surname, mail, other words.
    pub fn words(&self) -> Vec<String> {
        let local_part = self
            .mail
            .as_deref()
            .map(|mail| mail.rsplit_once('@').map_or(mail, |(local, _)| local));
        let values = [
            Some(self.login_id.as_str()),
            self.given_name.as_deref(),
            self.surname.as_deref(),
            local_part,
        ]
        .into_iter()
        .flatten()
        .chain(self.other.iter().map(String::as_str));

        let mut words: Vec<String> = Vec::new();
        for value in values {
            let value = canonical(value);
            let trimmed = value.trim_matches(|c: char| !c.is_alphanumeric());
            let parts = value.split(|c: char| !c.is_alphanumeric());
            for word in std::iter::once(trimmed).chain(parts) {
                if word.chars().count() >= MIN_PART && !words.iter().any(|w| w == word) {
                    words.push(word.to_owned());
                }
            }
        }
        words
    }
}

/// True when the lower-cased password contains one of `words`.
pub(super) fn contains_any(lower_password: &str, words: &[String]) -> bool {
    words.iter().any(|w| lower_password.contains(w.as_str()))
}
