//! Latchkey's target-system connectors: OpenLDAP, Active Directory and PostgreSQL roles, behind
//! the one port `latchkey_core::target::TargetConnector`; and discovery, which loads a target's
//! accounts into the store, makes profiles from a source target and associates accounts with
//! their owners.
//!
//! Data moves like this: the caller loads a `StoredTarget` from the store, opens its sealed
//! service password with the master key ([`credentials`]), and builds a [`Connector`] from the
//! two. Every operation of the port returns a classified `TargetError` on failure, with
//! directory policy refusals in plain words. [`discovery::discover`] drives a connector and the
//! store together.
//!
//! Modules: [`ldap`] (both directory flavours), [`pg`] (roles), [`discovery`], [`credentials`];
//! `pool` is a small connection pool and `tls` builds a client configuration from a CA file.

pub mod cache;
pub mod credentials;
pub mod discovery;
pub mod ldap;
pub mod pg;
mod pool;
pub mod schedule;
mod tls;

use latchkey_core::secret::Password;
use latchkey_core::target::{
    AccountEntry, AccountPages, ConnectionInfo, ListRequest, TargetConnector, TargetDef,
    TargetKind, TargetResult, Verified,
};

pub use ldap::{LdapPages, LdapTarget};
pub use pg::{PgPages, PgTarget};

/// Any target, built from its definition.
#[derive(Debug, Clone)]
pub enum Connector {
    /// OpenLDAP or Active Directory.
    Ldap(LdapTarget),
    /// PostgreSQL roles (boxed: its connection options are large).
    Postgres(Box<PgTarget>),
}

impl Connector {
    /// The connector for `def`'s kind, with the service account's password.
    pub fn new(def: TargetDef, service_password: Option<Password>) -> TargetResult<Self> {
        Ok(match def.kind {
            TargetKind::Ldap | TargetKind::ActiveDirectory => {
                Self::Ldap(LdapTarget::new(def, service_password)?)
            }
            TargetKind::Postgres => Self::Postgres(Box::new(PgTarget::new(def, service_password)?)),
        })
    }

    /// The definition it was built from.
    pub fn definition(&self) -> &TargetDef {
        match self {
            Self::Ldap(t) => t.definition(),
            Self::Postgres(t) => t.definition(),
        }
    }
}

/// A listing of any connector.
#[derive(Debug)]
pub enum Pages {
    /// From a directory.
    Ldap(LdapPages),
    /// From PostgreSQL.
    Postgres(PgPages),
}

impl AccountPages for Pages {
    async fn next_page(&mut self) -> TargetResult<Option<Vec<AccountEntry>>> {
        match self {
            Self::Ldap(p) => p.next_page().await,
            Self::Postgres(p) => p.next_page().await,
        }
    }

    fn high_water(&self) -> Option<String> {
        match self {
            Self::Ldap(p) => p.high_water(),
            Self::Postgres(p) => p.high_water(),
        }
    }
}

macro_rules! delegate {
    ($self:ident, $t:ident => $call:expr) => {
        match $self {
            Connector::Ldap($t) => $call.await,
            Connector::Postgres($t) => $call.await,
        }
    };
}

impl TargetConnector for Connector {
    type Pages = Pages;

    async fn test_connection(&self) -> TargetResult<ConnectionInfo> {
        delegate!(self, t => t.test_connection())
    }

    async fn list_accounts(&self, request: ListRequest) -> TargetResult<Pages> {
        Ok(match self {
            Self::Ldap(t) => Pages::Ldap(t.list_accounts(request).await?),
            Self::Postgres(t) => Pages::Postgres(t.list_accounts(request).await?),
        })
    }

    async fn read_account(&self, account: &str) -> TargetResult<AccountEntry> {
        delegate!(self, t => t.read_account(account))
    }

    async fn verify_password(&self, account: &str, password: &Password) -> TargetResult<Verified> {
        delegate!(self, t => t.verify_password(account, password))
    }

    async fn set_password(&self, account: &str, new: &Password) -> TargetResult<()> {
        delegate!(self, t => t.set_password(account, new))
    }

    async fn change_password(
        &self,
        account: &str,
        old: &Password,
        new: &Password,
    ) -> TargetResult<()> {
        delegate!(self, t => t.change_password(account, old, new))
    }

    async fn unlock(&self, account: &str) -> TargetResult<()> {
        delegate!(self, t => t.unlock(account))
    }

    async fn expire(&self, account: &str) -> TargetResult<()> {
        delegate!(self, t => t.expire(account))
    }

    async fn replace_attribute(
        &self,
        account: &str,
        attribute: &str,
        value: &str,
    ) -> TargetResult<()> {
        delegate!(self, t => t.replace_attribute(account, attribute, value))
    }
}
