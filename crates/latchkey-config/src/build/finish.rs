//! The last step of loading: defaults for keys nobody set, then the checks that look at several
//! keys at once (`[smtp]` completeness, `outbox` versus `[smtp]`, Argon2 memory versus lanes) or
//! at the filesystem (key and CA files must be readable).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

use super::{Partial, Sourced};
use crate::database_url::DatabaseUrl;
use crate::error::{ConfigError, Origin};
use crate::keys::Key;
use crate::model::{Argon2Settings, Config, KeysConfig, LogConfig, SmtpConfig, SmtpSecurity};
use crate::values;

/// Default `listen`.
pub(crate) const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// Default `smtp.timeout_secs`.
const DEFAULT_SMTP_TIMEOUT_SECS: u32 = 10;

fn value<T>(sourced: Option<Sourced<T>>) -> Option<T> {
    sourced.map(|sourced| sourced.value)
}

impl Partial {
    /// Fills in defaults and runs the cross-key checks; returns every error found while loading
    /// if there was any.
    pub(crate) fn finish(mut self) -> Result<Config, Vec<ConfigError>> {
        let listen = value(self.listen.take()).unwrap_or(DEFAULT_LISTEN);
        let public_url = match self.public_url.take() {
            Some(url) => Some(url.value),
            None => self.derived_public_url(listen),
        };
        let database_url = match self.database_url.take() {
            Some(url) => Some(url.value),
            None => self.default_database_url(),
        };
        let log = self.log();
        let master_key_file = self.master_key_file.take();
        let cookie_key_file = self.cookie_key_file.take();
        let keys = KeysConfig {
            master_key_file: self.readable(Key::KeysMasterKeyFile, master_key_file),
            cookie_key_file: self.readable(Key::KeysCookieKeyFile, cookie_key_file),
        };
        let smtp = self.smtp();
        let outbox = self.outbox.take();
        if let (Some(outbox), Some(_)) = (&outbox, &self.smtp_section) {
            self.error(
                outbox.origin.clone(),
                Key::Outbox,
                "cannot be used together with [smtp]: mail is either sent or written to a file",
                Some("remove `outbox` to send mail, or remove [smtp] to write it to a file"),
            );
        }
        let password_hash = self.password_hash();
        match (public_url, database_url) {
            (Some(public_url), Some(database_url)) if self.errors.is_empty() => Ok(Config {
                listen,
                public_url,
                database_url,
                log,
                keys,
                smtp,
                outbox: value(outbox),
                password_hash,
            }),
            _ => Err(self.errors),
        }
    }

    fn error(&mut self, origin: Origin, key: Key, message: &str, hint: Option<&str>) {
        let error = ConfigError::new(origin, key.dotted(), message);
        self.errors.push(error.with_hint(hint.map(str::to_owned)));
    }

    fn derived_public_url(&mut self, listen: SocketAddr) -> Option<Url> {
        // `SocketAddr` prints IPv6 in brackets, which is what a URL needs.
        match values::public_url(&format!("http://{listen}/")) {
            Ok(url) => Some(url),
            Err(problem) => {
                let message = format!("cannot derive it from listen: {}", problem.message);
                self.error(
                    Origin::Default,
                    Key::PublicUrl,
                    &message,
                    Some("set public_url"),
                );
                None
            }
        }
    }

    fn default_database_url(&mut self) -> Option<DatabaseUrl> {
        match DatabaseUrl::DEFAULT.parse::<DatabaseUrl>() {
            Ok(url) => Some(url),
            Err(error) => {
                self.error(Origin::Default, Key::DatabaseUrl, &error.to_string(), None);
                None
            }
        }
    }

    fn log(&mut self) -> LogConfig {
        let default = LogConfig::default();
        LogConfig {
            format: value(self.log_format.take()).unwrap_or(default.format),
            filter: value(self.log_filter.take()).unwrap_or(default.filter),
        }
    }

    /// The path, if it names a readable regular file; otherwise records why not.
    fn readable(&mut self, key: Key, path: Option<Sourced<PathBuf>>) -> Option<PathBuf> {
        let path = path?;
        if let Err(problem) = values::readable_file(&path.value) {
            let error = ConfigError::new(path.origin, key.dotted(), problem.message);
            self.errors.push(error.with_hint(problem.hint));
        }
        Some(path.value)
    }

    fn smtp(&mut self) -> Option<SmtpConfig> {
        let section = self.smtp_section.clone()?;
        let host = self.smtp_host.take();
        let from = self.smtp_from.take();
        for (key, missing, example) in [
            (Key::SmtpHost, host.is_none(), "host = \"mail.example.com\""),
            (
                Key::SmtpFrom,
                from.is_none(),
                "from = \"Latchkey <latchkey@example.com>\"",
            ),
        ] {
            // A value that was given but rejected has its own error already.
            if missing && !self.given.contains(&key) {
                let hint = format!("add `{example}` under [smtp], or remove [smtp]");
                self.error(
                    section.clone(),
                    key,
                    "is required when [smtp] is configured",
                    Some(&hint),
                );
            }
        }
        let (username, password) = self.smtp_login();
        let security = value(self.smtp_security.take()).unwrap_or(SmtpSecurity::StartTls);
        let ca_file = self.smtp_ca_file.take();
        Some(SmtpConfig {
            host: host?.value,
            port: value(self.smtp_port.take()).unwrap_or(security.default_port()),
            security,
            username,
            password,
            from: from?.value,
            timeout_secs: value(self.smtp_timeout_secs.take()).unwrap_or(DEFAULT_SMTP_TIMEOUT_SECS),
            ca_file: self.readable(Key::SmtpCaFile, ca_file),
        })
    }

    /// Username and password come as a pair: SMTP AUTH needs both.
    fn smtp_login(&mut self) -> (Option<String>, Option<SecretString>) {
        let username = self.smtp_username.take();
        let password = self.smtp_password.take();
        match (&username, &password) {
            (Some(user), None) if !self.given.contains(&Key::SmtpPassword) => self.error(
                user.origin.clone(),
                Key::SmtpUsername,
                "is set but smtp.password is not",
                Some("set both to log in to the server, or neither to send without login"),
            ),
            (None, Some(pass)) if !self.given.contains(&Key::SmtpUsername) => self.error(
                pass.origin.clone(),
                Key::SmtpPassword,
                "is set but smtp.username is not",
                Some("set both to log in to the server, or neither to send without login"),
            ),
            _ => {}
        }
        (value(username), value(password))
    }

    fn password_hash(&mut self) -> Argon2Settings {
        let default = Argon2Settings::default();
        let memory = self.memory_kib.take();
        let parallelism = self.parallelism.take();
        let minimum = u64::from(
            parallelism
                .as_ref()
                .map_or(default.parallelism, |p| p.value),
        ) * 8;
        let memory_kib = memory.as_ref().map_or(default.memory_kib, |m| m.value);
        if u64::from(memory_kib) < minimum {
            // Blame whichever of the two was set last in priority terms; memory usually.
            let origin = memory
                .as_ref()
                .or(parallelism.as_ref())
                .map_or(Origin::Default, |sourced| sourced.origin.clone());
            let message = format!(
                "must be at least 8 KiB per lane: {minimum} KiB for {} lanes, got {memory_kib}",
                minimum / 8
            );
            self.error(
                origin,
                Key::PasswordHashMemoryKib,
                &message,
                Some("raise memory_kib or lower parallelism"),
            );
        }
        Argon2Settings {
            memory_kib,
            time_cost: value(self.time_cost.take()).unwrap_or(default.time_cost),
            parallelism: value(parallelism).unwrap_or(default.parallelism),
        }
    }
}
