//! A mass password run and the request it carries out.
//!
//! A run is *onboarding* (every account of the chosen targets gets a vault item cloned from the
//! template and an initial password) or a *reset* (every account gets a new password, which
//! replaces the one in its vault item). The request is built from the settings table
//! ([`MprRequest::from_settings`]: namespaces `MASS_PASSWORD_ONBOARD` and `MASS_PASSWORD_RESET`)
//! plus what the operator chose for this run (scope, dry run), and is stored with the job so a
//! resumed run does exactly what was confirmed.

use crate::ids::{MprJobId, TargetId, UserClassId};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Onboarding or reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Create vault items and set initial passwords.
    Onboard,
    /// New passwords for accounts that have vault items.
    Reset,
}

impl JobKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onboard => "onboard",
            Self::Reset => "reset",
        }
    }

    /// The settings namespace of this kind.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Onboard => "MASS_PASSWORD_ONBOARD",
            Self::Reset => "MASS_PASSWORD_RESET",
        }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "onboard" => Ok(Self::Onboard),
            "reset" => Ok(Self::Reset),
            other => Err(format!("unknown run kind {other:?} (onboard or reset)")),
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Being worked on (or waiting for a runner after a crash).
    Running,
    /// Stopped by an operator; `resume` continues.
    Paused,
    /// Cancelled: accounts not started are skipped; accounts in flight are finished first.
    Cancelled,
    /// Every account reached a final state.
    Finished,
}

impl JobStatus {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Finished => "finished",
        }
    }
}

impl FromStr for JobStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "running" => Ok(Self::Running),
            "paused" => Ok(Self::Paused),
            "cancelled" => Ok(Self::Cancelled),
            "finished" => Ok(Self::Finished),
            other => Err(format!("unknown run status {other:?}")),
        }
    }
}

/// Which accounts a run covers, besides the targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Only accounts whose owner is in one of these user classes (empty: every owner).
    #[serde(default)]
    pub user_classes: Vec<UserClassId>,
    /// Only these accounts, by name on their target (empty: every account).
    #[serde(default)]
    pub accounts: Vec<String>,
}

/// The vault side of a run (seed 000's `MASS_PASSWORD_ONBOARD` settings and
/// `MASS_PASSWORD_RESET VAULT_LINK_ATTRIBUTE`): which template new items copy, and the names of
/// the item fields that carry the owner, the account, its user name and its collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultMapping {
    /// The template item to clone for new items (by name or id), if any.
    pub template: Option<String>,
    /// The field naming the owner (their login id); `assocID` by default.
    pub association_field: String,
    /// The field naming the account (`TARGET/account`); `AccountLink` by default.
    pub link_field: String,
    /// The field holding the account's name on its target; `username` by default.
    pub username_field: String,
    /// The field naming the item's collection (the target id), if wanted.
    pub group_field: Option<String>,
}

impl Default for VaultMapping {
    fn default() -> Self {
        Self {
            template: None,
            association_field: crate::vault::FIELD_ASSOCIATION.into(),
            link_field: crate::vault::FIELD_ACCOUNT_LINK.into(),
            username_field: crate::vault::FIELD_USERNAME.into(),
            group_field: None,
        }
    }
}

/// Everything a run does, fixed when it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MprRequest {
    /// Onboard or reset.
    pub kind: JobKind,
    /// The target systems (seed: `TARGETS`, repeatable).
    pub targets: Vec<TargetId>,
    /// Narrower scope.
    #[serde(default)]
    pub scope: Scope,
    /// Accounts per batch (`BATCH_SIZE`).
    pub batch_size: u32,
    /// Password changes in flight per target.
    pub concurrency: u32,
    /// At most this many password changes per second over all targets (`None`: no limit).
    pub rate_per_second: Option<u32>,
    /// Transient failures an account may have before it is `orphaned` for an operator.
    pub retry_budget: u32,
    /// Policy refusals an account may have (each with a fresh password) before it `failed`.
    pub refusal_budget: u32,
    /// Bind with the new password after the vault commit.
    pub verify: bool,
    /// Plan only: list what would be done, touch nothing.
    pub dry_run: bool,
    /// Keep the report (`REPORT`).
    pub report: bool,
    /// The vault side.
    pub vault: VaultMapping,
}

