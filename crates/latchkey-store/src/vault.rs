//! The credential vault's records ([`VaultRepo`]): items with their sealed data key and secret,
//! and the history of earlier secrets.
//!
//! Writes go through [`write_vaults`](crate::vault_batch::write_vaults), which runs on an open
//! transaction so the mass-reset batch (`mpr_batch.rs`) applies the same statements inside its
//! own transaction as [`VaultRepo::write_item`] does alone.
//!
//! Also here: the plumbing the mass-reset store shares — [`write_tx!`] (a write transaction,
//! `BEGIN IMMEDIATE` on SQLite so writers queue instead of failing to upgrade a read) and the
//! placeholder list of an `IN`.

use crate::json_rows;
use crate::vault_batch::write_vaults;
use crate::{Store, db_err, from_ms, on_pool, parse_id};
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::secretbox::Sealed;
use latchkey_core::vault::{HistoryEntry, ItemLink, VaultItem, VaultRepo, VaultWrite};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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

impl VaultRepo for Store {
    async fn write_item(&self, write: &VaultWrite) -> RepoResult<()> {
        write_tx!(self, |tx| write_vaults(
            &mut *tx,
            std::slice::from_ref(write)
        )
        .await?);
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
        let rows: Vec<ItemRow> = json_rows::fetch_listed(self, accounts, |among| {
            format!(
                "{} WHERE account_id {among} ORDER BY account_id",
                select_items!("")
            )
        })
        .await?;
        rows.into_iter().map(item_from_row).collect()
    }

    async fn item_links(&self, accounts: &[AccountId]) -> RepoResult<Vec<ItemLink>> {
        let rows: Vec<(String, String, Option<String>)> =
            json_rows::fetch_listed(self, accounts, |among| {
                format!(
                    "SELECT id, account_id, owner_id FROM vault_items WHERE account_id {among} \
                     ORDER BY account_id"
                )
            })
            .await?;
        rows.into_iter()
            .map(|(id, account, owner)| {
                Ok(ItemLink {
                    id: parse_id("vault item id", &id)?,
                    account: parse_id("vault item account", &account)?,
                    owner: owner
                        .map(|o| parse_id::<ProfileId>("vault item owner", &o))
                        .transpose()?,
                })
            })
            .collect()
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
