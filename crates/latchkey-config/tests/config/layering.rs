//! Defaults < file < environment < secret files, and values derived from others.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use latchkey_config::{
    Argon2Settings, DatabaseUrl, LogFormat, Origin, SmtpSecurity, load, load_toml_str,
};

use crate::util::{at, env, errors, ok, s, write};

#[test]
fn defaults_without_file_or_env() {
    let config = load(None, env(&[])).unwrap();
    assert_eq!(
        config.listen,
        "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(config.database_url.expose_secret(), DatabaseUrl::DEFAULT);
    assert_eq!(
        config.database_url.expose_secret(),
        "sqlite://latchkey.db?mode=rwc"
    );
    assert!(config.database_url.is_sqlite());
    assert_eq!(config.log.format, LogFormat::Text);
    assert_eq!(config.log.filter, "info");
    assert_eq!(config.keys.master_key_file, None);
    assert_eq!(config.keys.cookie_key_file, None);
    assert!(config.smtp.is_none());
    assert_eq!(config.outbox, None);
    assert_eq!(
        config.password_hash,
        Argon2Settings {
            memory_kib: 19456,
            time_cost: 2,
            parallelism: 1
        }
    );
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

#[test]
fn file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let master = write(dir.path(), "master.key", "k");
    let text = format!(
        r#"
listen = "127.0.0.2:9000"
public_url = "https://id.example.com/auth"
database_url = "postgres://latchkey@db.example/latchkey"
outbox = "mail.out"

[log]
format = "json"
filter = "debug"

[keys]
master_key_file = "{}"

[password_hash]
memory_kib = 65536
time_cost = 3
parallelism = 4
"#,
        s(&master)
    );
    let file = write(dir.path(), "latchkey.toml", &text);
    let config = load(Some(&file), env(&[])).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.2:9000");
    assert_eq!(config.public_url.as_str(), "https://id.example.com/auth/");
    assert_eq!(
        config.database_url.expose_secret(),
        "postgres://latchkey@db.example/latchkey"
    );
    assert_eq!(config.outbox, Some(PathBuf::from("mail.out")));
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.log.filter, "debug");
    assert_eq!(config.keys.master_key_file, Some(master));
    assert_eq!(config.keys.cookie_key_file, None);
    assert_eq!(
        config.password_hash,
        Argon2Settings {
            memory_kib: 65536,
            time_cost: 3,
            parallelism: 4
        }
    );
}

#[test]
fn env_overrides_file() {
    let text = r#"
listen = "127.0.0.2:9000"
database_url = "sqlite://file.db"
[log]
format = "json"
[smtp]
host = "file.example"
port = 2525
from = "file@example.com"
"#;
    let config = ok(
        text,
        &[
            ("LATCHKEY_LISTEN", "127.0.0.3:9001"),
            ("LATCHKEY_DATABASE_URL", "sqlite://env.db"),
            ("LATCHKEY_LOG_FORMAT", "text"),
            ("LATCHKEY_SMTP_PORT", "26"),
            ("LATCHKEY_SMTP_SECURITY", "tls"),
        ],
    );
    assert_eq!(config.listen.to_string(), "127.0.0.3:9001");
    assert_eq!(config.database_url.expose_secret(), "sqlite://env.db");
    assert_eq!(config.log.format, LogFormat::Text);
    let smtp = config.smtp.unwrap();
    assert_eq!(smtp.port, 26);
    assert_eq!(smtp.security, SmtpSecurity::Tls);
    // Keys the environment does not mention keep the file's value.
    assert_eq!(smtp.host, "file.example");
    assert_eq!(smtp.from, "file@example.com");
}

#[test]
fn secret_files_override_env_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = write(dir.path(), "db", "postgres://u:from-file@db/x\n");
    let pw = write(dir.path(), "pw", "pw-from-file\r\n");
    let text = r#"
database_url = "sqlite://file.db"
[smtp]
host = "mail.example"
from = "a@example.com"
username = "u"
password = "pw-from-toml"
"#;
    let config = ok(
        text,
        &[
            ("LATCHKEY_DATABASE_URL_FILE", s(&db)),
            ("LATCHKEY_DATABASE_URL", "sqlite://env.db"),
            ("LATCHKEY_SMTP_PASSWORD", "pw-from-env"),
            ("LATCHKEY_SMTP_PASSWORD_FILE", s(&pw)),
        ],
    );
    assert_eq!(
        config.database_url.expose_secret(),
        "postgres://u:from-file@db/x"
    );
    use secrecy::ExposeSecret;
    let smtp = config.smtp.unwrap();
    assert_eq!(smtp.password.unwrap().expose_secret(), "pw-from-file");
}

#[test]
fn public_url_is_derived_from_listen() {
    let config = ok("listen = \"10.1.2.3:7000\"", &[]);
    assert_eq!(config.public_url.as_str(), "http://10.1.2.3:7000/");
    let config = ok("", &[("LATCHKEY_LISTEN", "[::1]:443")]);
    assert_eq!(config.public_url.as_str(), "http://[::1]:443/");
    // An explicit public_url is not replaced by the derived one.
    let config = ok(
        "listen = \"10.1.2.3:7000\"\npublic_url = \"https://id.example.com\"",
        &[],
    );
    assert_eq!(config.public_url.as_str(), "https://id.example.com/");
}

#[test]
fn a_bad_file_value_is_reported_even_when_env_overrides_it() {
    let lines = errors("listen = \"nope\"", &[("LATCHKEY_LISTEN", "127.0.0.1:1")]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("latchkey.toml:1:10: listen: "),
        "{lines:?}"
    );
}

#[test]
fn missing_config_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.toml");
    let errors = load(Some(&missing), env(&[])).unwrap_err();
    assert_eq!(errors.len(), 1);
    let error = &errors.0[0];
    assert_eq!(
        error.origin,
        Origin::WholeFile {
            path: missing.clone()
        }
    );
    assert!(error.to_string().starts_with(s(&missing)), "{error}");
}

#[test]
fn key_files_must_exist_and_be_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let cookie = write(dir.path(), "cookie.key", "k");
    let text = format!(
        "[keys]\nmaster_key_file = \"{}\"\ncookie_key_file = \"{}\"\n",
        s(&dir.path().join("missing.key")),
        s(&cookie)
    );
    let errors = load_toml_str(Path::new("latchkey.toml"), &text, env(&[])).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let error = &errors.0[0];
    assert_eq!(error.key, "keys.master_key_file");
    assert_eq!(error.origin, at(2, 19));
    assert!(error.message.contains("missing.key"), "{error}");

    let text = format!("[keys]\ncookie_key_file = \"{}\"\n", s(dir.path()));
    let lines = errors_for(&text);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("keys.cookie_key_file: "), "{lines:?}");
    assert!(lines[0].contains("not a regular file"), "{lines:?}");

    // Only the winning value has to exist: the environment replaces a missing file.
    let config = ok(
        "[keys]\nmaster_key_file = \"/nonexistent/master.key\"\n",
        &[("LATCHKEY_KEYS_MASTER_KEY_FILE", s(&cookie))],
    );
    assert_eq!(config.keys.master_key_file, Some(cookie));
}

fn errors_for(text: &str) -> Vec<String> {
    errors(text, &[])
}