/// A setting that does not make a valid request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{namespace} {setting}: {problem}")]
pub struct RequestError {
    /// The namespace.
    pub namespace: &'static str,
    /// The setting.
    pub setting: &'static str,
    /// What is wrong and what to do.
    pub problem: String,
}

impl MprRequest {
    /// The request the settings table describes for `kind`. Onboarding reads its targets from
    /// `MASS_PASSWORD_RESET TARGETS` too when it has none of its own.
    pub fn from_settings(kind: JobKind, settings: &Settings) -> Result<Self, RequestError> {
        let ns = kind.namespace();
        let err = |setting: &'static str, problem: String| RequestError {
            namespace: ns,
            setting,
            problem,
        };
        let mut targets = Vec::new();
        let mut names = settings.values(ns, "TARGETS");
        if names.is_empty() {
            names = settings.values("MASS_PASSWORD_RESET", "TARGETS");
        }
        for name in names {
            let id = TargetId::new(name.trim())
                .map_err(|e| err("TARGETS", format!("{name:?} is not a target id: {e}")))?;
            if !targets.contains(&id) {
                targets.push(id);
            }
        }
        if targets.is_empty() {
            return Err(err(
                "TARGETS",
                "no target systems; add one with `latchkey settings add MASS_PASSWORD_RESET TARGETS ID`".into(),
            ));
        }
        let number = |setting: &'static str, default: u32, min: u32, max: u32| match settings
            .value(ns, setting)
        {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(err(
                    setting,
                    format!("{text:?} is not a whole number from {min} to {max}"),
                )),
            },
        };
        let flag = |setting: &'static str, default: bool| match settings.value(ns, setting) {
            None => Ok(default),
            Some(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(true),
                "false" | "no" | "0" => Ok(false),
                _ => Err(err(setting, format!("{text:?} is not true or false"))),
            },
        };
        let text = |namespace: &str, setting: &str| {
            settings
                .value(namespace, setting)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let onboard = JobKind::Onboard.namespace();
        let rate = number("RATE_PER_SECOND", 0, 0, 1_000_000)?;
        Ok(Self {
            kind,
            targets,
            scope: Scope::default(),
            batch_size: number("BATCH_SIZE", 500, 1, 100_000)?,
            concurrency: number("CONCURRENCY", 8, 1, 256)?,
            rate_per_second: (rate > 0).then_some(rate),
            retry_budget: number("RETRY_BUDGET", 5, 0, 1_000)?,
            refusal_budget: number("REFUSAL_BUDGET", 3, 1, 100)?,
            verify: flag("VERIFY", true)?,
            dry_run: false,
            report: flag("REPORT", true)?,
            vault: {
                let defaults = VaultMapping::default();
                VaultMapping {
                    template: text(onboard, "VAULT_TARGET_TEMPLATE_ID"),
                    association_field: text(onboard, "VAULT_TARGET_ASSOCIATION_ATTRIBUTE")
                        .unwrap_or(defaults.association_field),
                    link_field: text("MASS_PASSWORD_RESET", "VAULT_LINK_ATTRIBUTE")
                        .unwrap_or(defaults.link_field),
                    username_field: text(onboard, "VAULT_TARGET_USERNAME_ATTRIBUTE")
                        .unwrap_or(defaults.username_field),
                    group_field: text(onboard, "VAULT_TARGET_GROUP_ATTRIBUTE"),
                }
            },
        })
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MprJob {
    /// Its id.
    pub id: MprJobId,
    /// Where it is.
    pub status: JobStatus,
    /// The administrator who confirmed it (login id).
    pub requested_by: String,
    /// What it does.
    pub request: MprRequest,
    /// Confirmed.
    pub created_at: OffsetDateTime,
    /// Last change of status or lease.
    pub updated_at: OffsetDateTime,
    /// Reached a final status.
    pub finished_at: Option<OffsetDateTime>,
    /// The process working on it (`host:pid`), while it holds the lease.
    pub runner: Option<String>,
    /// The runner's lease ends (it renews while it works).
    pub lease_until: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingRow;

    fn settings(rows: &[(&str, &str, &str)]) -> Settings {
        Settings::new(
            rows.iter()
                .map(|(namespace, setting, value)| SettingRow {
                    namespace: (*namespace).into(),
                    setting: (*setting).into(),
                    value: (*value).into(),
                })
                .collect(),
        )
    }

    #[test]
    fn the_settings_table_makes_the_request() {
        let s = settings(&[
            ("MASS_PASSWORD_RESET", "TARGETS", "LDAP"),
            ("MASS_PASSWORD_RESET", "TARGETS", "AD"),
            ("MASS_PASSWORD_RESET", "TARGETS", "LDAP"),
            ("MASS_PASSWORD_RESET", "BATCH_SIZE", "50"),
            ("MASS_PASSWORD_RESET", "VERIFY", "no"),
            ("MASS_PASSWORD_RESET", "RATE_PER_SECOND", "0"),
            ("MASS_PASSWORD_RESET", "VAULT_LINK_ATTRIBUTE", "Link"),
            (
                "MASS_PASSWORD_ONBOARD",
                "VAULT_TARGET_TEMPLATE_ID",
                "template",
            ),
            (
                "MASS_PASSWORD_ONBOARD",
                "VAULT_TARGET_GROUP_ATTRIBUTE",
                "collectionIds",
            ),
        ]);
        let reset = MprRequest::from_settings(JobKind::Reset, &s).unwrap();
        let names: Vec<&str> = reset.targets.iter().map(TargetId::as_str).collect();
        assert_eq!(names, ["LDAP", "AD"], "repeated targets count once");
        assert_eq!((reset.batch_size, reset.verify), (50, false));
        assert_eq!(reset.rate_per_second, None);
        assert_eq!((reset.concurrency, reset.retry_budget), (8, 5));
        assert_eq!(reset.vault.link_field, "Link");
        assert_eq!(reset.vault.association_field, "assocID");
        assert_eq!(reset.vault.group_field.as_deref(), Some("collectionIds"));
        // Onboarding has no targets of its own here: it takes the reset's, and its own defaults.
        let onboard = MprRequest::from_settings(JobKind::Onboard, &s).unwrap();
        assert_eq!(onboard.targets.len(), 2);
        assert_eq!(onboard.batch_size, 500, "the registry's default");
        assert_eq!(onboard.vault.template.as_deref(), Some("template"));
    }

    #[test]
    fn bad_values_name_their_setting() {
        let none = MprRequest::from_settings(JobKind::Reset, &settings(&[])).unwrap_err();
        assert_eq!(none.setting, "TARGETS");
        assert!(none.to_string().contains("latchkey settings add"), "{none}");
        for (setting, value) in [
            ("BATCH_SIZE", "0"),
            ("BATCH_SIZE", "many"),
            ("CONCURRENCY", "1000"),
            ("VERIFY", "maybe"),
            ("TARGETS", "not a target!"),
        ] {
            let s = settings(&[
                ("MASS_PASSWORD_RESET", "TARGETS", "LDAP"),
                ("MASS_PASSWORD_RESET", setting, value),
            ]);
            let e = MprRequest::from_settings(JobKind::Reset, &s).unwrap_err();
            assert_eq!(e.setting, setting, "{e}");
            assert!(e.to_string().starts_with("MASS_PASSWORD_RESET "), "{e}");
        }
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in [JobKind::Onboard, JobKind::Reset] {
            assert_eq!(kind.as_str().parse::<JobKind>().unwrap(), kind);
        }
        for status in [
            JobStatus::Running,
            JobStatus::Paused,
            JobStatus::Cancelled,
            JobStatus::Finished,
        ] {
            assert_eq!(status.as_str().parse::<JobStatus>().unwrap(), status);
        }
        assert!("later".parse::<JobStatus>().is_err());
    }
}
