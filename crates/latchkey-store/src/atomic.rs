//! The three atomic primitives: bounded counters, one-time tokens, flow compare-and-set.
//!
//! Each is a single SQL statement whose effect and answer come together, so it stays exact with
//! many tasks and many nodes on one database: PostgreSQL re-checks the `WHERE` of a conflicting
//! update against the row's newest version, and SQLite runs writers one at a time.

use crate::{Store, count, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::{FlowId, ProfileId};
use latchkey_core::repo::{
    ConsumedToken, CounterAttempt, CounterRepo, FlowRecord, FlowRepo, NewToken, RepoResult,
    TokenRepo,
};
use latchkey_core::token::TokenHash;
use time::OffsetDateTime;

impl CounterRepo for Store {
    async fn try_increment(
        &self,
        key: &str,
        limit: u64,
        now: OffsetDateTime,
    ) -> RepoResult<CounterAttempt> {
        if limit == 0 {
            return Ok(CounterAttempt::LimitReached);
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Insert at 1, or add one only while below the limit; RETURNING yields no row when the
        // conflict's WHERE is false, i.e. when the limit was already reached.
        let value: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO counters (key, value, updated_at) VALUES ($1, 1, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = counters.value + 1, updated_at = $3 \
                 WHERE counters.value < $2 \
                 RETURNING value",
            )
            .bind(key)
            .bind(limit)
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(match value {
            Some(v) => CounterAttempt::Counted { value: count(v) },
            None => CounterAttempt::LimitReached,
        })
    }

    async fn decrement(&self, key: &str, now: OffsetDateTime) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE counters SET value = value - 1, updated_at = $2 WHERE key = $1 AND value > 0",
            )
            .bind(key)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn counter(&self, key: &str) -> RepoResult<u64> {
        let v: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM counters WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        Ok(v.map(count).unwrap_or(0))
    }

    async fn reset_counter(&self, key: &str) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM counters WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }
}

/// Spends a subject's outstanding tokens (`$1` subject, `$2` now). The mass-reset batch spends
/// those of many owners at once (`mpr_batch.rs`).
const REVOKE_TOKENS_OF: &str = "UPDATE one_time_tokens SET consumed_at = $2 \
     WHERE subject = $1 AND consumed_at IS NULL AND expires_at > $2";

impl TokenRepo for Store {
    async fn store_token(&self, token: &NewToken) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO one_time_tokens (hash, purpose, subject, flow_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token.hash.as_str())
            .bind(&token.purpose)
            .bind(token.subject.to_string())
            .bind(token.flow.map(|f| f.to_string()))
            .bind(ms(token.created_at))
            .bind(ms(token.expires_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn consume_token(
        &self,
        hash: &TokenHash,
        purpose: &str,
        now: OffsetDateTime,
    ) -> RepoResult<Option<ConsumedToken>> {
        let row: Option<(String, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "UPDATE one_time_tokens SET consumed_at = $3 \
                 WHERE hash = $1 AND purpose = $2 AND consumed_at IS NULL AND expires_at > $3 \
                 RETURNING subject, flow_id",
            )
            .bind(hash.as_str())
            .bind(purpose)
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        row.map(|(subject, flow)| {
            Ok(ConsumedToken {
                subject: parse_id::<ProfileId>("token subject", &subject)?,
                flow: flow
                    .map(|f| parse_id::<FlowId>("token flow", &f))
                    .transpose()?,
            })
        })
        .transpose()
    }

    async fn revoke_tokens_of(&self, subject: ProfileId, now: OffsetDateTime) -> RepoResult<u64> {
        let done = on_pool!(self, |pool| {
            sqlx::query(REVOKE_TOKENS_OF)
                .bind(subject.to_string())
                .bind(ms(now))
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(done)
    }
}

type FlowRow = (String, String, i64, String, i64, i64);

impl FlowRepo for Store {
    async fn create_flow(&self, flow: &FlowRecord) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO flows (id, kind, version, state, created_at, updated_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(flow.id.to_string())
            .bind(&flow.kind)
            .bind(i64::try_from(flow.version).unwrap_or(0))
            .bind(&flow.state)
            .bind(ms(flow.created_at))
            .bind(ms(flow.expires_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn load_flow(&self, id: FlowId, now: OffsetDateTime) -> RepoResult<Option<FlowRecord>> {
        let row: Option<FlowRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, kind, version, state, created_at, expires_at FROM flows WHERE id = $1 AND expires_at > $2",
            )
            .bind(id.to_string())
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        row.map(|(id, kind, version, state, created, expires)| {
            Ok(FlowRecord {
                id: parse_id("flow id", &id)?,
                kind,
                version: count(version),
                state,
                created_at: from_ms(created)?,
                expires_at: from_ms(expires)?,
            })
        })
        .transpose()
    }

    async fn compare_and_set(
        &self,
        id: FlowId,
        expected: u64,
        state: &str,
        now: OffsetDateTime,
    ) -> RepoResult<bool> {
        let expected = i64::try_from(expected).unwrap_or(i64::MAX);
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE flows SET state = $1, version = version + 1, updated_at = $2 \
                 WHERE id = $3 AND version = $4 AND expires_at > $2",
            )
            .bind(state)
            .bind(ms(now))
            .bind(id.to_string())
            .bind(expected)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn delete_flow(&self, id: FlowId) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM flows WHERE id = $1")
                .bind(id.to_string())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }
}
