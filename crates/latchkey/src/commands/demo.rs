//! `latchkey demo`: the whole product on one machine with nothing to install.
//!
//! Everything lives in one directory: a SQLite database, the outbox file that stands in for a
//! mail server, and `credentials.txt` with the demo passwords (mode 0600). The configuration is
//! generated, never read from `latchkey.toml` or `LATCHKEY_*`, so a demo cannot touch a real
//! database by accident.
//!
//! The first run seeds the database; `credentials.txt` is moved into place only after the seed
//! committed, so its presence marks a complete seed. A database with people but no
//! credentials file is a seed that was interrupted, and the demo says to start over.

use super::demo_data::{self, Credential};
use super::serve::{init_tracing, local_url, serve_until_signal};
use crate::cli::DemoArgs;
use crate::context::{argon2_params, config_path, open_store};
use crate::failure::Problems;
use crate::output::{errln, outln};
use crate::password::hash_all;
use anyhow::Context as _;
use latchkey_config::{Config, ENV_PREFIX, RESERVED_ENV_VARS};
use latchkey_core::repo::ProfileRepo;
use latchkey_server::AppState;
use latchkey_server::directory::InternalDirectory;
use latchkey_store::{Store, StoreOptions};
use secrecy::zeroize::Zeroizing;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The demo passwords, inside the demo directory.
const CREDENTIALS: &str = "credentials.txt";

/// Runs `latchkey demo`.
pub async fn run(args: DemoArgs, config_flag: Option<&Path>) -> anyhow::Result<()> {
    note_ignored_settings(config_flag);
    let dir = prepare_dir(&args.dir)?;
    ensure_master_key(&dir)?;
    let config = demo_config(&dir, args.listen)?;
    for warning in config.warnings() {
        // The outbox is the point of the demo; warning about it here would only be noise.
        if !warning.starts_with("outbox is set") {
            errln!("warning: {warning}");
        }
    }
    init_tracing(&config.log)?;
    let store = open_store(&config, StoreOptions::default()).await?;
    // Bind before seeding: a taken port should fail before anything is created.
    let listener = latchkey_server::bind(config.listen).await?;

    let shown_dir = args.dir.display();
    let shown_credentials = args.dir.join(CREDENTIALS);
    let credentials = dir.join(CREDENTIALS);
    let people = store.count_profiles().await?;
    if people == 0 {
        let admin = seed(&config, &store, &credentials).await?;
        outln!(
            "Created demo data in {shown_dir}: 20 people and an administrator, user classes \
             MPR_ADMINS and IT_STAFF."
        )?;
        outln!("  Administrator login:      {}", admin.login)?;
        // Declassified on purpose: the person running the demo needs this password to sign in.
        outln!("  Administrator password:   {}", admin.password.expose())?;
        outln!(
            "  Every login and password: {} (readable by you only)",
            shown_credentials.display()
        )?;
    } else if credentials.is_file() {
        outln!(
            "Using existing demo data in {shown_dir} (credentials in {})",
            shown_credentials.display()
        )?;
    } else {
        anyhow::bail!(
            "{shown_dir} holds demo data but no {CREDENTIALS}: an earlier first run was \
             interrupted; delete {shown_dir} and run `latchkey demo` again"
        );
    }

    let state = AppState::new(&config, store.clone()).context("cannot start the server")?;
    outln!("Open {}", config.public_url)?;
    serve_until_signal(&config, state, listener, store).await
}

/// Says which configuration the demo does not read, so nobody wonders why their file has no
/// effect.
fn note_ignored_settings(config_flag: Option<&Path>) {
    if let Some(path) = config_path(config_flag) {
        errln!(
            "note: the demo ignores {}; it makes its own configuration",
            path.display()
        );
    }
    let mut ignored: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with(ENV_PREFIX) && !RESERVED_ENV_VARS.contains(&name.as_str()))
        .collect();
    if !ignored.is_empty() {
        ignored.sort();
        errln!("note: the demo ignores {}", ignored.join(", "));
    }
}

/// The demo's master key file, in the demo directory.
const MASTER_KEY: &str = "master.key";

