//! The credential vault's records ([`VaultRepo`]): items with their sealed data key and secret,
//! and the history of earlier secrets.
//!
//! Writes go through [`write_vault`], which runs on an open transaction so the mass-reset batch
//! (`mpr_batch.rs`) applies the same statements inside its own transaction as
//! [`VaultRepo::write_item`] does alone. Its body is written once and compiled for each
//! connection type ([`VaultTx`]), like [`on_pool!`](crate::on_pool) does for pools.
//!
//! A new secret ([`VaultWrite::SetSecret`]) copies the current secret into the history, replaces
//! it, bumps `version` — all only while `version` is still the one the writer read — and trims
//! the history to the newest [`HISTORY_LEN`]. Two writers racing on one item: one wins, the other
//! gets `Conflict` (PostgreSQL: the version check, or the history's primary key when both copied
//! the same secret; SQLite: writers run one at a time).
//!
//! Also here: the plumbing the mass-reset store shares — [`write_tx!`] (a write transaction,
//! `BEGIN IMMEDIATE` on SQLite so writers queue instead of failing to upgrade a read) and the
//! placeholder lists of chunked multi-row statements.

use crate::{Dialect, Store, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::secretbox::Sealed;
use latchkey_core::vault::{HISTORY_LEN, HistoryEntry, VaultItem, VaultRepo, VaultWrite};
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;

/// Rows per multi-row statement (ids per `IN` list) on PostgreSQL: one round trip each, and with
/// 13 columns 6,500 parameters, far below its limit of 65,535.
const PG_ROWS: usize = 500;
/// Parameters per statement on SQLite. sqlx looks up every parameter's name with
/// `sqlite3_bind_parameter_name`, which walks the statement's list of names, so binding costs
/// grow with the square of the parameters in one statement (500 rows of 13: 13 s for 100,000
/// rows, against 3 s in statements of 256); SQLite runs in-process, so more, smaller statements
/// cost little.
const SQLITE_PARAMS: usize = 256;

/// Rows per multi-row statement (ids per `IN` list) for rows of `params_per_row` parameters.
pub(crate) fn rows_per_statement(dialect: Dialect, params_per_row: usize) -> usize {
    match dialect {
        Dialect::Postgres => PG_ROWS,
        Dialect::Sqlite => (SQLITE_PARAMS / params_per_row.max(1)).max(1),
    }
}

/// Runs `$body` in a write transaction and commits it when the body does not return early
/// (`?` returns, dropping the transaction, which rolls it back).
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite(pool) => {
                let mut $tx = pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err($crate::db_err)?;
                let out = $body;
                $tx.commit().await.map_err($crate::db_err)?;
                out
            }
            $crate::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await.map_err($crate::db_err)?;
                let out = $body;
                $tx.commit().await.map_err($crate::db_err)?;
                out
            }
        }
    };
}
pub(crate) use write_tx;

/// `$first, $first+1, …` (`n` placeholders), for an `IN` list.
pub(crate) fn in_params(first: usize, n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(out, "{sep}${}", first + i);
    }
    out
}

/// `($first, …), (…)`: `rows` tuples of `cols` placeholders, for a multi-row `VALUES`.
pub(crate) fn values_params(first: usize, rows: usize, cols: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        out.push_str(&in_params(first + r * cols, cols));
        out.push(')');
    }
    out
}

macro_rules! select_items {
    ($rest:literal) => {
        concat!(
            "SELECT id, name, owner_id, collection, is_template, template_id, account_id, fields, ",
            "wrapped_key, secret, secret_changed_at, created_at, updated_at, version ",
            "FROM vault_items ",
            $rest
        )
    };
}

type ItemRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    i64,
);

fn sealed(what: &str, id: &str, text: &str) -> RepoResult<Sealed> {
    Sealed::parse(text).map_err(|e| RepoError::Corrupt(format!("{what} of vault item {id}: {e}")))
}

