//! Problems in `latchkey.toml`: each reported at the line of the key, with a hint.

use crate::util::{at, errors, load};

#[test]
fn unknown_key_at_its_line_with_a_suggestion() {
    let text = "[smtp]\nhost = \"mail.example\"\nfrom = \"a@example.com\"\n  prot = 25\n";
    assert_eq!(
        errors(text, &[]),
        ["latchkey.toml:4:3: smtp.prot: unknown key (did you mean `smtp.port`?)"]
    );
    let err = load(text, &[]).unwrap_err();
    assert_eq!(err.0[0].origin, at(4, 3));
    assert_eq!(err.0[0].key, "smtp.prot");
    assert_eq!(err.0[0].hint.as_deref(), Some("did you mean `smtp.port`?"));
}

#[test]
fn known_key_in_the_wrong_section_says_where_it_belongs() {
    assert_eq!(
        errors("port = 25\n", &[]),
        ["latchkey.toml:1:1: port: unknown key (`port` belongs in [smtp])"]
    );
    assert_eq!(
        errors("[log]\nlisten = \"127.0.0.1:1\"\n", &[]),
        ["latchkey.toml:2:1: log.listen: unknown key \
             (`listen` belongs at the top level, before any [section])"]
    );
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        errors("lisen = \"127.0.0.1:1\"\n", &[]),
        ["latchkey.toml:1:1: lisen: unknown key (did you mean `listen`?)"]
    );
    assert_eq!(
        errors("\n\nfrobnicate = true\n", &[]),
        ["latchkey.toml:3:1: frobnicate: unknown key"]
    );
}

#[test]
fn unknown_section() {
    assert_eq!(
        errors("[log]\nformat = \"text\"\n\n[stmp]\nhost = \"x\"\n", &[]),
        ["latchkey.toml:4:2: stmp: unknown section (did you mean [smtp]?)"]
    );
    assert_eq!(
        errors("[database]\nurl = \"sqlite://x\"\n", &[]),
        ["latchkey.toml:1:2: database: unknown section"]
    );
}

#[test]
fn wrong_types() {
    assert_eq!(
        errors("[password_hash]\ntime_cost = \"3\"\n", &[]),
        [
            "latchkey.toml:2:13: password_hash.time_cost: expected a number of passes 1-32, \
             got the string \"3\" (remove the quotes: time_cost = 3)"
        ]
    );
    assert_eq!(
        errors("listen = 8080\n", &[]),
        [
            "latchkey.toml:1:10: listen: expected a string, got an integer \
             (put the value in double quotes)"
        ]
    );
    assert_eq!(
        errors("[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nport = true\n", &[]),
        ["latchkey.toml:4:8: smtp.port: expected a port number 1-65535, got a boolean"]
    );
    assert_eq!(
        errors("[password_hash]\nmemory_kib = 1.5\n", &[]),
        ["latchkey.toml:2:14: password_hash.memory_kib: \
             expected a memory size in KiB 8-4194304, got a float"]
    );
    assert_eq!(
        errors("log = \"json\"\n", &[]),
        [
            "latchkey.toml:1:7: log: `log` is a section: expected a table, got a string \
             (write the keys under a [log] line)"
        ]
    );
    assert_eq!(
        errors("[[keys]]\n", &[]),
        [
            "latchkey.toml:1:1: keys: `keys` is a section: expected a table, got an array \
             (write the keys under a [keys] line)"
        ]
    );
}

