//! Profiles, their attributes and the internal directory's password hashes.

use crate::json_rows;
use crate::{Store, count, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::profile::{Attributes, LoginId, Profile};
use latchkey_core::repo::{ProfileRepo, RepoError, RepoResult};
use std::collections::HashMap;
use time::OffsetDateTime;

type ProfileRow = (String, String, String, Option<String>, bool, bool, i64);
type AttributeRow = (String, String, String);

fn assemble(rows: Vec<ProfileRow>, attrs: Vec<AttributeRow>) -> RepoResult<Vec<Profile>> {
    let mut by_id: HashMap<String, Attributes> = HashMap::new();
    for (pid, name, value) in attrs {
        by_id
            .entry(pid)
            .or_default()
            .add(&name, value)
            .map_err(|e| RepoError::Corrupt(e.to_string()))?;
    }
    rows.into_iter()
        .map(
            |(id, login, display_name, email, enabled, locked, created)| {
                Ok(Profile {
                    attributes: by_id.remove(&id).unwrap_or_default(),
                    id: parse_id("profile id", &id)?,
                    login_id: LoginId::new(&login)
                        .map_err(|e| RepoError::Corrupt(e.to_string()))?,
                    display_name,
                    email,
                    enabled,
                    locked,
                    created_at: from_ms(created)?,
                })
            },
        )
        .collect()
}

/// Inserts one profile and its attributes inside an open transaction.
macro_rules! insert_profile {
    ($tx:expr, $p:expr, $hash:expr) => {{
        let p: &Profile = $p;
        let now = ms(p.created_at);
        sqlx::query(
            "INSERT INTO profiles (id, login_id, display_name, email, enabled, locked, password_hash, password_changed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(p.id.to_string())
        .bind(p.login_id.as_str())
        .bind(&p.display_name)
        .bind(&p.email)
        .bind(p.enabled)
        .bind(p.locked)
        .bind($hash.map(|h: &PasswordHashString| h.as_str().to_owned()))
        .bind($hash.map(|_| now))
        .bind(now)
        .execute(&mut *$tx)
        .await
        .map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict(format!("login id {}", p.login_id)),
            other => other,
        })?;
        insert_attributes!($tx, p);
    }};
}

macro_rules! insert_attributes {
    ($tx:expr, $p:expr) => {{
        let p: &Profile = $p;
        for (name, values) in p.attributes.iter() {
            for (position, value) in values.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO profile_attributes (profile_id, name, position, value, folded) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.to_string())
                .bind(name)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(value)
                .bind(latchkey_core::profile::fold_attribute(value))
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
            }
        }
    }};
}

