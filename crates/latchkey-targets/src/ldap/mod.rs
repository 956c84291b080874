//! LDAP directories: OpenLDAP with slapo-ppolicy, and Active Directory (or Samba as an AD DC).
//!
//! One [`LdapTarget`] serves both; the target kind picks the dialect:
//!
//! | operation | OpenLDAP | Active Directory |
//! |---|---|---|
//! | verify | simple bind with the ppolicy control | simple bind; `data NNN` decoded |
//! | admin reset | Password Modify exop (RFC 3062) or `replace userPassword` | `replace unicodePwd` (quoted UTF-16LE), policy-hints control when configured |
//! | user change | bind as the user, then exop with the old password (or replace) | bind as the user, then `delete` old + `add` new `unicodePwd` in one modify |
//! | unlock | delete `pwdAccountLockedTime` | `lockoutTime: 0` |
//! | expire | `pwdReset: TRUE` | `pwdLastSet: 0` |
//! | attribute write | `replace ATTRIBUTE` (never a password or policy attribute) | the same |
//!
//! Two pools of connections: *service* connections, bound as the service account, carry reads
//! and administrative writes; *user* connections carry binds as users (verification and user
//! changes), so a user's identity never leaks onto an administrative operation. A connection
//! that failed in a way that may have broken it is thrown away; reads and binds that failed on
//! a connection which had sat idle (the directory may have restarted) are tried once more on a
//! fresh one. Writes are never retried: each is one LDAP request, applied whole or not at all,
//! and a write whose answer was lost is reported as unreachable rather than guessed.
//!
//! Passwords travel only inside LDAP requests; nothing here formats or logs them. ldap3 copies
//! them into its request buffers, which are not wiped; our own copies (the `unicodePwd` value)
//! are.

mod attributes;
mod conn;
mod entries;
mod passwords;

pub use entries::LdapPages;

use crate::pool::{Origin, Pool, Pooled};
use conn::{Endpoint, Flavor, check, classify, ppolicy_request};
use latchkey_core::secret::Password;
use latchkey_core::target::{
    AccountEntry, ConnectionInfo, ListRequest, TargetConnector, TargetDef, TargetError, TargetKind,
    TargetResult, Verified,
};
use ldap3::{Ldap, Scope, SearchEntry};
use std::sync::Arc;
use std::time::Duration;

/// A connector for an OpenLDAP or Active Directory target.
#[derive(Debug, Clone)]
pub struct LdapTarget {
    def: Arc<TargetDef>,
    flavor: Flavor,
    endpoint: Arc<Endpoint>,
    service_password: Option<Arc<Password>>,
    service: Pool<Ldap>,
    users: Pool<Ldap>,
}

impl LdapTarget {
    /// A connector for `def` (kind `ldap` or `active_directory`), binding as its service
    /// account with `service_password`. Nothing is contacted until the first operation.
    pub fn new(def: TargetDef, service_password: Option<Password>) -> TargetResult<Self> {
        let flavor = match def.kind {
            TargetKind::Ldap => Flavor::OpenLdap,
            TargetKind::ActiveDirectory => Flavor::ActiveDirectory,
            TargetKind::Postgres => {
                return Err(TargetError::Config(
                    "a PostgreSQL target needs the PostgreSQL connector".into(),
                ));
            }
        };
        if let Some(problem) = def.problems().into_iter().next() {
            return Err(TargetError::Config(problem.to_string()));
        }
        let tls = def
            .ca_file
            .as_deref()
            .map(crate::tls::client_config)
            .transpose()?;
        let endpoint = Endpoint {
            url: def.url.clone(),
            starttls: def.starttls,
            tls,
            connect_timeout: Duration::from_millis(def.connect_timeout_ms),
            op_timeout: Duration::from_millis(def.operation_timeout_ms),
        };
        Ok(Self {
            flavor,
            endpoint: Arc::new(endpoint),
            service_password: service_password.map(Arc::new),
            service: Pool::new(def.pool_size),
            users: Pool::new(def.pool_size),
            def: Arc::new(def),
        })
    }

