//! Sessions (ids stored hashed) and the audit log.

use crate::{Store, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{RepoResult, SessionRecord, SessionRepo};
use latchkey_core::token::TokenHash;
use time::OffsetDateTime;

type SessionRow = (String, String, i64, i64, String);

/// Ends a profile's sessions except one (`$1` profile id, `$2` the hash to keep, `''` for none).
/// The mass-reset batch ends the sessions of many owners at once (`mpr_batch.rs`).
const DELETE_SESSIONS_OF: &str = "DELETE FROM sessions WHERE profile_id = $1 AND hash <> $2";

impl SessionRepo for Store {
    async fn create_session(&self, s: &SessionRecord) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (hash, profile_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(s.hash.as_str())
            .bind(s.profile.to_string())
            .bind(ms(s.created_at))
            .bind(ms(s.expires_at))
            .bind(&s.user_agent)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn session(
        &self,
        hash: &TokenHash,
        now: OffsetDateTime,
    ) -> RepoResult<Option<SessionRecord>> {
        let row: Option<SessionRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT hash, profile_id, created_at, expires_at, user_agent FROM sessions WHERE hash = $1 AND expires_at > $2",
            )
            .bind(hash.as_str())
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        row.map(|(hash, profile, created, expires, user_agent)| {
            Ok(SessionRecord {
                hash: TokenHash::from_stored(hash),
                profile: parse_id::<ProfileId>("session profile", &profile)?,
                created_at: from_ms(created)?,
                expires_at: from_ms(expires)?,
                user_agent,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, hash: &TokenHash) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM sessions WHERE hash = $1")
                .bind(hash.as_str())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete_sessions_of(
        &self,
        profile: ProfileId,
        keep: Option<&TokenHash>,
    ) -> RepoResult<u64> {
        // An empty string never equals a stored hash (64 hex characters).
        let keep = keep.map(TokenHash::as_str).unwrap_or("");
        on_pool!(self, |pool| {
            sqlx::query(DELETE_SESSIONS_OF)
                .bind(profile.to_string())
                .bind(keep)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)
    }

    async fn sessions_of(
        &self,
        profile: ProfileId,
        now: OffsetDateTime,
    ) -> RepoResult<Vec<SessionRecord>> {
        sessions_of(self, profile, now).await
    }
}

/// The unexpired sessions of one profile (the person's "where am I signed in" list).
pub(crate) async fn sessions_of(
    store: &Store,
    profile: ProfileId,
    now: OffsetDateTime,
) -> RepoResult<Vec<SessionRecord>> {
    // `hash` breaks ties so the order is stable when two sessions start in the same ms.
    let rows: Vec<SessionRow> = on_pool!(store, |pool| {
        sqlx::query_as(
            "SELECT hash, profile_id, created_at, expires_at, user_agent FROM sessions WHERE profile_id = $1 AND expires_at > $2 ORDER BY created_at DESC, hash",
        )
        .bind(profile.to_string())
        .bind(ms(now))
        .fetch_all(pool)
        .await
    })
    .map_err(db_err)?;
    rows.into_iter()
        .map(|(hash, profile, created, expires, user_agent)| {
            Ok(SessionRecord {
                hash: TokenHash::from_stored(hash),
                profile: parse_id::<ProfileId>("session profile", &profile)?,
                created_at: from_ms(created)?,
                expires_at: from_ms(expires)?,
                user_agent,
            })
        })
        .collect()
}
