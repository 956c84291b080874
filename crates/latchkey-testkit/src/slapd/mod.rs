//! Throwaway OpenLDAP `slapd` directories with the password-policy overlay, on 127.0.0.1.
//!
//! [`Slapd::start`] writes a `slapd.conf` into a fresh temp dir, loads the tree offline with
//! `slapadd` (fast even for 10,000+ users), starts `slapd` on a free port as a child process of
//! the test, and waits until an anonymous search of the root DSE answers.
//!
//! The tree, under [`BASE_DN`]:
//!
//! ```text
//! dc=example,dc=org
//! ├── cn=admin          rootdn: bypasses ACLs and ppolicy (used by the helper commands)
//! ├── cn=resetsvc       service account: `manage` on entries and userPassword, so resets
//! │                     through it behave like a real reset service (ppolicy applies)
//! ├── ou=policies
//! │   └── cn=default    the default pwdPolicy (see SlapdOptions)
//! └── ou=people
//!     ├── uid=user00000 inetOrgPerson, password Slapd::initial_password(0)
//!     └── ...
//! ```
//!
//! ACLs: a user may write its own `userPassword`, anonymous clients may bind, everyone may read
//! everything else. Passwords written in clear text are hashed as `{SSHA}` by the overlay
//! (`ppolicy_hash_cleartext`).
//!
//! Policy default (`cn=default`): history of 5, lockout after 5 failures for 900 s, `pwdReset`
//! after an administrative reset, no quality checks unless [`SlapdOptions::min_length`] is set.
//! Note how slapo-ppolicy treats a *password administrator* (anyone with `manage` on
//! `userPassword`, such as the service account): its resets set `pwdReset: TRUE` but skip the
//! quality, length and history checks, which only apply to a user changing their own password.
//! The rootdn skips the policy entirely.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use sha1::{Digest as _, Sha1};
use tempfile::TempDir;

use crate::error::{Result, TestkitError};
use crate::process::{self, NotReady, Signal, Watchdog};

/// How to install the server and the client tools on Debian/Ubuntu.
const INSTALL: &str = "apt-get install slapd ldap-utils";
/// Where distributions put `slapd` and `slapadd` besides `$PATH` (sbin is often not in it).
const SERVER_DIRS: &[&str] = &["/usr/sbin", "/usr/local/sbin", "/usr/libexec"];
/// Where distributions put the dynamically loaded slapd modules.
const MODULE_DIRS: &[&str] = &[
    "/usr/lib/ldap",
    "/usr/lib64/openldap",
    "/usr/lib/openldap",
    "/usr/libexec/openldap",
    "/usr/local/libexec/openldap",
];
/// Where distributions put the schema files.
const SCHEMA_DIRS: &[&str] = &["/etc/ldap/schema", "/etc/openldap/schema"];
/// The schemas the tree needs; `namedobject` provides the policy entry's `namedPolicy` class.
/// (The ppolicy schema is built into the 2.5 overlay; there is no ppolicy.schema to include.)
const SCHEMAS: &[&str] = &["core", "cosine", "nis", "inetorgperson", "namedobject"];
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(10);
const PORT_ATTEMPTS: usize = 3;

/// The suffix of the directory.
pub const BASE_DN: &str = "dc=example,dc=org";
/// Where the seeded users live.
pub const PEOPLE_DN: &str = "ou=people,dc=example,dc=org";
/// The default password policy entry.
pub const POLICY_DN: &str = "cn=default,ou=policies,dc=example,dc=org";
/// The rootdn. It bypasses ACLs *and* the password policy, so tests of policy behaviour must
/// act as the service account instead.
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=org";
/// The rootdn's password.
pub const ADMIN_PASSWORD: &str = "admin-secret";
/// A non-root account with `manage` rights on entries and passwords, like a reset service.
pub const SERVICE_DN: &str = "cn=resetsvc,dc=example,dc=org";
/// The service account's password.
pub const SERVICE_PASSWORD: &str = "resetsvc-secret";

