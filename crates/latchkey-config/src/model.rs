//! The validated configuration of one node: plain data with rich types, ready to use.
//!
//! Values here have passed every check; the rest of Latchkey reads them without re-validating.
//! Secrets are held in types whose `Debug` hides them, so `{:?}` of a [`Config`] is safe to log.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::database_url::DatabaseUrl;

/// Configuration of one Latchkey node, loaded by [`crate::load`].
#[derive(Clone, Debug)]
pub struct Config {
    /// Socket address the HTTP server binds to. Default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// The URL people reach this node at, always with a trailing slash. Default
    /// `http://<listen>/`.
    pub public_url: Url,
    /// Where the store lives. Default [`DatabaseUrl::DEFAULT`].
    pub database_url: DatabaseUrl,
    /// `[log]`.
    pub log: LogConfig,
    /// `[keys]`.
    pub keys: KeysConfig,
    /// `[smtp]`, when mail is sent through a server.
    pub smtp: Option<SmtpConfig>,
    /// Demo mode: mail is appended to this file instead of being sent. Never set together with
    /// `smtp`.
    pub outbox: Option<PathBuf>,
    /// `[password_hash]`.
    pub password_hash: Argon2Settings,
}

/// `[log]`: how the binary sets up tracing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// Output format. Default text.
    pub format: LogFormat,
    /// `tracing_subscriber::EnvFilter` directives, checked here only for being non-empty.
    /// Default `info`.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            filter: "info".to_owned(),
        }
    }
}

/// `log.format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// `"text"`: human-readable lines.
    Text,
    /// `"json"`: one JSON object per line, for log collectors.
    Json,
}

impl LogFormat {
    /// The spellings accepted in configuration.
    pub const NAMES: &'static [&'static str] = &["text", "json"];

    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[keys]`: files holding key material. A file named here exists and was readable when the
/// configuration was loaded; its content is not checked here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeysConfig {
    /// `keys.master_key_file`.
    pub master_key_file: Option<PathBuf>,
    /// `keys.cookie_key_file`.
    pub cookie_key_file: Option<PathBuf>,
}

/// `[smtp]`: the mail server that delivers reset links and notices.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// Host name or IP address of the server.
    pub host: String,
    /// Default depends on `security`: 587 for STARTTLS, 465 for TLS, 25 for none.
    pub port: u16,
    /// How the connection is protected. Default STARTTLS.
    pub security: SmtpSecurity,
    /// Login name; set exactly when `password` is.
    pub username: Option<String>,
    /// Login password.
    pub password: Option<SecretString>,
    /// Sender mailbox: `addr@example.com` or `Name <addr@example.com>`.
    pub from: String,
    /// Connect and command timeout in seconds, 1 to 300. Default 10.
    pub timeout_secs: u32,
    /// Extra CA certificate (PEM) to trust for this server, for private CAs.
    pub ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// `timeout_secs` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_secs))
    }
}

/// `smtp.security`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `"starttls"`: plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// `"tls"`: TLS from the first byte (SMTPS).
    Tls,
    /// `"none"`: no encryption at all. Only sensible for a relay on the same host.
    Plaintext,
}

impl SmtpSecurity {
    /// The spellings accepted in configuration.
    pub const NAMES: &'static [&'static str] = &["starttls", "tls", "none"];

    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::Plaintext => "none",
        }
    }

    /// The port servers conventionally use for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::Plaintext => 25,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            "none" => Some(SmtpSecurity::Plaintext),
            _ => None,
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[password_hash]`: Argon2id cost parameters for new password hashes.
///
/// The defaults (19 MiB, 2 passes, 1 lane) are OWASP's minimum recommendation for Argon2id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory per hash in KiB, at least 8 × `parallelism`, at most 4 GiB.
    pub memory_kib: u32,
    /// Passes over memory, 1 to 32.
    pub time_cost: u32,
    /// Lanes, 1 to 16.
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings {
            memory_kib: 19456,
            time_cost: 2,
            parallelism: 1,
        }
    }
}
