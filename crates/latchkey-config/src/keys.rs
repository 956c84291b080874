//! The schema: every key `latchkey.toml` knows, the section it lives in, its environment
//! variable and the kind of value it takes.
//!
//! The file reader, the environment reader, the "did you mean" hints and the sample-config test
//! all read this one list, so a key added here is known everywhere at once.

/// One configuration key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// `listen`: socket address the HTTP server binds to.
    Listen,
    /// `public_url`: the URL people reach this node at.
    PublicUrl,
    /// `database_url`: SQLite or PostgreSQL connection URL (secret).
    DatabaseUrl,
    /// `outbox`: append mail to this file instead of sending it.
    Outbox,
    /// `log.format`: `text` or `json`.
    LogFormat,
    /// `log.filter`: tracing `EnvFilter` directives.
    LogFilter,
    /// `keys.master_key_file`.
    KeysMasterKeyFile,
    /// `keys.cookie_key_file`.
    KeysCookieKeyFile,
    /// `smtp.host`.
    SmtpHost,
    /// `smtp.port`.
    SmtpPort,
    /// `smtp.security`: `starttls`, `tls` or `none`.
    SmtpSecurity,
    /// `smtp.username`.
    SmtpUsername,
    /// `smtp.password` (secret).
    SmtpPassword,
    /// `smtp.from`: sender mailbox.
    SmtpFrom,
    /// `smtp.timeout_secs`.
    SmtpTimeoutSecs,
    /// `smtp.ca_file`: extra CA certificate for the SMTP server.
    SmtpCaFile,
    /// `password_hash.memory_kib`.
    PasswordHashMemoryKib,
    /// `password_hash.time_cost`.
    PasswordHashTimeCost,
    /// `password_hash.parallelism`.
    PasswordHashParallelism,
}

/// The sections (`[name]` tables) of `latchkey.toml`.
pub const SECTIONS: &[&str] = &["log", "keys", "smtp", "password_hash"];

/// `LATCHKEY_*` variables that the `latchkey` binary reads itself. The loader accepts and ignores
/// them instead of reporting them as unknown.
pub const RESERVED_ENV_VARS: &[&str] = &["LATCHKEY_CONFIG", "LATCHKEY_LOG"];

/// Prefix shared by every environment variable the loader reads.
pub const ENV_PREFIX: &str = "LATCHKEY_";

/// What a key's value looks like before it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A TOML string; from the environment, the text as is.
    Text,
    /// A TOML integer in `min..=max`; `what` names it in errors ("a port number").
    Integer {
        what: &'static str,
        min: i64,
        max: i64,
    },
}

struct Spec {
    dotted: &'static str,
    env: &'static str,
    kind: Kind,
}

const fn text(dotted: &'static str, env: &'static str) -> Spec {
    Spec {
        dotted,
        env,
        kind: Kind::Text,
    }
}

const fn integer(
    dotted: &'static str,
    env: &'static str,
    what: &'static str,
    min: i64,
    max: i64,
) -> Spec {
    Spec {
        dotted,
        env,
        kind: Kind::Integer { what, min, max },
    }
}

/// Argon2 memory ceiling: 4 GiB expressed in KiB.
pub(crate) const MAX_MEMORY_KIB: i64 = 4 * 1024 * 1024;

impl Key {
    /// Every key, in the order the sample configuration documents them.
    pub const ALL: [Key; 19] = [
        Key::Listen,
        Key::PublicUrl,
        Key::DatabaseUrl,
        Key::Outbox,
        Key::LogFormat,
        Key::LogFilter,
        Key::KeysMasterKeyFile,
        Key::KeysCookieKeyFile,
        Key::SmtpHost,
        Key::SmtpPort,
        Key::SmtpSecurity,
        Key::SmtpUsername,
        Key::SmtpPassword,
        Key::SmtpFrom,
        Key::SmtpTimeoutSecs,
        Key::SmtpCaFile,
        Key::PasswordHashMemoryKib,
        Key::PasswordHashTimeCost,
        Key::PasswordHashParallelism,
    ];

