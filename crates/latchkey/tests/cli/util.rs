//! A sandbox per test: a temporary directory, a SQLite database in it, and a way to run the
//! binary there with a clean environment (no `LATCHKEY_*` from the developer's shell).

use latchkey_core::password_hash::{Argon2Params, verify_password};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::ProfileRepo;
use latchkey_core::secret::Password;
use latchkey_store::{Store, StoreOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything printed unless the exit status is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "unexpected exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub struct Sandbox {
    pub dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.path().join("test.db")
    }

    pub fn db_url(&self) -> String {
        sqlite_url(&self.db_path())
    }

    /// The binary, in the sandbox, with only the test database configured.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_latchkey"));
        cmd.env_clear()
            .current_dir(self.path())
            .env("LATCHKEY_DATABASE_URL", self.db_url())
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command().args(args).output().unwrap())
    }

    /// Runs with `input` piped to standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        finish(child.wait_with_output().unwrap())
    }

    /// `users list --json`, parsed.
    pub fn users(&self) -> Vec<serde_json::Value> {
        let run = self
            .run(&["users", "list", "--json", "--limit", "10000"])
            .expect_code(0);
        serde_json::from_str::<serde_json::Value>(&run.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    pub fn logins(&self) -> Vec<String> {
        self.users()
            .iter()
            .map(|u| u["login_id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Does `password` match the stored hash of `login`? (Read through the store, as the
    /// server would.)
    pub fn password_matches(&self, login: &str, password: &str) -> bool {
        password_matches(&self.db_url(), login, password)
    }
}

pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

pub fn finish(output: std::process::Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `f` against the store at `url` on a small runtime.
pub fn with_store<T>(url: &str, f: impl AsyncFnOnce(&Store) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(url, StoreOptions::default()).await.unwrap();
        let out = f(&store).await;
        store.close().await;
        out
    })
}

pub fn password_matches(url: &str, login: &str, password: &str) -> bool {
    let hash = with_store(url, async |store| {
        let login = LoginId::new(login).unwrap();
        let profile = store.profile_by_login(&login).await.unwrap().unwrap();
        store.password_hash(profile.id).await.unwrap()
    });
    let Some(hash) = hash else { return false };
    verify_password(&Password::new(password), &hash, &Argon2Params::default())
        .unwrap()
        .matches
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sandbox {
    /// Runs `f` against the sandbox's store (opened, and migrated, by the test).
    pub fn with_store<T>(&self, f: impl AsyncFnOnce(&Store) -> T) -> T {
        with_store(&self.db_url(), f)
    }

    /// Writes `text` to `name` in the sandbox; returns the name, relative to it.
    pub fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path().join(name), text).unwrap();
        name.to_owned()
    }

    /// Reads `name` in the sandbox.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// `authcfg export NAME`, then the file's text.
    pub fn export(&self, name: &str) -> String {
        let run = self.run(&["authcfg", "export", name]).expect_code(0);
        assert_eq!(run.stdout.trim(), name, "{}", run.stdout);
        self.read(name)
    }
}