/// The demo's own master key: what the store keeps encrypted (queued mail, TOTP secrets) is
/// sealed with it. Made once, kept with the demo data, readable by this user only.
fn ensure_master_key(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join(MASTER_KEY);
    if !path.exists() {
        let key = latchkey_core::keys::MasterKey::generate(&mut latchkey_server::os::OsRandom);
        write_private(&path, &key.encode())?;
    }
    Ok(())
}

/// Creates the directory (private to this user) if needed; returns its absolute path.
fn prepare_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create the demo directory {}", dir.display()))?;
    std::fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))
}

/// The demo's configuration, built from generated TOML through the same loader as a node's.
fn demo_config(dir: &Path, listen: SocketAddr) -> anyhow::Result<Config> {
    let text = |path: PathBuf| {
        path.to_str()
            .map(str::to_owned)
            .with_context(|| format!("the demo directory {} is not valid UTF-8", dir.display()))
    };
    let database = text(dir.join("latchkey.db"))?;
    let outbox = text(dir.join("outbox.jsonl"))?;
    let key_file = text(dir.join(MASTER_KEY))?;
    let toml = format!(
        "listen = {}\npublic_url = {}\ndatabase_url = {}\noutbox = {}\n[keys]\nmaster_key_file = {}\n",
        toml_string(&listen.to_string()),
        toml_string(local_url(reachable(listen))?.as_str()),
        toml_string(&format!("sqlite://{}?mode=rwc", encode_path(&database))),
        toml_string(&outbox),
        toml_string(&key_file),
    );
    latchkey_config::load_toml_str(Path::new("<demo>"), &toml, std::iter::empty())
        .map_err(|e| anyhow::Error::new(Problems::from(e)))
}

/// The address a browser on this machine uses: loopback for "every interface".
fn reachable(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Percent-encodes the characters a SQLite URL path cannot hold as they are: sqlx splits the
/// URL at `?` and decodes `%`, and the URL parser would take `#` for a fragment.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

/// Creates the demo people and everything around them; returns the administrator's login.
async fn seed(config: &Config, store: &Store, credentials: &Path) -> anyhow::Result<Credential> {
    let now = OffsetDateTime::now_utc();
    let (profiles, passwords): (Vec<_>, Vec<_>) = demo_data::people(now)?.into_iter().unzip();
    let directory = InternalDirectory::new(store.clone(), argon2_params(config))
        .context("cannot prepare password hashing")?;
    let hashes = hash_all(&directory, passwords.iter().cloned().map(Some).collect())
        .await?
        .into_iter()
        .map(|h| h.context("a demo password was not hashed"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let logins: Vec<Credential> = profiles
        .iter()
        .zip(passwords)
        .map(|(p, password)| Credential {
            login: p.login_id.clone(),
            name: p.display_name.clone(),
            password,
        })
        .collect();
    let pending = credentials.with_extension("txt.partial");
    write_private(&pending, &demo_data::credentials_text(&logins, now))?;
    let people = profiles.into_iter().zip(hashes).collect();
    demo_data::store_all(store, people, argon2_params(config), now).await?;
    std::fs::rename(&pending, credentials)
        .with_context(|| format!("cannot move {} into place", pending.display()))?;
    logins.into_iter().next().context("no demo administrator")
}

/// Writes `text` to a new file only this user can read (mode 0600 from the start, not after).
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let text = Zeroizing::new(text.to_owned());
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot replace {}", path.display()));
        }
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_config_survives_awkward_directory_names() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a \"b\" #c?d%e\\f");
        std::fs::create_dir_all(&dir).unwrap();
        ensure_master_key(&dir).unwrap();
        let config = demo_config(&dir, "0.0.0.0:9000".parse().unwrap()).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:9000/");
        let root_text = root.path().to_str().unwrap();
        assert_eq!(
            config.database_url.expose_secret(),
            format!("sqlite://{root_text}/a%20\"b\"%20%23c%3Fd%25e\\f/latchkey.db?mode=rwc")
        );
        assert_eq!(
            config.outbox.as_deref(),
            Some(dir.join("outbox.jsonl").as_path())
        );
        assert_eq!(
            config.keys.master_key_file.as_deref(),
            Some(dir.join(MASTER_KEY).as_path())
        );
    }
}
