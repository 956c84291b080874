//! Throwaway PostgreSQL clusters on 127.0.0.1.
//!
//! [`PgCluster::start`] runs `initdb` into a fresh temp dir and starts `postgres` on a free port as
//! a child process of the test. Durability is switched off (`fsync`, `synchronous_commit`,
//! `full_page_writes`): the data lives only as long as the test. Benchmarks take
//! [`PgCluster::start_durable`] / [`PgCluster::shared_durable`] instead: PostgreSQL's defaults,
//! every commit synced, as in production. Authentication is `trust` for
//! the `postgres` role, so URLs carry no password.
//!
//! `initdb` costs about a second, so tests normally share one cluster per test process through
//! [`PgCluster::shared`] and isolate themselves with [`PgCluster::create_database`]. A test that
//! takes the database away ([`PgCluster::stop`]) must start its own cluster instead.
//!
//! PostgreSQL refuses to run as root. When the tests run as root (containers, CI), `initdb` and
//! `postgres` run as the `postgres` OS user that the Debian package creates, and the temp dir is
//! handed to that user.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use std::os::unix::process::CommandExt;

use tempfile::TempDir;

use crate::error::{Result, TestkitError};
use crate::process::{self, NotReady, Signal, Watchdog};

/// How to install the PostgreSQL server on Debian/Ubuntu.
const INSTALL: &str = "apt-get install postgresql";
/// How long a start may take before it counts as failed (CI machines can be slow).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a fast shutdown may take before the postmaster is killed.
const STOP_GRACE: Duration = Duration::from_secs(30);
/// Attempts at finding a port nobody else grabs between our probe and postgres' bind.
const PORT_ATTEMPTS: usize = 3;
/// The superuser role; `trust` authentication means it needs no password.
pub const PG_USER: &str = "postgres";

/// A PostgreSQL cluster owned by this test process, listening on 127.0.0.1.
///
/// Dropping it stops the server (fast shutdown) and deletes its directory.
#[derive(Debug)]
pub struct PgCluster {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log: PathBuf,
    port: u16,
    /// Uid and gid to run the server as, when we are root.
    run_as: Option<(u32, u32)>,
    /// PostgreSQL's own durability settings, not the tests' shortcuts.
    durable: bool,
    child: Mutex<Option<Child>>,
    next_db: AtomicU64,
    /// Fields drop in declaration order: after `Drop` stopped the server, the dir goes first,
    /// so the watchdog then finds nothing left to clean and exits at once.
    dir: TempDir,
    /// Held for its `Drop` (and for the process exit): see [`Watchdog`].
    _watchdog: Watchdog,
}

/// The per-process cluster behind [`PgCluster::shared`]; a failed start is remembered as text.
static SHARED: OnceLock<std::result::Result<PgCluster, String>> = OnceLock::new();
/// The same for [`PgCluster::shared_durable`].
static SHARED_DURABLE: OnceLock<std::result::Result<PgCluster, String>> = OnceLock::new();

impl PgCluster {
    /// Creates and starts a new cluster on a free port, and waits until it accepts connections.
    ///
    /// Errors say which program or OS user is missing and how to install it; if the server
    /// starts but does not come up, the error ends with the last lines of its log.
    pub fn start() -> Result<Self> {
        Self::start_with(false)
    }

    /// As [`start`](Self::start), with PostgreSQL's default durability (`fsync`,
    /// `synchronous_commit` and `full_page_writes` on): for measuring what production costs.
    pub fn start_durable() -> Result<Self> {
        Self::start_with(true)
    }