    /// The definition.
    pub fn definition(&self) -> &TargetDef {
        &self.def
    }

    fn timeout(&self) -> Duration {
        self.endpoint.op_timeout
    }

    /// A connection bound as the service account.
    async fn service_conn(&self) -> TargetResult<Pooled<Ldap>> {
        self.service
            .get(
                |l| !l.is_closed(),
                || async {
                    let mut ldap = self.endpoint.connect().await?;
                    let password = self.service_password.as_deref().ok_or_else(|| {
                        TargetError::Config("no password is stored for the service account".into())
                    })?;
                    let bound = ldap
                        .with_timeout(self.timeout())
                        .simple_bind(&self.def.service_account, password.expose())
                        .await
                        .map_err(|e| classify(self.flavor, e))?;
                    if bound.rc != 0 {
                        let why = conn::classify_result(self.flavor, &bound);
                        return Err(match why {
                            TargetError::Unreachable(_) | TargetError::Timeout => why,
                            other => TargetError::Config(format!(
                                "the service account {} cannot log in: {other}",
                                self.def.service_account
                            )),
                        });
                    }
                    Ok(ldap)
                },
            )
            .await
    }

    /// A connection for binds as users.
    async fn user_conn(&self) -> TargetResult<Pooled<Ldap>> {
        self.users
            .get(|l| !l.is_closed(), || self.endpoint.connect())
            .await
    }

    /// Returns a connection to its pool, or throws it away after a failure that may have broken
    /// it; passes the result through.
    fn settle<T>(conn: Pooled<Ldap>, result: TargetResult<T>) -> TargetResult<T> {
        if let Err(e) = &result
            && e.is_transient()
        {
            conn.discard();
        }
        result
    }

    /// Whether to try a read or a bind again on a fresh connection.
    fn retry(&self, origin: Origin, result: &TargetResult<impl Sized>) -> bool {
        let again = origin == Origin::Idle && matches!(result, Err(TargetError::Unreachable(_)));
        if again {
            self.service.clear();
            self.users.clear();
        }
        again
    }

    /// Binds `dn` with `password` on a user connection; `Ok` carries the bind's must-change
    /// signal. An empty password is refused here: LDAP would treat it as an anonymous bind and
    /// report success.
    async fn bind_as(
        &self,
        conn: &mut Pooled<Ldap>,
        dn: &str,
        password: &Password,
    ) -> TargetResult<Verified> {
        if password.is_empty() || dn.trim().is_empty() {
            return Err(TargetError::BadCredentials);
        }
        let ldap = conn
            .conn()
            .ok_or_else(|| TargetError::Unknown("no connection".into()))?;
        if self.flavor == Flavor::OpenLdap {
            ldap.with_controls(ppolicy_request());
        }
        let result = ldap
            .with_timeout(self.timeout())
            .simple_bind(dn, password.expose())
            .await
            .map_err(|e| classify(self.flavor, e))?;
        match self.flavor {
            Flavor::OpenLdap => {
                if result.rc != 0 {
                    return Err(conn::classify_result(self.flavor, &result));
                }
                let control = conn::policy_response(&result).and_then(|c| c.error);
                Ok(Verified {
                    must_change: matches!(
                        control,
                        Some(
                            latchkey_core::target::ppolicy::PolicyError::ChangeAfterReset
                                | latchkey_core::target::ppolicy::PolicyError::PasswordExpired
                        )
                    ),
                })
            }
            Flavor::ActiveDirectory => match check(self.flavor, result) {
                Ok(_) => Ok(Verified { must_change: false }),
                // AD says "must change" only after checking the password: it was right.
                Err(TargetError::MustChange) => Ok(Verified { must_change: true }),
                Err(e) => Err(e),
            },
        }
    }

