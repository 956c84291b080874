//! `latchkey demo` end to end: seed on the first run, reuse on the next, serve in between.

use crate::util::{Sandbox, free_port, sqlite_url, with_store};
use latchkey_core::admin::Privilege;
use latchkey_core::ids::UserClassId;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AdminRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running `latchkey demo`, killed when dropped (also when a test fails).
struct Demo {
    child: Child,
    stdout: Option<JoinHandle<String>>,
}

impl Demo {
    fn start(sb: &Sandbox, port: u16, dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
            .env_clear()
            .current_dir(sb.path())
            .args(["demo", "--listen", &format!("127.0.0.1:{port}"), "--dir"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        Self {
            child,
            stdout: Some(stdout),
        }
    }

    /// Waits until `/healthz` answers 200 (seeding hashes 21 passwords first).
    fn wait_healthy(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("demo exited early with {status}");
            }
            if healthz(port).is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("demo did not become healthy on port {port}");
    }

    /// Stops the demo and returns what it printed.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.stdout.take().unwrap().join().unwrap()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw `GET /healthz`; the response head and body, or None if nothing listens yet.
fn healthz(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[test]
fn the_demo_seeds_once_then_reuses_its_data() {
    let sb = Sandbox::new();
    let dir = sb.path().join("demo");
    // A latchkey.toml in the working directory must not matter.
    std::fs::write(
        sb.path().join("latchkey.toml"),
        "listen = \"not an address\"\n",
    )
    .unwrap();

    let port = free_port();
    let mut demo = Demo::start(&sb, port, &dir);
    demo.wait_healthy(port);
    let first = demo.stop();
    assert!(first.contains("Administrator login:      admin"), "{first}");
    assert!(
        first.contains(&format!("Open http://127.0.0.1:{port}/")),
        "{first}"
    );
    let admin_password = first
        .lines()
        .find_map(|l| l.trim().strip_prefix("Administrator password:"))
        .unwrap_or_else(|| panic!("no admin password printed:\n{first}"))
        .trim()
        .to_owned();

    let credentials = dir.join("credentials.txt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "credentials.txt mode {mode:o}");
    }
    let text = std::fs::read_to_string(&credentials).unwrap();
    let entries: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(entries.len(), 21, "{text}");
    assert_eq!(entries[0][..2], ["admin", admin_password.as_str()]);

    let url = sqlite_url(&dir.join("latchkey.db"));
    for entry in [&entries[0], &entries[1], &entries[20]] {
        assert!(
            crate::util::password_matches(&url, entry[0], entry[1]),
            "{} cannot use the password in credentials.txt",
            entry[0]
        );
    }
    with_store(&url, async |store| {
        assert_eq!(store.count_profiles().await.unwrap(), 21);
        let admin = store
            .profile_by_login(&LoginId::new("admin").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(admin.email.as_deref(), Some("admin@example.org"));
        let privileges = store
            .administrator(admin.id)
            .await
            .unwrap()
            .unwrap()
            .privileges;
        assert_eq!(privileges.len(), Privilege::ALL.len());
        let mpr = store
            .members(&UserClassId::new("MPR_ADMINS").unwrap())
            .await
            .unwrap();
        assert_eq!(mpr.into_iter().collect::<Vec<_>>(), [admin.id]);
        let it = store
            .members(&UserClassId::new("IT_STAFF").unwrap())
            .await
            .unwrap();
        assert_eq!(it.len(), 6, "admin and five IT colleagues");
        assert!(it.contains(&admin.id));
        let settings = store.settings().await.unwrap();
        assert_eq!(settings.rows().len(), 1);
        assert_eq!(settings.value("AUTH", "MAX_USERAUTH_FAILURE"), Some("5"));
    });

    let port = free_port();
    let mut demo = Demo::start(&sb, port, &dir);
    demo.wait_healthy(port);
    let second = demo.stop();
    assert!(second.contains("Using existing demo data in"), "{second}");
    assert!(!second.contains("Administrator password"), "{second}");
    assert_eq!(std::fs::read_to_string(&credentials).unwrap(), text);
    let count = with_store(&url, async |store| store.count_profiles().await.unwrap());
    assert_eq!(count, 21);
}
