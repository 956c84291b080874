//! The durable queue of outgoing messages ([`MessageQueueRepo`]).
//!
//! Claiming is the one statement whose text differs between the databases: PostgreSQL picks the
//! due rows with `FOR UPDATE SKIP LOCKED`, so two workers claiming at the same moment each take
//! different rows without waiting on each other; SQLite has no row locks (and needs none: it
//! runs one writer at a time) and does not accept the clause. Both come from one SQL text
//! ([`claim_sql!`]) with the lock clause filled in. Every other statement is shared.
//!
//! The outcome updates (`sent`, retry, `dead`) only apply while the caller still holds the
//! lease (`lease_owner`), so a worker whose lease ran out cannot overwrite the outcome of the
//! worker that took the message over.

use crate::{Pool, Store, count, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::repo_queue::{
    Channel, ClaimedMessage, MessageId, MessageQueueRepo, NewQueuedMessage, QueueDepth,
};
use time::OffsetDateTime;

/// The claim statement, with `$lock` after the row choice (empty for SQLite).
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "WITH picked AS (",
            "SELECT id FROM message_queue ",
            "WHERE state = 'pending' AND next_attempt_at <= $2 ",
            "AND (lease_until IS NULL OR lease_until <= $2) ",
            "ORDER BY next_attempt_at, id LIMIT $4 ",
            $lock,
            ") ",
            "UPDATE message_queue SET attempts = attempts + 1, lease_owner = $1, lease_until = $3 ",
            "WHERE id IN (SELECT id FROM picked) AND state = 'pending' ",
            "AND (lease_until IS NULL OR lease_until <= $2) ",
            "RETURNING id, kind, channel, recipient, subject, body, attempts, created_at"
        )
    };
}

type ClaimRow = (String, String, String, String, String, String, i64, i64);

fn claimed(row: ClaimRow) -> RepoResult<ClaimedMessage> {
    let (id, kind, channel, recipient, subject, sealed_body, attempts, created_at) = row;
    Ok(ClaimedMessage {
        id: parse_id("message id", &id)?,
        kind,
        channel: Channel::parse(&channel)
            .ok_or_else(|| RepoError::Corrupt(format!("message channel {channel:?}")))?,
        recipient,
        subject,
        sealed_body,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        created_at: from_ms(created_at)?,
    })
}

impl MessageQueueRepo for Store {
    async fn enqueue(&self, message: &NewQueuedMessage) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO message_queue (id, kind, channel, recipient, subject, body, state, \
                 attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
            )
            .bind(message.id.to_string())
            .bind(&message.kind)
            .bind(message.channel.as_str())
            .bind(&message.recipient)
            .bind(&message.subject)
            .bind(&message.sealed_body)
            .bind(ms(message.created_at))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> RepoResult<Vec<ClaimedMessage>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<ClaimRow> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(claim_sql!(""))
                    .bind(owner)
                    .bind(ms(now))
                    .bind(ms(lease_until))
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(claim_sql!("FOR UPDATE SKIP LOCKED"))
                    .bind(owner)
                    .bind(ms(now))
                    .bind(ms(lease_until))
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await
            }
        }
        .map_err(db_err)?;
        let mut messages = rows
            .into_iter()
            .map(claimed)
            .collect::<RepoResult<Vec<_>>>()?;
        // RETURNING gives no order; hand them out oldest due first as chosen.
        messages.sort_by_key(|m| m.id);
        Ok(messages)
    }

    async fn mark_sent(&self, id: MessageId, owner: &str, now: OffsetDateTime) -> RepoResult<bool> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE message_queue SET state = 'sent', sent_at = $3, body = '', \
                 last_error = NULL, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.to_string())
            .bind(owner)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn retry_later(
        &self,
        id: MessageId,
        owner: &str,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> RepoResult<bool> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE message_queue SET next_attempt_at = $3, last_error = $4, \
                 lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.to_string())
            .bind(owner)
            .bind(ms(next_attempt_at))
            .bind(error)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn mark_dead(
        &self,
        id: MessageId,
        owner: &str,
        now: OffsetDateTime,
        error: &str,
    ) -> RepoResult<bool> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE message_queue SET state = 'dead', body = '', last_error = $4, \
                 next_attempt_at = $3, lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND state = 'pending'",
            )
            .bind(id.to_string())
            .bind(owner)
            .bind(ms(now))
            .bind(error)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn purge_messages(
        &self,
        sent_before: OffsetDateTime,
        dead_before: OffsetDateTime,
    ) -> RepoResult<u64> {
        // A dead row's next_attempt_at records when it was given up.
        let purged = on_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM message_queue WHERE (state = 'sent' AND sent_at < $1) \
                 OR (state = 'dead' AND next_attempt_at < $2)",
            )
            .bind(ms(sent_before))
            .bind(ms(dead_before))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(purged)
    }

    async fn queue_depth(&self) -> RepoResult<QueueDepth> {
        let mut depth = QueueDepth::default();
        for (state, slot) in [("pending", &mut depth.pending), ("dead", &mut depth.dead)] {
            let n: i64 = on_pool!(self, |pool| {
                sqlx::query_scalar("SELECT COUNT(*) FROM message_queue WHERE state = $1")
                    .bind(state)
                    .fetch_one(pool)
                    .await
            })
            .map_err(db_err)?;
            *slot = count(n);
        }
        Ok(depth)
    }
}