fn item_from_row(row: ItemRow) -> RepoResult<VaultItem> {
    let (id, name, owner, collection, is_template, template, account, fields, key, secret) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
    );
    Ok(VaultItem {
        owner: owner
            .map(|o| parse_id::<ProfileId>("vault item owner", &o))
            .transpose()?,
        template: template
            .map(|t| parse_id::<VaultItemId>("vault item template", &t))
            .transpose()?,
        account: account
            .map(|a| parse_id::<AccountId>("vault item account", &a))
            .transpose()?,
        fields: serde_json::from_str::<BTreeMap<String, String>>(&fields)
            .map_err(|e| RepoError::Corrupt(format!("fields of vault item {id}: {e}")))?,
        wrapped_key: key.map(|k| sealed("data key", &id, &k)).transpose()?,
        secret: secret.map(|s| sealed("secret", &id, &s)).transpose()?,
        secret_changed_at: row.10.map(from_ms).transpose()?,
        created_at: from_ms(row.11)?,
        updated_at: from_ms(row.12)?,
        version: row.13,
        id: parse_id("vault item id", &id)?,
        name,
        collection,
        is_template,
    })
}

/// Vault writes on an open transaction (see the module docs).
pub(crate) trait VaultTx {
    /// Applies one write; `Conflict` when the item's version moved or its account has an item.
    fn write_vault(&mut self, write: &VaultWrite) -> impl Future<Output = RepoResult<()>> + Send;
}

/// Applies `write` on the transaction `conn` (`&mut *tx`).
pub(crate) async fn write_vault<C: VaultTx>(conn: &mut C, write: &VaultWrite) -> RepoResult<()> {
    conn.write_vault(write).await
}

