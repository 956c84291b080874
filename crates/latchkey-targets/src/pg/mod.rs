//! PostgreSQL login roles as target accounts.
//!
//! | operation | how |
//! |---|---|
//! | verify | connect as the role with the password (the server's own authentication) |
//! | admin reset | `ALTER ROLE … PASSWORD '<SCRAM verifier>'` as the service role; an expired role gets `VALID UNTIL 'infinity'` in the same statement |
//! | user change | connect as the role with the old password, then `ALTER ROLE CURRENT_USER PASSWORD …` |
//! | unlock | `ALTER ROLE … LOGIN` |
//! | expire | `ALTER ROLE … VALID UNTIL '<now>'` |
//!
//! PostgreSQL has no lockout after failed logins and no "must change at next login": a role an
//! administrator locked is `NOLOGIN` (so it reads as locked, and unlock gives `LOGIN` back), and
//! an expired role is one whose `VALID UNTIL` has passed (it cannot log in with any password
//! until an administrator resets it).
//!
//! Passwords never appear in SQL text: the SCRAM-SHA-256 verifier is computed here
//! (the `scram` module), so the statement — which the server may log — carries only the verifier.
//! Statement logging by the client library is switched off for the same reason. The pool of
//! service connections is lazy: nothing is contacted until the first operation.

mod classify;
mod scram;

use classify::classify;

use latchkey_core::profile::Attributes;
use latchkey_core::secret::Password;
use latchkey_core::target::{
    AccountEntry, AccountPages, AccountState, ConnectionInfo, ListRequest, TargetConnector,
    TargetDef, TargetError, TargetKind, TargetResult, Verified,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// A connector for the login roles of one PostgreSQL cluster.
#[derive(Clone)]
pub struct PgTarget {
    def: TargetDef,
    /// Where to connect, without a user or password.
    base: PgConnectOptions,
    pool: Service,
    connect_timeout: Duration,
}

/// The service role's pool, and how to reach the server without it (to explain a failure).
#[derive(Clone)]
struct Service {
    pool: PgPool,
    options: PgConnectOptions,
    connect_timeout: Duration,
}

// Connection options hold the service password: never print them.
impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTarget")
            .field("target", &self.def.id)
            .field("url", &self.def.url)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

impl Service {
    /// Classifies a failure of a pooled call. The pool reports only "timed out" when it could
    /// not connect; one direct attempt tells an unreachable server from a busy pool.
    async fn error(&self, e: sqlx::Error) -> TargetError {
        if !matches!(e, sqlx::Error::PoolTimedOut) {
            return classify(e);
        }
        let probe = tokio::time::timeout(
            self.connect_timeout,
            PgConnection::connect_with(&self.options),
        )
        .await;
        match probe {
            Ok(Err(e)) => classify(e),
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                TargetError::Timeout
            }
            Err(_) => TargetError::Timeout,
        }
    }
}

type RoleRow = (String, bool, Option<String>, bool, bool);

const ROLE_COLUMNS: &str = "rolname, rolcanlogin, rolvaliduntil::text, \
     COALESCE(rolvaliduntil <= now(), false), rolsuper";

impl PgTarget {
    /// A connector for `def` (kind `postgres`), logging in as its service role with
    /// `service_password` (none for `trust` or peer setups).
    pub fn new(def: TargetDef, service_password: Option<Password>) -> TargetResult<Self> {
        if def.kind != TargetKind::Postgres {
            return Err(TargetError::Config(
                "only a postgres target uses the PostgreSQL connector".into(),
            ));
        }
        if let Some(problem) = def.problems().into_iter().next() {
            return Err(TargetError::Config(problem.to_string()));
        }
        let mut base = PgConnectOptions::from_str(&def.url)
            .map_err(|e| TargetError::Config(format!("url: {e}")))?
            .disable_statement_logging();
        if let Some(ca) = &def.ca_file {
            base = base.ssl_mode(PgSslMode::VerifyFull).ssl_root_cert(ca);
        }
        let connect_timeout = Duration::from_millis(def.connect_timeout_ms);
        let mut service = base.clone().username(&def.service_account);
        if let Some(p) = &service_password {
            service = service.password(p.expose());
        }
        let pool = PgPoolOptions::new()
            .max_connections(def.pool_size)
            .acquire_timeout(connect_timeout)
            .connect_lazy_with(service.clone());
        let pool = Service {
            pool,
            options: service,
            connect_timeout,
        };
        Ok(Self {
            def,
            base,
            pool,
            connect_timeout,
        })
    }

