//! Latchkey's store: one implementation of the repository traits of `latchkey-core` for SQLite
//! (the embedded default) and PostgreSQL (several nodes, one database).
//!
//! Every query is written once, in SQL both databases understand, and compiled for each driver
//! by [`on_pool!`]: the body is the same text, type-checked twice. Parameters are `$1, $2, …`
//! (sqlx's SQLite driver reads `$NNN` as positional too). The schema comes from one migration
//! history ([`migrations`]); the few type names that differ are filled in per database there.
//!
//! Time is stored as milliseconds since the Unix epoch (`BIGINT`), ids as text.

mod accounts;
mod admins;
mod atomic;
mod audit;
mod authconfig;
mod durability;
mod json_rows;
mod migrations;
mod mpr;
mod mpr_batch;
mod mpr_plan;
mod mpr_report;
mod outbox;
mod password_history;
mod profiles;
mod questions;
mod sessions;
mod settings;
mod targets;
mod totp;
mod userclasses;
mod userstats;
mod vault;
mod vault_batch;

use latchkey_core::repo::RepoError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

pub use durability::Durability;
pub use migrations::{MIGRATIONS, Migration};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (file; the embedded default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not a SQLite or PostgreSQL URL, or its options are invalid.
    #[error("the database URL is not valid: {0}")]
    Url(String),
    /// The database did not accept a connection.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed; nothing of it was applied.
    #[error("migration {version} ({name}) failed: {reason}")]
    Migration {
        /// Version number.
        version: i64,
        /// Name.
        name: &'static str,
        /// Database message.
        reason: String,
    },
    /// The database has migrations this build does not know (a newer Latchkey wrote it).
    #[error(
        "the database was migrated by a newer Latchkey (schema version {found}, this build knows up to {known}); upgrade this node"
    )]
    TooNew {
        /// Highest applied version.
        found: i64,
        /// Highest version known here.
        known: i64,
    },
}

/// Pool sizing.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Maximum connections.
    pub max_connections: u32,
    /// How long to wait for a connection (and, on SQLite, for the write lock).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// Runs the same body against whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Store {
    /// Opens (and for SQLite creates) the database at `url` and applies pending migrations.
    /// `url` is `sqlite://PATH[?…]`, `sqlite::memory:` or `postgres://…`.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self, OpenError> {
        let store = Self::connect(url, options).await?;
        migrations::apply(&store).await?;
        store.warn_unless_durable().await;
        Ok(store)
    }

    /// Opens an existing database without creating or migrating anything (for read-only
    /// checks such as `latchkey config check`). A SQLite file that does not exist is an error.
    pub async fn open_existing(url: &str, options: StoreOptions) -> Result<Self, OpenError> {
        Self::connect_with(url, options, false).await
    }

    /// The highest migration applied (0 for an empty database).
    pub async fn schema_version(&self) -> Result<i64, RepoError> {
        let exists: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar("SELECT MAX(version) FROM latchkey_schema_history")
                .fetch_one(p)
                .await
        })
        .or_else(|e| match &e {
            // No history table yet: nothing was ever applied.
            sqlx::Error::Database(_) => Ok(None),
            _ => Err(e),
        })
        .map_err(db_err)?;
        Ok(exists.unwrap_or(0))
    }

    /// The schema version this build migrates to.
    pub fn latest_schema_version() -> i64 {
        MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
    }

    async fn connect(url: &str, options: StoreOptions) -> Result<Self, OpenError> {
        Self::connect_with(url, options, true).await
    }

    async fn connect_with(
        url: &str,
        options: StoreOptions,
        create: bool,
    ) -> Result<Self, OpenError> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| OpenError::Url(e.to_string()))?
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                // Every commit synced: see `durability`.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                // Writers queue on SQLite's lock instead of failing with "database is locked".
                .busy_timeout(options.acquire_timeout);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(opts)
                .await
                .map_err(|e| OpenError::Connect(e.to_string()))?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|e| OpenError::Url(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .after_connect(|conn, _| Box::pin(durability::pg_session(conn)))
                .connect_with(opts)
                .await
                .map_err(|e| OpenError::Connect(e.to_string()))?;
            Pool::Postgres(pool)
        } else {
            return Err(OpenError::Url(
                "use sqlite://PATH or postgres://USER@HOST/DB".into(),
            ));
        };
        Ok(Self { pool })
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match self.pool {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Answers when the database does (for `/healthz`).
    pub async fn ping(&self) -> Result<(), RepoError> {
        on_pool!(self, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(|_| ()))
        .map(|_| ())
        .map_err(db_err)
    }

    /// Closes every connection (waits for checked-out ones).
    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await);
    }
}

/// Maps a driver error to the repository error every caller understands.
pub(crate) fn db_err(e: sqlx::Error) -> RepoError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            RepoError::Conflict(d.message().to_owned())
        }
        sqlx::Error::RowNotFound => RepoError::NotFound("row".into()),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => RepoError::Unavailable(e.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            RepoError::Corrupt(e.to_string())
        }
        _ => RepoError::Database(e.to_string()),
    }
}

/// Milliseconds since the epoch, as stored.
pub(crate) fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Back from stored milliseconds.
pub(crate) fn from_ms(v: i64) -> Result<OffsetDateTime, RepoError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000)
        .map_err(|e| RepoError::Corrupt(format!("timestamp {v}: {e}")))
}

/// Parses a stored id.
pub(crate) fn parse_id<T: FromStr>(what: &str, v: &str) -> Result<T, RepoError> {
    v.parse()
        .map_err(|_| RepoError::Corrupt(format!("{what} {v:?} is not valid")))
}

/// Counts from the database are never negative; clamp instead of panicking if one were.
pub(crate) fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
