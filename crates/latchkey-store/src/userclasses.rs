//! User classes (definitions) and their membership cache.

use crate::{Store, db_err, ms, on_pool, parse_id};
use latchkey_core::ids::{ProfileId, UserClassId};
use latchkey_core::repo::{RepoError, RepoResult, UserClassRepo};
use latchkey_core::userclass::{MembershipRule, RuleMode, UserClass};
use std::collections::BTreeSet;
use time::OffsetDateTime;

type ClassRow = (String, String, String, String);

fn mode_str(mode: RuleMode) -> &'static str {
    match mode {
        RuleMode::All => "all",
        RuleMode::Any => "any",
    }
}

fn corrupt(what: &str) -> impl Fn(serde_json::Error) -> RepoError + '_ {
    move |e| RepoError::Corrupt(format!("{what}: {e}"))
}

impl Store {
    async fn class_from_row(
        &self,
        (id, description, mode, rules): ClassRow,
    ) -> RepoResult<UserClass> {
        let statics: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT profile_id FROM user_class_static_members WHERE class_id = $1",
            )
            .bind(&id)
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        Ok(UserClass {
            id: parse_id("user class id", &id)?,
            description,
            mode: match mode.as_str() {
                "any" => RuleMode::Any,
                "all" => RuleMode::All,
                other => return Err(RepoError::Corrupt(format!("user class mode {other:?}"))),
            },
            rules: serde_json::from_str::<Vec<MembershipRule>>(&rules)
                .map_err(corrupt("user class rules"))?,
            static_members: statics
                .iter()
                .map(|s| parse_id::<ProfileId>("member", s))
                .collect::<RepoResult<_>>()?,
        })
    }
}

impl UserClassRepo for Store {
    async fn save_user_class(&self, class: &UserClass) -> RepoResult<()> {
        let rules = serde_json::to_string(&class.rules).map_err(corrupt("user class rules"))?;
        let now = ms(OffsetDateTime::now_utc());
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO user_classes (id, description, mode, rules, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO UPDATE SET description = $2, mode = $3, rules = $4, updated_at = $5",
            )
            .bind(class.id.as_str())
            .bind(&class.description)
            .bind(mode_str(class.mode))
            .bind(&rules)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM user_class_static_members WHERE class_id = $1")
                .bind(class.id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for member in &class.static_members {
                sqlx::query(
                    "INSERT INTO user_class_static_members (class_id, profile_id) VALUES ($1, $2)",
                )
                .bind(class.id.as_str())
                .bind(member.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn user_class(&self, id: &UserClassId) -> RepoResult<Option<UserClass>> {
        let row: Option<ClassRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, description, mode, rules FROM user_classes WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        match row {
            Some(row) => Ok(Some(self.class_from_row(row).await?)),
            None => Ok(None),
        }
    }

    async fn list_user_classes(&self) -> RepoResult<Vec<UserClass>> {
        let rows: Vec<ClassRow> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, description, mode, rules FROM user_classes ORDER BY id")
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.class_from_row(row).await?);
        }
        Ok(out)
    }

    async fn delete_user_class(&self, id: &UserClassId) -> RepoResult<bool> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM user_classes WHERE id = $1")
                .bind(id.as_str())
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map(|n| n > 0)
        .map_err(db_err)
    }

    async fn replace_members(
        &self,
        id: &UserClassId,
        members: &BTreeSet<ProfileId>,
        now: OffsetDateTime,
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            sqlx::query("DELETE FROM user_class_members WHERE class_id = $1")
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            for member in members {
                sqlx::query(
                    "INSERT INTO user_class_members (class_id, profile_id, computed_at) VALUES ($1, $2, $3)",
                )
                .bind(id.as_str())
                .bind(member.to_string())
                .bind(ms(now))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn members(&self, id: &UserClassId) -> RepoResult<BTreeSet<ProfileId>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT profile_id FROM user_class_members WHERE class_id = $1")
                .bind(id.as_str())
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.iter().map(|r| parse_id("member", r)).collect()
    }

    async fn classes_of(&self, profile: ProfileId) -> RepoResult<Vec<UserClassId>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT class_id FROM user_class_members WHERE profile_id = $1 ORDER BY class_id",
            )
            .bind(profile.to_string())
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.iter().map(|r| parse_id("user class id", r)).collect()
    }
}