/// How to set up a [`Slapd`]. Build with struct update syntax:
/// `SlapdOptions { users: 10_000, ..SlapdOptions::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlapdOptions {
    /// Users to seed under [`PEOPLE_DN`], `uid=user00000` upwards. Default 10.
    pub users: usize,
    /// Enforce the password policy overlay (lockout, history, `pwdReset`). Default true.
    /// When false the policy entry still exists but nothing enforces it.
    pub ppolicy: bool,
    /// `pwdMinLength` of the default policy. Default 0 (no minimum). A non-zero value also
    /// sets `pwdCheckQuality: 1`, because slapd only checks the length when quality checks
    /// are on; otherwise `pwdCheckQuality` is 0. Like history, it applies to changes by the
    /// user, not to resets by the service account (see the module docs).
    pub min_length: u32,
    /// mdb `dbnosync`: no fsync per write, about three times faster, not durable. Default false.
    pub dbnosync: bool,
    /// slapd's `-d` log level written to the log file, e.g. `stats` (one line per operation,
    /// the default), `none` (only errors) or `-1` (everything).
    pub log_level: String,
}

impl Default for SlapdOptions {
    fn default() -> Self {
        Self {
            users: 10,
            ppolicy: true,
            min_length: 0,
            dbnosync: false,
            log_level: "stats".into(),
        }
    }
}

/// Programs and files this machine's OpenLDAP install provides.
#[derive(Debug, Clone)]
struct Install {
    slapd: PathBuf,
    slapadd: PathBuf,
    ldapsearch: PathBuf,
    ldapmodify: PathBuf,
    schema_dir: PathBuf,
    module_dir: PathBuf,
}

/// A slapd owned by this test process, listening on `ldap://127.0.0.1:PORT/` and on a unix
/// socket (`ldapi://`) in its temp dir.
///
/// Dropping it stops slapd and deletes its directory.
#[derive(Debug)]
pub struct Slapd {
    options: SlapdOptions,
    install: Install,
    conf: PathBuf,
    log: PathBuf,
    admin_password_file: PathBuf,
    port: u16,
    child: Mutex<Option<Child>>,
    /// Dropped before `_watchdog`, which then finds nothing left to clean (see `PgCluster`).
    dir: TempDir,
    /// Held for its `Drop` (and for the process exit): see [`Watchdog`].
    _watchdog: Watchdog,
}

impl Slapd {
    /// Creates the directory described by `options`, starts slapd on a free port, and waits
    /// until it answers.
    ///
    /// Errors say which program or file is missing and how to install it; if slapd starts but
    /// does not come up, the error ends with the last lines of its log.
    pub fn start(options: SlapdOptions) -> Result<Self> {
        let install = find_install()?;
        let dir = tempfile::Builder::new()
            .prefix("latchkey-slapd-")
            .tempdir()
            .map_err(TestkitError::io("creating the slapd temp dir"))?;
        let db_dir = dir.path().join("db");
        std::fs::create_dir(&db_dir).map_err(TestkitError::io("creating the mdb directory"))?;
        let watchdog = Watchdog::spawn(&dir.path().join("slapd.pid"), "TERM", dir.path())?;

        let mut slapd = Self {
            conf: dir.path().join("slapd.conf"),
            log: dir.path().join("slapd.log"),
            admin_password_file: dir.path().join("admin.pw"),
            options,
            install,
            port: 0,
            child: Mutex::new(None),
            dir,
            _watchdog: watchdog,
        };
        write_file(&slapd.conf, &slapd.config()?)?;
        // Helpers read the password from a file (`-y`) so it never shows up in argv.
        write_file(&slapd.admin_password_file, ADMIN_PASSWORD)?;
        slapd.seed()?;

        let mut attempt = 0;
        loop {
            attempt += 1;
            slapd.port = process::free_port()?;
            match slapd.launch() {
                Ok(child) => {
                    *slapd.child_slot() = Some(child);
                    return Ok(slapd);
                }
                Err(err) if attempt < PORT_ATTEMPTS && process::lost_port_race(&slapd.log) => {
                    process::log_note(&slapd.log, &format!("port taken, retrying: {err}"));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The password seeded for user `i`: `Initial-` followed by `i` in five digits, e.g.
    /// `Initial-00042`. Written pre-hashed (`{SSHA}`), so the policy never saw it.
    pub fn initial_password(i: usize) -> String {
        format!("Initial-{i:05}")
    }

    /// The `uid` of user `i`, e.g. `user00042`.
    pub fn user_uid(i: usize) -> String {
        format!("user{i:05}")
    }

    /// The DN of user `i`, e.g. `uid=user00042,ou=people,dc=example,dc=org`.
    pub fn user_dn(i: usize) -> String {
        format!("uid={},{PEOPLE_DN}", Self::user_uid(i))
    }

    /// The mail address of user `i`, e.g. `user00042@example.org`.
    pub fn user_mail(i: usize) -> String {
        format!("{}@example.org", Self::user_uid(i))
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// The `ldapi://` URL of the unix socket in the temp dir.
    pub fn ldapi_url(&self) -> String {
        let mut url = String::from("ldapi://");
        for byte in self.dir.path().join("ldapi").to_string_lossy().bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                url.push(char::from(byte));
            } else {
                // Writing to a String cannot fail.
                let _ = write!(url, "%{byte:02X}");
            }
        }
        url
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// [`BASE_DN`].
    pub fn base_dn(&self) -> &'static str {
        BASE_DN
    }

    /// [`PEOPLE_DN`].
    pub fn people_dn(&self) -> &'static str {
        PEOPLE_DN
    }

    /// [`POLICY_DN`].
    pub fn policy_dn(&self) -> &'static str {
        POLICY_DN
    }

    /// [`ADMIN_DN`] (the rootdn: bypasses ACLs and the password policy).
    pub fn admin_dn(&self) -> &'static str {
        ADMIN_DN
    }

