//! The settings table (namespace / setting / value rows; a setting may repeat, in order).

use crate::{Store, db_err, on_pool};
use latchkey_core::repo::{RepoError, RepoResult, SettingsRepo};
use latchkey_core::settings::{SettingRow, Settings};

impl SettingsRepo for Store {
    async fn settings(&self) -> RepoResult<Settings> {
        let rows: Vec<(String, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT namespace, setting, value FROM settings ORDER BY namespace, setting, position",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(Settings::new(
            rows.into_iter()
                .map(|(namespace, setting, value)| SettingRow {
                    namespace,
                    setting,
                    value,
                })
                .collect(),
        ))
    }

    async fn replace_setting(
        &self,
        namespace: &str,
        setting: &str,
        rows: &[SettingRow],
    ) -> RepoResult<()> {
        if rows
            .iter()
            .any(|r| r.namespace != namespace || r.setting != setting)
        {
            return Err(RepoError::Database(
                "replace_setting got rows of another setting".into(),
            ));
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM settings WHERE namespace = $1 AND setting = $2")
                .bind(namespace)
                .bind(setting)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for (i, row) in rows.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO settings (namespace, setting, position, value) VALUES ($1, $2, $3, $4)",
                )
                .bind(namespace)
                .bind(setting)
                .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
                .bind(&row.value)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn add_setting(&self, row: &SettingRow) -> RepoResult<()> {
        // One statement picks the next position; two concurrent adds may pick the same one on
        // PostgreSQL, and the loser retries.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = on_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO settings (namespace, setting, position, value) \
                     SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3 FROM settings WHERE namespace = $1 AND setting = $2",
                )
                .bind(&row.namespace)
                .bind(&row.setting)
                .bind(&row.value)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            })
            .map_err(db_err);
            match result {
                Ok(_) => return Ok(()),
                Err(RepoError::Conflict(_)) if attempts < 5 => continue,
                Err(e) => return Err(e),
            }
        }
    }

    async fn unset_setting(
        &self,
        namespace: &str,
        setting: &str,
        value: Option<&str>,
    ) -> RepoResult<u64> {
        on_pool!(self, |pool| {
            match value {
                Some(v) => sqlx::query(
                    "DELETE FROM settings WHERE namespace = $1 AND setting = $2 AND value = $3",
                )
                .bind(namespace)
                .bind(setting)
                .bind(v)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
                None => sqlx::query("DELETE FROM settings WHERE namespace = $1 AND setting = $2")
                    .bind(namespace)
                    .bind(setting)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()),
            }
        })
        .map_err(db_err)
    }
}
