//! The settings table: rows of *namespace / setting / value*.
//!
//! Policy knobs that operators and scenario components change at run time live here (not in
//! `latchkey.toml`, which only says how a node runs). A setting may repeat — `MASS_PASSWORD_RESET /
//! TARGETS` lists one target per row — and rows keep their order.
//!
//! Known settings are declared in [`KNOWN`] with their kind, default and meaning, so a typo or a
//! bad value is refused with a clear message. Names outside the registry are refused too unless
//! the caller explicitly asks for a custom setting.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A namespace or setting name: upper-case letters, digits and `_`, 1..=64 characters.
pub fn validate_setting_name(raw: &str) -> Result<(), SettingError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(SettingError::Name(raw.to_owned()))
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    /// e.g. `MASS_PASSWORD_RESET`.
    pub namespace: String,
    /// e.g. `TARGETS`.
    pub setting: String,
    /// The value as text.
    pub value: String,
}

/// What kind of value a known setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Any text (non-empty).
    Text,
    /// `true` / `false` (also accepted: yes/no, 1/0, on/off).
    Bool,
    /// An integer in an inclusive range.
    UInt {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// An identifier (target id, template id, attribute name).
    Name,
    /// One of a fixed list of words (compared case-insensitively).
    OneOf(&'static [&'static str]),
}

/// A setting Latchkey knows about.
#[derive(Debug, Clone, Copy)]
pub struct KnownSetting {
    /// Namespace.
    pub namespace: &'static str,
    /// Setting.
    pub setting: &'static str,
    /// May it have several rows?
    pub repeatable: bool,
    /// Kind of value.
    pub kind: ValueKind,
    /// Value used when no row exists.
    pub default: Option<&'static str>,
    /// One line for `latchkey settings list` and the admin UI.
    pub help: &'static str,
}

#[path = "settings_registry.rs"]
mod registry;
pub use registry::{KNOWN, NS_AUTH, NS_ONBOARD, NS_PASSWORD_POLICY, NS_RESET};

/// Looks a setting up in the registry (names are case-insensitive here).
pub fn find_known(namespace: &str, setting: &str) -> Option<&'static KnownSetting> {
    KNOWN.iter().find(|k| {
        k.namespace.eq_ignore_ascii_case(namespace) && k.setting.eq_ignore_ascii_case(setting)
    })
}

/// Why a setting or its value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// Bad namespace or setting name.
    #[error(
        "{0:?} is not a valid name: use upper-case letters, digits and '_', starting with a letter"
    )]
    Name(String),
    /// Not in the registry.
    #[error("{namespace}/{setting} is not a known setting{}", hint.as_ref().map(|h| format!(" (did you mean {h}?)")).unwrap_or_default())]
    Unknown {
        /// Namespace given.
        namespace: String,
        /// Setting given.
        setting: String,
        /// Closest known setting.
        hint: Option<String>,
    },
    /// The value does not fit the setting's kind.
    #[error("{namespace}/{setting}: {value:?} is not valid: expected {expected}")]
    Value {
        /// Namespace.
        namespace: String,
        /// Setting.
        setting: String,
        /// The refused value.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A single-valued setting would get a second row.
    #[error("{namespace}/{setting} takes one value; use `set` to replace it")]
    NotRepeatable {
        /// Namespace.
        namespace: String,
        /// Setting.
        setting: String,
    },
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

impl ValueKind {
    fn describe(self) -> String {
        match self {
            ValueKind::Text => "non-empty text".into(),
            ValueKind::Bool => "true or false".into(),
            ValueKind::UInt { min, max } => format!("a whole number from {min} to {max}"),
            ValueKind::Name => "a name made of letters, digits, '_' and '-'".into(),
            ValueKind::OneOf(words) => format!("one of {}", words.join(", ")),
        }
    }

    fn accepts(self, value: &str) -> bool {
        match self {
            ValueKind::Text => !value.trim().is_empty(),
            ValueKind::Bool => parse_bool(value).is_some(),
            ValueKind::UInt { min, max } => value
                .trim()
                .parse::<u64>()
                .is_ok_and(|n| (min..=max).contains(&n)),
            ValueKind::Name => crate::ids::validate_name(value, 128).is_ok(),
            ValueKind::OneOf(words) => words.iter().any(|w| w.eq_ignore_ascii_case(value.trim())),
        }
    }
}

/// Normalises names (upper-case) and checks the value against the registry. With `custom`, a
/// setting outside the registry is allowed (names still validated).
pub fn validate_row(
    namespace: &str,
    setting: &str,
    value: &str,
    custom: bool,
) -> Result<SettingRow, SettingError> {
    let namespace = namespace.trim().to_ascii_uppercase();
    let setting = setting.trim().to_ascii_uppercase();
    validate_setting_name(&namespace)?;
    validate_setting_name(&setting)?;
    let kind = match find_known(&namespace, &setting) {
        Some(k) => k.kind,
        None if custom => ValueKind::Text,
        None => {
            let wanted = format!("{namespace}/{setting}");
            let hint = KNOWN
                .iter()
                .map(|k| format!("{}/{}", k.namespace, k.setting))
                .min_by_key(|cand| edit_distance(cand, &wanted))
                .filter(|cand| edit_distance(cand, &wanted) <= 4);
            return Err(SettingError::Unknown {
                namespace,
                setting,
                hint,
            });
        }
    };
    if !kind.accepts(value) {
        return Err(SettingError::Value {
            namespace,
            setting,
            value: value.to_owned(),
            expected: kind.describe(),
        });
    }
    Ok(SettingRow {
        namespace,
        setting,
        value: value.trim().to_owned(),
    })
}

/// Levenshtein distance (small strings only; used for hints).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// A snapshot of the table, read once per decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    rows: Vec<SettingRow>,
}

