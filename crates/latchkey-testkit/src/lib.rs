//! Real servers for Latchkey's integration tests: PostgreSQL and OpenLDAP `slapd` with the
//! password-policy overlay, each started on 127.0.0.1 in its own temp dir and torn down after.
//!
//! Tests talk to the same software production does, so lockout, history and `pwdReset` come
//! from slapd's ppolicy, and SQL runs on a real PostgreSQL. Everything here is synchronous
//! (`std::process`); async tests can call it directly before they start their clients.
//!
//! - [`PgCluster`]: `initdb` + `postgres` on a free port. [`PgCluster::shared`] gives one cluster
//!   per test process; [`PgCluster::create_database`] gives each test its own database URL.
//! - [`Slapd`]: a directory seeded offline with N users and a default password policy, with
//!   `ldapmodify`/`ldapadd`/`ldapsearch` helpers acting as the rootdn.
//! - [`SambaDc`]: Samba as an Active Directory domain controller, provisioned fresh, serving
//!   LDAPS and StartTLS with a certificate from a throwaway CA. It must use the standard LDAP
//!   ports, so [`SambaDc::shared`] gives one per test process (root only).
//! - Both can be [stopped](Slapd::stop) and [started again](Slapd::start_again) on the same port
//!   and data, to test code that must survive its backend going away.
//!
//! Each server writes a log file in its temp dir ([`PgCluster::log_path`],
//! [`Slapd::log_path`]); startup errors quote its last lines. A missing program is an error
//! naming the package to install; `bash scripts/test.sh` installs them all on Debian.
//!
//! Cleanup does not depend on destructors: a small watchdog process per server stops it and
//! removes its directory when the test process exits, even if it was killed.
//!
//! ```no_run
//! use latchkey_testkit::{PgCluster, Slapd, SlapdOptions};
//!
//! # fn main() -> Result<(), latchkey_testkit::TestkitError> {
//! let database_url = PgCluster::shared()?.create_database()?;
//! let ldap = Slapd::start(SlapdOptions { users: 100, ..SlapdOptions::default() })?;
//! let (dn, password) = (Slapd::user_dn(7), Slapd::initial_password(7));
//! # let _ = (database_url, ldap, dn, password);
//! # Ok(())
//! # }
//! ```

mod error;
mod postgres;
mod process;
mod slapd;

pub use error::{Result, TestkitError};
pub use postgres::{PG_USER, PgCluster};
pub use process::free_port;
pub use slapd::{
    ADMIN_DN, ADMIN_PASSWORD, BASE_DN, PEOPLE_DN, POLICY_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd,
    SlapdOptions,
};

#[cfg(test)]
mod tests {
    /// Tests share servers across threads (`PgCluster::shared`, `Arc<Slapd>` in async tests).
    #[test]
    fn servers_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::PgCluster>();
        assert_send_sync::<crate::Slapd>();
    }
}

mod server;
pub use server::{Database, TestServer};

mod smtp;
pub use smtp::{ReceivedMail, SmtpSink};

mod samba;
pub use samba::{
    AD_ADMIN, AD_ADMIN_PASSWORD, AD_BASE_DN, AD_DOMAIN, AD_REALM, AD_USERS_DN, SambaDc,
};

mod fault_proxy;
pub use fault_proxy::{Fault, FaultProxy, Op};
