//! The connector port: what Latchkey asks of a target system, whatever it is.
//!
//! `latchkey-targets` implements [`TargetConnector`] for OpenLDAP, Active Directory and
//! PostgreSQL roles; the server, the CLI and the jobs only ever talk to this trait. Accounts are
//! named as the target names them: a DN for a directory, a role name for PostgreSQL.
//!
//! Every operation either completes on the target or fails with a classified
//! [`TargetError`](super::TargetError); a connector never reports success for half an operation
//! (each password change is a single atomic request on the target).

use super::error::TargetResult;
use crate::profile::Attributes;
use crate::secret::Password;
use std::future::Future;

/// What a target says about an account, besides its password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountState {
    /// Locked after failed logins (or, for PostgreSQL, `NOLOGIN`).
    pub locked: bool,
    /// Disabled by an administrator.
    pub disabled: bool,
    /// The password must be changed at the next login (reset by an administrator, expired).
    pub must_change: bool,
    /// The account (not just its password) has expired.
    pub expired: bool,
}

/// One account read from a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEntry {
    /// Its name on the target (DN, role name).
    pub name: String,
    /// Its attributes (names lower-case; values as text).
    pub attributes: Attributes,
    /// Lockout, disabled and must-change state.
    pub state: AccountState,
}

/// A successful password check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verified {
    /// The password is right, but the target wants it changed before anything else.
    pub must_change: bool,
}

/// What [`TargetConnector::test_connection`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The server as it describes itself (vendor, version, naming context).
    pub server: String,
    /// Whether the connection is encrypted (LDAPS, StartTLS, TLS to PostgreSQL).
    pub encrypted: bool,
}

/// How to list accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    /// Accounts per page (the target's paging, where it has one).
    pub page_size: u32,
    /// Only accounts changed since this mark (from [`AccountPages::high_water`] of an earlier
    /// listing), where the target can tell; `None` lists everything.
    pub changed_since: Option<String>,
}

impl Default for ListRequest {
    fn default() -> Self {
        Self {
            page_size: 500,
            changed_since: None,
        }
    }
}

/// Pages of a listing in progress.
pub trait AccountPages {
    /// The next page, or `None` when the listing is complete.
    fn next_page(&mut self)
    -> impl Future<Output = TargetResult<Option<Vec<AccountEntry>>>> + Send;
    /// After the last page: the mark to pass as [`ListRequest::changed_since`] next time, when
    /// the target supports incremental listings.
    fn high_water(&self) -> Option<String>;
}

/// A target system.
pub trait TargetConnector {
    /// A listing in progress.
    type Pages: AccountPages + Send;

    /// Connects and authenticates as the service account, and describes the server.
    fn test_connection(&self) -> impl Future<Output = TargetResult<ConnectionInfo>> + Send;

    /// Lists the accounts in scope (paged).
    fn list_accounts(
        &self,
        request: ListRequest,
    ) -> impl Future<Output = TargetResult<Self::Pages>> + Send;

    /// Reads one account's attributes and state.
    fn read_account(
        &self,
        account: &str,
    ) -> impl Future<Output = TargetResult<AccountEntry>> + Send;

    /// Checks a password by logging in as the account.
    fn verify_password(
        &self,
        account: &str,
        password: &Password,
    ) -> impl Future<Output = TargetResult<Verified>> + Send;

    /// Sets a password as an administrator (no old password).
    fn set_password(
        &self,
        account: &str,
        new: &Password,
    ) -> impl Future<Output = TargetResult<()>> + Send;

    /// Changes a password as the user: the target checks `old` and applies its policy for
    /// user changes.
    fn change_password(
        &self,
        account: &str,
        old: &Password,
        new: &Password,
    ) -> impl Future<Output = TargetResult<()>> + Send;

    /// Lifts a lockout.
    fn unlock(&self, account: &str) -> impl Future<Output = TargetResult<()>> + Send;

    /// Makes the account change its password at the next login.
    fn expire(&self, account: &str) -> impl Future<Output = TargetResult<()>> + Send;

    /// Replaces every value of `attribute` on the account with `value` (an empty `value`
    /// removes the attribute), in one request, applied whole or not at all. A password,
    /// lockout or account-control attribute ([`super::attribute::is_password_attribute`]) is
    /// refused as [`TargetError::Unsupported`](super::TargetError::Unsupported): only the
    /// password operations above change those. Writing the same value again changes nothing
    /// more, so a call whose answer was lost may be repeated.
    fn replace_attribute(
        &self,
        account: &str,
        attribute: &str,
        value: &str,
    ) -> impl Future<Output = TargetResult<()>> + Send;
}
