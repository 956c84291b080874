//! The words of the file: keys of each table, names of enum values, and "did you mean" hints.
//!
//! Enum names are the ones the store and the JSON APIs use (serde's lower-case names); a test
//! checks that the two never drift apart.

use crate::chain::selector::{MatchType, RuleAction, SkipRemaining};
use crate::chain::{ChainPurpose, Control, ModuleType};
use crate::condition::Condition;

/// Keys of the document's top level.
pub(super) const TOP_KEYS: &[&str] = &["format", "chain", "rule"];
/// Keys of a `[[chain]]` table.
pub(super) const CHAIN_KEYS: &[&str] = &[
    "id",
    "description",
    "enabled",
    "builtin",
    "abort_on_failure",
    "cache_results",
    "purpose",
    "module",
];
/// Keys of a `[[chain.module]]` table.
pub(super) const MODULE_KEYS: &[&str] = &[
    "cfg_id",
    "order",
    "type",
    "control",
    "description",
    "bypass_on_retry",
    "increment_lockout",
    "settings",
];
/// Keys of a `[[rule]]` table.
pub(super) const RULE_KEYS: &[&str] = &[
    "stage",
    "rule",
    "skip_remaining",
    "cfg_id",
    "match_type",
    "match_key",
    "match_condition",
    "match_value",
    "action",
    "chain_id",
    "error_msg",
    "comment",
    "owner",
];

pub(super) const PURPOSES: &[(ChainPurpose, &str)] = &[
    (ChainPurpose::Authentication, "authentication"),
    (ChainPurpose::Identification, "identification"),
];

pub(super) const SKIPS: &[(SkipRemaining, &str)] = &[
    (SkipRemaining::None, "none"),
    (SkipRemaining::Stage, "stage"),
    (SkipRemaining::All, "all"),
];

pub(super) const MATCH_TYPES: &[(MatchType, &str)] = &[
    (MatchType::Cgi, "cgi"),
    (MatchType::Parameter, "parameter"),
    (MatchType::UserClass, "userclass"),
    (MatchType::UserStat, "userstat"),
    (MatchType::State, "state"),
    (MatchType::Attribute, "attribute"),
];

pub(super) const ACTIONS: &[(RuleAction, &str)] = &[
    (RuleAction::Append, "append"),
    (RuleAction::Flush, "flush"),
    (RuleAction::Remove, "remove"),
];

/// Name of `value` in `table` (every variant is listed, so the fallback is never used).
pub(super) fn name_of<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("?", |(_, n)| n)
}

pub(super) fn controls() -> Vec<(Control, &'static str)> {
    Control::ALL.iter().map(|c| (*c, c.as_str())).collect()
}

pub(super) fn module_types() -> Vec<(ModuleType, &'static str)> {
    ModuleType::ALL.iter().map(|m| (*m, m.as_str())).collect()
}

pub(super) fn conditions() -> Vec<(Condition, &'static str)> {
    Condition::ALL.iter().map(|c| (*c, c.as_str())).collect()
}

/// `a | b | c`, for the file header and error messages.
pub(super) fn list<T>(table: &[(T, &'static str)]) -> String {
    table
        .iter()
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Looks `raw` up in `table` (case-insensitive, trimmed). The error names what was expected
/// and the closest spelling.
pub(super) fn pick<T: Copy>(
    what: &str,
    table: &[(T, &'static str)],
    raw: &str,
) -> Result<T, String> {
    let want = raw.trim().to_ascii_lowercase();
    if let Some((value, _)) = table.iter().find(|(_, n)| *n == want) {
        return Ok(*value);
    }
    let mut message = format!(
        "unknown {what} {raw:?}: use {}",
        list(table).replace(" | ", ", ")
    );
    if let Some(near) = closest(&want, table.iter().map(|(_, n)| *n)) {
        message.push_str(&format!(" (did you mean {near:?}?)"));
    }
    Err(message)
}

/// Message for an unknown key in a table that takes `known`.
pub(super) fn unknown_key(key: &str, known: &[&str]) -> String {
    let mut message = format!("unknown key `{key}`");
    // `condition` for `match_condition`: the known key with a prefix is a better guess than
    // any spelling distance.
    let suffixed = known
        .iter()
        .find(|k| k.strip_suffix(key).is_some_and(|p| p.ends_with('_')));
    match suffixed
        .copied()
        .or_else(|| closest(key, known.iter().copied()))
    {
        Some(near) => message.push_str(&format!(" (did you mean `{near}`?)")),
        None => message.push_str(&format!(" (known keys here: {})", known.join(", "))),
    }
    message
}

/// Most edits a typo may need before we stop guessing.
const MAX_DISTANCE: usize = 3;

/// The candidate closest to `input` if it is a plausible typo: at most three edits, and fewer
/// edits than `input` has characters.
pub(super) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_lowercase();
    let len = input.chars().count();
    // A long input is not a typo of a short word; skip the quadratic distance.
    if len > 64 {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (distance(&input, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= MAX_DISTANCE && *d < len)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute =
                previous.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != *cb);
            let delete = previous
                .get(j + 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let insert = current
                .get(j)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    fn serde_name<T: Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn names_are_the_serde_names() {
        for (v, n) in PURPOSES {
            assert_eq!(serde_name(v), *n);
        }
        for (v, n) in SKIPS {
            assert_eq!(serde_name(v), *n);
        }
        for (v, n) in MATCH_TYPES {
            assert_eq!(serde_name(v), *n);
        }
        for (v, n) in ACTIONS {
            assert_eq!(serde_name(v), *n);
        }
        for (v, n) in controls() {
            assert_eq!(serde_name(v), n);
        }
        for (v, n) in conditions() {
            assert_eq!(serde_name(v), n);
        }
        for (v, n) in module_types() {
            assert_eq!(serde_name(v), n);
        }
    }

    #[test]
    fn hints() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(
            unknown_key("contrl", MODULE_KEYS),
            "unknown key `contrl` (did you mean `control`?)"
        );
        assert_eq!(
            unknown_key("condition", RULE_KEYS),
            "unknown key `condition` (did you mean `match_condition`?)"
        );
        assert!(unknown_key("zzzzzzzz", TOP_KEYS).contains("known keys here: format, chain, rule"));
        assert_eq!(
            pick("control type", &controls(), "sufficent"),
            Err("unknown control type \"sufficent\": use binding, required, requisite, sufficient, optional (did you mean \"sufficient\"?)".into())
        );
        assert_eq!(pick("action", ACTIONS, " Flush "), Ok(RuleAction::Flush));
    }
}
