//! Password history ([`PasswordHistoryRepo`]).
//!
//! A change is one transaction whose first statement is a write on the profile row, so it takes
//! the row lock on PostgreSQL and the write lock on SQLite before anything is read: two changes
//! of one profile run one after the other, and each sees the other's history entry. Then the
//! old hash is copied into `password_history` with the next `seq`, the new hash replaces it, and
//! entries older than the newest `keep` are deleted.

use crate::{Store, db_err, ms, on_pool};
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::password_policy::repo::PasswordHistoryRepo;
use latchkey_core::repo::{RepoError, RepoResult};
use time::OffsetDateTime;

fn to_db(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PasswordHistoryRepo for Store {
    async fn previous_hashes(
        &self,
        profile: ProfileId,
        limit: usize,
    ) -> RepoResult<Vec<PasswordHashString>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT hash FROM password_history WHERE profile_id = $1 \
                 ORDER BY seq DESC LIMIT $2",
            )
            .bind(profile.to_string())
            .bind(to_db(limit))
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(PasswordHashString::from_stored)
            .collect())
    }

    async fn set_password_hash_with_history(
        &self,
        profile: ProfileId,
        new_hash: &PasswordHashString,
        keep: usize,
        now: OffsetDateTime,
    ) -> RepoResult<()> {
        let id = profile.to_string();
        let at = ms(now);
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            // Lock first (see the module docs).
            let locked = sqlx::query("UPDATE profiles SET updated_at = $2 WHERE id = $1")
                .bind(&id)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if locked.rows_affected() == 0 {
                return Err(RepoError::NotFound(format!("profile {profile}")));
            }
            sqlx::query(
                "INSERT INTO password_history (profile_id, seq, hash, changed_at) \
                 SELECT id, \
                   COALESCE((SELECT MAX(seq) FROM password_history WHERE profile_id = $1), 0) + 1, \
                   password_hash, $2 \
                 FROM profiles WHERE id = $1 AND password_hash IS NOT NULL",
            )
            .bind(&id)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query(
                "UPDATE profiles SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            )
            .bind(new_hash.as_str())
            .bind(at)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query(
                "DELETE FROM password_history WHERE profile_id = $1 AND seq <= \
                 (SELECT MAX(seq) FROM password_history WHERE profile_id = $1) - $2",
            )
            .bind(&id)
            .bind(to_db(keep))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            tx.commit().await.map_err(db_err)
        })
    }
}
