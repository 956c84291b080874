//! Target systems: definitions with their sealed service passwords, the discovery lease and
//! runs, and batch writes of the accounts discovery finds.

use crate::{Store, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::account::Account;
use latchkey_core::ids::{AccountId, ProfileId, TargetId};
use latchkey_core::profile::Attributes;
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::target::TargetDef;
use latchkey_core::target::repo::{DiscoveryRecord, StoredTarget, TargetRepo};
use time::OffsetDateTime;

type TargetRow = (String, Option<String>, i64, i64);
type AccountRow = (String, String, String, Option<String>, String);
type RunRow = (String, i64, i64, bool, Option<String>, String);

fn target_from_row((definition, sealed, created, updated): TargetRow) -> RepoResult<StoredTarget> {
    Ok(StoredTarget {
        def: serde_json::from_str::<TargetDef>(&definition)
            .map_err(|e| RepoError::Corrupt(format!("target definition: {e}")))?,
        sealed_secret: sealed,
        created_at: from_ms(created)?,
        updated_at: from_ms(updated)?,
    })
}

fn account_from_row((id, target, name, owner, attributes): AccountRow) -> RepoResult<Account> {
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

fn definition_json(target: &StoredTarget) -> RepoResult<String> {
    serde_json::to_string(&target.def).map_err(|e| RepoError::Database(e.to_string()))
}

const SELECT_TARGET: &str = "SELECT definition, sealed_secret, created_at, updated_at FROM targets";

impl TargetRepo for Store {
    async fn create_target(&self, target: &StoredTarget) -> RepoResult<()> {
        let definition = definition_json(target)?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO targets (id, kind, definition, sealed_secret, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(target.def.id.as_str())
            .bind(target.def.kind.as_str())
            .bind(&definition)
            .bind(&target.sealed_secret)
            .bind(ms(target.created_at))
            .bind(ms(target.updated_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict(format!("target {}", target.def.id)),
            other => other,
        })?;
        Ok(())
    }

    async fn update_target(&self, target: &StoredTarget) -> RepoResult<()> {
        let definition = definition_json(target)?;
        let done = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE targets SET kind = $1, definition = $2, sealed_secret = $3, updated_at = $4 \
                 WHERE id = $5",
            )
            .bind(target.def.kind.as_str())
            .bind(&definition)
            .bind(&target.sealed_secret)
            .bind(ms(target.updated_at))
            .bind(target.def.id.as_str())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        if done == 0 {
            return Err(RepoError::NotFound(format!("target {}", target.def.id)));
        }
        Ok(())
    }

    async fn target(&self, id: &TargetId) -> RepoResult<Option<StoredTarget>> {
        let sql = format!("{SELECT_TARGET} WHERE id = $1");
        let row: Option<TargetRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        row.map(target_from_row).transpose()
    }

    async fn list_targets(&self) -> RepoResult<Vec<StoredTarget>> {
        let sql = format!("{SELECT_TARGET} ORDER BY id");
        let rows: Vec<TargetRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(target_from_row).collect()
    }

    async fn delete_target(&self, id: &TargetId) -> RepoResult<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM accounts WHERE target_id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let gone = sqlx::query("DELETE FROM targets WHERE id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            tx.commit().await.map_err(db_err)?;
            Ok(gone > 0)
        })
    }

    async fn upsert_accounts(&self, accounts: &[Account]) -> RepoResult<Vec<Account>> {
        let now = ms(OffsetDateTime::now_utc());
        let mut encoded = Vec::with_capacity(accounts.len());
        for a in accounts {
            let json = serde_json::to_string(&a.attributes)
                .map_err(|e| RepoError::Database(e.to_string()))?;
            encoded.push((a, json));
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let mut stored = Vec::with_capacity(encoded.len());
            for (a, attributes) in &encoded {
                // An account already stored keeps its id and owner; only what the target says
                // about it is refreshed. Owners are set by association afterwards.
                let row: AccountRow = sqlx::query_as(
                    "INSERT INTO accounts (id, target_id, account_name, owner_id, attributes, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (target_id, account_name) DO UPDATE SET attributes = $5, updated_at = $6 \
                     RETURNING id, target_id, account_name, owner_id, attributes",
                )
                .bind(a.id.to_string())
                .bind(a.target_id.as_str())
                .bind(&a.account_name)
                .bind(a.owner.map(|o| o.to_string()))
                .bind(attributes)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
                stored.push(account_from_row(row)?);
            }
            tx.commit().await.map_err(db_err)?;
            Ok(stored)
        })
    }

    async fn set_owners(&self, owners: &[(AccountId, Option<ProfileId>)]) -> RepoResult<()> {
        let now = ms(OffsetDateTime::now_utc());
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for (account, owner) in owners {
                sqlx::query("UPDATE accounts SET owner_id = $1, updated_at = $2 WHERE id = $3")
                    .bind(owner.map(|o| o.to_string()))
                    .bind(now)
                    .bind(account.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn claim_discovery(
        &self,
        id: &TargetId,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> RepoResult<bool> {
        let claimed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE targets SET discovery_lease_until = $1 WHERE id = $2 \
                 AND (discovery_lease_until IS NULL OR discovery_lease_until < $3)",
            )
            .bind(ms(until))
            .bind(id.as_str())
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(claimed == 1)
    }

    async fn record_discovery(&self, record: &DiscoveryRecord) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO target_discoveries (target_id, started_at, finished_at, ok, high_water, report) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(record.target.as_str())
            .bind(ms(record.started_at))
            .bind(ms(record.finished_at))
            .bind(record.ok)
            .bind(&record.high_water)
            .bind(&record.report)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("UPDATE targets SET discovery_lease_until = NULL WHERE id = $1")
                .bind(record.target.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })
    }

    async fn last_discovery(
        &self,
        id: &TargetId,
        ok_only: bool,
    ) -> RepoResult<Option<DiscoveryRecord>> {
        let row: Option<RunRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT target_id, started_at, finished_at, ok, high_water, report \
                 FROM target_discoveries WHERE target_id = $1 AND (ok OR NOT $2) \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(id.as_str())
            .bind(ok_only)
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        row.map(|(target, started, finished, ok, high_water, report)| {
            Ok(DiscoveryRecord {
                target: parse_id("target id", &target)?,
                started_at: from_ms(started)?,
                finished_at: from_ms(finished)?,
                ok,
                high_water,
                report,
            })
        })
        .transpose()
    }
}