impl Settings {
    /// From rows in table order.
    pub fn new(rows: Vec<SettingRow>) -> Self {
        Self { rows }
    }

    /// All rows.
    pub fn rows(&self) -> &[SettingRow] {
        &self.rows
    }

    /// Every value of a setting, in row order; the registry default when there is no row.
    pub fn values(&self, namespace: &str, setting: &str) -> Vec<&str> {
        let found: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| {
                r.namespace.eq_ignore_ascii_case(namespace)
                    && r.setting.eq_ignore_ascii_case(setting)
            })
            .map(|r| r.value.as_str())
            .collect();
        if found.is_empty() {
            find_known(namespace, setting)
                .and_then(|k| k.default)
                .into_iter()
                .collect()
        } else {
            found
        }
    }

    /// The first value, or the default.
    pub fn value(&self, namespace: &str, setting: &str) -> Option<&str> {
        self.values(namespace, setting).into_iter().next()
    }

    /// A whole-number setting; an unparsable stored value is an error (never a silent default).
    pub fn u64(&self, namespace: &str, setting: &str) -> Result<Option<u64>, SettingError> {
        self.value(namespace, setting)
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| SettingError::Value {
                    namespace: namespace.to_owned(),
                    setting: setting.to_owned(),
                    value: v.to_owned(),
                    expected: "a whole number".into(),
                })
            })
            .transpose()
    }

    /// A boolean setting; an unparsable stored value is an error.
    pub fn bool(&self, namespace: &str, setting: &str) -> Result<Option<bool>, SettingError> {
        self.value(namespace, setting)
            .map(|v| {
                parse_bool(v).ok_or_else(|| SettingError::Value {
                    namespace: namespace.to_owned(),
                    setting: setting.to_owned(),
                    value: v.to_owned(),
                    expected: "true or false".into(),
                })
            })
            .transpose()
    }
}

impl fmt::Display for SettingRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.namespace, self.setting, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_settings_are_validated() {
        let row = validate_row("mass_password_reset", "targets", "CORP_AD", false).unwrap();
        assert_eq!(row.namespace, "MASS_PASSWORD_RESET");
        assert_eq!(row.setting, "TARGETS");
        assert!(matches!(
            validate_row("AUTH", "MAX_USERAUTH_FAILURE", "0", false),
            Err(SettingError::Value { .. })
        ));
        assert!(matches!(
            validate_row("MASS_PASSWORD_RESET", "REPORT", "maybe", false),
            Err(SettingError::Value { .. })
        ));
    }

    #[test]
    fn unknown_settings_get_a_hint_or_need_custom() {
        let err = validate_row("MASS_PASSWORD_RESET", "TARGET", "X", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "MASS_PASSWORD_RESET/TARGET is not a known setting (did you mean MASS_PASSWORD_RESET/TARGETS?)"
        );
        assert!(validate_row("MY_COMPONENT", "COLOUR", "blue", true).is_ok());
        assert!(matches!(
            validate_row("bad ns", "X", "v", true),
            Err(SettingError::Name(_))
        ));
    }

    #[test]
    fn snapshot_reads_repeats_defaults_and_refuses_garbage() {
        let s = Settings::new(vec![
            SettingRow {
                namespace: NS_RESET.into(),
                setting: "TARGETS".into(),
                value: "A".into(),
            },
            SettingRow {
                namespace: NS_RESET.into(),
                setting: "TARGETS".into(),
                value: "B".into(),
            },
            SettingRow {
                namespace: NS_RESET.into(),
                setting: "REPORT".into(),
                value: "off".into(),
            },
            SettingRow {
                namespace: NS_AUTH.into(),
                setting: "MAX_USERAUTH_FAILURE".into(),
                value: "x".into(),
            },
        ]);
        assert_eq!(s.values(NS_RESET, "TARGETS"), ["A", "B"]);
        assert_eq!(s.u64(NS_RESET, "BATCH_SIZE"), Ok(Some(500)));
        assert_eq!(s.bool(NS_RESET, "REPORT"), Ok(Some(false)));
        assert!(s.u64(NS_AUTH, "MAX_USERAUTH_FAILURE").is_err());
        assert_eq!(s.value("NOPE", "NOPE"), None);
    }
}
