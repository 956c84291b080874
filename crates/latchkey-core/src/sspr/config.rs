//! Reading the forgotten-password configuration from the settings table, namespace
//! `FORGOTTEN_PASSWORD`:
//!
//! | setting | rows | value |
//! |---|---|---|
//! | `PROFILES` | repeatable | a profile name; rows in match order (unset: one profile, `default`) |
//! | `FILTER` | repeatable | `PROFILE (filter)`: the profile's LDAP-style match filter |
//! | `USER_CLASSES` | repeatable | `PROFILE CLASS[,CLASS…]`: members of these classes match |
//! | `CHAIN` | repeatable | `PROFILE CHAIN_ID`: the chain the profile's people go through |
//! | `RECOVERY_MODE` | repeatable | `PROFILE set\|send\|send_expired`: how the reset ends (default `set`) |
//! | `POST_ACTION_WEBHOOK` | repeatable | `PROFILE METHOD URL [JSON_BODY]`: a webhook called after a reset or unlock ([`super::post_action`]); several rows, several calls |
//! | `POST_ACTION_ATTRIBUTE` | repeatable | `PROFILE TARGET ATTRIBUTE VALUE`: an attribute of the person's account on `TARGET` replaced after a reset or unlock ([`super::post_attribute`]) |
//! | `SEARCH_FIELDS` | repeatable | `NAME required\|optional LABEL…`: one form field per row |
//! | `SEARCH_FILTER` | one | the search filter template, `%NAME%` for each field's value |
//!
//! Per-profile settings lead with the profile's name because the settings registry has fixed
//! names; a row naming a profile that `PROFILES` does not list is an error, never ignored.
//! Without `SEARCH_FIELDS`/`SEARCH_FILTER` (they go together) the form asks for the user ID.

use super::post_action::{PostActionError, Webhook};
use super::post_attribute::{AttributeWrite, AttributeWriteError};
use super::recovery::RecoveryModeError;
use super::{DEFAULT_PROFILE, ForgottenPassword, Lookup, ResetProfile, SearchField, SearchForm};
use crate::chain::{ChainId, builtin};
use crate::ids::UserClassId;
use crate::ldap_filter::{self, FilterError};
use crate::profile::attribute_name;
use crate::settings::{SettingError, Settings, validate_row};

/// The settings namespace.
pub const NS_FORGOTTEN_PASSWORD: &str = "FORGOTTEN_PASSWORD";

/// Form names the reset pages use for themselves; a search field may not take them.
const RESERVED: &[&str] = &[
    "csrf", "version", "username", "pin", "resend", "chain", "action", "new", "confirm",
];

/// Why the forgotten-password configuration cannot be used. Every message names the setting
/// (and the profile) at fault; none carries anything a person typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A row does not fit its setting's kind.
    #[error("forgotten password: {0}")]
    Setting(#[from] SettingError),
    /// A profile is listed twice in `PROFILES`.
    #[error("{NS_FORGOTTEN_PASSWORD}/PROFILES lists profile {0} twice")]
    DuplicateProfile(String),
    /// A per-profile row names a profile that `PROFILES` does not list.
    #[error(
        "{NS_FORGOTTEN_PASSWORD}/{setting} {value:?}: there is no profile {profile} (add it to {NS_FORGOTTEN_PASSWORD}/PROFILES)"
    )]
    UnknownProfile {
        /// The setting.
        setting: &'static str,
        /// The whole row value.
        value: String,
        /// The name it gives.
        profile: String,
    },
    /// A per-profile row is not `PROFILE value`, or a profile has two rows of one setting.
    #[error("{NS_FORGOTTEN_PASSWORD}/{setting} for profile {profile}: {problem}")]
    ProfileSetting {
        /// The setting.
        setting: &'static str,
        /// The profile.
        profile: String,
        /// What is wrong.
        problem: String,
    },
    /// A profile's match filter does not parse.
    #[error(
        "{NS_FORGOTTEN_PASSWORD}/FILTER for profile {profile}: {filter:?} is not a usable filter: {error}"
    )]
    ProfileFilter {
        /// The profile.
        profile: String,
        /// The filter text.
        filter: String,
        /// Why.
        error: FilterError,
    },
    /// A post-action webhook row is not usable.
    #[error("{NS_FORGOTTEN_PASSWORD}/POST_ACTION_WEBHOOK for profile {profile}: {error}")]
    PostAction {
        /// The profile.
        profile: String,
        /// What is wrong.
        error: PostActionError,
    },
    /// A post-action attribute row is not usable.
    #[error("{NS_FORGOTTEN_PASSWORD}/POST_ACTION_ATTRIBUTE for profile {profile}: {error}")]
    PostActionAttribute {
        /// The profile.
        profile: String,
        /// What is wrong.
        error: AttributeWriteError,
    },
    /// A search field row is not usable.
    #[error("{NS_FORGOTTEN_PASSWORD}/SEARCH_FIELDS {value:?}: {problem}")]
    SearchField {
        /// The row value.
        value: String,
        /// What is wrong.
        problem: String,
    },
    /// `SEARCH_FILTER` is set without the fields it reads.
    #[error(
        "{NS_FORGOTTEN_PASSWORD}/SEARCH_FILTER needs the form's fields: set {NS_FORGOTTEN_PASSWORD}/SEARCH_FIELDS first"
    )]
    SearchIncomplete,
    /// The search filter template does not parse, or names a `%field%` the form lacks.
    #[error("{NS_FORGOTTEN_PASSWORD}/SEARCH_FILTER {template:?}: {error}")]
    SearchFilter {
        /// The template.
        template: String,
        /// Why.
        error: FilterError,
    },
    /// A search field is never used by the template.
    #[error(
        "{NS_FORGOTTEN_PASSWORD}/SEARCH_FILTER does not use the search field {0} (write %{0}% where its value goes)"
    )]
    UnusedField(String),
}

