//! A target system's definition: where it is, how to talk to it, what its accounts are, and
//! whether it is a source of profiles.
//!
//! Definitions are stored (as JSON) in the `targets` table and edited with
//! `latchkey targets add`. The service account's password is *not* part of the definition: it
//! is sealed with the master key's `targets` box and stored beside it (see
//! [`super::repo::StoredTarget`]), so an exported or printed definition never carries it.

use crate::ids::TargetId;
use crate::profile::attribute_name;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What kind of system a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// An LDAP directory with the password-policy overlay (OpenLDAP).
    Ldap,
    /// Active Directory (or Samba as an AD domain controller).
    ActiveDirectory,
    /// Login roles of a PostgreSQL cluster.
    Postgres,
}

impl TargetKind {
    /// The name used on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ldap => "ldap",
            Self::ActiveDirectory => "active_directory",
            Self::Postgres => "postgres",
        }
    }

    /// Parses [`TargetKind::as_str`] (and `ad`, `pg` as short forms).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "ldap" | "openldap" => Some(Self::Ldap),
            "active_directory" | "ad" | "active-directory" => Some(Self::ActiveDirectory),
            "postgres" | "pg" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    /// The account filter used when the definition names none.
    pub fn default_filter(self) -> &'static str {
        match self {
            Self::Ldap => "(objectClass=inetOrgPerson)",
            Self::ActiveDirectory => "(&(objectCategory=person)(objectClass=user))",
            Self::Postgres => "",
        }
    }
}

/// How an LDAP directory's password is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordMethod {
    /// The Password Modify extended operation (RFC 3062): the server hashes the password.
    #[default]
    Exop,
    /// A modify that replaces `userPassword` (the server's policy overlay hashes it).
    Replace,
}

/// How profiles are made from a source target's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSource {
    /// The account attribute that becomes the login id (e.g. `uid`, `sAMAccountName`).
    pub login_attribute: String,
    /// The attribute that becomes the display name (falls back to the login id).
    pub display_name_attribute: String,
    /// The attribute holding the mail address, if any.
    pub email_attribute: Option<String>,
}

/// A target system's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetDef {
    /// Its id.
    pub id: TargetId,
    /// Its kind.
    pub kind: TargetKind,
    /// A note for operators.
    #[serde(default)]
    pub description: String,
    /// `ldap://`, `ldaps://` or `postgres://HOST:PORT/DB` (no credentials in it).
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default)]
    pub starttls: bool,
    /// PEM file of the CA(s) to trust for TLS; the system's roots when absent.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The service account: a bind DN (or `user@domain` for AD), or a PostgreSQL role.
    pub service_account: String,
    /// Connection timeout, milliseconds.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// Timeout of each operation, milliseconds.
    #[serde(default = "default_operation_timeout")]
    pub operation_timeout_ms: u64,
    /// Connections kept open to the target.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
    /// Where accounts live (LDAP search base); empty for PostgreSQL.
    #[serde(default)]
    pub base_dn: String,
    /// Which entries are accounts (LDAP filter); the kind's default when empty.
    #[serde(default)]
    pub account_filter: String,
    /// Attributes read from each account (all user attributes when empty).
    #[serde(default)]
    pub attributes: Vec<String>,
    /// How passwords are written (LDAP only).
    #[serde(default)]
    pub password_method: PasswordMethod,
    /// AD: send the policy-hints control with administrator resets, so the password history
    /// applies to them too.
    #[serde(default)]
    pub enforce_history_on_reset: bool,
    /// When set, discovery creates and updates profiles from this target's accounts.
    #[serde(default)]
    pub profile_source: Option<ProfileSource>,
    /// The attribute that associates accounts with profiles (same name on both), e.g. `mail`.
    #[serde(default)]
    pub association_attribute: Option<String>,
    /// Run discovery every this many seconds (`latchkey targets discover --schedule`).
    #[serde(default)]
    pub discovery_interval_s: Option<u64>,
}

fn default_connect_timeout() -> u64 {
    5_000
}
fn default_operation_timeout() -> u64 {
    15_000
}
fn default_pool_size() -> u32 {
    4
}

