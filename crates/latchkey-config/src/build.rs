//! Merges layers into a [`Config`]: every value from every source is checked against its key's
//! type (so a bad line in the file is reported even when the environment overrides it), the
//! highest-priority value wins, and then the checks that span several keys or touch the
//! filesystem run on the winners only.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::database_url::DatabaseUrl;
use crate::error::{ConfigError, Origin, sort_by_position};
use crate::keys::{Key, Kind};
use crate::layers::{Layer, Raw};
use crate::model::{LogFormat, SmtpSecurity};
use crate::values::{self, Problem};

mod finish;

/// A value and where it came from.
pub(crate) struct Sourced<T> {
    pub(crate) value: T,
    pub(crate) origin: Origin,
}

/// The typed values given so far; `None` where no source set the key.
#[derive(Default)]
pub(crate) struct Partial {
    listen: Option<Sourced<SocketAddr>>,
    public_url: Option<Sourced<Url>>,
    database_url: Option<Sourced<DatabaseUrl>>,
    outbox: Option<Sourced<PathBuf>>,
    log_format: Option<Sourced<LogFormat>>,
    log_filter: Option<Sourced<String>>,
    master_key_file: Option<Sourced<PathBuf>>,
    cookie_key_file: Option<Sourced<PathBuf>>,
    smtp_section: Option<Origin>,
    smtp_host: Option<Sourced<String>>,
    smtp_port: Option<Sourced<u16>>,
    smtp_security: Option<Sourced<SmtpSecurity>>,
    smtp_username: Option<Sourced<String>>,
    smtp_password: Option<Sourced<SecretString>>,
    smtp_from: Option<Sourced<String>>,
    smtp_timeout_secs: Option<Sourced<u32>>,
    smtp_ca_file: Option<Sourced<PathBuf>>,
    memory_kib: Option<Sourced<u32>>,
    time_cost: Option<Sourced<u32>>,
    parallelism: Option<Sourced<u32>>,
    /// Keys some source set, valid or not, so a rejected value is not also reported missing.
    given: BTreeSet<Key>,
    errors: Vec<ConfigError>,
}

impl Partial {
    /// Applies `layer` on top of what is there.
    pub(crate) fn apply(&mut self, layer: Layer) {
        let first_new_error = self.errors.len();
        self.errors.extend(layer.errors);
        if self.smtp_section.is_none() {
            self.smtp_section = layer.smtp_section;
        }
        for entry in layer.entries {
            self.given.insert(entry.key);
            let origin = entry.origin.clone();
            if let Err(problem) = self.set(entry.key, entry.value, entry.origin) {
                let error = ConfigError::new(origin, entry.key.dotted(), problem.message);
                self.errors.push(error.with_hint(problem.hint));
            }
        }
        if let Some(new_errors) = self.errors.get_mut(first_new_error..) {
            sort_by_position(new_errors);
        }
    }