/// One bad value per kind of check, each at its own line.
#[test]
fn bad_values_of_every_kind() {
    let cases: &[(&str, &str)] = &[
        (
            "listen = \"localhost:80\"",
            "latchkey.toml:1:10: listen: expected an IP address and port, got \"localhost:80\" \
             (for example 127.0.0.1:8080, or [::]:8080 for every interface)",
        ),
        (
            "public_url = \"ftp://x.example/\"",
            "latchkey.toml:1:14: public_url: scheme must be http or https, got `ftp` \
             (for example https://id.example.com/)",
        ),
        (
            "public_url = \"https://x.example/?a=b\"",
            "latchkey.toml:1:14: public_url: must not have a query (`?`) or fragment (`#`) \
             (for example https://id.example.com/)",
        ),
        (
            "database_url = \"mysql://db/x\"",
            "latchkey.toml:1:16: database_url: unsupported database scheme `mysql` \
             (use sqlite://PATH or postgres://USER@HOST/DB)",
        ),
        (
            "database_url = \"latchkey.db\"",
            "latchkey.toml:1:16: database_url: is not a URL (relative URL without a base) \
             (use sqlite://PATH or postgres://USER@HOST/DB)",
        ),
        (
            "[log]\nformat = \"yaml\"",
            "latchkey.toml:2:10: log.format: unknown log format \"yaml\" \
             (valid values: text, json)",
        ),
        (
            "[log]\nfilter = \"  \"",
            "latchkey.toml:2:10: log.filter: must not be empty",
        ),
        (
            "outbox = \"\"",
            "latchkey.toml:1:10: outbox: must not be empty",
        ),
        (
            "[password_hash]\nmemory_kib = 5000000",
            "latchkey.toml:2:14: password_hash.memory_kib: \
             expected a memory size in KiB 8-4194304, got 5000000",
        ),
        (
            "[password_hash]\ntime_cost = 0",
            "latchkey.toml:2:13: password_hash.time_cost: expected a number of passes 1-32, got 0",
        ),
        (
            "[password_hash]\nparallelism = 17",
            "latchkey.toml:2:15: password_hash.parallelism: expected a number of lanes 1-16, \
             got 17",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nport = 65536",
            "latchkey.toml:4:8: smtp.port: expected a port number 1-65535, got 65536",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\ntimeout_secs = 301",
            "latchkey.toml:4:16: smtp.timeout_secs: expected a number of seconds 1-300, got 301",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"a@b\"\nsecurity = \"ssl\"",
            "latchkey.toml:4:12: smtp.security: unknown security mode \"ssl\" \
             (valid values: starttls, tls, none)",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"Latchkey <a@b@c>\"",
            "latchkey.toml:3:8: smtp.from: expected an email address with exactly one `@`, \
             got \"Latchkey <a@b@c>\" (for example latchkey@example.com or \
             \"Latchkey <latchkey@example.com>\")",
        ),
        (
            "[smtp]\nhost = \"mail.example:25\"\nfrom = \"a@b\"",
            "latchkey.toml:2:8: smtp.host: expected a host name or IP address, \
             got \"mail.example:25\" (write only the host, \
             for example mail.example.com; the port goes in smtp.port)",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(errors(text, &[]), [*expected], "for {text:?}");
    }
}

#[test]
fn argon2_memory_must_cover_every_lane() {
    assert_eq!(
        errors("[password_hash]\nmemory_kib = 64\nparallelism = 16\n", &[]),
        [
            "latchkey.toml:2:14: password_hash.memory_kib: must be at least 8 KiB per lane: \
             128 KiB for 16 lanes, got 64 (raise memory_kib or lower parallelism)"
        ]
    );
    assert!(load("[password_hash]\nmemory_kib = 128\nparallelism = 16\n", &[]).is_ok());
}

#[test]
fn toml_syntax_error_has_its_line() {
    let lines = errors("listen = \"127.0.0.1:1\"\n\n[smtp\nhost = \"h\"\n", &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("latchkey.toml:3:"), "{lines:?}");
    assert!(lines[0].contains("expected `]`"), "{lines:?}");

    let lines = errors("a = 1\nlisten = \"unterminated\n", &[]);
    assert!(lines[0].starts_with("latchkey.toml:2:"), "{lines:?}");

    let lines = errors("[log]\nformat = \"text\"\nformat = \"json\"\n", &[]);
    assert!(
        lines[0].starts_with("latchkey.toml:3:1: duplicate key"),
        "{lines:?}"
    );
}

#[test]
fn several_errors_are_reported_together_in_file_order() {
    let text = r#"
zzz = 1
listen = "nope"

[smtp]
host = "mail.example"
from = "a@example.com"
prot = 25
timeout_secs = "10"

[log]
format = "xml"
"#;
    let lines = errors(text, &[("LATCHKEY_SMTP_PROT", "25")]);
    let positions: Vec<&str> = lines
        .iter()
        .map(|line| line.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        positions,
        [
            "latchkey.toml:2:1",
            "latchkey.toml:3:10",
            "latchkey.toml:8:1",
            "latchkey.toml:9:16",
            "latchkey.toml:12:10",
            "environment LATCHKEY_SMTP_PROT",
        ],
        "{lines:#?}"
    );
}
