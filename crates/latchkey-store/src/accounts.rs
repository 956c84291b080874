//! Accounts on target systems.

use crate::{Store, db_err, ms, on_pool, parse_id};
use latchkey_core::account::{Account, AccountHead};
use latchkey_core::ids::{ProfileId, TargetId};
use latchkey_core::profile::Attributes;
use latchkey_core::repo::{AccountRepo, RepoError, RepoResult};
use time::OffsetDateTime;

type AccountRow = (String, String, String, Option<String>, String);

fn from_row((id, target, name, owner, attributes): AccountRow) -> RepoResult<Account> {
    Ok(Account {
        id: parse_id("account id", &id)?,
        target_id: parse_id::<TargetId>("target id", &target)?,
        account_name: name,
        owner: owner
            .map(|o| parse_id::<ProfileId>("account owner", &o))
            .transpose()?,
        attributes: serde_json::from_str::<Attributes>(&attributes)
            .map_err(|e| RepoError::Corrupt(format!("account attributes: {e}")))?,
    })
}

impl AccountRepo for Store {
    async fn upsert_account(&self, account: &Account) -> RepoResult<Account> {
        let attributes = serde_json::to_string(&account.attributes)
            .map_err(|e| RepoError::Database(e.to_string()))?;
        let row: AccountRow = on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO accounts (id, target_id, account_name, owner_id, attributes, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (target_id, account_name) DO UPDATE SET owner_id = $4, attributes = $5, updated_at = $6 \
                 RETURNING id, target_id, account_name, owner_id, attributes",
            )
            .bind(account.id.to_string())
            .bind(account.target_id.as_str())
            .bind(&account.account_name)
            .bind(account.owner.map(|o| o.to_string()))
            .bind(&attributes)
            .bind(ms(OffsetDateTime::now_utc()))
            .fetch_one(pool)
            .await
        })
        .map_err(db_err)?;
        from_row(row)
    }

    async fn accounts_of_target(&self, target: &TargetId) -> RepoResult<Vec<Account>> {
        let rows: Vec<AccountRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, target_id, account_name, owner_id, attributes FROM accounts WHERE target_id = $1 ORDER BY account_name",
            )
            .bind(target.as_str())
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    async fn accounts_of_owner(&self, owner: ProfileId) -> RepoResult<Vec<Account>> {
        let rows: Vec<AccountRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, target_id, account_name, owner_id, attributes FROM accounts WHERE owner_id = $1 ORDER BY target_id, account_name",
            )
            .bind(owner.to_string())
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    async fn account_heads(
        &self,
        target: &TargetId,
        after: Option<&str>,
        limit: u32,
    ) -> RepoResult<Vec<AccountHead>> {
        // Two statements rather than `($2 IS NULL OR …)`, so each walks the (target, name) index.
        let sql = if after.is_some() {
            "SELECT id, account_name, owner_id FROM accounts WHERE target_id = $1 \
             AND account_name > $3 ORDER BY account_name LIMIT $2"
        } else {
            "SELECT id, account_name, owner_id FROM accounts WHERE target_id = $1 \
             ORDER BY account_name LIMIT $2"
        };
        let rows: Vec<(String, String, Option<String>)> = on_pool!(self, |pool| {
            let q = sqlx::query_as(sql)
                .bind(target.as_str())
                .bind(i64::from(limit));
            match after {
                Some(name) => q.bind(name),
                None => q,
            }
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, account_name, owner)| {
                Ok(AccountHead {
                    id: parse_id("account id", &id)?,
                    account_name,
                    owner: owner
                        .map(|o| parse_id::<ProfileId>("account owner", &o))
                        .transpose()?,
                })
            })
            .collect()
    }
}
