//! Chains and selector rules, with one version number for the whole configuration.

use crate::{Store, count, db_err, ms, on_pool};
use latchkey_core::chain::policy::SecurityPolicy;
use latchkey_core::chain::selector::SelectorRule;
use latchkey_core::chain::{CfgId, ChainDef, ChainId};
use latchkey_core::repo::{AuthConfigRepo, RepoError, RepoResult};
use latchkey_core::scenario::Change;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

const VERSION_KEY: &str = "authcfg:version";

type ChainRow = (String, String, bool, bool, bool, bool, String, String);
type RuleRow = (
    String,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

/// An enum's serde name (they serialize as plain strings).
fn name_of<T: Serialize>(v: &T) -> RepoResult<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(RepoError::Database(
            "value does not serialize to a name".into(),
        )),
    }
}

fn from_name<T: DeserializeOwned>(what: &str, s: &str) -> RepoResult<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| RepoError::Corrupt(format!("{what} {s:?}: {e}")))
}

fn chain_from_row(row: ChainRow) -> RepoResult<ChainDef> {
    let (id, description, enabled, builtin, abort_on_failure, cache_results, purpose, modules) =
        row;
    Ok(ChainDef {
        id: from_name("chain id", &id)?,
        description,
        enabled,
        builtin,
        abort_on_failure,
        cache_results,
        purpose: from_name("chain purpose", &purpose)?,
        modules: serde_json::from_str(&modules)
            .map_err(|e| RepoError::Corrupt(format!("modules of chain {id}: {e}")))?,
    }
    .sorted())
}

fn rule_from_row(row: RuleRow) -> RepoResult<SelectorRule> {
    let (cfg, stage, rule, skip, mtype, key, cond, value, action, chain, error_msg, comment, owner) =
        row;
    Ok(SelectorRule {
        stage: u32::try_from(stage).map_err(|_| RepoError::Corrupt(format!("stage {stage}")))?,
        rule: u32::try_from(rule).map_err(|_| RepoError::Corrupt(format!("rule {rule}")))?,
        skip_remaining: from_name("skip_remaining", &skip)?,
        cfg_id: if cfg.is_empty() {
            None
        } else {
            Some(
                cfg.parse::<CfgId>()
                    .map_err(|_| RepoError::Corrupt(format!("cfg_id {cfg:?}")))?,
            )
        },
        match_type: from_name("match_type", &mtype)?,
        match_key: key,
        condition: from_name("condition", &cond)?,
        match_value: value,
        action: from_name("action", &action)?,
        chain_id: chain
            .map(|c| from_name::<ChainId>("chain id", &c))
            .transpose()?,
        error_msg,
        comment,
        owner,
    })
}

