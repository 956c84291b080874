//! `DatabaseUrl`: accepted schemes and redaction of passwords.

use latchkey_config::{DatabaseBackend, DatabaseUrl, DatabaseUrlError};

fn url(text: &str) -> DatabaseUrl {
    text.parse().unwrap()
}

#[test]
fn postgres_password_is_redacted() {
    let db = url("postgres://latchkey:hunter2@db.example/latchkey");
    assert_eq!(db.redacted(), "postgres://latchkey:***@db.example/latchkey");
    assert_eq!(
        db.to_string(),
        "postgres://latchkey:***@db.example/latchkey"
    );
    assert_eq!(
        format!("{db:?}"),
        "DatabaseUrl(\"postgres://latchkey:***@db.example/latchkey\")"
    );
    assert_eq!(
        db.expose_secret(),
        "postgres://latchkey:hunter2@db.example/latchkey"
    );
    assert_eq!(db.backend(), DatabaseBackend::Postgres);
    assert!(!db.is_sqlite());
}

#[test]
fn percent_encoded_password_is_redacted_too() {
    let db = url("postgresql://u:p%40ss%23word@db:5432/x?sslmode=require");
    assert_eq!(
        db.to_string(),
        "postgresql://u:***@db:5432/x?sslmode=require"
    );
    assert!(!format!("{db:?}").contains("ss%23word"));
}

#[test]
fn postgres_without_password_is_unchanged() {
    let text = "postgres://latchkey@db.example:5433/latchkey?sslmode=verify-full";
    let db = url(text);
    assert_eq!(db.redacted(), text);
    assert_eq!(db.to_string(), text);
}

#[test]
fn password_query_parameter_is_redacted() {
    let db = url("postgres://latchkey@db.example/latchkey?sslmode=require&password=hunter2");
    assert_eq!(
        db.to_string(),
        "postgres://latchkey@db.example/latchkey?sslmode=require&password=***"
    );
    let db = url("postgres:///latchkey?host=/run/postgresql&password=s3cret&sslpassword=k3y");
    let shown = format!("{db} {db:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("k3y"),
        "{shown}"
    );
    assert!(shown.contains("host=/run/postgresql"), "{shown}");
}

#[test]
fn sqlite_urls_are_shown_as_they_are() {
    for text in [
        "sqlite://latchkey.db?mode=rwc",
        "sqlite:///var/lib/latchkey/latchkey.db",
        "sqlite::memory:",
    ] {
        let db = url(text);
        assert!(db.is_sqlite(), "{text}");
        assert_eq!(db.backend(), DatabaseBackend::Sqlite);
        assert_eq!(db.to_string(), text);
        assert_eq!(db.expose_secret(), text);
    }
}

#[test]
fn other_schemes_and_non_urls_are_rejected_with_a_hint() {
    let hint = "use sqlite://PATH or postgres://USER@HOST/DB";
    let error = "mysql://root:pw@db/x".parse::<DatabaseUrl>().unwrap_err();
    assert_eq!(error, DatabaseUrlError::UnsupportedScheme("mysql".into()));
    assert_eq!(error.hint(), hint);
    assert!(!error.to_string().contains("pw"));

    let error = "latchkey.db".parse::<DatabaseUrl>().unwrap_err();
    assert!(matches!(error, DatabaseUrlError::NotAUrl(_)), "{error:?}");
    assert_eq!(error.hint(), hint);

    assert_eq!(
        "".parse::<DatabaseUrl>().unwrap_err(),
        DatabaseUrlError::Empty
    );
    assert_eq!(
        "postgres:latchkey".parse::<DatabaseUrl>().unwrap_err(),
        DatabaseUrlError::NotHierarchical
    );
}

#[test]
fn fragments_are_rejected_not_shown() {
    let error = "postgres://u@db/x?sslmode=require#s3cret"
        .parse::<DatabaseUrl>()
        .unwrap_err();
    assert_eq!(error, DatabaseUrlError::Fragment);
    assert!(error.hint().contains("%23"));
    assert!(!error.to_string().contains("s3cret"));
}

#[test]
fn unescaped_special_characters_in_password_get_an_encoding_hint() {
    let error = "postgres://u:abc#def@db/x"
        .parse::<DatabaseUrl>()
        .unwrap_err();
    assert!(matches!(error, DatabaseUrlError::NotAUrl(_)), "{error:?}");
    assert!(error.hint().contains("`#` as %23"), "{}", error.hint());
    assert!(!error.to_string().contains("abc"), "{error}");
}
