//! User classes: named groups of profiles.
//!
//! Membership is static (listed profiles) or rule-based (conditions on profile attributes, all or
//! any of them). Evaluating rules for every profile on every request would be slow and would make
//! membership change under a running flow, so the store keeps a **membership cache** that is
//! recalculated explicitly ([`compute_members`] decides; the store writes the result), as
//! operators of the products we reproduce expect.

use crate::condition::{Condition, ConditionError};
use crate::ids::{ProfileId, UserClassId};
use crate::profile::{Profile, attribute_name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One membership rule on a profile attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipRule {
    /// Attribute name (case-insensitive).
    pub attribute: String,
    /// How to compare.
    pub condition: Condition,
    /// What to compare with (empty for set/notset).
    #[serde(default)]
    pub value: String,
}

impl MembershipRule {
    /// Validates the attribute name and the value against the condition.
    pub fn validate(&self) -> Result<(), UserClassError> {
        attribute_name(&self.attribute)
            .map_err(|_| UserClassError::Attribute(self.attribute.clone()))?;
        self.condition
            .check_value(&self.value)
            .map_err(UserClassError::Condition)
    }

    fn matches(&self, profile: &Profile) -> Result<bool, ConditionError> {
        self.condition
            .evaluate(profile.attributes.get(&self.attribute), &self.value)
    }
}

/// How rules combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleMode {
    /// Every rule must hold.
    #[default]
    All,
    /// One rule is enough.
    Any,
}

/// A user class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserClass {
    /// Id, e.g. `MPR_ADMINS`.
    pub id: UserClassId,
    /// What it is for.
    pub description: String,
    /// Listed members.
    pub static_members: BTreeSet<ProfileId>,
    /// Attribute rules; no rules means static membership only.
    pub rules: Vec<MembershipRule>,
    /// How rules combine.
    pub mode: RuleMode,
}

/// A user class or rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserClassError {
    /// Bad attribute name in a rule.
    #[error("rule attribute {0:?} is not a valid attribute name")]
    Attribute(String),
    /// Bad condition/value combination.
    #[error("{0}")]
    Condition(ConditionError),
}

/// The user class of mass-reset administrators (seed 000).
pub const MPR_ADMINS: &str = "MPR_ADMINS";

impl UserClass {
    /// Validates every rule.
    pub fn validate(&self) -> Result<(), UserClassError> {
        self.rules.iter().try_for_each(MembershipRule::validate)
    }

    /// Is `profile` a member? Static members always are; otherwise the rules decide (a class
    /// with no rules has only its static members).
    pub fn is_member(&self, profile: &Profile) -> Result<bool, UserClassError> {
        if self.static_members.contains(&profile.id) {
            return Ok(true);
        }
        if self.rules.is_empty() {
            return Ok(false);
        }
        let mut results = self.rules.iter().map(|r| r.matches(profile));
        let verdict = match self.mode {
            RuleMode::All => results.try_fold(true, |acc, r| r.map(|m| acc && m)),
            RuleMode::Any => results.try_fold(false, |acc, r| r.map(|m| acc || m)),
        };
        verdict.map_err(UserClassError::Condition)
    }
}

/// Recalculates a class's membership cache over `profiles`.
pub fn compute_members(
    class: &UserClass,
    profiles: &[Profile],
) -> Result<BTreeSet<ProfileId>, UserClassError> {
    class.validate()?;
    let mut members = BTreeSet::new();
    for p in profiles {
        if class.is_member(p)? {
            members.insert(p.id);
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Attributes, LoginId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn profile(n: u128, dept: &str, title: &str) -> Profile {
        let mut attributes = Attributes::new();
        attributes.add("department", dept).unwrap();
        attributes.add("title", title).unwrap();
        Profile {
            id: ProfileId(Uuid::from_u128(n)),
            login_id: LoginId::new(&format!("u{n}")).unwrap(),
            display_name: "U".into(),
            email: None,
            attributes,
            enabled: true,
            locked: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn class(rules: Vec<MembershipRule>, mode: RuleMode, statics: &[u128]) -> UserClass {
        UserClass {
            id: UserClassId::new("C").unwrap(),
            description: String::new(),
            static_members: statics
                .iter()
                .map(|n| ProfileId(Uuid::from_u128(*n)))
                .collect(),
            rules,
            mode,
        }
    }

    fn rule(attribute: &str, condition: Condition, value: &str) -> MembershipRule {
        MembershipRule {
            attribute: attribute.into(),
            condition,
            value: value.into(),
        }
    }

    #[test]
    fn static_and_rule_membership() {
        let ps = vec![
            profile(1, "IT", "Engineer"),
            profile(2, "Sales", "Manager"),
            profile(3, "IT", "Manager"),
        ];
        let all = class(
            vec![
                rule("department", Condition::Equal, "it"),
                rule("title", Condition::Equal, "manager"),
            ],
            RuleMode::All,
            &[2],
        );
        let m = compute_members(&all, &ps).unwrap();
        assert_eq!(m, [ps[1].id, ps[2].id].into_iter().collect());
        let any = class(
            vec![
                rule("department", Condition::Equal, "sales"),
                rule("title", Condition::Equal, "engineer"),
            ],
            RuleMode::Any,
            &[],
        );
        assert_eq!(
            compute_members(&any, &ps).unwrap(),
            [ps[0].id, ps[1].id].into_iter().collect()
        );
        let static_only = class(vec![], RuleMode::All, &[3]);
        assert_eq!(
            compute_members(&static_only, &ps).unwrap(),
            [ps[2].id].into_iter().collect()
        );
    }

    #[test]
    fn a_broken_rule_is_an_error_not_a_non_member() {
        let c = class(
            vec![rule("department", Condition::Equal, "")],
            RuleMode::All,
            &[],
        );
        assert!(compute_members(&c, &[profile(1, "IT", "x")]).is_err());
        let c = class(
            vec![rule("bad name", Condition::Set, "")],
            RuleMode::All,
            &[],
        );
        assert!(matches!(c.validate(), Err(UserClassError::Attribute(_))));
    }
}