/// The stored rows of `setting`, each checked against the registry.
fn rows(settings: &Settings, setting: &'static str) -> Result<Vec<String>, ConfigError> {
    settings
        .values(NS_FORGOTTEN_PASSWORD, setting)
        .into_iter()
        .map(|v| Ok(validate_row(NS_FORGOTTEN_PASSWORD, setting, v, false)?.value))
        .collect()
}

impl ForgottenPassword {
    /// Reads and checks the configuration (see the module docs for the settings).
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let mut names = rows(settings, "PROFILES")?;
        if names.is_empty() {
            names.push(DEFAULT_PROFILE.to_owned());
        }
        let reset =
            ChainId::new(builtin::PASSWORD_RESET).map_err(|e| ConfigError::ProfileSetting {
                setting: "CHAIN",
                profile: DEFAULT_PROFILE.into(),
                problem: e.to_string(),
            })?;
        let mut profiles: Vec<ResetProfile> = Vec::with_capacity(names.len());
        for name in names {
            if profiles.iter().any(|p| p.name.eq_ignore_ascii_case(&name)) {
                return Err(ConfigError::DuplicateProfile(name));
            }
            profiles.push(ResetProfile::everyone(&name, reset.clone()));
        }
        let mut seen: Vec<(&'static str, String)> = Vec::new();
        for setting in ["FILTER", "USER_CLASSES", "CHAIN", "RECOVERY_MODE"] {
            for value in rows(settings, setting)? {
                let (profile, rest) = split_profile(setting, &value)?;
                let Some(target) = profiles
                    .iter_mut()
                    .find(|p| p.name.eq_ignore_ascii_case(profile))
                else {
                    return Err(ConfigError::UnknownProfile {
                        setting,
                        value: value.clone(),
                        profile: profile.to_owned(),
                    });
                };
                let key = (setting, target.name.to_ascii_lowercase());
                if seen.contains(&key) {
                    return Err(ConfigError::ProfileSetting {
                        setting,
                        profile: target.name.clone(),
                        problem: "set twice; give one row per profile".into(),
                    });
                }
                seen.push(key);
                apply(target, setting, rest)?;
            }
        }
        post_actions(settings, &mut profiles)?;
        Ok(Self {
            profiles,
            search: search_form(settings)?,
        })
    }
}

/// `POST_ACTION_WEBHOOK` and `POST_ACTION_ATTRIBUTE` rows, in order, onto their profiles (any
/// number per profile).
fn post_actions(settings: &Settings, profiles: &mut [ResetProfile]) -> Result<(), ConfigError> {
    for setting in ["POST_ACTION_WEBHOOK", "POST_ACTION_ATTRIBUTE"] {
        for value in rows(settings, setting)? {
            let (profile, rest) = split_profile(setting, &value)?;
            let Some(target) = profiles
                .iter_mut()
                .find(|p| p.name.eq_ignore_ascii_case(profile))
            else {
                return Err(ConfigError::UnknownProfile {
                    setting,
                    value: value.clone(),
                    profile: profile.to_owned(),
                });
            };
            if setting == "POST_ACTION_WEBHOOK" {
                let hook = Webhook::parse(rest).map_err(|error| ConfigError::PostAction {
                    profile: target.name.clone(),
                    error,
                })?;
                target.webhooks.push(hook);
            } else {
                let write = AttributeWrite::parse(rest).map_err(|error| {
                    ConfigError::PostActionAttribute {
                        profile: target.name.clone(),
                        error,
                    }
                })?;
                target.attribute_writes.push(write);
            }
        }
    }
    Ok(())
}

