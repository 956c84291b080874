//! Many rows in one statement: the rows travel as one JSON array parameter and the database
//! reads them back as a table (`jsonb_each` on SQLite, `jsonb_to_recordset` on PostgreSQL).
//!
//! A mass-reset batch writes hundreds of rows into several tables. One statement per row costs a
//! round trip each (PostgreSQL) or a hand-off to SQLite's worker thread each; multi-row `VALUES`
//! lists grow the statement with the rows (and sqlx binds SQLite parameters in time quadratic in
//! their number). A JSON parameter keeps every statement the same size, whatever the batch:
//! `WITH x AS (rows) UPDATE … FROM x WHERE …`, `WITH x AS (rows) INSERT … SELECT … FROM x`,
//! `… WHERE key = ANY(list)`.

use crate::{Dialect, Store, db_err, on_pool};
use latchkey_core::repo::{RepoError, RepoResult};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use std::fmt::Write as _;

/// The SQL type of a column read from the JSON rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    /// Text (a JSON string or null).
    Text,
    /// A 64-bit integer (a JSON number or null).
    Int,
    /// A boolean (JSON true / false).
    Bool,
}

impl Col {
    fn postgres(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Int => "bigint",
            Self::Bool => "boolean",
        }
    }
}

/// `WITH x AS MATERIALIZED (…) `: the rows of JSON parameter `$param` as a table `x` with
/// `columns` (the objects' keys), to start a statement that reads `FROM x`.
///
/// On SQLite the rows come from `jsonb_each`, which parses the parameter once and gives each
/// row as binary JSON that `json_extract` reads in place; `json_each` gives each row back as
/// text, parsed again by every column's `json_extract` (a third of the store's CPU in a mass
/// reset).
///
/// Materialized, because SQLite's planner would otherwise put the rows in the inner loop of a
/// join and read them once per row of the other table (an `UPDATE … FROM` of 500 rows against a
/// journal of 100,000 took over a minute); as its own table it is read once, each row looking up
/// the other table by its key.
pub(crate) fn with_rows(dialect: Dialect, param: usize, columns: &[(&str, Col)]) -> String {
    let mut out = String::from("WITH x AS MATERIALIZED (SELECT ");
    match dialect {
        Dialect::Sqlite => {
            for (i, (name, _)) in columns.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(out, "{sep}json_extract(j.value, '$.{name}') AS {name}");
            }
            let _ = write!(out, " FROM jsonb_each(${param}) AS j) ");
        }
        Dialect::Postgres => {
            let _ = write!(
                out,
                "* FROM jsonb_to_recordset(CAST(${param} AS jsonb)) AS r("
            );
            for (i, (name, col)) in columns.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = write!(out, "{sep}{name} {}", col.postgres());
            }
            out.push_str(")) ");
        }
    }
    out
}

/// `… = ANY(…)`: a test that a value is one of the strings of JSON array parameter `$param`,
/// to follow a column (`WHERE key {among}`).
///
/// On PostgreSQL the strings are made into an array once, before the statement reads a row, and
/// with an index on the column each string is one key probe. A subquery in `IN (…)` lets the
/// planner, when its statistics say the table is almost empty (the account locks between two
/// runs), scan the table and parse the JSON list again for every row it holds: 200 ms a batch
/// with 1,500 locks held.
pub(crate) fn among(dialect: Dialect, param: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("IN (SELECT value FROM json_each(${param}))"),
        Dialect::Postgres => {
            format!("= ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(${param} AS jsonb))))")
        }
    }
}

/// The strings of JSON array parameter `$param` as a subquery of one column `v`, for
/// `FROM (list) AS l`.
pub(crate) fn list(dialect: Dialect, param: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("SELECT value AS v FROM json_each(${param})"),
        Dialect::Postgres => {
            format!("SELECT jsonb_array_elements_text(CAST(${param} AS jsonb)) AS v")
        }
    }
}

/// `rows` as the JSON text to bind.
pub(crate) fn encode<T: Serialize + ?Sized>(rows: &T) -> RepoResult<String> {
    serde_json::to_string(rows).map_err(|e| RepoError::Database(format!("encoding rows: {e}")))
}

/// `ids` as a JSON list to bind, sorted and without repeats; `None` when there are none.
pub(crate) fn ids<T: ToString>(ids: &[T]) -> RepoResult<Option<String>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    ids.sort_unstable();
    ids.dedup();
    encode(&ids).map(Some)
}

/// The rows of `sql(among)` where `among` tests for one of `ids` (see [`among`]); none when
/// `ids` is empty. For `… WHERE key {among}` reads of many keys in one statement.
pub(crate) async fn fetch_listed<T, I: ToString>(
    store: &Store,
    ids: &[I],
    sql: impl FnOnce(&str) -> String,
) -> RepoResult<Vec<T>>
where
    T: Send + Unpin + for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow>,
{
    let Some(ids) = self::ids(ids)? else {
        return Ok(Vec::new());
    };
    let sql = sql(&among(store.dialect(), 1));
    on_pool!(store, |pool| {
        sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(&ids)
            .fetch_all(pool)
            .await
    })
    .map_err(db_err)
}