    /// The definition.
    pub fn definition(&self) -> &TargetDef {
        &self.def
    }

    /// Connects as `role` with `password` (the password check).
    async fn connect_as(&self, role: &str, password: &Password) -> TargetResult<PgConnection> {
        if password.is_empty() || role.is_empty() {
            return Err(TargetError::BadCredentials);
        }
        let options = self.base.clone().username(role).password(password.expose());
        let connected =
            tokio::time::timeout(self.connect_timeout, PgConnection::connect_with(&options))
                .await
                .map_err(|_| TargetError::Timeout)?;
        match connected.map_err(classify) {
            Ok(conn) => Ok(conn),
            // Expiry and a wrong password look the same to the client; the service role can
            // tell them apart.
            Err(TargetError::BadCredentials) => match self.role(role).await {
                Ok(Some((_, _, _, true, _))) => Err(TargetError::Expired),
                _ => Err(TargetError::BadCredentials),
            },
            Err(e) => Err(e),
        }
    }

    async fn role(&self, role: &str) -> TargetResult<Option<RoleRow>> {
        let sql = format!("SELECT {ROLE_COLUMNS} FROM pg_roles WHERE rolname = $1");
        let found = sqlx::query_as(AssertSqlSafe(sql))
            .bind(role)
            .fetch_optional(&self.pool.pool)
            .await;
        match found {
            Ok(row) => Ok(row),
            Err(e) => Err(self.pool.error(e).await),
        }
    }

    async fn existing(&self, role: &str) -> TargetResult<RoleRow> {
        self.role(role)
            .await?
            .ok_or_else(|| TargetError::NoSuchAccount(role.to_owned()))
    }

    async fn alter(&self, sql: String) -> TargetResult<()> {
        let done = tokio::time::timeout(
            Duration::from_millis(self.def.operation_timeout_ms),
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&self.pool.pool),
        )
        .await
        .map_err(|_| TargetError::Timeout)?;
        match done {
            Ok(_) => Ok(()),
            Err(e) => Err(self.pool.error(e).await),
        }
    }
}

/// A role name as a quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn verifier(password: &Password) -> TargetResult<String> {
    scram::new_verifier(password)
        .map_err(|e| TargetError::Unknown(format!("the OS random source failed: {e}")))
}

fn entry((name, can_login, valid_until, expired, superuser): RoleRow) -> AccountEntry {
    let mut attributes = Attributes::new();
    let _ = attributes.add("rolname", name.clone());
    let _ = attributes.add("rolcanlogin", can_login.to_string());
    let _ = attributes.add("rolsuper", superuser.to_string());
    if let Some(v) = valid_until {
        let _ = attributes.add("rolvaliduntil", v);
    }
    AccountEntry {
        name,
        attributes,
        state: AccountState {
            locked: !can_login,
            disabled: false,
            must_change: expired,
            expired,
        },
    }
}

/// Roles listed by name, one keyset page at a time.
#[derive(Debug)]
pub struct PgPages {
    pool: Service,
    after: Option<String>,
    page_size: i64,
    done: bool,
}

impl AccountPages for PgPages {
    async fn next_page(&mut self) -> TargetResult<Option<Vec<AccountEntry>>> {
        if self.done {
            return Ok(None);
        }
        // Internal roles (pg_*) are not accounts anyone logs in with.
        let sql = format!(
            "SELECT {ROLE_COLUMNS} FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' \
             AND rolname > $1 ORDER BY rolname LIMIT $2"
        );
        let rows: Vec<RoleRow> = match sqlx::query_as(AssertSqlSafe(sql))
            .bind(self.after.as_deref().unwrap_or(""))
            .bind(self.page_size)
            .fetch_all(&self.pool.pool)
            .await
        {
            Ok(rows) => rows,
            Err(e) => return Err(self.pool.error(e).await),
        };
        if i64::try_from(rows.len()).unwrap_or(0) < self.page_size {
            self.done = true;
        }
        self.after = rows.last().map(|r| r.0.clone()).or(self.after.take());
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().map(entry).collect()))
    }

    fn high_water(&self) -> Option<String> {
        // pg_roles has no change marker: every listing is complete.
        None
    }
}