/// Inserts or replaces a chain inside a transaction.
macro_rules! upsert_chain {
    ($tx:expr, $c:expr) => {{
        let c: &ChainDef = $c;
        let modules = serde_json::to_string(&c.modules).map_err(|e| RepoError::Database(e.to_string()))?;
        sqlx::query(
            "INSERT INTO auth_chains (id, description, enabled, builtin, abort_on_failure, cache_results, purpose, modules, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET description = $2, enabled = $3, builtin = $4, abort_on_failure = $5, \
             cache_results = $6, purpose = $7, modules = $8, updated_at = $9",
        )
        .bind(c.id.as_str())
        .bind(&c.description)
        .bind(c.enabled)
        .bind(c.builtin)
        .bind(c.abort_on_failure)
        .bind(c.cache_results)
        .bind(name_of(&c.purpose)?)
        .bind(modules)
        .bind(ms(OffsetDateTime::now_utc()))
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

macro_rules! insert_rule {
    ($tx:expr, $r:expr) => {{
        let r: &SelectorRule = $r;
        sqlx::query(
            "INSERT INTO selector_rules (cfg_id, stage, rule, skip_remaining, match_type, match_key, match_condition, \
             match_value, action, chain_id, error_msg, comment, owner) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(r.cfg_id.map(|c| c.to_string()).unwrap_or_default())
        .bind(i64::from(r.stage))
        .bind(i64::from(r.rule))
        .bind(name_of(&r.skip_remaining)?)
        .bind(name_of(&r.match_type)?)
        .bind(&r.match_key)
        .bind(r.condition.as_str())
        .bind(&r.match_value)
        .bind(name_of(&r.action)?)
        .bind(r.chain_id.as_ref().map(|c| c.as_str().to_owned()))
        .bind(&r.error_msg)
        .bind(&r.comment)
        .bind(&r.owner)
        .execute(&mut *$tx)
        .await
        .map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict(format!("rule {}/{} of that selector", r.stage, r.rule)),
            other => other,
        })?;
    }};
}

macro_rules! bump_version {
    ($tx:expr) => {{
        sqlx::query(
            "INSERT INTO counters (key, value, updated_at) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = counters.value + 1, updated_at = $2",
        )
        .bind(VERSION_KEY)
        .bind(ms(OffsetDateTime::now_utc()))
        .execute(&mut *$tx)
        .await
        .map_err(db_err)?;
    }};
}

impl AuthConfigRepo for Store {
    async fn chains(&self) -> RepoResult<Vec<ChainDef>> {
        let rows: Vec<ChainRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, description, enabled, builtin, abort_on_failure, cache_results, purpose, modules FROM auth_chains ORDER BY id",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(chain_from_row).collect()
    }

    async fn selector_rules(&self) -> RepoResult<Vec<SelectorRule>> {
        let rows: Vec<RuleRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT cfg_id, stage, rule, skip_remaining, match_type, match_key, match_condition, match_value, action, \
                 chain_id, error_msg, comment, owner FROM selector_rules ORDER BY stage, rule, cfg_id",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(rule_from_row).collect()
    }

    async fn save_chain(&self, chain: &ChainDef) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            upsert_chain!(tx, chain);
            bump_version!(tx);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn delete_chain(&self, id: &ChainId) -> RepoResult<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query("DELETE FROM auth_chains WHERE id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            bump_version!(tx);
            tx.commit().await.map_err(db_err)?;
            Ok(n > 0)
        })
    }

    async fn add_selector_rule(&self, rule: &SelectorRule) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_rule!(tx, rule);
            bump_version!(tx);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn remove_selector_rule(
        &self,
        cfg_id: Option<CfgId>,
        stage: u32,
        rule: u32,
    ) -> RepoResult<bool> {
        let cfg = cfg_id.map(|c| c.to_string()).unwrap_or_default();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query(
                "DELETE FROM selector_rules WHERE cfg_id = $1 AND stage = $2 AND rule = $3",
            )
            .bind(&cfg)
            .bind(i64::from(stage))
            .bind(i64::from(rule))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            bump_version!(tx);
            tx.commit().await.map_err(db_err)?;
            Ok(n > 0)
        })
    }

    async fn replace_auth_config(
        &self,
        chains: &[ChainDef],
        rules: &[SelectorRule],
        keep_others: bool,
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            if !keep_others {
                sqlx::query("DELETE FROM auth_chains")
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            for c in chains {
                upsert_chain!(tx, c);
            }
            sqlx::query("DELETE FROM selector_rules")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for r in rules {
                insert_rule!(tx, r);
            }
            bump_version!(tx);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn apply_component_change(&self, change: &Change) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM auth_chains")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for c in &change.chains {
                upsert_chain!(tx, c);
            }
            sqlx::query("DELETE FROM selector_rules")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for r in &change.rules {
                insert_rule!(tx, r);
            }
            for (namespace, setting) in &change.remove_settings {
                sqlx::query("DELETE FROM settings WHERE namespace = $1 AND setting = $2")
                    .bind(namespace)
                    .bind(setting)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            for row in &change.remove_rows {
                sqlx::query(
                    "DELETE FROM settings WHERE namespace = $1 AND setting = $2 AND value = $3",
                )
                .bind(&row.namespace)
                .bind(&row.setting)
                .bind(&row.value)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            for row in &change.add_settings {
                sqlx::query(
                    "INSERT INTO settings (namespace, setting, position, value) \
                     SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3 FROM settings WHERE namespace = $1 AND setting = $2",
                )
                .bind(&row.namespace)
                .bind(&row.setting)
                .bind(&row.value)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            bump_version!(tx);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn policies(&self) -> RepoResult<Vec<SecurityPolicy>> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, body FROM security_policies ORDER BY id")
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(id, body)| {
                serde_json::from_str(&body)
                    .map_err(|e| RepoError::Corrupt(format!("security policy {id}: {e}")))
            })
            .collect()
    }

    async fn save_policy(&self, policy: &SecurityPolicy) -> RepoResult<()> {
        let body = serde_json::to_string(policy).map_err(|e| RepoError::Database(e.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO security_policies (id, body, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET body = $2, updated_at = $3",
            )
            .bind(&policy.id)
            .bind(&body)
            .bind(ms(OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            bump_version!(tx);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn delete_policy(&self, id: &str) -> RepoResult<bool> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let n = sqlx::query("DELETE FROM security_policies WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            bump_version!(tx);
            tx.commit().await.map_err(db_err)?;
            Ok(n > 0)
        })
    }

    async fn auth_config_version(&self) -> RepoResult<u64> {
        let v: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM counters WHERE key = $1")
                .bind(VERSION_KEY)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        Ok(v.map(count).unwrap_or(0))
    }
}