    /// [`ADMIN_PASSWORD`].
    pub fn admin_password(&self) -> &'static str {
        ADMIN_PASSWORD
    }

    /// [`SERVICE_DN`] (subject to the password policy, like a real reset service).
    pub fn service_dn(&self) -> &'static str {
        SERVICE_DN
    }

    /// [`SERVICE_PASSWORD`].
    pub fn service_password(&self) -> &'static str {
        SERVICE_PASSWORD
    }

    /// How many users were seeded.
    pub fn users(&self) -> usize {
        self.options.users
    }

    /// The options this directory was created with.
    pub fn options(&self) -> &SlapdOptions {
        &self.options
    }

    /// slapd's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        let mut slot = self.child_slot();
        let child = slot.as_mut()?;
        matches!(child.try_wait(), Ok(None)).then(|| child.id())
    }

    /// Whether slapd is running.
    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// The temp dir holding config, database, socket and log; removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// slapd's log (at [`SlapdOptions::log_level`]).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Applies LDIF change records (`changetype: modify`, ...) with `ldapmodify` as the rootdn.
    pub fn ldapmodify(&self, ldif: &str) -> Result<()> {
        let mut cmd = self.client(&self.install.ldapmodify);
        process::run(&mut cmd, Some(ldif.as_bytes())).map(drop)
    }

    /// Adds LDIF entries with `ldapmodify -a` (what `ldapadd` does) as the rootdn.
    pub fn ldapadd(&self, ldif: &str) -> Result<()> {
        let mut cmd = self.client(&self.install.ldapmodify);
        cmd.arg("-a");
        process::run(&mut cmd, Some(ldif.as_bytes())).map(drop)
    }

    /// Searches the subtree at `base` with `filter` as the rootdn and returns unwrapped LDIF
    /// (`ldapsearch -LLL -o ldif-wrap=no`). Operational attributes such as
    /// `pwdAccountLockedTime` are returned only when named in `attrs` (or with `+`).
    pub fn ldapsearch(&self, base: &str, filter: &str, attrs: &[&str]) -> Result<String> {
        let mut cmd = self.client(&self.install.ldapsearch);
        cmd.args(["-LLL", "-o", "ldif-wrap=no", "-b", base, filter])
            .args(attrs);
        process::run(&mut cmd, None)
    }

    /// Stops slapd (SIGTERM, then SIGKILL after 10 s), keeping its data, so a test can watch
    /// code cope with the directory going away. Stopping a stopped slapd does nothing.
    pub fn stop(&self) -> Result<()> {
        process::stop_slot(
            &mut self.child_slot(),
            &self.log,
            "stopping",
            Signal::TERM,
            STOP_GRACE,
        )
    }

    /// Starts slapd again after [`stop`](Self::stop), on the same port and data, and waits until
    /// it answers. Starting a running slapd does nothing.
    pub fn start_again(&self) -> Result<()> {
        process::restart_slot(&mut self.child_slot(), "slapd", || self.launch())
    }

    fn child_slot(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An ldap-utils command bound as the rootdn, ignoring ldap.conf and ~/.ldaprc.
    fn client(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("LDAPNOINIT", "1")
            .args(["-x", "-H", &self.url(), "-D", ADMIN_DN, "-y"])
            .arg(&self.admin_password_file)
            .args(["-o", "nettimeout=10"]);
        cmd
    }

    /// Spawns slapd in the foreground (`-d` keeps it attached) and waits until it answers.
    fn launch(&self) -> Result<Child> {
        let mut cmd = Command::new(&self.install.slapd);
        cmd.arg("-d")
            .arg(&self.options.log_level)
            .arg("-f")
            .arg(&self.conf)
            .arg("-h")
            .arg(format!("{}/ {}", self.url(), self.ldapi_url()));
        let mut child = process::spawn_logged(&mut cmd, &self.log)?;
        let url = self.url();
        let ready = process::wait_ready(&mut child, START_TIMEOUT, || {
            let mut probe = Command::new(&self.install.ldapsearch);
            probe
                .env("LDAPNOINIT", "1")
                .args(["-x", "-LLL", "-H", &url, "-o", "nettimeout=2"])
                .args(["-b", "", "-s", "base", "namingContexts"]);
            process::run(&mut probe, None).is_ok()
        });
        match ready {
            Ok(()) => Ok(child),
            Err(NotReady::TimedOut(t)) => Err(process::startup_error(
                "slapd",
                &self.log,
                format!(
                    "{url} did not answer a root DSE search within {} s",
                    t.as_secs()
                ),
            )),
            Err(other) => Err(process::startup_error(
                "slapd",
                &self.log,
                other.to_string(),
            )),
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; the watchdog retries the cleanup anyway.
        let _ = self.stop();
    }
}

/// Finds slapd, its tools, schemas and modules. `$LATCHKEY_SLAPD_MODULE_DIR` and
/// `$LATCHKEY_SLAPD_SCHEMA_DIR` override the built-in guesses for unusual installs.
fn find_install() -> Result<Install> {
    let slapd = process::require_program("slapd", SERVER_DIRS, INSTALL)?;
    let slapadd = process::require_program("slapadd", SERVER_DIRS, INSTALL)?;
    let ldapsearch = process::require_program("ldapsearch", &["/usr/bin"], INSTALL)?;
    let ldapmodify = process::require_program("ldapmodify", &["/usr/bin"], INSTALL)?;
    let schema_dir = dir_from_env_or("LATCHKEY_SLAPD_SCHEMA_DIR", SCHEMA_DIRS, |d| {
        d.join("core.schema").is_file()
    })
    .ok_or_else(|| {
        TestkitError::Setup(format!(
            "no OpenLDAP schema directory with core.schema (looked in $LATCHKEY_SLAPD_SCHEMA_DIR, \
             {}); it comes with `{INSTALL}`",
            SCHEMA_DIRS.join(", ")
        ))
    })?;
    let module_dir = dir_from_env_or("LATCHKEY_SLAPD_MODULE_DIR", MODULE_DIRS, |d| {
        module_exists(d, "ppolicy")
    })
    .ok_or_else(|| {
        TestkitError::Setup(format!(
            "no slapd module directory with the ppolicy overlay (looked in \
             $LATCHKEY_SLAPD_MODULE_DIR, {}); it comes with `{INSTALL}`",
            MODULE_DIRS.join(", ")
        ))
    })?;
    Ok(Install {
        slapd,
        slapadd,
        ldapsearch,
        ldapmodify,
        schema_dir,
        module_dir,
    })
}

fn dir_from_env_or(var: &str, candidates: &[&str], ok: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => candidates.iter().map(PathBuf::from).find(|d| ok(d)),
    }
}

fn module_exists(dir: &Path, name: &str) -> bool {
    ["la", "so"]
        .iter()
        .any(|ext| dir.join(format!("{name}.{ext}")).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_follow_the_documented_pattern() {
        assert_eq!(
            Slapd::user_dn(42),
            "uid=user00042,ou=people,dc=example,dc=org"
        );
        assert_eq!(Slapd::user_mail(7), "user00007@example.org");
        assert_eq!(Slapd::initial_password(12_345), "Initial-12345");
    }
}

mod files;
use files::write_file;
