//! Accounts on target systems and their association to profiles.
//!
//! An account lives on a target system (a directory, a database) and is named there by its
//! account id (a DN, a role name). Its owner is a profile, found by comparing a configured
//! *association attribute* of the account (e.g. `mail`) with the same attribute of profiles.
//! [`associate`] decides; it never guesses: an account that matches no profile or several is
//! reported as such and keeps no owner.

use crate::ids::{AccountId, ProfileId, TargetId};
use crate::profile::{Attributes, Profile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An account on a target system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Our id.
    pub id: AccountId,
    /// The target system it lives on.
    pub target_id: TargetId,
    /// Its name there (DN, sAMAccountName, role name).
    pub account_name: String,
    /// The owner, once associated.
    pub owner: Option<ProfileId>,
    /// Attributes read from the target.
    pub attributes: Attributes,
}

/// An account without its attributes: what planning a mass reset reads, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHead {
    /// Our id.
    pub id: AccountId,
    /// Its name on the target.
    pub account_name: String,
    /// The owner, once associated.
    pub owner: Option<ProfileId>,
}

/// What association decided for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Association {
    /// Exactly one profile matched.
    Owner(ProfileId),
    /// The account has no value for the attribute.
    NoValue,
    /// No profile has the value.
    Unmatched,
    /// Several profiles have it: reported, never guessed.
    Ambiguous(Vec<ProfileId>),
}

/// Associates accounts with profiles by `attribute` (compared case-insensitively, trimmed).
/// Returns one decision per account, in input order.
pub fn associate<'a>(
    accounts: impl IntoIterator<Item = &'a Account>,
    profiles: &[Profile],
    attribute: &str,
) -> Vec<(AccountId, Association)> {
    let mut index: BTreeMap<String, Vec<ProfileId>> = BTreeMap::new();
    for p in profiles {
        for v in p.attributes.get(attribute) {
            let ids = index.entry(v.trim().to_lowercase()).or_default();
            if !ids.contains(&p.id) {
                ids.push(p.id);
            }
        }
    }
    accounts
        .into_iter()
        .map(|a| {
            let values = a.attributes.get(attribute);
            if values.iter().all(|v| v.trim().is_empty()) {
                return (a.id, Association::NoValue);
            }
            let mut owners: Vec<ProfileId> = Vec::new();
            for v in values {
                for id in index.get(&v.trim().to_lowercase()).into_iter().flatten() {
                    if !owners.contains(id) {
                        owners.push(*id);
                    }
                }
            }
            let decision = match owners.as_slice() {
                [] => Association::Unmatched,
                [one] => Association::Owner(*one),
                _ => Association::Ambiguous(owners),
            };
            (a.id, decision)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::LoginId;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn profile(n: u128, mail: &str) -> Profile {
        let mut attributes = Attributes::new();
        attributes.add("mail", mail).unwrap();
        Profile {
            id: ProfileId(Uuid::from_u128(n)),
            login_id: LoginId::new(&format!("p{n}")).unwrap(),
            display_name: format!("P {n}"),
            email: None,
            attributes,
            enabled: true,
            locked: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn account(n: u128, mail: Option<&str>) -> Account {
        let mut attributes = Attributes::new();
        if let Some(m) = mail {
            attributes.add("mail", m).unwrap();
        }
        Account {
            id: AccountId(Uuid::from_u128(n)),
            target_id: TargetId::new("LDAP").unwrap(),
            account_name: format!("uid=a{n}"),
            owner: None,
            attributes,
        }
    }

    #[test]
    fn matched_unmatched_ambiguous_and_empty() {
        let profiles = vec![
            profile(1, "alice@example.org"),
            profile(2, "twin@example.org"),
            profile(3, "TWIN@example.org"),
        ];
        let accounts = [
            account(10, Some(" Alice@Example.org ")),
            account(11, Some("nobody@example.org")),
            account(12, Some("twin@example.org")),
            account(13, None),
        ];
        let got = associate(accounts.iter(), &profiles, "mail");
        assert_eq!(got[0].1, Association::Owner(profiles[0].id));
        assert_eq!(got[1].1, Association::Unmatched);
        assert_eq!(
            got[2].1,
            Association::Ambiguous(vec![profiles[1].id, profiles[2].id])
        );
        assert_eq!(got[3].1, Association::NoValue);
    }
}
