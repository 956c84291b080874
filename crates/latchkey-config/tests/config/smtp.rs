//! `[smtp]`: required keys, port defaults, login pairing and the conflict with `outbox`.

use latchkey_config::SmtpSecurity;

use crate::util::{errors, ok, s, write};

const BASE: &str = "[smtp]\nhost = \"mail.example\"\nfrom = \"Latchkey <l@example.com>\"\n";

#[test]
fn defaults_for_a_minimal_section() {
    let smtp = ok(BASE, &[]).smtp.unwrap();
    assert_eq!(smtp.host, "mail.example");
    assert_eq!(smtp.security, SmtpSecurity::StartTls);
    assert_eq!(smtp.port, 587);
    assert_eq!(smtp.timeout_secs, 10);
    assert_eq!(smtp.username, None);
    assert!(smtp.password.is_none());
    assert_eq!(smtp.ca_file, None);
}

#[test]
fn port_defaults_follow_the_security_mode() {
    for (security, port) in [("starttls", 587), ("tls", 465), ("none", 25)] {
        let text = format!("{BASE}security = \"{security}\"\n");
        let smtp = ok(&text, &[]).smtp.unwrap();
        assert_eq!(smtp.port, port, "for {security}");
        assert_eq!(smtp.security.as_str(), security);
        // The security mode from the environment picks the default port too.
        let smtp = ok(BASE, &[("LATCHKEY_SMTP_SECURITY", security)])
            .smtp
            .unwrap();
        assert_eq!(smtp.port, port, "for {security} from env");
    }
    // An explicit port is kept whatever the mode.
    let text = format!("{BASE}security = \"tls\"\nport = 2465\n");
    assert_eq!(ok(&text, &[]).smtp.unwrap().port, 2465);
}

#[test]
fn smtp_and_outbox_cannot_both_be_set() {
    let text = format!("outbox = \"mail.out\"\n{BASE}");
    assert_eq!(
        errors(&text, &[]),
        [
            "latchkey.toml:1:10: outbox: cannot be used together with [smtp]: mail is either \
             sent or written to a file (remove `outbox` to send mail, or remove [smtp] to write \
             it to a file)"
        ]
    );
    let lines = errors(BASE, &[("LATCHKEY_OUTBOX", "mail.out")]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("environment LATCHKEY_OUTBOX: outbox: "),
        "{lines:?}"
    );
    // Either one alone is fine.
    assert!(ok("outbox = \"mail.out\"", &[]).smtp.is_none());
}

#[test]
fn an_empty_section_needs_host_and_from() {
    let lines = errors("\n[smtp]\n", &[]);
    assert_eq!(
        lines,
        [
            "latchkey.toml:2:1: smtp.host: is required when [smtp] is configured \
             (add `host = \"mail.example.com\"` under [smtp], or remove [smtp])",
            "latchkey.toml:2:1: smtp.from: is required when [smtp] is configured \
             (add `from = \"Latchkey <latchkey@example.com>\"` under [smtp], or remove [smtp])",
        ]
    );
    // A host that was given but rejected is not also reported missing.
    let lines = errors("[smtp]\nhost = \"a b\"\nfrom = \"a@b\"\n", &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("latchkey.toml:2:8: smtp.host: "),
        "{lines:?}"
    );
}

#[test]
fn username_and_password_come_together() {
    assert_eq!(
        errors(&format!("{BASE}username = \"u\"\n"), &[]),
        [
            "latchkey.toml:4:12: smtp.username: is set but smtp.password is not \
             (set both to log in to the server, or neither to send without login)"
        ]
    );
    let lines = errors(BASE, &[("LATCHKEY_SMTP_PASSWORD", "pw")]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("environment LATCHKEY_SMTP_PASSWORD: smtp.password: is set but"),
        "{lines:?}"
    );
    let smtp = ok(
        BASE,
        &[
            ("LATCHKEY_SMTP_USERNAME", "u"),
            ("LATCHKEY_SMTP_PASSWORD", "pw"),
        ],
    )
    .smtp
    .unwrap();
    assert_eq!(smtp.username.as_deref(), Some("u"));
}

#[test]
fn ca_file_must_be_readable() {
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", "-----BEGIN CERTIFICATE-----\n");
    let text = format!("{BASE}ca_file = \"{}\"\n", s(&ca));
    assert_eq!(ok(&text, &[]).smtp.unwrap().ca_file, Some(ca));
    let missing = dir.path().join("nope.pem");
    let lines = errors(&format!("{BASE}ca_file = \"{}\"\n", s(&missing)), &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("latchkey.toml:4:11: smtp.ca_file: cannot read"),
        "{lines:?}"
    );
}
