//! Match conditions, shared by user-class membership rules and (later) the chain selector.
//!
//! Case rules, stated once: every comparison is **case-insensitive** (Unicode lower-case of both
//! sides). Attributes are multi-valued:
//! - `equal` holds when any value equals the expected one; `notequal` is its exact negation;
//! - `in` takes a comma-separated list and holds when any value equals any list item
//!   (items are trimmed); `notin` is its negation;
//! - `contain` holds when any value contains the expected text; `notcontain` is its negation;
//! - `set` holds when at least one non-empty value exists; `notset` is its negation.
//!
//! `set`/`notset` take no expected value; the others require one (an empty expected value is a
//! configuration error, not a silent match).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the eight conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// Any value equals.
    Equal,
    /// No value equals.
    NotEqual,
    /// Any value is in the list.
    In,
    /// No value is in the list.
    NotIn,
    /// Any value contains the text.
    Contain,
    /// No value contains the text.
    NotContain,
    /// A non-empty value exists.
    Set,
    /// No non-empty value exists.
    NotSet,
}

/// A condition that cannot be evaluated as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    /// Unknown condition name.
    #[error(
        "unknown condition {0:?}: use one of equal, notequal, in, notin, contain, notcontain, set, notset"
    )]
    Unknown(String),
    /// The condition needs an expected value and none was given.
    #[error("condition {0} needs a value to compare with")]
    MissingValue(Condition),
    /// `set`/`notset` were given a value.
    #[error("condition {0} takes no value")]
    UnexpectedValue(Condition),
}

impl Condition {
    /// All conditions, in documentation order.
    pub const ALL: [Condition; 8] = [
        Condition::Equal,
        Condition::NotEqual,
        Condition::In,
        Condition::NotIn,
        Condition::Contain,
        Condition::NotContain,
        Condition::Set,
        Condition::NotSet,
    ];

    /// The name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Equal => "equal",
            Condition::NotEqual => "notequal",
            Condition::In => "in",
            Condition::NotIn => "notin",
            Condition::Contain => "contain",
            Condition::NotContain => "notcontain",
            Condition::Set => "set",
            Condition::NotSet => "notset",
        }
    }

    /// Does this condition compare with an expected value?
    pub fn takes_value(self) -> bool {
        !matches!(self, Condition::Set | Condition::NotSet)
    }

    /// Checks that `expected` fits this condition.
    pub fn check_value(self, expected: &str) -> Result<(), ConditionError> {
        match (self.takes_value(), expected.trim().is_empty()) {
            (true, true) => Err(ConditionError::MissingValue(self)),
            (false, false) => Err(ConditionError::UnexpectedValue(self)),
            _ => Ok(()),
        }
    }

    /// Evaluates against the actual values.
    pub fn evaluate(self, actual: &[String], expected: &str) -> Result<bool, ConditionError> {
        self.check_value(expected)?;
        let want = expected.to_lowercase();
        let lowered: Vec<String> = actual.iter().map(|v| v.to_lowercase()).collect();
        let any_equal = || lowered.contains(&want);
        let any_in = || {
            let items: Vec<String> = want
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            lowered.iter().any(|v| items.contains(v))
        };
        let any_contains = || lowered.iter().any(|v| v.contains(&want));
        let any_set = || actual.iter().any(|v| !v.is_empty());
        Ok(match self {
            Condition::Equal => any_equal(),
            Condition::NotEqual => !any_equal(),
            Condition::In => any_in(),
            Condition::NotIn => !any_in(),
            Condition::Contain => any_contains(),
            Condition::NotContain => !any_contains(),
            Condition::Set => any_set(),
            Condition::NotSet => !any_set(),
        })
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Condition {
    type Err = ConditionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Condition::ALL
            .into_iter()
            .find(|c| c.as_str() == lower)
            .ok_or_else(|| ConditionError::Unknown(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn each_condition_with_case_rules() {
        let vals = v(&["Sales", "EMEA"]);
        assert!(Condition::Equal.evaluate(&vals, "sales").unwrap());
        assert!(!Condition::NotEqual.evaluate(&vals, "SALES").unwrap());
        assert!(Condition::NotEqual.evaluate(&vals, "ops").unwrap());
        assert!(Condition::In.evaluate(&vals, "ops, emea").unwrap());
        assert!(Condition::NotIn.evaluate(&vals, "ops,apac").unwrap());
        assert!(Condition::Contain.evaluate(&vals, "ale").unwrap());
        assert!(Condition::NotContain.evaluate(&vals, "xyz").unwrap());
        assert!(Condition::Set.evaluate(&vals, "").unwrap());
        assert!(Condition::NotSet.evaluate(&v(&[""]), "").unwrap());
        assert!(Condition::NotSet.evaluate(&[], "").unwrap());
    }

    #[test]
    fn misuse_is_an_error_not_a_match() {
        assert_eq!(
            Condition::Equal.evaluate(&[], " "),
            Err(ConditionError::MissingValue(Condition::Equal))
        );
        assert_eq!(
            Condition::Set.evaluate(&[], "x"),
            Err(ConditionError::UnexpectedValue(Condition::Set))
        );
        assert!("bogus".parse::<Condition>().is_err());
        assert_eq!("NotIn".parse::<Condition>(), Ok(Condition::NotIn));
    }

    proptest! {
        #[test]
        fn negations_are_exact(values in proptest::collection::vec("[a-cA-C]{0,3}", 0..4), want in "[a-c]{1,3}") {
            for (pos, neg) in [(Condition::Equal, Condition::NotEqual), (Condition::In, Condition::NotIn), (Condition::Contain, Condition::NotContain)] {
                prop_assert_eq!(pos.evaluate(&values, &want).unwrap(), !neg.evaluate(&values, &want).unwrap());
            }
            prop_assert_eq!(Condition::Set.evaluate(&values, "").unwrap(), !Condition::NotSet.evaluate(&values, "").unwrap());
        }
    }
}
