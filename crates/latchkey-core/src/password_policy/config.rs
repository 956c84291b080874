//! The effective [`PasswordPolicy`] from the settings table (namespace `PASSWORD_POLICY`).
//!
//! Every setting is optional: a missing row takes the registry default, which is the policy's
//! own default ([`PasswordPolicy::default`]). Each value is checked against the registry
//! ([`crate::settings::validate_row`]), so a bad value is refused with an error naming the
//! setting and what it accepts; then the whole policy is checked ([`PasswordPolicy::check`]) for
//! combinations no single value shows (a minimum above the maximum). Nothing falls back to a
//! default silently.
//!
//! `BLOCKLIST_FILE` names an operator file whose lines extend the shipped blocklist; the edge
//! reads it once at start-up ([`blocklist_file`] gives the path).

use super::policy::{PasswordPolicy, PolicyError};
use crate::settings::{NS_PASSWORD_POLICY, SettingError, Settings, validate_row};

/// Why the configured password policy cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyConfigError {
    /// One setting's value is invalid (the message names it).
    #[error("password policy: {0}")]
    Setting(#[from] SettingError),
    /// The values are each valid but together unusable.
    #[error("password policy (settings {NS_PASSWORD_POLICY}/…): {0}")]
    Policy(#[from] PolicyError),
}

/// The setting naming the operator's extra blocklist file.
pub const BLOCKLIST_FILE: &str = "BLOCKLIST_FILE";

/// Reads the policy from the settings snapshot.
pub fn policy_from_settings(settings: &Settings) -> Result<PasswordPolicy, PolicyConfigError> {
    let defaults = PasswordPolicy::default();
    let policy = PasswordPolicy {
        min_length: number(settings, "MIN_LENGTH", defaults.min_length)?,
        max_length: number(settings, "MAX_LENGTH", defaults.max_length)?,
        history: number(settings, "HISTORY", defaults.history)?,
        min_lower: number(settings, "MIN_LOWER", defaults.min_lower)?,
        min_upper: number(settings, "MIN_UPPER", defaults.min_upper)?,
        min_digits: number(settings, "MIN_DIGITS", defaults.min_digits)?,
        min_symbols: number(settings, "MIN_SYMBOLS", defaults.min_symbols)?,
        min_classes: number(settings, "MIN_CLASSES", defaults.min_classes)?,
        min_strength: number(settings, "MIN_STRENGTH", defaults.min_strength)?,
        check_user_attributes: checked(settings, "CHECK_USER_ATTRIBUTES")?
            .and_then(|_| {
                settings
                    .bool(NS_PASSWORD_POLICY, "CHECK_USER_ATTRIBUTES")
                    .ok()
                    .flatten()
            })
            .unwrap_or(defaults.check_user_attributes),
    };
    policy.check()?;
    Ok(policy)
}

/// The operator's extra blocklist file, when one is configured.
pub fn blocklist_file(settings: &Settings) -> Option<String> {
    settings
        .value(NS_PASSWORD_POLICY, BLOCKLIST_FILE)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The stored value of one setting, validated against the registry.
fn checked(settings: &Settings, setting: &str) -> Result<Option<String>, SettingError> {
    settings
        .value(NS_PASSWORD_POLICY, setting)
        .map(|value| validate_row(NS_PASSWORD_POLICY, setting, value, false).map(|row| row.value))
        .transpose()
}

fn number<T>(settings: &Settings, setting: &str, default: T) -> Result<T, SettingError>
where
    T: TryFrom<u64>,
{
    let Some(value) = checked(settings, setting)? else {
        return Ok(default);
    };
    let out_of_range = || SettingError::Value {
        namespace: NS_PASSWORD_POLICY.to_owned(),
        setting: setting.to_owned(),
        value: value.clone(),
        expected: "a smaller whole number".to_owned(),
    };
    let n: u64 = value.parse().map_err(|_| out_of_range())?;
    T::try_from(n).map_err(|_| out_of_range())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingRow;

    fn with(rows: &[(&str, &str)]) -> Settings {
        Settings::new(
            rows.iter()
                .map(|(setting, value)| SettingRow {
                    namespace: NS_PASSWORD_POLICY.to_owned(),
                    setting: (*setting).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
        )
    }

    #[test]
    fn no_rows_give_the_default_policy() {
        assert_eq!(
            policy_from_settings(&Settings::default()),
            Ok(PasswordPolicy::default())
        );
        assert_eq!(blocklist_file(&Settings::default()), None);
    }

    #[test]
    fn every_setting_is_read() {
        let settings = with(&[
            ("MIN_LENGTH", "12"),
            ("MAX_LENGTH", "200"),
            ("HISTORY", "0"),
            ("MIN_LOWER", "1"),
            ("MIN_UPPER", "2"),
            ("MIN_DIGITS", "3"),
            ("MIN_SYMBOLS", "4"),
            ("MIN_CLASSES", "3"),
            ("MIN_STRENGTH", "3"),
            ("CHECK_USER_ATTRIBUTES", "off"),
            ("BLOCKLIST_FILE", " /etc/latchkey/blocked.txt "),
        ]);
        let policy = policy_from_settings(&settings).unwrap();
        assert_eq!(
            policy,
            PasswordPolicy {
                min_length: 12,
                max_length: 200,
                history: 0,
                min_lower: 1,
                min_upper: 2,
                min_digits: 3,
                min_symbols: 4,
                min_classes: 3,
                min_strength: 3,
                check_user_attributes: false,
            }
        );
        assert_eq!(
            blocklist_file(&settings).as_deref(),
            Some("/etc/latchkey/blocked.txt")
        );
    }

    #[test]
    fn a_bad_value_names_its_setting() {
        let err = policy_from_settings(&with(&[("MIN_LENGTH", "six")])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("PASSWORD_POLICY/MIN_LENGTH"), "{text}");
        assert!(text.contains("\"six\""), "{text}");

        let err = policy_from_settings(&with(&[("MIN_LENGTH", "4")])).unwrap_err();
        assert!(err.to_string().contains("MIN_LENGTH"), "{err}");
        let err = policy_from_settings(&with(&[("MIN_STRENGTH", "5")])).unwrap_err();
        assert!(err.to_string().contains("MIN_STRENGTH"), "{err}");
        let err = policy_from_settings(&with(&[("CHECK_USER_ATTRIBUTES", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("CHECK_USER_ATTRIBUTES"), "{err}");
    }

    #[test]
    fn an_impossible_combination_is_refused() {
        let err = policy_from_settings(&with(&[("MIN_LENGTH", "100"), ("MAX_LENGTH", "64")]))
            .unwrap_err();
        assert!(matches!(
            err,
            PolicyConfigError::Policy(PolicyError::MinAboveMax { .. })
        ));
        assert!(err.to_string().contains("PASSWORD_POLICY"), "{err}");
    }

    #[test]
    fn a_typo_gets_a_hint() {
        let err = validate_row(NS_PASSWORD_POLICY, "MIN_LENGHT", "10", false).unwrap_err();
        assert!(
            err.to_string()
                .contains("did you mean PASSWORD_POLICY/MIN_LENGTH"),
            "{err}"
        );
    }

    #[test]
    fn registry_defaults_match_the_policy_defaults() {
        // A missing row reads the registry default: both must say the same.
        let defaults = PasswordPolicy::default();
        let settings = Settings::default();
        let read = |s: &str| settings.value(NS_PASSWORD_POLICY, s).map(str::to_owned);
        assert_eq!(read("MIN_LENGTH"), Some(defaults.min_length.to_string()));
        assert_eq!(read("MAX_LENGTH"), Some(defaults.max_length.to_string()));
        assert_eq!(read("HISTORY"), Some(defaults.history.to_string()));
        assert_eq!(
            read("MIN_STRENGTH"),
            Some(defaults.min_strength.to_string())
        );
    }
}
