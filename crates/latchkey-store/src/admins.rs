//! Product administrators: privileges held by profiles.

use crate::{Store, db_err, ms, on_pool, parse_id};
use latchkey_core::admin::{Administrator, Privilege};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{AdminRepo, RepoError, RepoResult};
use std::collections::BTreeMap;
use time::OffsetDateTime;

fn parse_privilege(v: &str) -> RepoResult<Privilege> {
    v.parse()
        .map_err(|e: latchkey_core::admin::UnknownPrivilege| RepoError::Corrupt(e.to_string()))
}

impl AdminRepo for Store {
    async fn grant(&self, profile: ProfileId, privileges: &[Privilege]) -> RepoResult<()> {
        let now = ms(OffsetDateTime::now_utc());
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for p in privileges {
                sqlx::query(
                    "INSERT INTO admin_privileges (profile_id, privilege, granted_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (profile_id, privilege) DO NOTHING",
                )
                .bind(profile.to_string())
                .bind(p.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn revoke(&self, profile: ProfileId, privileges: &[Privilege]) -> RepoResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(db_err)?;
            for p in privileges {
                sqlx::query(
                    "DELETE FROM admin_privileges WHERE profile_id = $1 AND privilege = $2",
                )
                .bind(profile.to_string())
                .bind(p.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
            tx.commit().await.map_err(db_err)
        })
    }

    async fn administrator(&self, profile: ProfileId) -> RepoResult<Option<Administrator>> {
        let rows: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT privilege FROM admin_privileges WHERE profile_id = $1")
                .bind(profile.to_string())
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(Administrator {
            profile_id: profile,
            privileges: rows
                .iter()
                .map(|r| parse_privilege(r))
                .collect::<RepoResult<_>>()?,
        }))
    }

    async fn list_administrators(&self) -> RepoResult<Vec<Administrator>> {
        let rows: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT profile_id, privilege FROM admin_privileges ORDER BY profile_id, privilege",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        let mut by_profile: BTreeMap<ProfileId, Administrator> = BTreeMap::new();
        for (pid, privilege) in rows {
            let id: ProfileId = parse_id("admin profile", &pid)?;
            by_profile
                .entry(id)
                .or_insert_with(|| Administrator {
                    profile_id: id,
                    privileges: Default::default(),
                })
                .privileges
                .insert(parse_privilege(&privilege)?);
        }
        Ok(by_profile.into_values().collect())
    }
}
