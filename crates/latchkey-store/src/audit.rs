//! The append-only audit log: rows are inserted, never updated or deleted by Latchkey.

use crate::{Store, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{AuditEvent, AuditRepo, RepoResult};

type AuditRow = (i64, Option<String>, String, Option<String>, String);

impl AuditRepo for Store {
    async fn append_audit(&self, e: &AuditEvent) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(ms(e.at))
                .bind(e.actor.map(|a| a.to_string()))
                .bind(&e.action)
                .bind(&e.subject)
                .bind(&e.detail)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn recent_audit(&self, limit: u32) -> RepoResult<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT at, actor, action, subject, detail FROM audit_log ORDER BY id DESC LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(at, actor, action, subject, detail)| {
                Ok(AuditEvent {
                    at: from_ms(at)?,
                    actor: actor
                        .map(|a| parse_id::<ProfileId>("audit actor", &a))
                        .transpose()?,
                    action,
                    subject,
                    detail,
                })
            })
            .collect()
    }
}