/// `PROFILE rest` → (`PROFILE`, `rest`).
fn split_profile<'v>(
    setting: &'static str,
    value: &'v str,
) -> Result<(&'v str, &'v str), ConfigError> {
    match value.trim().split_once(char::is_whitespace) {
        Some((profile, rest)) if !rest.trim().is_empty() => Ok((profile, rest.trim())),
        _ => Err(ConfigError::ProfileSetting {
            setting,
            profile: value.trim().to_owned(),
            problem: format!("{value:?} is not `PROFILE value`"),
        }),
    }
}

fn apply(target: &mut ResetProfile, setting: &'static str, value: &str) -> Result<(), ConfigError> {
    let problem = |problem: String| ConfigError::ProfileSetting {
        setting,
        profile: target.name.clone(),
        problem,
    };
    match setting {
        "FILTER" => {
            let filter = ldap_filter::parse(value).map_err(|error| ConfigError::ProfileFilter {
                profile: target.name.clone(),
                filter: value.to_owned(),
                error,
            })?;
            target.filter = Some(filter);
        }
        "USER_CLASSES" => {
            let classes = value
                .split([',', ' '])
                .filter(|c| !c.trim().is_empty())
                .map(|c| UserClassId::new(c.trim()).map_err(|e| problem(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            target.user_classes = classes;
        }
        "RECOVERY_MODE" => {
            target.recovery = value
                .parse()
                .map_err(|e: RecoveryModeError| problem(e.to_string()))?;
        }
        _ => {
            target.chain = ChainId::new(value).map_err(|e| problem(e.to_string()))?;
        }
    }
    Ok(())
}

fn search_form(settings: &Settings) -> Result<SearchForm, ConfigError> {
    let field_rows = rows(settings, "SEARCH_FIELDS")?;
    let template = rows(settings, "SEARCH_FILTER")?.into_iter().next();
    let mut fields: Vec<SearchField> = Vec::with_capacity(field_rows.len());
    for value in field_rows {
        let field = search_field(&value)?;
        if fields.iter().any(|f| f.name == field.name) {
            return Err(ConfigError::SearchField {
                value,
                problem: format!("the field {} is listed twice", field.name),
            });
        }
        fields.push(field);
    }
    // The fields come first and wait for their filter (one setting changes at a time); the
    // form is used once the filter is set.
    let template = match (fields.is_empty(), template) {
        (_, None) => return Ok(SearchForm::login_id()),
        (false, Some(t)) => t,
        (true, Some(_)) => return Err(ConfigError::SearchIncomplete),
    };
    let form = SearchForm {
        fields,
        lookup: Lookup::Filter {
            template: template.clone(),
        },
    };
    ldap_filter::from_template(&template, &form.sample_values()).map_err(|error| {
        ConfigError::SearchFilter {
            template: template.clone(),
            error,
        }
    })?;
    if let Some(unused) = form
        .fields
        .iter()
        .find(|f| !template.contains(&format!("%{}%", f.name)))
    {
        return Err(ConfigError::UnusedField(unused.name.clone()));
    }
    Ok(form)
}

/// `NAME required|optional LABEL…`.
fn search_field(value: &str) -> Result<SearchField, ConfigError> {
    let bad = |problem: &str| ConfigError::SearchField {
        value: value.to_owned(),
        problem: problem.to_owned(),
    };
    let mut words = value.split_whitespace();
    let (Some(name), Some(need)) = (words.next(), words.next()) else {
        return Err(bad("expected `NAME required|optional LABEL`"));
    };
    let label = words.collect::<Vec<_>>().join(" ");
    if label.is_empty() {
        return Err(bad("the field has no label"));
    }
    attribute_name(name).map_err(|e| bad(&e.to_string()))?;
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(bad(&format!(
            "{name} is a name the reset pages use themselves; pick another"
        )));
    }
    let required = match need.to_ascii_lowercase().as_str() {
        "required" => true,
        "optional" => false,
        _ => return Err(bad("the second word must be `required` or `optional`")),
    };
    Ok(SearchField {
        name: name.to_owned(),
        label,
        required,
    })
}