    fn start_with(durable: bool) -> Result<Self> {
        let bin_dir = find_bin_dir()?;
        for program in ["initdb", "postgres", "pg_isready", "psql"] {
            if !process::is_executable(&bin_dir.join(program)) {
                return Err(TestkitError::MissingProgram {
                    program: program.into(),
                    searched: bin_dir.display().to_string(),
                    install: INSTALL.into(),
                });
            }
        }
        let run_as = if process::running_as_root() {
            Some(postgres_os_user()?)
        } else {
            None
        };

        let dir = tempfile::Builder::new()
            .prefix("latchkey-pg-")
            .tempdir()
            .map_err(TestkitError::io("creating the PostgreSQL temp dir"))?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).map_err(
                TestkitError::io(format!(
                    "handing {} to the postgres OS user",
                    dir.path().display()
                )),
            )?;
        }
        let data_dir = dir.path().join("data");
        let log = dir.path().join("postgres.log");
        let watchdog = Watchdog::spawn(&data_dir.join("postmaster.pid"), "INT", dir.path())?;

        let mut cluster = Self {
            bin_dir,
            socket_dir: dir.path().to_path_buf(),
            data_dir,
            log,
            port: 0,
            run_as,
            durable,
            child: Mutex::new(None),
            next_db: AtomicU64::new(0),
            dir,
            _watchdog: watchdog,
        };
        cluster.initdb()?;

        let mut attempt = 0;
        loop {
            attempt += 1;
            cluster.port = process::free_port()?;
            match cluster.launch() {
                Ok(child) => {
                    *cluster.child_slot() = Some(child);
                    return Ok(cluster);
                }
                Err(err) if attempt < PORT_ATTEMPTS && process::lost_port_race(&cluster.log) => {
                    process::log_note(&cluster.log, &format!("port taken, retrying: {err}"));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The cluster shared by every test in this test process, started on first use.
    ///
    /// It is never dropped (it lives in a `static`); a watchdog stops it and deletes its
    /// directory when the test process exits. Do not [`stop`](Self::stop) it: other tests use
    /// it at the same time. If the first start failed, every caller gets that first error.
    pub fn shared() -> Result<&'static PgCluster> {
        Self::shared_in(&SHARED, false)
    }

    /// A cluster shared by this process as [`shared`](Self::shared), started with
    /// [`start_durable`](Self::start_durable).
    pub fn shared_durable() -> Result<&'static PgCluster> {
        Self::shared_in(&SHARED_DURABLE, true)
    }

    /// The cluster in `cell`, started on first use; a failed start is remembered as text.
    fn shared_in(
        cell: &'static OnceLock<std::result::Result<PgCluster, String>>,
        durable: bool,
    ) -> Result<&'static PgCluster> {
        cell.get_or_init(|| Self::start_with(durable).map_err(|err| err.to_string()))
            .as_ref()
            .map_err(|msg| TestkitError::SharedUnavailable(msg.clone()))
    }

    /// Creates a database with a name unique in this cluster and returns its URL,
    /// `postgres://postgres@127.0.0.1:PORT/NAME`.
    pub fn create_database(&self) -> Result<String> {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("latchkey_test_{}_{n}", std::process::id());
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""))?;
        Ok(self.url(&name))
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{PG_USER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs `sql` with `psql` against database `db` (a name or a URL) and returns what it
    /// printed: unaligned, tuples only, so `select 1` gives `"1\n"`. Stops at the first error.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String> {
        let mut cmd = self.client_command("psql");
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                PG_USER,
            ])
            .args(["-d", db, "-c", sql]);
        process::run(&mut cmd, None)
    }

    /// Stops the server with a fast shutdown (clients are disconnected, data is kept), so a
    /// test can watch code cope with the database going away. [`start_again`](Self::start_again)
    /// brings it back on the same port. Stopping a stopped cluster does nothing.
    pub fn stop(&self) -> Result<()> {
        process::stop_slot(
            &mut self.child_slot(),
            &self.log,
            "stopping (fast shutdown)",
            Signal::INT,
            STOP_GRACE,
        )
    }

    /// Starts the server again after [`stop`](Self::stop), on the same port and data dir, and
    /// waits until it accepts connections. Starting a running cluster does nothing.
    pub fn start_again(&self) -> Result<()> {
        process::restart_slot(&mut self.child_slot(), "postgres", || self.launch())
    }

    /// Whether the server process is running (it may still be starting or stopping).
    pub fn is_running(&self) -> bool {
        self.child_slot()
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// The postmaster's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        let mut slot = self.child_slot();
        let child = slot.as_mut()?;
        matches!(child.try_wait(), Ok(None)).then(|| child.id())
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding PostgreSQL's programs (`psql`, `pg_dump`, ...).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The cluster's data directory (inside the temp dir).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The temp dir holding data, socket and log; removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log (initdb output, then the server's own output).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    fn child_slot(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A command for one of PostgreSQL's programs, run as the postgres OS user if we are root.
    fn server_command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            // std drops supplementary groups when it changes the uid from root.
            cmd.uid(uid).gid(gid);
        }
        // The server's locale comes from initdb's --locale; keep the caller's out of it.
        cmd.env("LC_ALL", "C");
        cmd
    }

    /// A client command: runs as the caller, ignores the caller's PG* connection settings.
    fn client_command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGSERVICE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PGCONNECT_TIMEOUT", "5");
        cmd
    }

    fn initdb(&self) -> Result<()> {
        let (out, err) = process::log_stdio(&self.log)?;
        let mut cmd = self.server_command("initdb");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .args(["-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            .args(["-U", PG_USER])
            .stdout(out)
            .stderr(err);
        process::log_note(&self.log, &format!("running {}", process::describe(&cmd)));
        let status = cmd.status().map_err(TestkitError::io("running initdb"))?;
        if status.success() {
            Ok(())
        } else {
            Err(process::startup_error(
                "PostgreSQL",
                &self.log,
                format!("initdb failed ({status})"),
            ))
        }
    }

    /// Spawns the postmaster and waits until it accepts connections.
    fn launch(&self) -> Result<Child> {
        let mut cmd = self.server_command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .args(["-p", &self.port.to_string()])
            .arg("-k")
            .arg(&self.socket_dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "max_connections=300"]);
        if !self.durable {
            cmd.args(["-c", "fsync=off"])
                .args(["-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off"]);
        }
        let mut child = process::spawn_logged(&mut cmd, &self.log)?;
        let port = self.port.to_string();
        let ready = process::wait_ready(&mut child, START_TIMEOUT, || {
            let mut probe = self.client_command("pg_isready");
            probe.args([
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                PG_USER,
                "-t",
                "2",
            ]);
            probe.args(["-d", "postgres"]);
            process::run(&mut probe, None).is_ok()
        });
        match ready {
            Ok(()) => Ok(child),
            Err(NotReady::TimedOut(t)) => Err(process::startup_error(
                "PostgreSQL",
                &self.log,
                format!(
                    "port {} did not accept connections within {} s",
                    self.port,
                    t.as_secs()
                ),
            )),
            Err(other) => Err(process::startup_error(
                "PostgreSQL",
                &self.log,
                other.to_string(),
            )),
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; the watchdog retries the cleanup anyway.
        let _ = self.stop();
    }
}

/// Finds the directory with `initdb` and `postgres`: `$LATCHKEY_PG_BINDIR`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian/Ubuntu), else `pg_config --bindir`.
fn find_bin_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("LATCHKEY_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse::<u32>)
                .collect::<std::result::Result<Vec<_>, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            process::is_executable(&bin.join("initdb")).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Some(pg_config) = process::find_program("pg_config", &[])
        && let Ok(out) = process::run(Command::new(pg_config).arg("--bindir"), None)
    {
        let bin = PathBuf::from(out.trim());
        if process::is_executable(&bin.join("initdb")) {
            return Ok(bin);
        }
    }
    Err(TestkitError::MissingProgram {
        program: "initdb".into(),
        searched: "$LATCHKEY_PG_BINDIR, /usr/lib/postgresql/*/bin, `pg_config --bindir`".into(),
        install: INSTALL.into(),
    })
}

/// The uid and gid of the `postgres` OS user, read from /etc/passwd.
fn postgres_os_user() -> Result<(u32, u32)> {
    let missing = || {
        TestkitError::Setup(
            "the tests run as root, and PostgreSQL refuses to run as root, but there is no \
             `postgres` OS user in /etc/passwd to run it as; `apt-get install postgresql` \
             creates one (or `useradd --system postgres`)"
                .into(),
        )
    };
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|_| missing())?;
    passwd
        .lines()
        .find_map(|line| {
            let mut fields = line.split(':');
            if fields.next()? != "postgres" {
                return None;
            }
            let _password = fields.next()?;
            let uid = fields.next()?.parse().ok()?;
            let gid = fields.next()?.parse().ok()?;
            Some((uid, gid))
        })
        .ok_or_else(missing)
}