    fn spec(self) -> Spec {
        match self {
            Key::Listen => text("listen", "LATCHKEY_LISTEN"),
            Key::PublicUrl => text("public_url", "LATCHKEY_PUBLIC_URL"),
            Key::DatabaseUrl => text("database_url", "LATCHKEY_DATABASE_URL"),
            Key::Outbox => text("outbox", "LATCHKEY_OUTBOX"),
            Key::LogFormat => text("log.format", "LATCHKEY_LOG_FORMAT"),
            Key::LogFilter => text("log.filter", "LATCHKEY_LOG_FILTER"),
            Key::KeysMasterKeyFile => text("keys.master_key_file", "LATCHKEY_KEYS_MASTER_KEY_FILE"),
            Key::KeysCookieKeyFile => text("keys.cookie_key_file", "LATCHKEY_KEYS_COOKIE_KEY_FILE"),
            Key::SmtpHost => text("smtp.host", "LATCHKEY_SMTP_HOST"),
            Key::SmtpPort => integer("smtp.port", "LATCHKEY_SMTP_PORT", "a port number", 1, 65535),
            Key::SmtpSecurity => text("smtp.security", "LATCHKEY_SMTP_SECURITY"),
            Key::SmtpUsername => text("smtp.username", "LATCHKEY_SMTP_USERNAME"),
            Key::SmtpPassword => text("smtp.password", "LATCHKEY_SMTP_PASSWORD"),
            Key::SmtpFrom => text("smtp.from", "LATCHKEY_SMTP_FROM"),
            Key::SmtpTimeoutSecs => integer(
                "smtp.timeout_secs",
                "LATCHKEY_SMTP_TIMEOUT_SECS",
                "a number of seconds",
                1,
                300,
            ),
            Key::SmtpCaFile => text("smtp.ca_file", "LATCHKEY_SMTP_CA_FILE"),
            Key::PasswordHashMemoryKib => integer(
                "password_hash.memory_kib",
                "LATCHKEY_PASSWORD_HASH_MEMORY_KIB",
                "a memory size in KiB",
                8,
                MAX_MEMORY_KIB,
            ),
            Key::PasswordHashTimeCost => integer(
                "password_hash.time_cost",
                "LATCHKEY_PASSWORD_HASH_TIME_COST",
                "a number of passes",
                1,
                32,
            ),
            Key::PasswordHashParallelism => integer(
                "password_hash.parallelism",
                "LATCHKEY_PASSWORD_HASH_PARALLELISM",
                "a number of lanes",
                1,
                16,
            ),
        }
    }

    /// Full name as written in errors: `listen`, `smtp.port`.
    pub fn dotted(self) -> &'static str {
        self.spec().dotted
    }

    /// The section the key lives in, or `None` for a top-level key.
    pub fn section(self) -> Option<&'static str> {
        self.dotted().split_once('.').map(|(section, _)| section)
    }

    /// The name inside its section: `port` for `smtp.port`.
    pub fn name(self) -> &'static str {
        let dotted = self.dotted();
        dotted.split_once('.').map_or(dotted, |(_, name)| name)
    }

    /// Environment variable that sets this key: `LATCHKEY_SMTP_PORT`.
    pub fn env_var(self) -> &'static str {
        self.spec().env
    }

    /// Whether the value is a secret: kept in a zeroizing type, never echoed in errors, and also
    /// readable from the file named by [`Key::secret_file_var`].
    pub fn is_secret(self) -> bool {
        self.secret_file_var().is_some()
    }

    /// Environment variable naming a file that holds this secret: `LATCHKEY_SMTP_PASSWORD_FILE`.
    pub fn secret_file_var(self) -> Option<&'static str> {
        match self {
            Key::DatabaseUrl => Some("LATCHKEY_DATABASE_URL_FILE"),
            Key::SmtpPassword => Some("LATCHKEY_SMTP_PASSWORD_FILE"),
            _ => None,
        }
    }

    pub(crate) fn kind(self) -> Kind {
        self.spec().kind
    }

    /// The key called `name` in `section` (`None`: top level).
    pub fn find(section: Option<&str>, name: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|key| key.section() == section && key.name() == name)
    }

    /// The key set by environment variable `var`.
    pub fn from_env_var(var: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|key| key.env_var() == var)
    }

    /// The secret key whose file is named by environment variable `var`.
    pub fn from_secret_file_var(var: &str) -> Option<Key> {
        Key::ALL
            .into_iter()
            .find(|key| key.secret_file_var() == Some(var))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_section_and_key_upper_cased() {
        for key in Key::ALL {
            let derived = format!("LATCHKEY_{}", key.dotted().replace('.', "_")).to_uppercase();
            assert_eq!(key.env_var(), derived, "{key:?}");
        }
    }

    #[test]
    fn every_section_is_used_and_every_key_has_a_known_section() {
        for key in Key::ALL {
            if let Some(section) = key.section() {
                assert!(SECTIONS.contains(&section), "{key:?}");
            }
        }
        for section in SECTIONS {
            assert!(Key::ALL.iter().any(|key| key.section() == Some(section)));
        }
    }

    #[test]
    fn names_and_env_vars_are_unique() {
        let mut all: Vec<&str> = Key::ALL.iter().map(|k| k.env_var()).collect();
        all.extend(Key::ALL.iter().filter_map(|k| k.secret_file_var()));
        all.extend(RESERVED_ENV_VARS);
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn lookups_find_keys() {
        assert_eq!(Key::find(Some("smtp"), "port"), Some(Key::SmtpPort));
        assert_eq!(Key::find(None, "port"), None);
        assert_eq!(Key::find(None, "listen"), Some(Key::Listen));
        assert_eq!(
            Key::from_env_var("LATCHKEY_PASSWORD_HASH_MEMORY_KIB"),
            Some(Key::PasswordHashMemoryKib)
        );
        assert_eq!(
            Key::from_secret_file_var("LATCHKEY_DATABASE_URL_FILE"),
            Some(Key::DatabaseUrl)
        );
        assert!(Key::SmtpPassword.is_secret());
        assert!(!Key::SmtpUsername.is_secret());
    }
}