    async fn search_one(&self, base: &str, attrs: Vec<String>) -> TargetResult<SearchEntry> {
        loop {
            let mut conn = self.service_conn().await?;
            let origin = conn.origin();
            let result = async {
                let ldap = conn
                    .conn()
                    .ok_or_else(|| TargetError::Unknown("no connection".into()))?;
                let found = ldap
                    .with_timeout(self.timeout())
                    .search(base, Scope::Base, "(objectClass=*)", attrs.clone())
                    .await
                    .map_err(|e| classify(self.flavor, e))?;
                let (entries, result) = (found.0, found.1);
                check(self.flavor, result)?;
                entries
                    .into_iter()
                    .next()
                    .map(SearchEntry::construct)
                    .ok_or_else(|| TargetError::NoSuchAccount(base.to_owned()))
            }
            .await;
            let result = Self::settle(conn, result);
            if !self.retry(origin, &result) {
                return result;
            }
        }
    }
}

impl TargetConnector for LdapTarget {
    type Pages = LdapPages;

    async fn test_connection(&self) -> TargetResult<ConnectionInfo> {
        let attrs = [
            "vendorName",
            "vendorVersion",
            "dnsHostName",
            "namingContexts",
            "defaultNamingContext",
        ]
        .map(str::to_owned)
        .to_vec();
        let root = self.search_one("", attrs).await?;
        let value = |name: &str| {
            root.attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.join(", "))
        };
        let mut parts = Vec::new();
        let kind = match self.flavor {
            Flavor::OpenLdap => "LDAP",
            Flavor::ActiveDirectory => "Active Directory",
        };
        parts.push(kind.to_owned());
        for name in ["vendorName", "vendorVersion", "dnsHostName"] {
            if let Some(v) = value(name) {
                parts.push(v);
            }
        }
        if let Some(v) = value("defaultNamingContext").or_else(|| value("namingContexts")) {
            parts.push(format!("naming context {v}"));
        }
        Ok(ConnectionInfo {
            server: parts.join(", "),
            encrypted: self.endpoint.encrypted(),
        })
    }

    async fn list_accounts(&self, request: ListRequest) -> TargetResult<LdapPages> {
        let filter =
            entries::listing_filter(&self.def, self.flavor, request.changed_since.as_deref())?;
        loop {
            let conn = self.service_conn().await?;
            let origin = conn.origin();
            let started = LdapPages::start(
                conn,
                Arc::clone(&self.def),
                self.flavor,
                filter.clone(),
                request.page_size,
                self.timeout(),
            )
            .await;
            if !self.retry(origin, &started) {
                return started;
            }
        }
    }

    async fn read_account(&self, account: &str) -> TargetResult<AccountEntry> {
        let attrs = entries::requested(&self.def, self.flavor);
        let entry = self.search_one(account, attrs).await?;
        Ok(entries::to_account(&self.def, self.flavor, entry))
    }

    async fn verify_password(&self, account: &str, password: &Password) -> TargetResult<Verified> {
        loop {
            let mut conn = self.user_conn().await?;
            let origin = conn.origin();
            let result = self.bind_as(&mut conn, account, password).await;
            let result = Self::settle(conn, result);
            if !self.retry(origin, &result) {
                return result;
            }
        }
    }

    async fn set_password(&self, account: &str, new: &Password) -> TargetResult<()> {
        passwords::set_password(self, account, new).await
    }

    async fn change_password(
        &self,
        account: &str,
        old: &Password,
        new: &Password,
    ) -> TargetResult<()> {
        passwords::change_password(self, account, old, new).await
    }

    async fn unlock(&self, account: &str) -> TargetResult<()> {
        passwords::unlock(self, account).await
    }

    async fn expire(&self, account: &str) -> TargetResult<()> {
        passwords::expire(self, account).await
    }

    async fn replace_attribute(
        &self,
        account: &str,
        attribute: &str,
        value: &str,
    ) -> TargetResult<()> {
        attributes::replace(self, account, attribute, value).await
    }
}