impl TargetConnector for PgTarget {
    type Pages = PgPages;

    async fn test_connection(&self) -> TargetResult<ConnectionInfo> {
        let found: Result<(String, Option<bool>), _> = sqlx::query_as(
            "SELECT version(), (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
        )
        .fetch_one(&self.pool.pool)
        .await;
        let (version, ssl) = match found {
            Ok(row) => row,
            Err(e) => return Err(self.pool.error(e).await),
        };
        Ok(ConnectionInfo {
            server: version,
            encrypted: ssl.unwrap_or(false),
        })
    }

    async fn list_accounts(&self, request: ListRequest) -> TargetResult<PgPages> {
        Ok(PgPages {
            pool: self.pool.clone(),
            after: None,
            page_size: i64::from(request.page_size.max(1)),
            done: false,
        })
    }

    async fn read_account(&self, account: &str) -> TargetResult<AccountEntry> {
        self.existing(account).await.map(entry)
    }

    async fn verify_password(&self, account: &str, password: &Password) -> TargetResult<Verified> {
        let conn = self.connect_as(account, password).await?;
        // Closing politely is a courtesy; the check is already done.
        let _ = conn.close().await;
        Ok(Verified { must_change: false })
    }

    async fn set_password(&self, account: &str, new: &Password) -> TargetResult<()> {
        if new.is_empty() {
            return Err(TargetError::Refused(latchkey_core::target::Refusal::new(
                latchkey_core::target::RefusalKind::TooShort,
                "empty password",
            )));
        }
        let (_, _, _, expired, _) = self.existing(account).await?;
        let verifier = verifier(new)?;
        // One statement: the new password and the end of an expiry land together.
        let until = if expired {
            " VALID UNTIL 'infinity'"
        } else {
            ""
        };
        self.alter(format!(
            "ALTER ROLE {} PASSWORD '{verifier}'{until}",
            ident(account)
        ))
        .await
    }

    async fn change_password(
        &self,
        account: &str,
        old: &Password,
        new: &Password,
    ) -> TargetResult<()> {
        if new.is_empty() {
            return Err(TargetError::Refused(latchkey_core::target::Refusal::new(
                latchkey_core::target::RefusalKind::TooShort,
                "empty password",
            )));
        }
        let mut conn = self.connect_as(account, old).await?;
        let verifier = verifier(new)?;
        let sql = format!("ALTER ROLE CURRENT_USER PASSWORD '{verifier}'");
        let result = sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map(drop)
            .map_err(classify);
        let _ = conn.close().await;
        result
    }

    async fn unlock(&self, account: &str) -> TargetResult<()> {
        self.existing(account).await?;
        self.alter(format!("ALTER ROLE {} LOGIN", ident(account)))
            .await
    }

    async fn expire(&self, account: &str) -> TargetResult<()> {
        self.existing(account).await?;
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| TargetError::Unknown(e.to_string()))?;
        self.alter(format!("ALTER ROLE {} VALID UNTIL '{now}'", ident(account)))
            .await
    }

    async fn replace_attribute(
        &self,
        _account: &str,
        attribute: &str,
        _value: &str,
    ) -> TargetResult<()> {
        Err(TargetError::Unsupported(format!(
            "a PostgreSQL role has no attribute {attribute} to write; attribute writes go to a \
             directory (LDAP or Active Directory) target; nothing was changed"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_output_never_shows_the_service_password() {
        let def = TargetDef::new(
            latchkey_core::ids::TargetId::new("PG").unwrap(),
            TargetKind::Postgres,
            "postgres://127.0.0.1:5432/postgres",
            "svc",
        );
        let t = PgTarget::new(def, Some(Password::new("Svc-Secret-42"))).unwrap();
        let shown = format!(
            "{t:?} {:?}",
            crate::Connector::Postgres(Box::new(t.clone()))
        );
        assert!(!shown.contains("Svc-Secret-42"), "{shown}");
        assert!(shown.contains("PG"), "{shown}");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("alice"), "\"alice\"");
        assert_eq!(ident("a\"; DROP ROLE x; --"), "\"a\"\"; DROP ROLE x; --\"");
    }
}
