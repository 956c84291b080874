//! What most commands start from: the configuration (from `--config`, `./latchkey.toml` or
//! nothing, plus `LATCHKEY_*` variables) and the store it names.

use crate::failure::{BadInput, Problems};
use anyhow::Context as _;
use latchkey_config::Config;
use latchkey_core::password_hash::Argon2Params;
use latchkey_store::{OpenError, Store, StoreOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file read when neither `--config` nor `LATCHKEY_CONFIG` names one, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "latchkey.toml";

/// The configuration file to read: the one named, else `./latchkey.toml` when it exists, else
/// none (built-in defaults and the environment only).
pub fn config_path(named: Option<&Path>) -> Option<PathBuf> {
    match named {
        Some(path) => Some(path.to_path_buf()),
        None => {
            let default = PathBuf::from(DEFAULT_CONFIG_FILE);
            default.is_file().then_some(default)
        }
    }
}

/// Loads and validates the configuration; every problem is reported (exit status 2).
pub fn load_config(file: Option<&Path>) -> anyhow::Result<Config> {
    latchkey_config::load_from_process_env(file).map_err(|e| anyhow::Error::new(Problems::from(e)))
}

/// The configured Argon2id cost, as the core types it.
pub fn argon2_params(config: &Config) -> Argon2Params {
    Argon2Params {
        memory_kib: config.password_hash.memory_kib,
        time_cost: config.password_hash.time_cost,
        parallelism: config.password_hash.parallelism,
    }
}

/// Pool sizing for one-shot commands: a few connections, and a shorter wait than a server's.
pub fn command_store_options() -> StoreOptions {
    StoreOptions {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
    }
}

/// Opens the configured database (applying migrations). The error names the database by its
/// redacted URL only.
pub async fn open_store(config: &Config, options: StoreOptions) -> anyhow::Result<Store> {
    let url = &config.database_url;
    match Store::open(url.expose_secret(), options).await {
        Ok(store) => Ok(store),
        Err(error) => {
            let bad_url = matches!(error, OpenError::Url(_));
            let reason = scrub(error.to_string(), config);
            let message = format!("cannot open the database {}: {reason}", url.redacted());
            if bad_url {
                Err(BadInput::error(message))
            } else {
                Err(anyhow::anyhow!(message))
            }
        }
    }
}

/// The configured database, opened by [`open_existing_store`] only if that changes nothing.
#[derive(Debug)]
pub enum ExistingStore {
    /// It exists and is open.
    Open(Store),
    /// It was not opened; why, for a note.
    NotOpened(String),
}

/// Opens the configured database for reading what it holds, creating and migrating nothing:
/// a missing SQLite file stays missing, and a database whose schema is not this build's is
/// left alone. Never fails: what kept it closed is returned for a note.
pub async fn open_existing_store(config: &Config) -> ExistingStore {
    let url = &config.database_url;
    if url.is_sqlite() {
        match sqlite_file(url.expose_secret()) {
            None => {
                return ExistingStore::NotOpened(format!(
                    "the database {} is in memory and holds nothing yet",
                    url.redacted()
                ));
            }
            Some(path) if !path.exists() => {
                return ExistingStore::NotOpened(format!(
                    "the database {} does not exist yet",
                    url.redacted()
                ));
            }
            Some(_) => {}
        }
    }
    // A short wait: a check should not hang on an unreachable server.
    let options = latchkey_store::StoreOptions {
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(3),
    };
    let store = match Store::open_existing(url.expose_secret(), options).await {
        Ok(store) => store,
        Err(e) => {
            return ExistingStore::NotOpened(format!(
                "the database {} could not be opened ({})",
                url.redacted(),
                scrub(e.to_string(), config)
            ));
        }
    };
    match store.schema_version().await {
        Ok(v) if v == Store::latest_schema_version() => ExistingStore::Open(store),
        Ok(v) => ExistingStore::NotOpened(format!(
            "the database {} is at schema version {v} and this build expects {}; `latchkey serve` migrates it",
            url.redacted(),
            Store::latest_schema_version()
        )),
        Err(e) => ExistingStore::NotOpened(format!(
            "the database {} could not be read ({})",
            url.redacted(),
            scrub(e.to_string(), config)
        )),
    }
}

/// The file of a SQLite URL (`sqlite://PATH?…`, `sqlite:PATH`); None for an in-memory one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// Driver messages should not quote the URL, but if one ever does, it must not carry the
/// password to the terminal or a log.
fn scrub(message: String, config: &Config) -> String {
    let secret = config.database_url.expose_secret();
    let mut message = message.replace(secret, &config.database_url.redacted());
    if let Some(password) = url::Url::parse(secret)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
        .filter(|p| !p.is_empty())
    {
        message = message.replace(&password, "***");
    }
    message
}

/// The configuration and an open store, for the commands that manage data.
#[derive(Debug)]
pub struct Context {
    /// The node's configuration.
    pub config: Config,
    /// Its database.
    pub store: Store,
}

impl Context {
    /// Loads the configuration named by `--config` (or the default) and opens its store.
    pub async fn open(config_flag: Option<&Path>) -> anyhow::Result<Self> {
        let path = config_path(config_flag);
        let config = load_config(path.as_deref())?;
        let store = open_store(&config, command_store_options()).await?;
        Ok(Self { config, store })
    }

    /// Like [`Context::open`], for the commands that manage the authentication configuration:
    /// a database without one gets the shipped chains and rules first, so a fresh install
    /// shows (and exports) what a login would run.
    pub async fn open_auth(config_flag: Option<&Path>) -> anyhow::Result<Self> {
        let ctx = Self::open(config_flag).await?;
        latchkey_server::bootstrap::ensure_auth_config(&ctx.store)
            .await
            .context("cannot install the shipped authentication configuration")?;
        Ok(ctx)
    }

    /// The master key, if `keys.master_key_file` is configured.
    pub fn master_key(&self) -> anyhow::Result<Option<latchkey_core::keys::MasterKey>> {
        let Some(path) = self.config.keys.master_key_file.as_deref() else {
            return Ok(None);
        };
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the master key file {}", path.display()))?,
        );
        latchkey_core::keys::MasterKey::parse(&text)
            .map(Some)
            .map_err(|e| {
                crate::failure::BadInput::error(format!("master key file {}: {e}", path.display()))
            })
    }

    /// The master key, required for `what` (a bad-input error naming the setting otherwise).
    pub fn require_master_key(&self, what: &str) -> anyhow::Result<latchkey_core::keys::MasterKey> {
        self.master_key()?.ok_or_else(|| {
            crate::failure::BadInput::error(format!(
                "{what} are sealed with the master key, and none is configured: set \
                 keys.master_key_file (make one with `latchkey keys generate FILE`)"
            ))
        })
    }

    /// The internal directory (password hashing) over this store.
    pub fn directory(&self) -> anyhow::Result<latchkey_server::directory::InternalDirectory> {
        latchkey_server::directory::InternalDirectory::new(
            self.store.clone(),
            argon2_params(&self.config),
        )
        .context("cannot prepare password hashing")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_are_found_in_their_urls() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/latchkey.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/latchkey.db"))
        );
        assert_eq!(
            sqlite_file("sqlite://latchkey.db"),
            Some(PathBuf::from("latchkey.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:data.db"),
            Some(PathBuf::from("data.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[test]
    fn scrub_removes_the_password() {
        let config = latchkey_config::load(
            None,
            [(
                "LATCHKEY_DATABASE_URL".to_owned(),
                "postgres://u:s3cret@db.example.org/latchkey".to_owned(),
            )],
        )
        .unwrap();
        let out = scrub(
            "failed for postgres://u:s3cret@db.example.org/latchkey (s3cret)".into(),
            &config,
        );
        assert!(!out.contains("s3cret"), "{out}");
        assert!(out.contains("db.example.org"));
    }
}