/// A problem with a definition, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DefinitionError {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl TargetDef {
    /// A definition with the defaults for `kind`.
    pub fn new(id: TargetId, kind: TargetKind, url: &str, service_account: &str) -> Self {
        Self {
            id,
            kind,
            description: String::new(),
            url: url.to_owned(),
            starttls: false,
            ca_file: None,
            service_account: service_account.to_owned(),
            connect_timeout_ms: default_connect_timeout(),
            operation_timeout_ms: default_operation_timeout(),
            pool_size: default_pool_size(),
            base_dn: String::new(),
            account_filter: String::new(),
            attributes: Vec::new(),
            password_method: PasswordMethod::default(),
            enforce_history_on_reset: false,
            profile_source: None,
            association_attribute: None,
            discovery_interval_s: None,
        }
    }

    /// The account filter in force.
    pub fn filter(&self) -> &str {
        if self.account_filter.trim().is_empty() {
            self.kind.default_filter()
        } else {
            &self.account_filter
        }
    }

    /// Every problem with the definition (empty when it is usable).
    pub fn problems(&self) -> Vec<DefinitionError> {
        let mut out = Vec::new();
        let mut bad =
            |field: &'static str, message: String| out.push(DefinitionError { field, message });
        let scheme = self
            .url
            .split("://")
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let schemes: &[&str] = match self.kind {
            TargetKind::Ldap | TargetKind::ActiveDirectory => &["ldap", "ldaps"],
            TargetKind::Postgres => &["postgres", "postgresql"],
        };
        if !self.url.contains("://") || !schemes.contains(&scheme.as_str()) {
            bad(
                "url",
                format!("must start with {}://", schemes.join("://, ")),
            );
        }
        if self.url.contains('@') {
            bad(
                "url",
                "must not carry credentials; the service account's password is stored sealed"
                    .into(),
            );
        }
        if self.starttls && scheme != "ldap" {
            bad("starttls", "only applies to ldap:// URLs".into());
        }
        if self.service_account.trim().is_empty() {
            bad("service_account", "is required".into());
        }
        if self.kind != TargetKind::Postgres && self.base_dn.trim().is_empty() {
            bad("base_dn", "is required for a directory".into());
        }
        if self.connect_timeout_ms == 0 || self.operation_timeout_ms == 0 {
            bad("timeouts", "must be above zero".into());
        }
        if self.pool_size == 0 || self.pool_size > 256 {
            bad("pool_size", "must be 1 to 256".into());
        }
        if self.kind == TargetKind::ActiveDirectory && scheme == "ldap" && !self.starttls {
            bad(
                "url",
                "Active Directory accepts passwords only over an encrypted connection: use ldaps:// or --starttls".into(),
            );
        }
        let mut names: Vec<(&'static str, &str)> = Vec::new();
        if let Some(a) = &self.association_attribute {
            names.push(("association_attribute", a));
        }
        if let Some(src) = &self.profile_source {
            names.push(("profile_source.login_attribute", &src.login_attribute));
            names.push((
                "profile_source.display_name_attribute",
                &src.display_name_attribute,
            ));
            if let Some(e) = &src.email_attribute {
                names.push(("profile_source.email_attribute", e));
            }
        }
        for (field, name) in names {
            if attribute_name(name).is_err() {
                bad(field, format!("{name:?} is not an attribute name"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(kind: TargetKind, url: &str) -> TargetDef {
        let mut d = TargetDef::new(TargetId::new("T").unwrap(), kind, url, "cn=svc");
        d.base_dn = "dc=example,dc=org".into();
        d
    }

    #[test]
    fn good_definitions_pass_and_round_trip() {
        let d = def(TargetKind::Ldap, "ldap://127.0.0.1:389");
        assert!(d.problems().is_empty(), "{:?}", d.problems());
        assert_eq!(d.filter(), "(objectClass=inetOrgPerson)");
        let json = serde_json::to_string(&d).unwrap();
        let back: TargetDef = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
        let pg = TargetDef::new(
            TargetId::new("PG").unwrap(),
            TargetKind::Postgres,
            "postgres://127.0.0.1:5432/postgres",
            "postgres",
        );
        assert!(pg.problems().is_empty(), "{:?}", pg.problems());
    }

    #[test]
    fn problems_name_the_field() {
        let mut d = def(TargetKind::ActiveDirectory, "ldap://dc1");
        d.association_attribute = Some("bad name".into());
        d.pool_size = 0;
        let fields: Vec<&str> = d.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["pool_size", "url", "association_attribute"]);
        let d = def(TargetKind::Ldap, "ldap://svc:pw@host");
        assert_eq!(d.problems().first().map(|p| p.field), Some("url"));
        assert_eq!(TargetKind::parse("AD"), Some(TargetKind::ActiveDirectory));
        assert_eq!(TargetKind::parse("x"), None);
    }
}
