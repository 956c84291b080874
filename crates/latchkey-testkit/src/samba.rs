//! A throwaway Samba Active Directory domain controller on 127.0.0.1, for tests of the AD
//! connector against the real thing (unicodePwd, lockout, `data NNN` codes, policy refusals).
//!
//! [`SambaDc::start`] provisions a fresh domain into a temp dir (`samba-tool domain provision`,
//! about 4 s), writes a minimal `smb.conf` that runs only the LDAP server on the loopback
//! interface, serves a certificate from a throwaway CA made with `openssl` (SAN `127.0.0.1`,
//! so clients verify it: [`SambaDc::ca_pem_path`]), sets a test-friendly password policy, and
//! starts `samba -i` as a child process, waiting until LDAPS answers.
//!
//! An AD DC must listen on the standard ports (389 and 636 on 127.0.0.1), so there can be one
//! per machine at a time: tests share one per test process through [`SambaDc::shared`]. That
//! needs root (privileged ports) and the ports free. `-s /dev/null` keeps provisioning from
//! copying the system's smb.conf.
//!
//! The domain: realm [`AD_REALM`], base [`AD_BASE_DN`], administrator [`AD_ADMIN`] /
//! [`AD_ADMIN_PASSWORD`]. Policy: minimum length 7, complexity on, history 3, no minimum age,
//! lockout after 5 failures for 15 minutes, and `old password allowed period = 0` (by default
//! AD lets the old password bind for an hour after a user's own change).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use tempfile::TempDir;

use crate::error::{Result, TestkitError};
use crate::process::{self, NotReady, Signal, Watchdog};

const INSTALL: &str = "apt-get install samba samba-dsdb-modules samba-vfs-modules samba-ad-provision ldap-utils openssl";
const SERVER_DIRS: &[&str] = &["/usr/sbin", "/usr/local/sbin", "/usr/local/samba/sbin"];
const START_TIMEOUT: Duration = Duration::from_secs(90);
const STOP_GRACE: Duration = Duration::from_secs(15);

/// The Kerberos realm of the test domain.
pub const AD_REALM: &str = "LATCHKEY.TEST";
/// The NetBIOS domain name.
pub const AD_DOMAIN: &str = "LATCHKEY";
/// The domain's naming context.
pub const AD_BASE_DN: &str = "DC=latchkey,DC=test";
/// Where [`SambaDc::add_user`] creates users.
pub const AD_USERS_DN: &str = "CN=Users,DC=latchkey,DC=test";
/// The domain administrator (a user principal name, which AD accepts as a bind name).
pub const AD_ADMIN: &str = "Administrator@latchkey.test";
/// The administrator's password.
pub const AD_ADMIN_PASSWORD: &str = "Adm1n-Passw0rd!";

/// The leaf certificate's extensions: a server certificate for 127.0.0.1 that is not a CA
/// (rustls refuses a CA certificate used as a server's).
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                        extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";

/// Runs samba under a small shell that stays behind with a command line naming the temp dir:
/// samba rewrites its own process titles, so the cleanup watchdog (which checks that the pid it
/// is about to signal belongs to this dir) could not recognise samba itself. The shell passes
/// SIGTERM on to samba and waits for it; its pid is the one in `samba.pid`.
const WRAPPER: &str = r#"
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
"$@" &
child=$!
wait "$child"
"#;

/// The per-process domain controller behind [`SambaDc::shared`].
static SHARED: OnceLock<std::result::Result<SambaDc, String>> = OnceLock::new();

#[derive(Debug, Clone)]
struct Install {
    samba: PathBuf,
    samba_tool: PathBuf,
    ldapsearch: PathBuf,
    ldapmodify: PathBuf,
    openssl: PathBuf,
}

/// A Samba AD DC owned by this test process. Dropping it stops samba and deletes its directory.
#[derive(Debug)]
pub struct SambaDc {
    install: Install,
    conf: PathBuf,
    log: PathBuf,
    ca: PathBuf,
    admin_password_file: PathBuf,
    child: Mutex<Option<Child>>,
    dir: TempDir,
    _watchdog: Watchdog,
}

