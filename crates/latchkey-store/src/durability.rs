//! Every commit is on disk before it returns.
//!
//! The mass reset's first rule — a new password is durable before any target sees it — and the
//! vault's copy of every password a run set hold only if a committed transaction survives a
//! power cut or a crash of the host, not only of Latchkey:
//!
//! - SQLite runs its write-ahead log with `synchronous = FULL`: the log is synced at every
//!   commit. (`NORMAL`, the usual WAL setting, syncs only at checkpoints; the last commits before
//!   a power cut may vanish while the directory already holds their passwords.)
//! - PostgreSQL's `synchronous_commit` is a per-session setting: a connection that finds it `off`
//!   (a server tuned for speed) turns it `on` for itself. Stronger settings (`remote_apply`, …)
//!   are kept. `fsync = off` cannot be overridden by a client: [`Store::durability`] reports it
//!   and [`Store::open`] logs a warning.
//!
//! [`Store::durability`]: crate::Store::durability
//! [`Store::open`]: crate::Store::open

use crate::{Pool, Store, db_err};
use latchkey_core::repo::RepoResult;
use sqlx::PgConnection;

/// Whether commits reach the disk before they return, as the database says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durability {
    /// The settings read, as the database names them (`synchronous = 2`;
    /// `synchronous_commit = on, fsync = on`).
    pub settings: String,
    /// A commit waits for its log to be synced (SQLite `synchronous` FULL or EXTRA;
    /// PostgreSQL `synchronous_commit` not `off`).
    pub commits_wait_for_sync: bool,
    /// The database syncs to disk at all (PostgreSQL's `fsync`; always so for SQLite).
    pub syncs_to_disk: bool,
}

impl Durability {
    /// Both: a returned commit survives a power cut.
    pub fn is_durable(&self) -> bool {
        self.commits_wait_for_sync && self.syncs_to_disk
    }
}

/// Run on every new PostgreSQL connection: `synchronous_commit = on` where the server's default
/// is `off`.
pub(crate) async fn pg_session(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let current: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&mut *conn)
        .await?;
    if current == "off" {
        sqlx::query("SET synchronous_commit = on")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// What the database does with a commit (see the module docs).
    pub async fn durability(&self) -> RepoResult<Durability> {
        match &self.pool {
            Pool::Sqlite(p) => {
                // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
                let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(p)
                    .await
                    .map_err(db_err)?;
                Ok(Durability {
                    settings: format!("synchronous = {level}"),
                    commits_wait_for_sync: level >= 2,
                    syncs_to_disk: level >= 1,
                })
            }
            Pool::Postgres(p) => {
                let (commit, fsync): (String, String) = sqlx::query_as(
                    "SELECT current_setting('synchronous_commit'), current_setting('fsync')",
                )
                .fetch_one(p)
                .await
                .map_err(db_err)?;
                Ok(Durability {
                    settings: format!("synchronous_commit = {commit}, fsync = {fsync}"),
                    commits_wait_for_sync: commit != "off",
                    syncs_to_disk: fsync != "off",
                })
            }
        }
    }

    /// Logs a warning when commits are not durable (PostgreSQL with `fsync = off`).
    pub(crate) async fn warn_unless_durable(&self) {
        match self.durability().await {
            Ok(d) if d.is_durable() => {}
            Ok(d) => tracing::warn!(
                settings = %d.settings,
                "the database does not sync commits to disk (PostgreSQL fsync = off?): a power \
                 cut can lose passwords a mass reset has already set on the targets; turn fsync on"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the database's durability settings")
            }
        }
    }
}
