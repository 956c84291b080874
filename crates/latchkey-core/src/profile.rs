//! Profiles: the people Latchkey knows.
//!
//! A profile has a stable [`ProfileId`], a login id people type (case-insensitive), a display
//! name, multi-valued attributes (names case-insensitive), and two states: *enabled* (an operator
//! switch) and *locked* (set by lockout, cleared by unlock or a successful reset). Passwords of
//! the internal directory are not part of the profile value: they stay in the store and only
//! their hash ever leaves it, through [`crate::repo::ProfileRepo::password_hash`].

use crate::ids::ProfileId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;

/// Why a login id or attribute is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The login id is empty after trimming, or too long.
    #[error("a login id must be 1 to 256 characters long")]
    LoginIdLength,
    /// The login id contains whitespace or control characters.
    #[error("a login id may not contain spaces or control characters")]
    LoginIdCharacters,
    /// Attribute names: letters, digits, '-', '_', up to 64 characters, starting with a letter.
    #[error(
        "attribute name {0:?} is not valid: use letters, digits, '-' and '_', starting with a letter"
    )]
    AttributeName(String),
    /// The display name is empty or too long.
    #[error("a display name must be 1 to 256 characters long")]
    DisplayName,
    /// The email address is not plausible.
    #[error("{0:?} is not an email address")]
    Email(String),
}

/// What a person types to say who they are. Compared case-insensitively: the stored form is the
/// trimmed, lower-cased text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginId(String);

impl LoginId {
    /// Normalises (trim, lower-case) and validates.
    pub fn new(raw: &str) -> Result<Self, ProfileError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 256 {
            return Err(ProfileError::LoginIdLength);
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProfileError::LoginIdCharacters);
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for LoginId {
    type Error = ProfileError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<LoginId> for String {
    fn from(value: LoginId) -> Self {
        value.0
    }
}

/// Checks an attribute name and returns its canonical (lower-case) form.
pub fn attribute_name(raw: &str) -> Result<String, ProfileError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(ProfileError::AttributeName(raw.to_owned()))
    }
}

/// The folded form of an attribute value the store indexes for identification by attributes:
/// the most lenient matching rule's form (NFKC, case folded, whitespace collapsed), so every
/// rule's matches are among the candidates it finds.
pub fn fold_attribute(value: &str) -> String {
    crate::questions::normalise(value).expose().to_owned()
}

/// Checks that `raw` looks like `local@domain` (one `@`, both sides non-empty, no spaces).
pub fn validate_email(raw: &str) -> Result<(), ProfileError> {
    let mut parts = raw.split('@');
    let ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && !domain.is_empty() && domain.contains('.')
                && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
    );
    if ok {
        Ok(())
    } else {
        Err(ProfileError::Email(raw.to_owned()))
    }
}

/// Multi-valued attributes with case-insensitive names (kept lower-case), values in insertion
/// order without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes(BTreeMap<String, Vec<String>>);

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value (ignored when already present).
    pub fn add(&mut self, name: &str, value: impl Into<String>) -> Result<(), ProfileError> {
        let values = self.0.entry(attribute_name(name)?).or_default();
        let value = value.into();
        if !values.contains(&value) {
            values.push(value);
        }
        Ok(())
    }

    /// Replaces all values of `name` (removes the attribute when `values` is empty).
    pub fn set(&mut self, name: &str, values: Vec<String>) -> Result<(), ProfileError> {
        let key = attribute_name(name)?;
        let mut unique: Vec<String> = Vec::with_capacity(values.len());
        for v in values {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        if unique.is_empty() {
            self.0.remove(&key);
        } else {
            self.0.insert(key, unique);
        }
        Ok(())
    }

    /// All values of `name` (empty when absent or the name is invalid).
    pub fn get(&self, name: &str) -> &[String] {
        self.0
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.get(name).first().map(String::as_str)
    }

    /// Iterates `(name, values)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Number of attribute names.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A person Latchkey knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Stable id.
    pub id: ProfileId,
    /// What they type to log in.
    pub login_id: LoginId,
    /// How pages greet them.
    pub display_name: String,
    /// Where mail goes (the `mail` attribute has the same value when set).
    pub email: Option<String>,
    /// Everything else known about them.
    pub attributes: Attributes,
    /// An operator may disable a profile: it can then do nothing.
    pub enabled: bool,
    /// Set by lockout; cleared by unlock or reset.
    pub locked: bool,
    /// When the profile was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What is needed to create a profile.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Login id.
    pub login_id: LoginId,
    /// Display name (1..=256 characters).
    pub display_name: String,
    /// Email address, if any.
    pub email: Option<String>,
    /// Attributes.
    pub attributes: Attributes,
}

impl NewProfile {
    /// Validates the parts and builds the profile with a fresh id.
    pub fn into_profile(self, id: ProfileId, now: OffsetDateTime) -> Result<Profile, ProfileError> {
        let display_name = self.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 256 {
            return Err(ProfileError::DisplayName);
        }
        let mut attributes = self.attributes;
        if let Some(email) = &self.email {
            validate_email(email)?;
            if attributes.get("mail").is_empty() {
                attributes.add("mail", email.clone())?;
            }
        }
        Ok(Profile {
            id,
            login_id: self.login_id,
            display_name,
            email: self.email,
            attributes,
            enabled: true,
            locked: false,
            created_at: now,
        })
    }
}

impl Profile {
    /// May this profile authenticate at all (enabled and not locked)?
    pub fn may_authenticate(&self) -> bool {
        self.enabled && !self.locked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_ids_are_trimmed_and_case_insensitive() {
        assert_eq!(LoginId::new("  Alice ").ok(), LoginId::new("alice").ok());
        assert_eq!(LoginId::new(""), Err(ProfileError::LoginIdLength));
        assert_eq!(LoginId::new("   "), Err(ProfileError::LoginIdLength));
        assert_eq!(LoginId::new("a b"), Err(ProfileError::LoginIdCharacters));
        assert_eq!(
            LoginId::new("a\u{0}b"),
            Err(ProfileError::LoginIdCharacters)
        );
        assert!(LoginId::new(&"x".repeat(257)).is_err());
        assert!(LoginId::new("ÉMILE@example.org").is_ok());
    }

    #[test]
    fn attributes_are_case_insensitive_and_deduplicated() {
        let mut a = Attributes::new();
        a.add("Department", "Sales").ok();
        a.add("department", "Sales").ok();
        a.add("DEPARTMENT", "Ops").ok();
        assert_eq!(a.get("department"), ["Sales".to_owned(), "Ops".to_owned()]);
        assert!(a.add("1bad", "x").is_err());
        assert!(a.add("bad name", "x").is_err());
        a.set("department", vec![]).ok();
        assert!(a.is_empty());
    }

    #[test]
    fn emails_are_checked() {
        assert!(validate_email("a@example.org").is_ok());
        for bad in ["", "a", "a@", "@b.c", "a@b@c.d", "a b@c.d", "a@localhost"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_profile_copies_email_to_mail_attribute() {
        let p = NewProfile {
            login_id: LoginId::new("bob").unwrap_or_else(|_| unreachable!()),
            display_name: " Bob ".into(),
            email: Some("bob@example.org".into()),
            attributes: Attributes::new(),
        }
        .into_profile(ProfileId(uuid::Uuid::nil()), OffsetDateTime::UNIX_EPOCH);
        let p = p.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(p.display_name, "Bob");
        assert_eq!(p.attributes.first("mail"), Some("bob@example.org"));
        assert!(p.may_authenticate());
    }
}
