//! Discovery's decisions: what profile a source account makes, and what a run reports.
//!
//! Discovery (run by `latchkey-targets`) reads a target's accounts page by page. For a target
//! flagged as a profile source, [`profile_from_source`] decides for each account whether a
//! profile is created, updated or left alone. Then every account seen is associated with a
//! profile by the configured attribute through [`crate::account::associate`], which never
//! guesses: accounts with no match or several are listed in the [`DiscoveryReport`] and keep no
//! owner.

use super::definition::ProfileSource;
use crate::ids::ProfileId;
use crate::profile::{Attributes, LoginId, Profile, validate_email};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Attributes never copied from an account into a profile.
const NOT_COPIED: &[&str] = &["objectclass", "userpassword", "unicodepwd"];

/// What a source account means for the profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceProfile {
    /// No profile has this login id yet: create this one.
    Create(Profile),
    /// The profile exists and differs: store this version.
    Update(Profile),
    /// The profile exists and is up to date.
    Unchanged(ProfileId),
    /// The account cannot make a profile (no or invalid login id); why.
    Invalid(String),
}

/// The login id a source account would have, if its login attribute is usable.
pub fn source_login(attributes: &Attributes, source: &ProfileSource) -> Result<LoginId, String> {
    let raw = attributes
        .first(&source.login_attribute)
        .ok_or_else(|| format!("no {} attribute", source.login_attribute))?;
    LoginId::new(raw).map_err(|e| format!("{}: {e}", source.login_attribute))
}

/// Decides what a source account makes: a new profile (with `new_id`, created `now`), an update
/// of `existing` (the profile with the same login id), or nothing.
pub fn profile_from_source(
    attributes: &Attributes,
    source: &ProfileSource,
    existing: Option<&Profile>,
    new_id: ProfileId,
    now: OffsetDateTime,
) -> SourceProfile {
    let login_id = match source_login(attributes, source) {
        Ok(login) => login,
        Err(reason) => return SourceProfile::Invalid(reason),
    };
    let display_name = attributes
        .first(&source.display_name_attribute)
        .map(str::trim)
        .filter(|d| !d.is_empty() && d.chars().count() <= 256)
        .unwrap_or(login_id.as_str())
        .to_owned();
    // A malformed address is not copied: mail to it would fail anyway.
    let email = source
        .email_attribute
        .as_deref()
        .and_then(|a| attributes.first(a))
        .map(str::trim)
        .filter(|e| validate_email(e).is_ok())
        .map(str::to_owned);
    let mut copied = Attributes::new();
    for (name, values) in attributes.iter() {
        if !NOT_COPIED.contains(&name) {
            // Names come from an `Attributes` already, so they are valid.
            let _ = copied.set(name, values.to_vec());
        }
    }
    match existing {
        None => SourceProfile::Create(Profile {
            id: new_id,
            login_id,
            display_name,
            email,
            attributes: copied,
            enabled: true,
            locked: false,
            created_at: now,
        }),
        Some(current) => {
            if current.display_name == display_name
                && current.email == email
                && current.attributes == copied
            {
                SourceProfile::Unchanged(current.id)
            } else {
                SourceProfile::Update(Profile {
                    display_name,
                    email,
                    attributes: copied,
                    ..current.clone()
                })
            }
        }
    }
}

/// An account that several profiles match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmbiguousAccount {
    /// The account's name on the target.
    pub account: String,
    /// The login ids of the profiles it matches.
    pub profiles: Vec<String>,
}

/// A source account that made no profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidAccount {
    /// The account's name on the target.
    pub account: String,
    /// Why.
    pub reason: String,
}

/// What a discovery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryReport {
    /// Only accounts changed since the last run were listed.
    pub incremental: bool,
    /// Accounts read from the target.
    pub accounts: u64,
    /// Profiles created from the source.
    pub profiles_created: u64,
    /// Profiles updated from the source.
    pub profiles_updated: u64,
    /// Accounts with exactly one owner.
    pub associated: u64,
    /// Accounts whose attribute value no profile has.
    pub unmatched: Vec<String>,
    /// Accounts without a value for the association attribute.
    pub no_value: Vec<String>,
    /// Accounts that several profiles match (never guessed).
    pub ambiguous: Vec<AmbiguousAccount>,
    /// Source accounts that could not make a profile.
    pub invalid: Vec<InvalidAccount>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn source() -> ProfileSource {
        ProfileSource {
            login_attribute: "uid".into(),
            display_name_attribute: "cn".into(),
            email_attribute: Some("mail".into()),
        }
    }

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        let mut a = Attributes::new();
        for (k, v) in pairs {
            a.add(k, *v).unwrap();
        }
        a
    }

    #[test]
    fn creates_then_updates_then_leaves_alone() {
        let id = ProfileId(Uuid::from_u128(1));
        let now = OffsetDateTime::UNIX_EPOCH;
        let a = attrs(&[
            ("uid", "Alice"),
            ("cn", "Alice A"),
            ("mail", "alice@example.org"),
            ("objectClass", "inetOrgPerson"),
        ]);
        let SourceProfile::Create(created) = profile_from_source(&a, &source(), None, id, now)
        else {
            panic!("expected a new profile");
        };
        assert_eq!(created.login_id.as_str(), "alice");
        assert_eq!(created.email.as_deref(), Some("alice@example.org"));
        assert!(created.attributes.get("objectclass").is_empty());
        let other = ProfileId(Uuid::from_u128(2));
        assert_eq!(
            profile_from_source(&a, &source(), Some(&created), other, now),
            SourceProfile::Unchanged(id)
        );
        let changed = attrs(&[("uid", "alice"), ("cn", "Alice B")]);
        let SourceProfile::Update(updated) =
            profile_from_source(&changed, &source(), Some(&created), other, now)
        else {
            panic!("expected an update");
        };
        assert_eq!(updated.id, id);
        assert_eq!(updated.display_name, "Alice B");
        assert_eq!(updated.email, None);
    }

    #[test]
    fn accounts_without_a_login_are_invalid() {
        let id = ProfileId(Uuid::from_u128(1));
        let now = OffsetDateTime::UNIX_EPOCH;
        let none = profile_from_source(&attrs(&[("cn", "x")]), &source(), None, id, now);
        assert_eq!(none, SourceProfile::Invalid("no uid attribute".into()));
        let spaced = profile_from_source(&attrs(&[("uid", "a b")]), &source(), None, id, now);
        assert!(matches!(spaced, SourceProfile::Invalid(_)));
        let bad_mail = attrs(&[("uid", "bob"), ("mail", "not-an-address")]);
        let SourceProfile::Create(p) = profile_from_source(&bad_mail, &source(), None, id, now)
        else {
            panic!("expected a new profile");
        };
        assert_eq!((p.email, p.display_name.as_str()), (None, "bob"));
    }
}
