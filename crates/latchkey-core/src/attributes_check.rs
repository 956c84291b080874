//! Checking what a person types against their own profile attributes: the
//! `attribute_verification` module (an employee number, a postcode …) and the `pii` module
//! (personal data from HR: date of birth, driver's licence, mother's maiden name, national id).
//!
//! Both are weak (spec §1): the values are often known to others, so they narrow who someone
//! is and never authenticate alone. A wrong answer fails the module without saying which field
//! was wrong, and every field is compared every time (no early exit), in constant time per
//! value, so neither the page nor the timing tells an attacker which one to work on.
//!
//! **Matching rules** ([`MatchRule`]):
//! - `exact`: the bytes typed equal a stored value.
//! - `case_insensitive`: surrounding whitespace trimmed, then Unicode's default lower case.
//! - `normalised` (the default): the rule security answers use
//!   ([`crate::questions::normalise`]): invisible characters dropped, NFKC, case folded (`ß` =
//!   `ss`), whitespace runs collapsed to one space and trimmed. `ＡＢＣ 123` = `abc 123`.
//!
//! An empty answer never matches, and neither does an empty stored value.

use crate::questions::normalise;
use crate::token::constant_time_eq;
use std::fmt;
use std::str::FromStr;

/// How a typed value is compared with a stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchRule {
    /// Byte for byte.
    Exact,
    /// Trimmed, then lower case.
    CaseInsensitive,
    /// Trimmed, NFKC, case folded, whitespace collapsed.
    #[default]
    Normalised,
}

impl MatchRule {
    /// Name in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::Exact => "exact",
            MatchRule::CaseInsensitive => "case_insensitive",
            MatchRule::Normalised => "normalised",
        }
    }

    fn canonical(self, raw: &str) -> String {
        match self {
            MatchRule::Exact => raw.to_owned(),
            MatchRule::CaseInsensitive => raw.trim().to_lowercase(),
            MatchRule::Normalised => normalise(raw).expose().to_owned(),
        }
    }
}

impl fmt::Display for MatchRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MatchRule {
    type Err = AttributeCheckError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "exact" => Ok(MatchRule::Exact),
            "case_insensitive" | "caseignore" | "ignore_case" => Ok(MatchRule::CaseInsensitive),
            "normalised" | "normalized" => Ok(MatchRule::Normalised),
            _ => Err(AttributeCheckError::UnknownRule(s.to_owned())),
        }
    }
}

/// A configuration that cannot be used (an Error outcome, never a pass).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeCheckError {
    /// A matching rule other than exact, case_insensitive, normalised.
    #[error("unknown matching rule {0:?}: use exact, case_insensitive or normalised")]
    UnknownRule(String),
    /// An attribute name that is not one.
    #[error("{0:?} is not a valid attribute name")]
    BadAttribute(String),
    /// Nothing to ask.
    #[error("no attributes are configured to ask for")]
    NothingToAsk,
    /// `PII_REQUIRED` of 0, or not a number.
    #[error("PII_REQUIRED must be a whole number of at least 1, not {0:?}")]
    BadRequired(String),
}

/// Does `typed` match any of `stored` under `rule`? Every stored value is compared.
pub fn matches(rule: MatchRule, stored: &[String], typed: &str) -> bool {
    let typed = rule.canonical(typed);
    let mut found = false;
    for value in stored {
        let value = rule.canonical(value);
        // Evaluate every comparison; `&` rather than `&&` so nothing short-circuits.
        found |= !value.is_empty() & constant_time_eq(&value, &typed);
    }
    found & !typed.is_empty()
}

/// One attribute to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// Attribute name (canonical, lower case).
    pub attribute: String,
    /// How to compare.
    pub rule: MatchRule,
}

/// Parses an `attributes` setting: names separated by commas, each optionally `name:rule`;
/// names without a rule use `default`. `employeeNumber, mail:case_insensitive`.
pub fn parse_requested(
    list: &str,
    default: MatchRule,
) -> Result<Vec<Requested>, AttributeCheckError> {
    let mut out: Vec<Requested> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, rule) = match item.split_once(':') {
            Some((name, rule)) => (name.trim(), rule.parse()?),
            None => (item, default),
        };
        let attribute = crate::profile::attribute_name(name)
            .map_err(|_| AttributeCheckError::BadAttribute(name.to_owned()))?;
        if !out.iter().any(|r| r.attribute == attribute) {
            out.push(Requested { attribute, rule });
        }
    }
    if out.is_empty() {
        return Err(AttributeCheckError::NothingToAsk);
    }
    Ok(out)
}

/// The kinds of personal data the `pii` module knows, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PiiKind {
    /// Date of birth.
    Dob,
    /// Driver's licence number.
    Dl,
    /// Mother's maiden name.
    Mmn,
    /// National id (SSN, SIN, …).
    Ssn,
}

impl PiiKind {
    /// Every kind, in asking order.
    pub const ALL: [PiiKind; 4] = [PiiKind::Dob, PiiKind::Dl, PiiKind::Mmn, PiiKind::Ssn];

    /// The setting in the attributes namespace (`AUTHCHAIN_PII_ATTRS`) naming its attribute.
    pub fn setting(self) -> &'static str {
        match self {
            PiiKind::Dob => "DOB",
            PiiKind::Dl => "DL",
            PiiKind::Mmn => "MMN",
            PiiKind::Ssn => "SSN",
        }
    }

    /// The label shown to the person.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Dob => "Date of birth (YYYY-MM-DD)",
            PiiKind::Dl => "Driver's licence number",
            PiiKind::Mmn => "Mother's maiden name",
            PiiKind::Ssn => "National identity number",
        }
    }
}

/// Parses `PII_REQUIRED` (default 1 when unset).
pub fn pii_required(raw: Option<&str>) -> Result<usize, AttributeCheckError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(1),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| AttributeCheckError::BadRequired(v.to_owned())),
    }
}

/// What the `pii` module will ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PiiPlan {
    /// Ask these (kind, attribute) pairs; every one must match.
    Ask(Vec<(PiiKind, String)>),
    /// The person has fewer than `required` of the configured kinds on file.
    NotEnough,
}

/// Picks the first `required` kinds (in [`PiiKind::ALL`] order) that are configured and that
/// the person has a value for. The choice is fixed for a person, so starting again does not let
/// anyone shop for an easier question.
pub fn pii_plan(
    configured: &[(PiiKind, String)],
    has_value: impl Fn(&str) -> bool,
    required: usize,
) -> PiiPlan {
    let mut picked: Vec<(PiiKind, String)> = Vec::new();
    for kind in PiiKind::ALL {
        if picked.len() == required {
            break;
        }
        if let Some((_, attribute)) = configured.iter().find(|(k, _)| *k == kind)
            && has_value(attribute)
        {
            picked.push((kind, attribute.clone()));
        }
    }
    if picked.len() == required && required > 0 {
        PiiPlan::Ask(picked)
    } else {
        PiiPlan::NotEnough
    }
}

/// True only when every answer matches its stored values. All are compared, whatever the
/// first ones gave; a missing answer counts as wrong.
pub fn all_match<'a>(
    checks: impl IntoIterator<Item = (MatchRule, &'a [String], Option<&'a str>)>,
) -> bool {
    let mut all = true;
    let mut any = false;
    for (rule, stored, typed) in checks {
        any = true;
        all &= matches(rule, stored, typed.unwrap_or(""));
    }
    all & any
}

#[cfg(test)]
#[path = "attributes_check_tests.rs"]
mod tests;
