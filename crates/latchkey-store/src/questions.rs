//! Security questions: question sets, enrolments (answer hashes only) and samples.
//!
//! Sets, enrolments and samples are each kept whole as JSON (a set is always read with its
//! questions, an enrolment with all its answers). The sample's first-writer-wins and the
//! re-hash's compare-and-set are single statements; see [`QuestionRepo`].

use crate::{Pool, Store, count, db_err, from_ms, ms, on_pool};
use latchkey_core::ids::ProfileId;
use latchkey_core::questions::repo::{QuestionRepo, StoredEnrolment, StoredSample};
use latchkey_core::questions::{Catalogue, Enrolment, QuestionSet, Sample, SetId};
use latchkey_core::repo::{RepoError, RepoResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

fn to_json<T: Serialize>(what: &str, value: &T) -> RepoResult<String> {
    serde_json::to_string(value).map_err(|e| RepoError::Database(format!("{what}: {e}")))
}

fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> RepoResult<T> {
    serde_json::from_str(text).map_err(|e| RepoError::Corrupt(format!("{what}: {e}")))
}

/// Stored versions are never negative; 0 is never stored (rows start at 1), so it names "no
/// row" in compare-and-set statements.
fn version_param(version: Option<u64>) -> i64 {
    version.map_or(0, |v| i64::try_from(v).unwrap_or(i64::MAX))
}

impl QuestionRepo for Store {
    async fn question_catalogue(&self) -> RepoResult<Catalogue> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, body FROM question_sets ORDER BY position, id")
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        let sets = rows
            .iter()
            .map(|(id, body)| from_json::<QuestionSet>(&format!("question set {id}"), body))
            .collect::<RepoResult<Vec<_>>>()?;
        Catalogue::new(sets).map_err(|e| RepoError::Corrupt(e.to_string()))
    }

    async fn save_question_set(&self, set: &QuestionSet, now: OffsetDateTime) -> RepoResult<()> {
        let body = to_json("question set", set)?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO question_sets (id, position, body, updated_at) \
                 VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM question_sets), $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET body = $2, updated_at = $3",
            )
            .bind(set.id.as_str())
            .bind(&body)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn delete_question_set(&self, id: &SetId) -> RepoResult<bool> {
        let done = on_pool!(self, |pool| {
            sqlx::query("DELETE FROM question_sets WHERE id = $1")
                .bind(id.as_str())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(done > 0)
    }

    async fn install_question_sets(
        &self,
        sets: &[QuestionSet],
        now: OffsetDateTime,
    ) -> RepoResult<bool> {
        let bodies = sets
            .iter()
            .map(|s| Ok((s.id.as_str(), to_json("question set", s)?)))
            .collect::<RepoResult<Vec<_>>>()?;
        // SQLite: take the write lock first, so a second installer waits instead of failing
        // to upgrade its read; PostgreSQL: a concurrent installer's rows are skipped by the
        // primary key.
        macro_rules! install {
            ($pool:expr, $begin:expr) => {{
                let mut tx = $pool.begin_with($begin).await.map_err(db_err)?;
                let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM question_sets")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let mut added = 0;
                if existing == 0 {
                    for (position, (id, body)) in bodies.iter().enumerate() {
                        added += sqlx::query(
                            "INSERT INTO question_sets (id, position, body, updated_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(*id)
                        .bind(i64::try_from(position + 1).unwrap_or(i64::MAX))
                        .bind(body)
                        .bind(ms(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err)?
                        .rows_affected();
                    }
                }
                tx.commit().await.map_err(db_err)?;
                added
            }};
        }
        let added = match &self.pool {
            Pool::Sqlite(p) => install!(p, "BEGIN IMMEDIATE"),
            Pool::Postgres(p) => install!(p, "BEGIN"),
        };
        Ok(added > 0)
    }

    async fn enrolment(&self, profile: ProfileId) -> RepoResult<Option<StoredEnrolment>> {
        let row: Option<(String, i64, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT body, version, enrolled_at FROM question_enrolments WHERE profile_id = $1",
            )
            .bind(profile.to_string())
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        row.map(|(body, version, enrolled_at)| {
            Ok(StoredEnrolment {
                enrolment: from_json("question enrolment", &body)?,
                version: count(version),
                enrolled_at: from_ms(enrolled_at)?,
            })
        })
        .transpose()
    }

    async fn save_enrolment(
        &self,
        profile: ProfileId,
        enrolment: &Enrolment,
        now: OffsetDateTime,
    ) -> RepoResult<()> {
        let body = to_json("question enrolment", enrolment)?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO question_enrolments (profile_id, body, version, enrolled_at, updated_at) \
                 VALUES ($1, $2, 1, $3, $3) \
                 ON CONFLICT (profile_id) DO UPDATE SET body = $2, \
                 version = question_enrolments.version + 1, enrolled_at = $3, updated_at = $3",
            )
            .bind(profile.to_string())
            .bind(&body)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(|e| match &e {
            // The profile is gone: say so rather than "database error".
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                RepoError::NotFound(format!("profile {profile}"))
            }
            _ => db_err(e),
        })?;
        Ok(())
    }

    async fn rehash_enrolment(
        &self,
        profile: ProfileId,
        expected_version: u64,
        enrolment: &Enrolment,
        now: OffsetDateTime,
    ) -> RepoResult<bool> {
        let body = to_json("question enrolment", enrolment)?;
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE question_enrolments SET body = $1, version = version + 1, updated_at = $2 \
                 WHERE profile_id = $3 AND version = $4",
            )
            .bind(&body)
            .bind(ms(now))
            .bind(profile.to_string())
            .bind(version_param(Some(expected_version)))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn question_sample(&self, profile: ProfileId) -> RepoResult<Option<StoredSample>> {
        let row: Option<(String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT body, version FROM question_samples WHERE profile_id = $1")
                .bind(profile.to_string())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        row.map(|(body, version)| {
            Ok(StoredSample {
                sample: from_json("question sample", &body)?,
                version: count(version),
            })
        })
        .transpose()
    }

    async fn offer_sample(
        &self,
        profile: ProfileId,
        sample: &Sample,
        replaces: Option<u64>,
    ) -> RepoResult<bool> {
        let body = to_json("question sample", sample)?;
        // Inserted when there is no row; replaced only when the row is at the version the
        // caller saw (never for `replaces: None`, as rows start at 1). RETURNING yields no row
        // when the conflict's WHERE is false: another writer was first.
        let won: Option<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "INSERT INTO question_samples (profile_id, body, version, drawn_at) \
                 VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (profile_id) DO UPDATE SET body = $2, \
                 version = question_samples.version + 1, drawn_at = $3 \
                 WHERE question_samples.version = $4 \
                 RETURNING version",
            )
            .bind(profile.to_string())
            .bind(&body)
            .bind(ms(sample.drawn_at))
            .bind(version_param(replaces))
            .fetch_optional(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(won.is_some())
    }

    async fn forget_questions(&self, profile: ProfileId) -> RepoResult<bool> {
        let removed = on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let mut removed = 0;
            for sql in [
                "DELETE FROM question_enrolments WHERE profile_id = $1",
                "DELETE FROM question_samples WHERE profile_id = $1",
            ] {
                removed += sqlx::query(sql)
                    .bind(profile.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
            }
            tx.commit().await.map_err(db_err)?;
            Ok::<u64, RepoError>(removed)
        })?;
        Ok(removed > 0)
    }
}