    fn set(&mut self, key: Key, raw: Raw, origin: Origin) -> Result<(), Problem> {
        match key {
            Key::Listen => self.listen = at(values::socket_addr(&text(raw)?)?, origin),
            Key::PublicUrl => self.public_url = at(values::public_url(&text(raw)?)?, origin),
            Key::DatabaseUrl => {
                let url = DatabaseUrl::parse(secret(raw)?)
                    .map_err(|error| Problem::new(error.to_string()).hint(error.hint()))?;
                self.database_url = at(url, origin);
            }
            Key::Outbox => self.outbox = at(values::path(text(raw)?)?, origin),
            Key::LogFormat => {
                let name = text(raw)?;
                let format = LogFormat::from_name(name.trim())
                    .ok_or_else(|| unknown_choice("log format", &name, LogFormat::NAMES))?;
                self.log_format = at(format, origin);
            }
            Key::LogFilter => self.log_filter = at(values::non_empty(text(raw)?)?, origin),
            Key::KeysMasterKeyFile => self.master_key_file = at(values::path(text(raw)?)?, origin),
            Key::KeysCookieKeyFile => self.cookie_key_file = at(values::path(text(raw)?)?, origin),
            Key::SmtpHost => self.smtp_host = at(values::host(text(raw)?)?, origin),
            Key::SmtpPort => self.smtp_port = at(number(key, raw)?, origin),
            Key::SmtpSecurity => {
                let name = text(raw)?;
                let security = SmtpSecurity::from_name(name.trim())
                    .ok_or_else(|| unknown_choice("security mode", &name, SmtpSecurity::NAMES))?;
                self.smtp_security = at(security, origin);
            }
            Key::SmtpUsername => self.smtp_username = at(values::non_empty(text(raw)?)?, origin),
            Key::SmtpPassword => {
                let password = secret(raw)?;
                if password.expose_secret().is_empty() {
                    return Err(Problem::new("must not be empty")
                        .hint("leave smtp.username and smtp.password out to send without login"));
                }
                self.smtp_password = at(password, origin);
            }
            Key::SmtpFrom => self.smtp_from = at(values::mailbox(text(raw)?)?, origin),
            Key::SmtpTimeoutSecs => self.smtp_timeout_secs = at(number(key, raw)?, origin),
            Key::SmtpCaFile => self.smtp_ca_file = at(values::path(text(raw)?)?, origin),
            Key::PasswordHashMemoryKib => self.memory_kib = at(number(key, raw)?, origin),
            Key::PasswordHashTimeCost => self.time_cost = at(number(key, raw)?, origin),
            Key::PasswordHashParallelism => self.parallelism = at(number(key, raw)?, origin),
        }
        Ok(())
    }
}

fn at<T>(value: T, origin: Origin) -> Option<Sourced<T>> {
    Some(Sourced { value, origin })
}

fn unknown_choice(what: &str, given: &str, names: &[&str]) -> Problem {
    Problem::new(format!("unknown {what} {given:?}"))
        .hint(format!("valid values: {}", names.join(", ")))
}

fn wrong_type(expected: &str, got: &str) -> Problem {
    Problem::new(format!("expected {expected}, got {got}"))
}

/// The text of a string-valued key.
fn text(raw: Raw) -> Result<String, Problem> {
    match raw {
        Raw::String(text) | Raw::Text(text) => Ok(text),
        Raw::Secret(_) => Err(wrong_type("a string", "a secret")),
        Raw::Integer(_) => {
            Err(wrong_type("a string", "an integer").hint("put the value in double quotes"))
        }
        Raw::Other(got) => Err(wrong_type("a string", got)),
    }
}

/// The value of a secret key. Errors here never quote the value.
fn secret(raw: Raw) -> Result<SecretString, Problem> {
    match raw {
        Raw::Secret(secret) => Ok(secret),
        Raw::String(text) | Raw::Text(text) => Ok(SecretString::from(text)),
        Raw::Integer(_) => {
            Err(wrong_type("a string", "an integer").hint("put the value in double quotes"))
        }
        Raw::Other(got) => Err(wrong_type("a string", got)),
    }
}

/// An integer key's value in its range, converted to the field's type.
fn number<T: TryFrom<i64>>(key: Key, raw: Raw) -> Result<T, Problem> {
    let Kind::Integer { what, min, max } = key.kind() else {
        return Err(Problem::new("internal error: not a numeric key"));
    };
    let expected = format!("{what} {min}-{max}");
    let value = match raw {
        Raw::Integer(value) => value,
        Raw::Text(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| wrong_type(&expected, &format!("{text:?}")))?,
        Raw::String(text) => {
            let problem = wrong_type(&expected, &format!("the string {text:?}"));
            return Err(match text.trim().parse::<i64>() {
                Ok(n) => problem.hint(format!("remove the quotes: {} = {n}", key.name())),
                Err(_) => problem,
            });
        }
        Raw::Secret(_) => return Err(wrong_type(&expected, "a secret")),
        Raw::Other(got) => return Err(wrong_type(&expected, got)),
    };
    if !(min..=max).contains(&value) {
        return Err(wrong_type(&expected, &value.to_string()));
    }
    T::try_from(value).map_err(|_| wrong_type(&expected, &value.to_string()))
}
