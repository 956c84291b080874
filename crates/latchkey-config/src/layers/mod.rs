//! The sources a configuration is layered from, lowest priority first: built-in defaults, the
//! TOML file, `LATCHKEY_*` environment variables, and `LATCHKEY_*_FILE` secret files.
//!
//! Each source is read into a [`Layer`]: raw values tagged with the key they set and where they
//! came from, plus the problems found while reading (unknown keys, syntax errors, unreadable
//! files). Turning raw values into typed ones happens afterwards, in `build`, the same way for
//! every source.

pub(crate) mod env;
pub(crate) mod file;

use secrecy::SecretString;

use crate::error::{ConfigError, Origin};
use crate::keys::Key;

/// A value as a source gave it, before it is checked against its key.
pub(crate) enum Raw {
    /// A TOML string.
    String(String),
    /// A TOML integer.
    Integer(i64),
    /// Text from the environment, parsed into whatever type the key takes.
    Text(String),
    /// The value of a secret key, from any source.
    Secret(SecretString),
    /// Any other TOML value, described for the error message ("a boolean").
    Other(&'static str),
}

/// One key set by one source.
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) value: Raw,
    pub(crate) origin: Origin,
}

/// Everything one source contributed.
#[derive(Default)]
pub(crate) struct Layer {
    pub(crate) entries: Vec<Entry>,
    /// Where the `[smtp]` section was first mentioned, even if empty: its presence means "send
    /// mail through SMTP", which makes `smtp.host` and `smtp.from` required.
    pub(crate) smtp_section: Option<Origin>,
    pub(crate) errors: Vec<ConfigError>,
}

impl Layer {
    pub(crate) fn push(&mut self, key: Key, value: Raw, origin: Origin) {
        if key.section() == Some("smtp") && self.smtp_section.is_none() {
            self.smtp_section = Some(origin.clone());
        }
        self.entries.push(Entry { key, value, origin });
    }
}
