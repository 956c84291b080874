//! Vault writes on an open transaction, any number at once in a fixed number of statements
//! ([`write_vaults`]): the single writes of [`VaultRepo::write_item`] and the hundreds of a
//! mass-reset batch (`mpr_batch.rs`) run the same statements inside their own transaction.
//!
//! New items: one check that no id or account is taken, then one `INSERT … SELECT`. New secrets:
//! the current secrets into the history, the items updated (each only while its `version` is
//! still the one the writer read), the histories trimmed to the newest [`HISTORY_LEN`] — three
//! statements over the rows of a JSON parameter ([`json_rows`](crate::json_rows)). An item
//! whose version moved is `Conflict`, a missing one `NotFound`, and the caller's transaction
//! rolls everything back. Two writers racing on one item: one wins, the other gets `Conflict`
//! (PostgreSQL: the version check, or the history's primary key when both copied the same
//! secret; SQLite: writers run one at a time).
//!
//! The body is written once and compiled for each connection type ([`VaultTx`]), like
//! [`on_pool!`](crate::on_pool) does for pools.
//!
//! [`VaultRepo::write_item`]: latchkey_core::vault::VaultRepo::write_item

use crate::json_rows::{self, Col};
use crate::{Dialect, db_err, ms};
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::vault::{HISTORY_LEN, VaultWrite};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// A new item, as the JSON row the `INSERT` reads.
#[derive(Serialize)]
struct NewItem {
    id: String,
    name: String,
    owner: Option<String>,
    collection: Option<String>,
    is_template: bool,
    template: Option<String>,
    account: Option<String>,
    fields: String,
    wrapped_key: Option<String>,
    key_id: Option<String>,
    secret: Option<String>,
    secret_changed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

const NEW_ITEM: [(&str, Col); 15] = [
    ("id", Col::Text),
    ("name", Col::Text),
    ("owner", Col::Text),
    ("collection", Col::Text),
    ("is_template", Col::Bool),
    ("template", Col::Text),
    ("account", Col::Text),
    ("fields", Col::Text),
    ("wrapped_key", Col::Text),
    ("key_id", Col::Text),
    ("secret", Col::Text),
    ("secret_changed_at", Col::Int),
    ("created_at", Col::Int),
    ("updated_at", Col::Int),
    ("version", Col::Int),
];

/// A new secret for an existing item, as the JSON row the statements read.
#[derive(Serialize)]
struct NewSecret {
    id: String,
    version: i64,
    wrapped_key: String,
    key_id: String,
    secret: String,
    at: i64,
}

const NEW_SECRET: [(&str, Col); 6] = [
    ("id", Col::Text),
    ("version", Col::Int),
    ("wrapped_key", Col::Text),
    ("key_id", Col::Text),
    ("secret", Col::Text),
    ("at", Col::Int),
];

/// The writes, encoded for binding.
struct Encoded {
    /// The new items (JSON rows), their ids and their accounts (JSON lists).
    creates: Option<(String, String, String)>,
    /// For the messages of refused creates: item id → its account.
    create_accounts: BTreeMap<String, Option<String>>,
    /// The new secrets (JSON rows) and their item ids (JSON list).
    secrets: Option<(String, String)>,
    /// Item id → the version the writer read, in the writes' order.
    expected: Vec<(String, i64)>,
}

fn encode(writes: &[VaultWrite]) -> RepoResult<Encoded> {
    let mut seen = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    let (mut creates, mut secrets) = (Vec::new(), Vec::new());
    for write in writes {
        let id = write.item_id().to_string();
        if !seen.insert(id.clone()) {
            return Err(RepoError::Conflict(format!(
                "vault item {id} written twice at once"
            )));
        }
        match write {
            VaultWrite::Create(item) => {
                let account = item.account.map(|a| a.to_string());
                if let Some(a) = &account
                    && !accounts.insert(a.clone())
                {
                    return Err(RepoError::Conflict(format!(
                        "vault item {id} or an item for account {a}"
                    )));
                }
                creates.push(NewItem {
                    fields: serde_json::to_string(&item.fields)
                        .map_err(|e| RepoError::Database(e.to_string()))?,
                    name: item.name.clone(),
                    owner: item.owner.map(|o| o.to_string()),
                    collection: item.collection.clone(),
                    is_template: item.is_template,
                    template: item.template.map(|t| t.to_string()),
                    account,
                    wrapped_key: item.wrapped_key.as_ref().map(ToString::to_string),
                    key_id: item.wrapped_key.as_ref().map(|k| k.key_id().to_owned()),
                    secret: item.secret.as_ref().map(ToString::to_string),
                    secret_changed_at: item.secret_changed_at.map(ms),
                    created_at: ms(item.created_at),
                    updated_at: ms(item.updated_at),
                    version: item.version,
                    id,
                });
            }
            VaultWrite::SetSecret {
                expected_version,
                wrapped_key,
                secret,
                changed_at,
                ..
            } => secrets.push(NewSecret {
                id,
                version: *expected_version,
                wrapped_key: wrapped_key.to_string(),
                key_id: wrapped_key.key_id().to_owned(),
                secret: secret.to_string(),
                at: ms(*changed_at),
            }),
        }
    }
    let create_accounts = creates
        .iter()
        .map(|c| (c.id.clone(), c.account.clone()))
        .collect();
    let expected = secrets.iter().map(|s| (s.id.clone(), s.version)).collect();
    Ok(Encoded {
        creates: if creates.is_empty() {
            None
        } else {
            let ids: Vec<&str> = creates.iter().map(|c| c.id.as_str()).collect();
            let accounts: Vec<&str> = creates
                .iter()
                .filter_map(|c| c.account.as_deref())
                .collect();
            Some((
                json_rows::encode(&creates)?,
                json_rows::encode(&ids)?,
                json_rows::encode(&accounts)?,
            ))
        },
        create_accounts,
        secrets: if secrets.is_empty() {
            None
        } else {
            let ids: Vec<&str> = secrets.iter().map(|s| s.id.as_str()).collect();
            Some((json_rows::encode(&secrets)?, json_rows::encode(&ids)?))
        },
        expected,
    })
}

/// The message for a create refused because `taken` (an id and account already stored).
fn taken_message(e: &Encoded, taken: &[(String, Option<String>)]) -> String {
    for (id, account) in taken {
        for (new_id, new_account) in &e.create_accounts {
            if new_id == id || (new_account.is_some() && new_account == account) {
                return match new_account {
                    Some(a) => format!("vault item {new_id} or an item for account {a}"),
                    None => format!("vault item {new_id}"),
                };
            }
        }
    }
    "a vault item of this write".into()
}

/// Why fewer items than expected took their new secret, from what is stored now.
fn refused(e: &Encoded, stored: &[(String, i64)]) -> RepoError {
    let stored: BTreeMap<&str, i64> = stored.iter().map(|(id, v)| (id.as_str(), *v)).collect();
    for (id, version) in &e.expected {
        match stored.get(id.as_str()) {
            None => return RepoError::NotFound(format!("vault item {id}")),
            Some(v) if v != version => {
                return RepoError::Conflict(format!("a newer version of vault item {id}"));
            }
            Some(_) => {}
        }
    }
    RepoError::Conflict("vault items changed during the write".into())
}

/// Vault writes on an open transaction (see the module docs).
pub(crate) trait VaultTx {
    /// Applies `writes` (each item at most once); `Conflict` when an item's version moved or an
    /// id or account is taken, `NotFound` for a missing item.
    fn write_vaults(
        &mut self,
        writes: &[VaultWrite],
    ) -> impl Future<Output = RepoResult<()>> + Send;
}

/// Applies `writes` on the transaction `conn` (`&mut *tx`).
pub(crate) async fn write_vaults<C: VaultTx>(
    conn: &mut C,
    writes: &[VaultWrite],
) -> RepoResult<()> {
    if writes.is_empty() {
        return Ok(());
    }
    conn.write_vaults(writes).await
}

macro_rules! impl_vault_tx {
    ($conn:ty, $dialect:expr) => {
        impl VaultTx for $conn {
            async fn write_vaults(&mut self, writes: &[VaultWrite]) -> RepoResult<()> {
                let d: Dialect = $dialect;
                let e = encode(writes)?;
                if let Some((rows, ids, accounts)) = &e.creates {
                    let check = format!(
                        // Two lookups, not `… OR …`: PostgreSQL reads the whole table for
                        // an `OR` of two lists (45 ms a batch at 100,000 items).
                        "SELECT id, account_id FROM vault_items WHERE id {} \
                         UNION SELECT id, account_id FROM vault_items WHERE account_id {} \
                         ORDER BY id",
                        json_rows::among(d, 1),
                        json_rows::among(d, 2)
                    );
                    let taken: Vec<(String, Option<String>)> = sqlx::query_as(AssertSqlSafe(check))
                        .bind(ids)
                        .bind(accounts)
                        .fetch_all(&mut *self)
                        .await
                        .map_err(db_err)?;
                    if !taken.is_empty() {
                        return Err(RepoError::Conflict(taken_message(&e, &taken)));
                    }
                    let insert = format!(
                        "{}INSERT INTO vault_items (id, name, owner_id, collection, is_template, \
                         template_id, account_id, fields, wrapped_key, key_id, secret, \
                         secret_changed_at, created_at, updated_at, version) \
                         SELECT x.id, x.name, x.owner, x.collection, x.is_template, x.template, \
                         x.account, x.fields, x.wrapped_key, x.key_id, x.secret, \
                         x.secret_changed_at, x.created_at, x.updated_at, x.version FROM x",
                        json_rows::with_rows(d, 1, &NEW_ITEM)
                    );
                    sqlx::query(AssertSqlSafe(insert))
                        .bind(rows)
                        .execute(&mut *self)
                        .await
                        .map_err(|err| match db_err(err) {
                            RepoError::Conflict(_) => RepoError::Conflict(
                                "a vault item of this write, or an item for one of its accounts"
                                    .into(),
                            ),
                            other => other,
                        })?;
                }
                let Some((rows, ids)) = &e.secrets else {
                    return Ok(());
                };
                let conflict = || RepoError::Conflict("a newer version of a vault item".into());
                // The current secrets into the history, where the version still matches.
                let keep = format!(
                    "{}INSERT INTO vault_item_history (item_id, seq, secret, changed_at) \
                     SELECT i.id, COALESCE((SELECT MAX(h.seq) FROM vault_item_history h \
                     WHERE h.item_id = i.id), 0) + 1, i.secret, \
                     COALESCE(i.secret_changed_at, i.updated_at) \
                     FROM x JOIN vault_items i ON i.id = x.id AND i.version = x.version \
                     WHERE i.secret IS NOT NULL",
                    json_rows::with_rows(d, 1, &NEW_SECRET)
                );
                sqlx::query(AssertSqlSafe(keep))
                    .bind(rows)
                    .execute(&mut *self)
                    .await
                    .map_err(|err| match db_err(err) {
                        RepoError::Conflict(_) => conflict(),
                        other => other,
                    })?;
                let update = format!(
                    "{}UPDATE vault_items SET wrapped_key = x.wrapped_key, key_id = x.key_id, \
                     secret = x.secret, secret_changed_at = x.at, updated_at = x.at, \
                     version = vault_items.version + 1 \
                     FROM x WHERE vault_items.id = x.id AND vault_items.version = x.version",
                    json_rows::with_rows(d, 1, &NEW_SECRET)
                );
                let changed = sqlx::query(AssertSqlSafe(update))
                    .bind(rows)
                    .execute(&mut *self)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if changed != e.expected.len() as u64 {
                    let stored = format!(
                        "SELECT id, version FROM vault_items WHERE id {}",
                        json_rows::among(d, 1)
                    );
                    let stored: Vec<(String, i64)> = sqlx::query_as(AssertSqlSafe(stored))
                        .bind(ids)
                        .fetch_all(&mut *self)
                        .await
                        .map_err(db_err)?;
                    return Err(refused(&e, &stored));
                }
                // Each history trimmed to its newest entries: numbers count up by one from the
                // newest (the insert above), so the newest N are the N below the top. One index
                // probe per item, where counting the newer entries of every entry made each
                // batch slower than the last on PostgreSQL (79 ms per 500 items after 8 runs).
                let trim = format!(
                    "DELETE FROM vault_item_history WHERE item_id {} \
                     AND seq <= (SELECT MAX(h.seq) FROM vault_item_history h \
                     WHERE h.item_id = vault_item_history.item_id) - $2",
                    json_rows::among(d, 1)
                );
                sqlx::query(AssertSqlSafe(trim))
                    .bind(ids)
                    .bind(i64::try_from(HISTORY_LEN).unwrap_or(i64::MAX))
                    .execute(&mut *self)
                    .await
                    .map_err(db_err)?;
                Ok(())
            }
        }
    };
}
impl_vault_tx!(sqlx::SqliteConnection, Dialect::Sqlite);
impl_vault_tx!(sqlx::PgConnection, Dialect::Postgres);