macro_rules! impl_vault_tx {
    ($conn:ty) => {
        impl VaultTx for $conn {
            async fn write_vault(&mut self, write: &VaultWrite) -> RepoResult<()> {
                match write {
                    VaultWrite::Create(item) => {
                        let fields = serde_json::to_string(&item.fields)
                            .map_err(|e| RepoError::Database(e.to_string()))?;
                        sqlx::query(
                            "INSERT INTO vault_items (id, name, owner_id, collection, is_template, \
                             template_id, account_id, fields, wrapped_key, key_id, secret, \
                             secret_changed_at, created_at, updated_at, version) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                        )
                        .bind(item.id.to_string())
                        .bind(&item.name)
                        .bind(item.owner.map(|o| o.to_string()))
                        .bind(&item.collection)
                        .bind(item.is_template)
                        .bind(item.template.map(|t| t.to_string()))
                        .bind(item.account.map(|a| a.to_string()))
                        .bind(fields)
                        .bind(item.wrapped_key.as_ref().map(ToString::to_string))
                        .bind(item.wrapped_key.as_ref().map(|k| k.key_id().to_owned()))
                        .bind(item.secret.as_ref().map(ToString::to_string))
                        .bind(item.secret_changed_at.map(ms))
                        .bind(ms(item.created_at))
                        .bind(ms(item.updated_at))
                        .bind(item.version)
                        .execute(&mut *self)
                        .await
                        .map_err(|e| match db_err(e) {
                            RepoError::Conflict(_) => RepoError::Conflict(match item.account {
                                Some(a) => format!("vault item {} or an item for account {a}", item.id),
                                None => format!("vault item {}", item.id),
                            }),
                            other => other,
                        })?;
                        Ok(())
                    }
                    VaultWrite::SetSecret {
                        id,
                        expected_version,
                        wrapped_key,
                        secret,
                        changed_at,
                    } => {
                        let conflict = || RepoError::Conflict(format!("a newer version of vault item {id}"));
                        let item = id.to_string();
                        // The current secret into the history, if the version still matches.
                        let kept = sqlx::query(
                            "INSERT INTO vault_item_history (item_id, seq, secret, changed_at) \
                             SELECT id, COALESCE((SELECT MAX(h.seq) FROM vault_item_history h \
                             WHERE h.item_id = $1), 0) + 1, secret, COALESCE(secret_changed_at, updated_at) \
                             FROM vault_items WHERE id = $1 AND version = $2 AND secret IS NOT NULL",
                        )
                        .bind(&item)
                        .bind(*expected_version)
                        .execute(&mut *self)
                        .await
                        .map_err(|e| match db_err(e) {
                            RepoError::Conflict(_) => conflict(),
                            other => other,
                        })?
                        .rows_affected();
                        let changed = sqlx::query(
                            "UPDATE vault_items SET wrapped_key = $3, key_id = $4, secret = $5, \
                             secret_changed_at = $6, updated_at = $6, version = version + 1 \
                             WHERE id = $1 AND version = $2",
                        )
                        .bind(&item)
                        .bind(*expected_version)
                        .bind(wrapped_key.to_string())
                        .bind(wrapped_key.key_id())
                        .bind(secret.to_string())
                        .bind(ms(*changed_at))
                        .execute(&mut *self)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                        if changed == 0 {
                            let exists: i64 =
                                sqlx::query_scalar("SELECT COUNT(*) FROM vault_items WHERE id = $1")
                                    .bind(&item)
                                    .fetch_one(&mut *self)
                                    .await
                                    .map_err(db_err)?;
                            return Err(if exists == 0 {
                                RepoError::NotFound(format!("vault item {id}"))
                            } else {
                                conflict()
                            });
                        }
                        if kept > 0 {
                            sqlx::query(
                                "DELETE FROM vault_item_history WHERE item_id = $1 AND seq NOT IN \
                                 (SELECT seq FROM vault_item_history WHERE item_id = $1 \
                                 ORDER BY seq DESC LIMIT $2)",
                            )
                            .bind(&item)
                            .bind(i64::try_from(HISTORY_LEN).unwrap_or(i64::MAX))
                            .execute(&mut *self)
                            .await
                            .map_err(db_err)?;
                        }
                        Ok(())
                    }
                }
            }
        }
    };
}
impl_vault_tx!(sqlx::SqliteConnection);
impl_vault_tx!(sqlx::PgConnection);

impl VaultRepo for Store {
    async fn write_item(&self, write: &VaultWrite) -> RepoResult<()> {
        write_tx!(self, |tx| write_vault(&mut *tx, write).await?);
        Ok(())
    }

    async fn item(&self, id: VaultItemId) -> RepoResult<Option<VaultItem>> {
        let row: Option<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_items!("WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        row.map(item_from_row).transpose()
    }

    async fn items_of_owner(&self, owner: ProfileId) -> RepoResult<Vec<VaultItem>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_items!("WHERE owner_id = $1 ORDER BY name, id"))
                .bind(owner.to_string())
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(item_from_row).collect()
    }

    async fn items_for_accounts(&self, accounts: &[AccountId]) -> RepoResult<Vec<VaultItem>> {
        let mut ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut items = Vec::new();
        for chunk in ids.chunks(rows_per_statement(self.dialect(), 1)) {
            let sql = format!(
                "{} WHERE account_id IN ({}) ORDER BY account_id",
                select_items!(""),
                in_params(1, chunk.len())
            );
            let rows: Vec<ItemRow> = on_pool!(self, |pool| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await
            })
            .map_err(db_err)?;
            for row in rows {
                items.push(item_from_row(row)?);
            }
        }
        Ok(items)
    }

    async fn templates(&self) -> RepoResult<Vec<VaultItem>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_items!("WHERE is_template ORDER BY name, id"))
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(item_from_row).collect()
    }

    async fn history(&self, id: VaultItemId) -> RepoResult<Vec<HistoryEntry>> {
        let item = id.to_string();
        let rows: Vec<(i64, String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT seq, secret, changed_at FROM vault_item_history WHERE item_id = $1 \
                 ORDER BY seq DESC",
            )
            .bind(&item)
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(seq, secret, changed_at)| {
                Ok(HistoryEntry {
                    seq,
                    secret: sealed("earlier secret", &item, &secret)?,
                    changed_at: from_ms(changed_at)?,
                })
            })
            .collect()
    }

    async fn items_not_wrapped_by(&self, key_id: &str, limit: u32) -> RepoResult<Vec<VaultItem>> {
        let rows: Vec<ItemRow> = on_pool!(self, |pool| {
            sqlx::query_as(select_items!(
                "WHERE key_id IS NOT NULL AND key_id <> $1 ORDER BY id LIMIT $2"
            ))
            .bind(key_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(item_from_row).collect()
    }

    async fn rewrap_key(
        &self,
        id: VaultItemId,
        expected_version: i64,
        wrapped_key: &Sealed,
    ) -> RepoResult<bool> {
        // The version moves too: a writer that read the old wrapped key must not put it back.
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE vault_items SET wrapped_key = $3, key_id = $4, version = version + 1 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(id.to_string())
            .bind(expected_version)
            .bind(wrapped_key.to_string())
            .bind(wrapped_key.key_id())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn delete_item(&self, id: VaultItemId) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM vault_items WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }
}