impl SambaDc {
    /// Provisions a new domain and starts it. Fails with a clear message when not root, when
    /// the LDAP ports are taken, or when a program is missing.
    pub fn start() -> Result<Self> {
        if !process::running_as_root() {
            return Err(TestkitError::Setup(
                "Samba as an AD DC listens on the privileged LDAP ports 389/636: run the tests \
                 as root (as CI does)"
                    .into(),
            ));
        }
        for port in [389, 636] {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(TestkitError::Setup(format!(
                    "port {port} on 127.0.0.1 is taken; Samba needs it (is another DC or slapd \
                     running there?)"
                )));
            }
        }
        let install = Install {
            samba: process::require_program("samba", SERVER_DIRS, INSTALL)?,
            samba_tool: process::require_program("samba-tool", &["/usr/bin"], INSTALL)?,
            ldapsearch: process::require_program("ldapsearch", &["/usr/bin"], INSTALL)?,
            ldapmodify: process::require_program("ldapmodify", &["/usr/bin"], INSTALL)?,
            openssl: process::require_program("openssl", &["/usr/bin"], INSTALL)?,
        };
        let dir = tempfile::Builder::new()
            .prefix("latchkey-samba-")
            .tempdir()
            .map_err(TestkitError::io("creating the Samba temp dir"))?;
        let watchdog = Watchdog::spawn(&dir.path().join("samba.pid"), "TERM", dir.path())?;
        let dc = Self {
            conf: dir.path().join("etc").join("smb.conf"),
            log: dir.path().join("samba.log"),
            ca: dir.path().join("tls").join("ca.pem"),
            admin_password_file: dir.path().join("admin.pw"),
            install,
            child: Mutex::new(None),
            dir,
            _watchdog: watchdog,
        };
        dc.provision()?;
        *dc.child_slot() = Some(dc.launch()?);
        Ok(dc)
    }

    /// The DC shared by every test of this process, started on first use (never dropped; the
    /// watchdog stops it when the process exits). A failed start is remembered.
    pub fn shared() -> Result<&'static SambaDc> {
        SHARED
            .get_or_init(|| Self::start().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|msg| {
                TestkitError::Setup(format!("the shared Samba DC is unavailable: {msg}"))
            })
    }

    /// `ldaps://127.0.0.1` (port 636).
    pub fn ldaps_url(&self) -> &'static str {
        "ldaps://127.0.0.1"
    }

    /// `ldap://127.0.0.1` (port 389; simple binds need StartTLS here).
    pub fn ldap_url(&self) -> &'static str {
        "ldap://127.0.0.1"
    }

    /// The PEM file of the CA that signed the DC's certificate.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca
    }

    /// The DN of user `name` made by [`SambaDc::add_user`].
    pub fn user_dn(name: &str) -> String {
        format!("CN={name},{AD_USERS_DN}")
    }

    /// Creates an enabled user `name` (sAMAccountName, UPN `name@latchkey.test`, mail the same)
    /// with `password`, and returns its DN.
    pub fn add_user(&self, name: &str, password: &str) -> Result<String> {
        let dn = Self::user_dn(name);
        let quoted: Vec<u8> = format!("\"{password}\"")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let value = base64::engine::general_purpose::STANDARD.encode(quoted);
        self.ldapmodify(&format!(
            "dn: {dn}\nchangetype: add\nobjectClass: user\nsAMAccountName: {name}\n\
             userPrincipalName: {name}@latchkey.test\nmail: {name}@latchkey.test\n\
             unicodePwd:: {value}\nuserAccountControl: 512\n"
        ))?;
        Ok(dn)
    }

    /// Applies LDIF change records over LDAPS as the administrator.
    pub fn ldapmodify(&self, ldif: &str) -> Result<()> {
        let mut cmd = self.client(&self.install.ldapmodify);
        process::run(&mut cmd, Some(ldif.as_bytes())).map(drop)
    }

    /// Searches as the administrator; unwrapped LDIF.
    pub fn ldapsearch(&self, base: &str, filter: &str, attrs: &[&str]) -> Result<String> {
        let mut cmd = self.client(&self.install.ldapsearch);
        cmd.args(["-LLL", "-o", "ldif-wrap=no", "-b", base, filter])
            .args(attrs);
        process::run(&mut cmd, None)
    }

    /// Stops samba, keeping the domain. Other tests sharing the DC must not run meanwhile.
    pub fn stop(&self) -> Result<()> {
        process::stop_slot(
            &mut self.child_slot(),
            &self.log,
            "stopping",
            Signal::TERM,
            STOP_GRACE,
        )
    }

    /// Starts samba again after [`stop`](Self::stop) and waits for LDAPS.
    pub fn start_again(&self) -> Result<()> {
        process::restart_slot(&mut self.child_slot(), "samba", || self.launch())
    }

    /// samba's output (`-i` logs to standard output).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The temp dir holding the domain.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn child_slot(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An ldap-utils command over LDAPS as the administrator, trusting only our CA.
    fn client(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("LDAPTLS_CACERT", &self.ca)
            .env("LDAPTLS_REQCERT", "demand")
            .args(["-x", "-H", self.ldaps_url(), "-D", AD_ADMIN, "-y"])
            .arg(&self.admin_password_file)
            .args(["-o", "nettimeout=10"]);
        cmd
    }

    fn provision(&self) -> Result<()> {
        let dir = self.dir.path();
        let mut cmd = Command::new(&self.install.samba_tool);
        cmd.args(["domain", "provision", "-s", "/dev/null", "--server-role=dc"])
            .args(["--dns-backend=NONE", "--host-name=DC1", "--use-rfc2307"])
            .arg(format!("--realm={AD_REALM}"))
            .arg(format!("--domain={AD_DOMAIN}"))
            .arg(format!("--adminpass={AD_ADMIN_PASSWORD}"))
            .arg(format!("--targetdir={}", dir.display()))
            .args([
                "--option=bind interfaces only=yes",
                "--option=interfaces=lo",
            ]);
        process::log_note(&self.log, "provisioning");
        process::run(&mut cmd, None)?;
        write(&self.admin_password_file, AD_ADMIN_PASSWORD)?;
        self.make_certificates()?;
        let tls = dir.join("tls");
        let paths = |sub: &str| dir.join(sub).display().to_string();
        let conf = format!(
            "# Written by latchkey-testkit for one test run. Not a production configuration.\n\
             [global]\n\
             \tnetbios name = DC1\n\tworkgroup = {AD_DOMAIN}\n\trealm = {AD_REALM}\n\
             \tserver role = active directory domain controller\n\
             \tserver services = ldap\n\
             \tbind interfaces only = yes\n\tinterfaces = lo\n\
             \tprivate dir = {}\n\tlock directory = {}\n\tstate directory = {}\n\
             \tcache directory = {}\n\tpid directory = {}\n\tbinddns dir = {}\n\
             \tlog file = {}\n\tlogging = file\n\
             \tload printers = no\n\tprintcap name = /dev/null\n\
             \told password allowed period = 0\n\
             \ttls enabled = yes\n\ttls keyfile = {}\n\ttls certfile = {}\n\ttls cafile = {}\n",
            paths("private"),
            dir.display(),
            paths("state"),
            paths("cache"),
            paths("run"),
            paths("bind-dns"),
            dir.join("samba-debug.log").display(),
            tls.join("leaf.key").display(),
            tls.join("leaf.pem").display(),
            tls.join("ca.pem").display(),
        );
        write(&self.conf, &conf)?;
        let mut policy = Command::new(&self.install.samba_tool);
        policy
            .args(["domain", "passwordsettings", "set", "-s"])
            .arg(&self.conf)
            .arg("-H")
            .arg(dir.join("private").join("sam.ldb"))
            .args([
                "--min-pwd-age=0",
                "--history-length=3",
                "--min-pwd-length=7",
            ])
            .args(["--complexity=on", "--account-lockout-threshold=5"])
            .args([
                "--reset-account-lockout-after=15",
                "--account-lockout-duration=15",
            ]);
        process::run(&mut policy, None).map(drop)
    }

    fn make_certificates(&self) -> Result<()> {
        let tls = self.dir.path().join("tls");
        std::fs::create_dir_all(&tls).map_err(TestkitError::io("creating the TLS dir"))?;
        write(&tls.join("leaf.ext"), LEAF_EXT)?;
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        let steps = [
            format!(
                "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=latchkey-samba-test-ca \
                 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
            ),
            format!("req {ec} -keyout leaf.key -out leaf.csr -subj /CN=localhost"),
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem \
             -days 2 -extfile leaf.ext"
                .to_owned(),
        ];
        for step in steps {
            let mut cmd = Command::new(&self.install.openssl);
            cmd.current_dir(&tls).args(step.split_whitespace());
            process::run(&mut cmd, None)?;
        }
        // Samba refuses a private key file others can read.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tls.join("leaf.key"), std::fs::Permissions::from_mode(0o600))
            .map_err(TestkitError::io("restricting the key file"))
    }

    fn launch(&self) -> Result<Child> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WRAPPER)
            .arg("latchkey-samba")
            .arg(&self.install.samba)
            .args(["-i", "--debug-stdout", "-s"])
            .arg(&self.conf)
            .arg("--maximum-runtime=7200");
        let mut child = process::spawn_logged(&mut cmd, &self.log)?;
        write(&self.dir.path().join("samba.pid"), &child.id().to_string())?;
        let ready = process::wait_ready(&mut child, START_TIMEOUT, || {
            let mut probe = Command::new(&self.install.ldapsearch);
            probe
                .env("LDAPTLS_CACERT", &self.ca)
                .env("LDAPTLS_REQCERT", "demand")
                .args(["-x", "-LLL", "-H", self.ldaps_url(), "-o", "nettimeout=2"])
                .args(["-b", "", "-s", "base", "defaultNamingContext"]);
            process::run(&mut probe, None).is_ok()
        });
        match ready {
            Ok(()) => Ok(child),
            Err(NotReady::TimedOut(t)) => Err(process::startup_error(
                "samba",
                &self.log,
                format!("LDAPS did not answer within {} s", t.as_secs()),
            )),
            Err(other) => Err(process::startup_error(
                "samba",
                &self.log,
                other.to_string(),
            )),
        }
    }
}

impl Drop for SambaDc {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(TestkitError::io(format!("creating {}", parent.display())))?;
    }
    std::fs::write(path, contents).map_err(TestkitError::io(format!("writing {}", path.display())))
}
