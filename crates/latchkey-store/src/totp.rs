//! TOTP enrolments and recovery codes ([`TotpRepo`]).
//!
//! The secret is stored as the text of its [`Sealed`] value and the parameters as JSON. The two
//! single-use steps are one statement each: the conditional `UPDATE` of `last_used_step` and the
//! `DELETE` of one recovery-code hash; whoever's statement changes the row wins.

use crate::{Store, db_err, from_ms, ms, on_pool};
use latchkey_core::ids::ProfileId;
use latchkey_core::otp::TotpParams;
use latchkey_core::otp::repo::{TotpEnrolment, TotpRepo};
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::secretbox::Sealed;
use latchkey_core::token::TokenHash;
use time::OffsetDateTime;

type EnrolmentRow = (String, String, Option<i64>, i64);

fn step_to_db(step: u64) -> i64 {
    i64::try_from(step).unwrap_or(i64::MAX)
}

impl TotpRepo for Store {
    async fn totp_enrolment(&self, profile: ProfileId) -> RepoResult<Option<TotpEnrolment>> {
        let row: Option<EnrolmentRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT sealed_secret, params, last_used_step, enrolled_at \
                 FROM totp_devices WHERE profile_id = $1",
            )
            .bind(profile.to_string())
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        let Some((sealed, params, last_used, enrolled)) = row else {
            return Ok(None);
        };
        let corrupt = |what: &str, e: String| {
            RepoError::Corrupt(format!("TOTP enrolment of {profile}: {what}: {e}"))
        };
        Ok(Some(TotpEnrolment {
            profile,
            sealed_secret: Sealed::parse(&sealed).map_err(|e| corrupt("secret", e.to_string()))?,
            params: serde_json::from_str::<TotpParams>(&params)
                .map_err(|e| corrupt("parameters", e.to_string()))?,
            last_used_step: last_used.map(|s| u64::try_from(s).unwrap_or(0)),
            enrolled_at: from_ms(enrolled)?,
        }))
    }

    async fn save_totp_enrolment(
        &self,
        enrolment: &TotpEnrolment,
        recovery_codes: &[TokenHash],
    ) -> RepoResult<()> {
        let profile = enrolment.profile.to_string();
        let params = serde_json::to_string(&enrolment.params)
            .map_err(|e| RepoError::Database(format!("TOTP parameters: {e}")))?;
        let at = ms(enrolment.enrolled_at);
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM totp_recovery_codes WHERE profile_id = $1")
                .bind(&profile)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM totp_devices WHERE profile_id = $1")
                .bind(&profile)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(
                "INSERT INTO totp_devices \
                 (profile_id, sealed_secret, params, last_used_step, enrolled_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(&profile)
            .bind(enrolment.sealed_secret.to_string())
            .bind(&params)
            .bind(enrolment.last_used_step.map(step_to_db))
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            for hash in recovery_codes {
                sqlx::query(
                    "INSERT INTO totp_recovery_codes (profile_id, hash, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(&profile)
                .bind(hash.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn advance_totp_step(
        &self,
        profile: ProfileId,
        step: u64,
        now: OffsetDateTime,
    ) -> RepoResult<bool> {
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE totp_devices SET last_used_step = $2, updated_at = $3 \
                 WHERE profile_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)",
            )
            .bind(profile.to_string())
            .bind(step_to_db(step))
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn recovery_code_hashes(&self, profile: ProfileId) -> RepoResult<Vec<TokenHash>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT hash FROM totp_recovery_codes WHERE profile_id = $1 ORDER BY hash",
            )
            .bind(profile.to_string())
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(rows.into_iter().map(TokenHash::from_stored).collect())
    }

    async fn consume_recovery_code(
        &self,
        profile: ProfileId,
        hash: &TokenHash,
    ) -> RepoResult<bool> {
        let deleted = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM totp_recovery_codes WHERE profile_id = $1 AND hash = $2")
                .bind(profile.to_string())
                .bind(hash.as_str())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(deleted == 1)
    }

    async fn delete_totp_enrolment(&self, profile: ProfileId) -> RepoResult<bool> {
        let id = profile.to_string();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM totp_recovery_codes WHERE profile_id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            let removed = sqlx::query("DELETE FROM totp_devices WHERE profile_id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            tx.commit().await.map_err(db_err)?;
            Ok(removed == 1)
        })
    }
}
