//! The Latchkey server itself, booted in-process on a free loopback port.
//!
//! Tests get a real HTTP listener in front of the real router, store and directory — on SQLite
//! or on the shared PostgreSQL cluster — with mail going to an outbox file in a temp dir.
//! Dropping the [`TestServer`] stops it.

use crate::{PgCluster, TestkitError};
use latchkey_config::Config;
use latchkey_core::ids::ProfileId;
use latchkey_core::keys::MasterKey;
use latchkey_core::profile::{Attributes, LoginId, NewProfile, Profile};
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::ProfileRepo;
use latchkey_core::secret::Password;
use latchkey_server::AppState;
use latchkey_store::{Store, StoreOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// A fresh SQLite file in the server's temp dir.
    Sqlite,
    /// A fresh database on the shared PostgreSQL cluster.
    Postgres,
}

/// A running in-process server.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    /// The server's store, for arranging data and checking effects.
    pub store: Store,
    /// The server's state (directory, mailer …).
    pub state: AppState,
    /// The configuration it runs with.
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    dir: tempfile::TempDir,
}

static SEED: AtomicU64 = AtomicU64::new(0x1a7c);

fn setup(e: impl std::fmt::Display) -> TestkitError {
    TestkitError::Setup(e.to_string())
}

impl TestServer {
    /// Starts a server with cheap password hashing (tests hash many passwords).
    pub async fn start(db: Database) -> crate::Result<Self> {
        Self::start_with(db, "[password_hash]\nmemory_kib = 1024\ntime_cost = 1\n").await
    }

    /// Starts a server with extra `latchkey.toml` text (sections and keys of the real file).
    pub async fn start_with(db: Database, extra_toml: &str) -> crate::Result<Self> {
        Self::boot(db, extra_toml, true).await
    }

    /// Starts a server (cheap password hashing) that sends mail to a real SMTP server on
    /// loopback (plain SMTP, e.g. an [`crate::SmtpSink`]) instead of the outbox file.
    pub async fn start_with_smtp(db: Database, host: &str, port: u16) -> crate::Result<Self> {
        let extra = format!(
            "[password_hash]\nmemory_kib = 1024\ntime_cost = 1\n[smtp]\nhost = \"{host}\"\n\
             port = {port}\nsecurity = \"none\"\nfrom = \"latchkey@example.org\"\n"
        );
        Self::boot(db, &extra, false).await
    }

    async fn boot(db: Database, extra_toml: &str, outbox_file: bool) -> crate::Result<Self> {
        let dir = tempfile::tempdir().map_err(|source| TestkitError::Io {
            action: "create the server's temp dir".into(),
            source,
        })?;
        let database_url = match db {
            Database::Sqlite => format!("sqlite://{}/latchkey.db?mode=rwc", dir.path().display()),
            Database::Postgres => PgCluster::shared()?.create_database()?,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| TestkitError::Io {
                action: "bind a loopback port".into(),
                source,
            })?;
        let addr = listener.local_addr().map_err(setup)?;
        let outbox = dir.path().join("outbox.jsonl");
        let key_file = dir.path().join("master.key");
        let mut rng = SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed));
        std::fs::write(&key_file, MasterKey::generate(&mut rng).encode().as_bytes()).map_err(
            |source| TestkitError::Io {
                action: "write the master key".into(),
                source,
            },
        )?;
        // `outbox` and `[smtp]` exclude each other.
        let outbox_line = if outbox_file {
            format!("outbox = \"{}\"\n", outbox.display())
        } else {
            String::new()
        };
        let toml = format!(
            "listen = \"{addr}\"\npublic_url = \"http://{addr}/\"\ndatabase_url = \"{database_url}\"\n{outbox_line}{extra_toml}\n[keys]\nmaster_key_file = \"{}\"\n",
            key_file.display()
        );
        let config = latchkey_config::load_toml_str(Path::new("<test>"), &toml, std::iter::empty())
            .map_err(setup)?;
        let store = Store::open(config.database_url.expose_secret(), StoreOptions::default())
            .await
            .map_err(setup)?;
        latchkey_server::bootstrap::ensure_auth_config(&store)
            .await
            .map_err(setup)?;
        let state = AppState::new(&config, store.clone()).map_err(setup)?;
        let (tx, rx) = oneshot::channel::<()>();
        let serving = state.clone();
        let task = tokio::spawn(async move {
            let stop = async move {
                let _ = rx.await;
            };
            if let Err(e) = latchkey_server::serve(listener, serving, stop).await {
                eprintln!("test server stopped: {e}");
            }
        });
        Ok(Self {
            url: format!("http://{addr}"),
            store,
            state,
            config,
            shutdown: Some(tx),
            task: Some(task),
            dir,
        })
    }

    /// The outbox file mail is appended to.
    pub fn outbox_path(&self) -> PathBuf {
        self.dir.path().join("outbox.jsonl")
    }

    /// The server's temp dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Creates a profile in the internal directory with this password (email
    /// `LOGIN@example.org`).
    pub async fn add_user(&self, login: &str, password: &str) -> crate::Result<Profile> {
        let mut rng = SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed));
        let now = time::OffsetDateTime::now_utc();
        let profile = NewProfile {
            login_id: LoginId::new(login).map_err(setup)?,
            display_name: format!("Test {login}"),
            email: Some(format!("{login}@example.org")),
            attributes: Attributes::new(),
        }
        .into_profile(ProfileId::generate(now, &mut rng), now)
        .map_err(setup)?;
        let hash = self
            .state
            .directory
            .hash(Password::new(password))
            .await
            .map_err(setup)?;
        self.store
            .create_profile(&profile, Some(&hash))
            .await
            .map_err(setup)?;
        Ok(profile)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
