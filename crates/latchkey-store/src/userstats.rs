//! USERSTAT tags per profile.

use crate::{Store, db_err, ms, on_pool};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{RepoError, RepoResult, UserStatRepo};
use latchkey_core::userstat::UserStatTag;
use time::OffsetDateTime;

impl UserStatRepo for Store {
    async fn set_userstat(
        &self,
        profile: ProfileId,
        tag: &UserStatTag,
        value: &str,
        now: OffsetDateTime,
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO userstats (profile_id, tag, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (profile_id, tag) DO UPDATE SET value = $3, updated_at = $4",
            )
            .bind(profile.to_string())
            .bind(tag.as_str())
            .bind(value)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn userstats(&self, profile: ProfileId) -> RepoResult<Vec<(UserStatTag, String)>> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT tag, value FROM userstats WHERE profile_id = $1 ORDER BY tag")
                .bind(profile.to_string())
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter()
            .map(|(tag, value)| {
                let tag: UserStatTag =
                    tag.parse()
                        .map_err(|e: latchkey_core::userstat::UserStatTagError| {
                            RepoError::Corrupt(e.to_string())
                        })?;
                Ok((tag, value))
            })
            .collect()
    }
}
