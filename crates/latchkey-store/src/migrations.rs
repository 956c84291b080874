//! One migration history for both databases.
//!
//! Each migration is one SQL file written in the subset both SQLite and PostgreSQL accept; the
//! only per-database parts are placeholders filled in by [`render`]. All pending migrations are
//! applied in one transaction, under a lock (PostgreSQL advisory lock; SQLite `BEGIN IMMEDIATE`),
//! so two nodes starting together cannot both apply one, and a failure leaves nothing half done.

use crate::{Dialect, OpenError, Pool, Store, ms};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

/// A schema change.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Increasing version.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// Portable SQL with placeholders.
    pub sql: &'static str,
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial schema",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "authentication chains and selector rules",
        sql: include_str!("../migrations/0002_auth_config.sql"),
    },
    Migration {
        version: 3,
        name: "durable queue of outgoing messages",
        sql: include_str!("../migrations/0003_message_queue.sql"),
    },
    Migration {
        version: 4,
        name: "security question sets, enrolments and samples",
        sql: include_str!("../migrations/0004_questions.sql"),
    },
    Migration {
        version: 5,
        name: "TOTP enrolments and recovery codes",
        sql: include_str!("../migrations/0005_totp_devices.sql"),
    },
    Migration {
        version: 6,
        name: "target systems and discovery runs",
        sql: include_str!("../migrations/0006_targets.sql"),
    },
    Migration {
        version: 7,
        name: "credential vault and mass password runs",
        sql: include_str!("../migrations/0007_vault_and_mass_reset.sql"),
    },
    Migration {
        version: 8,
        name: "password history",
        sql: include_str!("../migrations/0008_password_history.sql"),
    },
    Migration {
        version: 9,
        name: "journal updates in place",
        sql: include_str!("../migrations/0009_journal_updates_in_place.sql"),
    },
    Migration {
        version: 10,
        name: "mass reset report stored in chunks",
        sql: include_str!("../migrations/0010_report_in_chunks.sql"),
    },
    Migration {
        version: 11,
        name: "finished runs keep their counts",
        sql: include_str!("../migrations/0011_finished_runs_keep_counts.sql"),
    },
    Migration {
        version: 12,
        name: "a new run's plan stored in parts",
        sql: include_str!("../migrations/0012_plan_parts.sql"),
    },
    Migration {
        version: 13,
        name: "vault items updated in place",
        sql: include_str!("../migrations/0013_vault_updates_in_place.sql"),
    },
];

/// A line starting with this is a statement for PostgreSQL only (on SQLite it stays a comment).
const POSTGRES_ONLY: &str = "-- postgresql: ";
/// A line starting with this is a statement for SQLite only.
const SQLITE_ONLY: &str = "-- sqlite: ";

/// Fills the per-database placeholders and uncomments the database's own statements.
pub fn render(sql: &str, dialect: Dialect) -> String {
    let (auto_id, bytes) = match dialect {
        Dialect::Sqlite => ("INTEGER PRIMARY KEY", "BLOB"),
        Dialect::Postgres => ("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "BYTEA"),
    };
    let sql = sql.replace("{AUTO_ID}", auto_id).replace("{BYTES}", bytes);
    let own = match dialect {
        Dialect::Sqlite => SQLITE_ONLY,
        Dialect::Postgres => POSTGRES_ONLY,
    };
    sql.replace(&format!("\n{own}"), "\n")
}

const HISTORY: &str = "CREATE TABLE IF NOT EXISTS latchkey_schema_history (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// Arbitrary constant naming our advisory lock on PostgreSQL.
const PG_LOCK_KEY: i64 = 0x4c41_5443_484b_4559;

pub(crate) async fn apply(store: &Store) -> Result<(), OpenError> {
    let dialect = store.dialect();
    let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
    let fail = |version: i64, name: &'static str| {
        move |e: sqlx::Error| OpenError::Migration {
            version,
            name,
            reason: e.to_string(),
        }
    };
    macro_rules! run {
        ($pool:expr, $begin:expr) => {{
            let mut tx = $pool.begin_with($begin).await.map_err(fail(0, "lock"))?;
            if dialect == Dialect::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_LOCK_KEY)
                    .execute(&mut *tx)
                    .await
                    .map_err(fail(0, "lock"))?;
            }
            sqlx::raw_sql(HISTORY)
                .execute(&mut *tx)
                .await
                .map_err(fail(0, "history table"))?;
            let applied: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM latchkey_schema_history")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(fail(0, "history table"))?;
            let applied = applied.unwrap_or(0);
            if applied > known {
                return Err(OpenError::TooNew { found: applied, known });
            }
            for m in MIGRATIONS.iter().filter(|m| m.version > applied) {
                sqlx::raw_sql(AssertSqlSafe(render(m.sql, dialect)))
                    .execute(&mut *tx)
                    .await
                    .map_err(fail(m.version, m.name))?;
                sqlx::query(
                    "INSERT INTO latchkey_schema_history (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(ms(OffsetDateTime::now_utc()))
                .execute(&mut *tx)
                .await
                .map_err(fail(m.version, m.name))?;
                tracing::info!(version = m.version, name = m.name, "applied migration");
            }
            tx.commit().await.map_err(fail(known, "commit"))?;
        }};
    }
    match &store.pool {
        Pool::Sqlite(p) => run!(p, "BEGIN IMMEDIATE"),
        Pool::Postgres(p) => run!(p, "BEGIN"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_placeholders_are_filled() {
        let mut last = 0;
        for m in MIGRATIONS {
            assert!(m.version > last, "migration versions must increase");
            last = m.version;
            for d in [Dialect::Sqlite, Dialect::Postgres] {
                let sql = render(m.sql, d);
                assert!(
                    !sql.contains('{'),
                    "unfilled placeholder in migration {}",
                    m.version
                );
            }
        }
    }

    #[test]
    fn each_database_runs_only_its_own_statements() {
        let sql = "DROP INDEX a;\n-- postgresql: ALTER TABLE t SET (fillfactor = 70);\n\
                   -- sqlite: SELECT json_array(1);\n";
        assert_eq!(
            render(sql, Dialect::Sqlite),
            "DROP INDEX a;\n-- postgresql: ALTER TABLE t SET (fillfactor = 70);\n\
             SELECT json_array(1);\n"
        );
        assert_eq!(
            render(sql, Dialect::Postgres),
            "DROP INDEX a;\nALTER TABLE t SET (fillfactor = 70);\n-- sqlite: SELECT json_array(1);\n"
        );
    }
}
