//! `LATCHKEY_*` variables and `LATCHKEY_*_FILE` secret files.

use std::path::PathBuf;

use latchkey_config::{Key, LogFormat, Origin, RESERVED_ENV_VARS, SmtpSecurity};
use secrecy::ExposeSecret;

use crate::util::{errors, load, ok, s, write};

#[test]
fn unknown_variable_with_suggestion() {
    assert_eq!(
        errors("", &[("LATCHKEY_SMTP_PROT", "25")]),
        ["environment LATCHKEY_SMTP_PROT: unknown variable (did you mean LATCHKEY_SMTP_PORT?)"]
    );
    assert_eq!(
        errors("", &[("LATCHKEY_DATABSE_URL_FILE", "/x")]),
        ["environment LATCHKEY_DATABSE_URL_FILE: unknown variable \
             (did you mean LATCHKEY_DATABASE_URL_FILE?)"]
    );
    assert_eq!(
        errors("", &[("LATCHKEY_NOTHING_LIKE_IT", "1")]),
        ["environment LATCHKEY_NOTHING_LIKE_IT: unknown variable"]
    );
}

#[test]
fn bad_env_value_names_the_variable() {
    assert_eq!(
        errors("", &[("LATCHKEY_SMTP_PORT", "abc")]),
        [
            "environment LATCHKEY_SMTP_PORT: smtp.port: expected a port number 1-65535, got \"abc\"",
            // [smtp] is configured by the variable, so its required keys are missing.
            "environment LATCHKEY_SMTP_PORT: smtp.host: is required when [smtp] is configured \
             (add `host = \"mail.example.com\"` under [smtp], or remove [smtp])",
            "environment LATCHKEY_SMTP_PORT: smtp.from: is required when [smtp] is configured \
             (add `from = \"Latchkey <latchkey@example.com>\"` under [smtp], or remove [smtp])",
        ]
    );
    assert_eq!(
        errors("", &[("LATCHKEY_LOG_FORMAT", "JSON")]),
        [
            "environment LATCHKEY_LOG_FORMAT: log.format: unknown log format \"JSON\" \
             (valid values: text, json)"
        ]
    );
}

#[test]
fn reserved_variables_are_accepted_and_ignored() {
    let pairs: Vec<(&str, &str)> = RESERVED_ENV_VARS.iter().map(|var| (*var, "x")).collect();
    assert_eq!(RESERVED_ENV_VARS, ["LATCHKEY_CONFIG", "LATCHKEY_LOG"]);
    ok("", &pairs);
}

#[test]
fn every_key_can_be_set_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let key = write(dir.path(), "k", "k");
    let value = |key_name: Key| -> &str {
        match key_name {
            Key::Listen => "0.0.0.0:81",
            Key::PublicUrl => "https://id.example.com/",
            Key::DatabaseUrl => "postgresql://u:p@h/d",
            Key::Outbox => "",
            Key::LogFormat => "json",
            Key::LogFilter => "warn",
            Key::KeysMasterKeyFile | Key::KeysCookieKeyFile | Key::SmtpCaFile => s(&key),
            Key::SmtpHost => "mail.example",
            Key::SmtpPort => "2525",
            Key::SmtpSecurity => "tls",
            Key::SmtpUsername => "user",
            Key::SmtpPassword => "pass",
            Key::SmtpFrom => "Latchkey <l@example.com>",
            Key::SmtpTimeoutSecs => "30",
            Key::PasswordHashMemoryKib => "1024",
            Key::PasswordHashTimeCost => "4",
            Key::PasswordHashParallelism => "2",
        }
    };
    // Outbox conflicts with [smtp]; it gets its own check below.
    let pairs: Vec<(&str, &str)> = Key::ALL
        .into_iter()
        .filter(|k| *k != Key::Outbox)
        .map(|k| (k.env_var(), value(k)))
        .collect();
    let config = ok("", &pairs);
    assert_eq!(config.listen.to_string(), "0.0.0.0:81");
    assert_eq!(config.public_url.as_str(), "https://id.example.com/");
    assert_eq!(config.database_url.expose_secret(), "postgresql://u:p@h/d");
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.log.filter, "warn");
    assert_eq!(config.keys.master_key_file.as_ref(), Some(&key));
    assert_eq!(config.keys.cookie_key_file.as_ref(), Some(&key));
    let smtp = config.smtp.unwrap();
    assert_eq!(smtp.host, "mail.example");
    assert_eq!(smtp.port, 2525);
    assert_eq!(smtp.security, SmtpSecurity::Tls);
    assert_eq!(smtp.username.as_deref(), Some("user"));
    assert_eq!(smtp.password.as_ref().unwrap().expose_secret(), "pass");
    assert_eq!(smtp.from, "Latchkey <l@example.com>");
    assert_eq!(smtp.timeout_secs, 30);
    assert_eq!(smtp.timeout(), std::time::Duration::from_secs(30));
    assert_eq!(smtp.ca_file, Some(key));
    assert_eq!(config.password_hash.memory_kib, 1024);
    assert_eq!(config.password_hash.time_cost, 4);
    assert_eq!(config.password_hash.parallelism, 2);

    let config = ok("", &[("LATCHKEY_OUTBOX", "out.mbox")]);
    assert_eq!(config.outbox, Some(PathBuf::from("out.mbox")));
}

#[test]
fn secret_file_loses_exactly_one_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\n";
    for (content, expected) in [
        ("secret\n", "secret"),
        ("secret\r\n", "secret"),
        ("secret", "secret"),
        ("secret\n\n", "secret\n"),
        (" secret \n", " secret "),
    ] {
        let file = write(dir.path(), "pw", content);
        let config = ok(smtp, &[("LATCHKEY_SMTP_PASSWORD_FILE", s(&file))]);
        let password = config.smtp.unwrap().password.unwrap();
        assert_eq!(password.expose_secret(), expected, "for {content:?}");
    }
    let file = write(dir.path(), "db", "sqlite://from-file.db\n");
    let config = ok("", &[("LATCHKEY_DATABASE_URL_FILE", s(&file))]);
    assert_eq!(config.database_url.expose_secret(), "sqlite://from-file.db");
}

#[test]
fn unreadable_secret_file_names_variable_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-file");
    let errors = load("", &[("LATCHKEY_DATABASE_URL_FILE", s(&missing))]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let error = &errors.0[0];
    assert_eq!(
        error.origin,
        Origin::SecretFile {
            var: "LATCHKEY_DATABASE_URL_FILE".into(),
            path: missing.clone(),
        }
    );
    assert_eq!(error.key, "database_url");
    let line = error.to_string();
    assert!(line.contains("LATCHKEY_DATABASE_URL_FILE"), "{line}");
    assert!(line.contains(s(&missing)), "{line}");
    assert!(line.contains("cannot read the file"), "{line}");
}

#[test]
fn bad_secret_file_content_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "db", "mysql://root:Tr0ub4dor@db/x\n");
    let lines = errors("", &[("LATCHKEY_DATABASE_URL_FILE", s(&file))]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("unsupported database scheme `mysql`"),
        "{lines:?}"
    );
    assert!(lines[0].contains("LATCHKEY_DATABASE_URL_FILE"), "{lines:?}");
    assert!(!lines[0].contains("Tr0ub4dor"), "{lines:?}");

    let file = write(dir.path(), "bin", "");
    std::fs::write(&file, [0xff, 0xfe, b'x']).unwrap();
    let lines = errors("", &[("LATCHKEY_DATABASE_URL_FILE", s(&file))]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with("database_url: the file is not valid UTF-8"),
        "{lines:?}"
    );
}
