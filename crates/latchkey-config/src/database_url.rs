//! The database connection URL: a secret that still has to show up in logs and errors.
//!
//! [`DatabaseUrl`] keeps the full URL in a zeroizing [`SecretString`] for the one place that
//! connects, and a redacted rendering (password and `password=` query values replaced by `***`)
//! for everything else: `Display`, `Debug`, startup logs. Only SQLite and PostgreSQL URLs are
//! accepted, because those are the backends the store implements.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// What replaces a password in redacted output.
const MASK: &str = "***";

/// Which database a [`DatabaseUrl`] points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseBackend {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` and `postgresql:` URLs.
    Postgres,
}

/// Why a string is not an acceptable database URL. Messages never include the URL itself, since
/// it may hold a password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// The value is empty.
    #[error("is empty")]
    Empty,
    /// The value does not parse as a URL (for instance a bare file name).
    #[error("is not a URL ({0})")]
    NotAUrl(url::ParseError),
    /// The scheme is neither SQLite nor PostgreSQL.
    #[error("unsupported database scheme `{0}`")]
    UnsupportedScheme(String),
    /// A `#` made the URL parser cut the URL short, usually an unescaped `#` in a password.
    #[error("contains `#`, which is not allowed in a database URL")]
    Fragment,
    /// A PostgreSQL URL without `//` (`postgres:db`).
    #[error("a PostgreSQL URL needs the form postgres://USER@HOST/DB")]
    NotHierarchical,
}

impl DatabaseUrlError {
    /// What the operator can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            DatabaseUrlError::Fragment => "percent-encode `#` in the password as %23",
            // A URL with a scheme that still fails to parse is usually a password containing
            // `/`, `?`, `#` or `@`, which the parser takes for the end of the host part.
            DatabaseUrlError::NotAUrl(error)
                if *error != url::ParseError::RelativeUrlWithoutBase =>
            {
                "percent-encode special characters in the user name and password \
                 (`/` as %2F, `?` as %3F, `#` as %23, `@` as %40)"
            }
            _ => "use sqlite://PATH or postgres://USER@HOST/DB",
        }
    }
}

/// A validated SQLite or PostgreSQL connection URL whose password never reaches `Display` or
/// `Debug` output.
#[derive(Clone)]
pub struct DatabaseUrl {
    secret: SecretString,
    redacted: String,
    backend: DatabaseBackend,
}

impl DatabaseUrl {
    /// The default: a SQLite file `latchkey.db` in the working directory, created if missing.
    pub const DEFAULT: &'static str = "sqlite://latchkey.db?mode=rwc";

    /// Checks `url` and prepares its redacted form.
    pub fn parse(url: SecretString) -> Result<Self, DatabaseUrlError> {
        let text = url.expose_secret();
        if text.trim().is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        let parsed = Url::parse(text).map_err(DatabaseUrlError::NotAUrl)?;
        let backend = match parsed.scheme() {
            "sqlite" => DatabaseBackend::Sqlite,
            "postgres" | "postgresql" => DatabaseBackend::Postgres,
            other => return Err(DatabaseUrlError::UnsupportedScheme(other.to_owned())),
        };
        // Neither backend uses fragments; one here almost always means a password containing
        // `#`, and the part after it would otherwise leak into the redacted form.
        if parsed.fragment().is_some() {
            return Err(DatabaseUrlError::Fragment);
        }
        if backend == DatabaseBackend::Postgres && parsed.cannot_be_a_base() {
            return Err(DatabaseUrlError::NotHierarchical);
        }
        let redacted = redact(parsed);
        Ok(DatabaseUrl {
            secret: url,
            redacted,
            backend,
        })
    }

    /// The full URL, password included, for the connection pool and nothing else.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// Which database this URL points at.
    pub fn backend(&self) -> DatabaseBackend {
        self.backend
    }

    /// True for `sqlite:` URLs.
    pub fn is_sqlite(&self) -> bool {
        self.backend == DatabaseBackend::Sqlite
    }

    /// The URL with its password and any `password=` query value replaced by `***`.
    pub fn redacted(&self) -> String {
        self.redacted.clone()
    }
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(SecretString::from(url))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.redacted).finish()
    }
}

fn redact(mut url: Url) -> String {
    if url.password().is_some() && url.set_password(Some(MASK)).is_err() {
        // Cannot happen for a URL that has a password, but if it ever does, show nothing
        // rather than the secret.
        return format!("{}://{MASK}", url.scheme());
    }
    if let Some(query) = url.query() {
        let redacted = redact_query(query);
        url.set_query(Some(&redacted));
    }
    url.to_string()
}

/// Replaces the value of every query parameter whose name contains "password" (`password`,
/// libpq's `sslpassword`), keeping the rest of the query as written.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let raw_name = pair.split_once('=').map_or(pair, |(name, _)| name);
            let is_password = url::form_urlencoded::parse(pair.as_bytes())
                .next()
                .is_some_and(|(name, _)| name.to_ascii_lowercase().contains("password"));
            if is_password {
                format!("{raw_name}={MASK}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn query_redaction_keeps_other_parameters_verbatim() {
        assert_eq!(
            redact_query("sslmode=require&password=hunter2&sslrootcert=/etc/ca.pem"),
            "sslmode=require&password=***&sslrootcert=/etc/ca.pem"
        );
        assert_eq!(
            redact_query("PassWord=x&sslpassword=y"),
            "PassWord=***&sslpassword=***"
        );
        assert_eq!(redact_query("pass%77ord=x"), "pass%77ord=***");
        assert_eq!(redact_query("password"), "password=***");
        assert_eq!(redact_query("mode=rwc"), "mode=rwc");
    }

    #[test]
    fn default_is_valid_sqlite() {
        let url: DatabaseUrl = DatabaseUrl::DEFAULT.parse().unwrap();
        assert!(url.is_sqlite());
        assert_eq!(url.redacted(), DatabaseUrl::DEFAULT);
    }
}
