//! Secrets never show up in `Debug` output or error messages.

use crate::util::{errors, ok, s, write};

#[test]
fn debug_of_the_whole_config_hides_every_secret() {
    let dir = tempfile::tempdir().unwrap();
    let password_file = write(dir.path(), "pw", "file-smtp-secret\n");
    let text = r#"
database_url = "postgres://latchkey:db-secret-1@db.example/latchkey?password=db-secret-2"
[smtp]
host = "mail.example"
from = "a@example.com"
username = "mailer"
password = "toml-smtp-secret"
"#;
    let config = ok(text, &[]);
    let debug = format!("{config:?}");
    let pretty = format!("{config:#?}");
    for secret in ["db-secret-1", "db-secret-2", "toml-smtp-secret"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
        assert!(!pretty.contains(secret), "{secret} in {pretty}");
    }
    // The non-secret parts are still there, so the output stays useful.
    assert!(
        debug.contains("postgres://latchkey:***@db.example/latchkey"),
        "{debug}"
    );
    assert!(debug.contains("mailer"), "{debug}");

    let config = ok(text, &[("LATCHKEY_SMTP_PASSWORD_FILE", s(&password_file))]);
    let debug = format!("{config:?}");
    assert!(!debug.contains("file-smtp-secret"), "{debug}");
}

#[test]
fn errors_about_secrets_do_not_quote_them() {
    let lines = errors(
        "database_url = \"mysql://root:Tr0ub4dor@db/x\"\n",
        &[("LATCHKEY_DATABASE_URL", "oracle://sys:C0rrectHorse@db/x")],
    );
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert!(
            !line.contains("Tr0ub4dor") && !line.contains("C0rrectHorse"),
            "{line}"
        );
    }
    let lines = errors(
        "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nusername = \"u\"\npassword = 12345\n",
        &[],
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].contains("12345"), "{lines:?}");
}