impl ProfileRepo for Store {
    async fn create_profile(
        &self,
        profile: &Profile,
        password: Option<&PasswordHashString>,
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_profile!(tx, profile, password);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn create_profiles(
        &self,
        profiles: &[(Profile, Option<PasswordHashString>)],
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for (profile, hash) in profiles {
                insert_profile!(tx, profile, hash.as_ref());
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn profile_by_login(&self, login: &LoginId) -> RepoResult<Option<Profile>> {
        self.one_profile(Lookup::Login(login.as_str())).await
    }

    async fn profile_by_id(&self, id: ProfileId) -> RepoResult<Option<Profile>> {
        self.one_profile(Lookup::Id(id.to_string())).await
    }

    async fn list_profiles(&self, after: Option<&LoginId>, limit: u32) -> RepoResult<Vec<Profile>> {
        let after = after.map(LoginId::as_str).unwrap_or("");
        let limit = i64::from(limit);
        on_pool!(self, |pool| {
            let rows: Vec<ProfileRow> = sqlx::query_as(
                "SELECT id, login_id, display_name, email, enabled, locked, created_at FROM profiles \
                 WHERE login_id > $1 ORDER BY login_id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
            let attrs: Vec<AttributeRow> = sqlx::query_as(
                "SELECT profile_id, name, value FROM profile_attributes WHERE profile_id IN \
                 (SELECT id FROM profiles WHERE login_id > $1 ORDER BY login_id LIMIT $2) \
                 ORDER BY profile_id, name, position",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
            assemble(rows, attrs)
        })
    }

    async fn login_ids(&self, ids: &[ProfileId]) -> RepoResult<Vec<(ProfileId, String)>> {
        let rows: Vec<(String, String)> = json_rows::fetch_listed(self, ids, |among| {
            format!("SELECT id, login_id FROM profiles WHERE id {among}")
        })
        .await?;
        rows.into_iter()
            .map(|(id, login)| Ok((parse_id("profile id", &id)?, login)))
            .collect()
    }

    async fn count_profiles(&self) -> RepoResult<u64> {
        on_pool!(self, |pool| {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM profiles")
                .fetch_one(pool)
                .await
                .map_err(db_err)?;
            Ok(count(n))
        })
    }

    async fn profiles_with_attribute(
        &self,
        name: &str,
        folded: &str,
    ) -> RepoResult<Vec<ProfileId>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT profile_id FROM profile_attributes WHERE name = $1 AND folded = $2",
            )
            .bind(name.to_ascii_lowercase())
            .bind(folded)
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        rows.iter().map(|r| parse_id("profile id", r)).collect()
    }

    async fn update_profile(&self, profile: &Profile) -> RepoResult<()> {
        let now = ms(OffsetDateTime::now_utc());
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = sqlx::query(
                "UPDATE profiles SET login_id = $1, display_name = $2, email = $3, enabled = $4, locked = $5, updated_at = $6 WHERE id = $7",
            )
            .bind(profile.login_id.as_str())
            .bind(&profile.display_name)
            .bind(&profile.email)
            .bind(profile.enabled)
            .bind(profile.locked)
            .bind(now)
            .bind(profile.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(RepoError::NotFound(format!("profile {}", profile.id)));
            }
            sqlx::query("DELETE FROM profile_attributes WHERE profile_id = $1")
                .bind(profile.id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            insert_attributes!(tx, profile);
            tx.commit().await.map_err(db_err)
        })
    }

    async fn password_hash(&self, id: ProfileId) -> RepoResult<Option<PasswordHashString>> {
        on_pool!(self, |pool| {
            let hash: Option<Option<String>> =
                sqlx::query_scalar("SELECT password_hash FROM profiles WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(pool)
                    .await
                    .map_err(db_err)?;
            Ok(hash.flatten().map(PasswordHashString::from_stored))
        })
    }

    async fn set_password_hash(
        &self,
        id: ProfileId,
        hash: &PasswordHashString,
        now: OffsetDateTime,
    ) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE profiles SET password_hash = $1, password_changed_at = $2, updated_at = $2 WHERE id = $3",
            )
            .bind(hash.as_str())
            .bind(ms(now))
            .bind(id.to_string())
            .execute(pool)
            .await
            .map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(RepoError::NotFound(format!("profile {id}")));
            }
            Ok(())
        })
    }
}

/// How to find one profile.
enum Lookup<'a> {
    Id(String),
    Login(&'a str),
}

impl Store {
    async fn one_profile(&self, lookup: Lookup<'_>) -> RepoResult<Option<Profile>> {
        let (sql, value) = match &lookup {
            Lookup::Id(id) => (
                "SELECT id, login_id, display_name, email, enabled, locked, created_at FROM profiles WHERE id = $1",
                id.as_str(),
            ),
            Lookup::Login(login) => (
                "SELECT id, login_id, display_name, email, enabled, locked, created_at FROM profiles WHERE login_id = $1",
                *login,
            ),
        };
        on_pool!(self, |pool| {
            let row: Option<ProfileRow> = sqlx::query_as(sql)
                .bind(value)
                .fetch_optional(pool)
                .await
                .map_err(db_err)?;
            let Some(row) = row else { return Ok(None) };
            let attrs: Vec<AttributeRow> = sqlx::query_as(
                "SELECT profile_id, name, value FROM profile_attributes WHERE profile_id = $1 ORDER BY name, position",
            )
            .bind(&row.0)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
            Ok(assemble(vec![row], attrs)?.pop())
        })
    }
}
