//! Servers that send real mail: the in-process server with `[smtp]` pointing at a real SMTP
//! sink (the testkit's `TestServer` always uses the demo outbox), and direct reads of the
//! message queue table.

use latchkey_core::ids::ProfileId;
use latchkey_core::keys::MasterKey;
use latchkey_core::profile::{Attributes, LoginId, NewProfile};
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::ProfileRepo;
use latchkey_core::secret::Password;
use latchkey_server::AppState;
use latchkey_store::{Store, StoreOptions};
use latchkey_testkit::{Database, PgCluster};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;

static SEED: AtomicU64 = AtomicU64::new(0x5e4d);

/// One database (and master key file) that several nodes may share.
pub struct Shared {
    pub database_url: String,
    pub key_file: Option<PathBuf>,
    pub dir: tempfile::TempDir,
}

impl Shared {
    pub fn new(db: Database, with_key: bool) -> Shared {
        let dir = tempfile::tempdir().unwrap();
        let database_url = match db {
            Database::Sqlite => format!("sqlite://{}/latchkey.db?mode=rwc", dir.path().display()),
            Database::Postgres => PgCluster::shared().unwrap().create_database().unwrap(),
        };
        let key_file = with_key.then(|| {
            let path = dir.path().join("master.key");
            let mut rng = SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed));
            std::fs::write(&path, MasterKey::generate(&mut rng).encode().as_bytes()).unwrap();
            path
        });
        Shared {
            database_url,
            key_file,
            dir,
        }
    }
}

/// A node: its state and store, and, when serving, its URL.
pub struct Node {
    pub url: String,
    pub state: AppState,
    pub store: Store,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Node {
    /// A node whose mail goes to `smtp_port` on loopback. With `serve`, it listens (and runs
    /// the queue worker, as `latchkey_server::serve` does); without, only the state is built.
    pub async fn start(shared: &Shared, smtp_port: u16, serve: bool) -> Node {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let keys = match &shared.key_file {
            Some(path) => format!("[keys]\nmaster_key_file = \"{}\"\n", path.display()),
            None => String::new(),
        };
        let toml = format!(
            "listen = \"{addr}\"\npublic_url = \"http://{addr}/\"\ndatabase_url = \"{}\"\n\
             [password_hash]\nmemory_kib = 1024\ntime_cost = 1\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nsecurity = \"none\"\n\
             from = \"Latchkey <noreply@example.org>\"\ntimeout_secs = 5\n{keys}",
            shared.database_url
        );
        let config =
            latchkey_config::load_toml_str(Path::new("<test>"), &toml, std::iter::empty()).unwrap();
        let store = Store::open(&shared.database_url, StoreOptions::default())
            .await
            .unwrap();
        latchkey_server::bootstrap::ensure_auth_config(&store)
            .await
            .unwrap();
        let state = AppState::new(&config, store.clone()).unwrap();
        let mut shutdown = None;
        if serve {
            let (tx, rx) = oneshot::channel::<()>();
            let serving = state.clone();
            tokio::spawn(async move {
                let stop = async move {
                    let _ = rx.await;
                };
                latchkey_server::serve(listener, serving, stop)
                    .await
                    .unwrap();
            });
            shutdown = Some(tx);
        }
        Node {
            url: format!("http://{addr}"),
            state,
            store,
            shutdown,
        }
    }

    /// A profile with this password and the email `LOGIN@example.org`.
    pub async fn add_user(&self, login: &str, password: &str) {
        let mut rng = SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed));
        let now = time::OffsetDateTime::now_utc();
        let profile = NewProfile {
            login_id: LoginId::new(login).unwrap(),
            display_name: format!("Test {login}"),
            email: Some(format!("{login}@example.org")),
            attributes: Attributes::new(),
        }
        .into_profile(ProfileId::generate(now, &mut rng), now)
        .unwrap();
        let hash = self
            .state
            .directory
            .hash(Password::new(password))
            .await
            .unwrap();
        self.store
            .create_profile(&profile, Some(&hash))
            .await
            .unwrap();
    }
}

/// One queue row as stored.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Every row of the message queue, oldest first.
pub async fn rows(database_url: &str) -> Vec<Row> {
    let sql = "SELECT id, kind, channel, recipient, subject, body, state, attempts, last_error \
               FROM message_queue ORDER BY id";
    type Tuple = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
    );
    let tuples: Vec<Tuple> = if database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(database_url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    } else {
        let pool = sqlx::PgPool::connect(database_url).await.unwrap();
        let rows = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    };
    tuples
        .into_iter()
        .map(
            |(id, kind, channel, recipient, subject, body, state, attempts, last_error)| Row {
                id,
                kind,
                channel,
                recipient,
                subject,
                body,
                state,
                attempts,
                last_error,
            },
        )
        .collect()
}

/// Polls the queue until `done` holds for its rows (or 20 s pass), and returns them.
pub async fn wait_rows(database_url: &str, done: impl Fn(&[Row]) -> bool) -> Vec<Row> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let rows = rows(database_url).await;
        if done(&rows) || std::time::Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A loopback port nobody listens on.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
