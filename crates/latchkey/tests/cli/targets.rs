//! `latchkey targets add | list | test | discover` against a real slapd.

use crate::util::{Run, Sandbox};
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd, SlapdOptions};
use std::process::{Command, Stdio};

/// Runs with the sandbox's master key configured, `input` on standard input.
fn run_keyed(sb: &Sandbox, args: &[&str], input: Option<&str>) -> Run {
    use std::io::Write;
    let mut cmd: Command = sb.command();
    cmd.env(
        "LATCHKEY_KEYS_MASTER_KEY_FILE",
        sb.path().join("master.key"),
    )
    .args(args)
    .stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = input {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    crate::util::finish(child.wait_with_output().unwrap())
}

fn add_args(url: &str, id: &str) -> Vec<String> {
    [
        "targets",
        "add",
        id,
        "--kind",
        "ldap",
        "--url",
        url,
        "--service-account",
        SERVICE_DN,
        "--base-dn",
        PEOPLE_DN,
        "--association",
        "mail",
        "--source-login",
        "uid",
        "--source-email",
        "mail",
        "--password-stdin",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn add_test_list_and_discover_a_source_directory() {
    let dir = Slapd::start(SlapdOptions {
        users: 30,
        dbnosync: true,
        ..SlapdOptions::default()
    })
    .unwrap();
    let sb = Sandbox::new();
    sb.run(&["keys", "generate", "master.key"]).expect_code(0);
    let args = add_args(&dir.url(), "HR_LDAP");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // Without a master key the password cannot be stored sealed: nothing is stored.
    let refused = sb.run_with_stdin(&args, SERVICE_PASSWORD).expect_code(2);
    assert!(
        refused.stderr.contains("master_key_file"),
        "{}",
        refused.stderr
    );

    let added = run_keyed(&sb, &args, Some(SERVICE_PASSWORD)).expect_code(0);
    assert!(
        added.stdout.contains("stored target HR_LDAP"),
        "{}",
        added.stdout
    );
    let again = run_keyed(&sb, &args, Some(SERVICE_PASSWORD)).expect_code(2);
    assert!(again.stderr.contains("--replace"), "{}", again.stderr);

    let tested = run_keyed(&sb, &["targets", "test", "HR_LDAP"], None).expect_code(0);
    assert!(tested.stdout.contains("connected as"), "{}", tested.stdout);
    assert!(tested.stdout.contains("NOT encrypted"), "{}", tested.stdout);

    let listed = sb.run(&["targets", "list"]).expect_code(0);
    assert!(listed.stdout.contains("HR_LDAP") && listed.stdout.contains("never"));

    let found = run_keyed(&sb, &["targets", "discover", "HR_LDAP"], None).expect_code(0);
    assert!(
        found
            .stdout
            .contains("30 accounts, 30 profiles created, 0 updated, 30 associated"),
        "{}",
        found.stdout
    );
    assert!(sb.logins().contains(&"user00007".to_owned()));
    let listed = sb.run(&["targets", "list", "--json"]).expect_code(0);
    assert!(listed.stdout.contains("\"service_password_stored\": true"));
    assert!(listed.stdout.contains("\"ok\": true"));

    // The service password is nowhere in the database in clear.
    let bytes = std::fs::read(sb.db_path()).unwrap();
    let needle = SERVICE_PASSWORD.as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    for output in [&added, &tested, &found] {
        assert!(
            !output.stdout.contains(SERVICE_PASSWORD) && !output.stderr.contains(SERVICE_PASSWORD)
        );
    }
}

#[test]
fn bad_definitions_and_wrong_service_passwords_are_explained() {
    let dir = Slapd::start(SlapdOptions {
        users: 1,
        ..SlapdOptions::default()
    })
    .unwrap();
    let sb = Sandbox::new();
    sb.run(&["keys", "generate", "master.key"]).expect_code(0);
    let bad = run_keyed(
        &sb,
        &[
            "targets",
            "add",
            "AD",
            "--kind",
            "ad",
            "--url",
            "ldap://dc1",
            "--service-account",
            "svc@corp",
            "--base-dn",
            "DC=corp",
            "--password-stdin",
        ],
        Some("x"),
    )
    .expect_code(2);
    assert!(
        bad.stderr.contains("encrypted connection"),
        "{}",
        bad.stderr
    );

    let args = add_args(&dir.url(), "WRONG");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_keyed(&sb, &args, Some("not-the-password")).expect_code(0);
    let failed = run_keyed(&sb, &["targets", "test", "WRONG"], None).expect_code(1);
    assert!(failed.stderr.contains("cannot log in"), "{}", failed.stderr);
    let failed = run_keyed(&sb, &["targets", "discover", "WRONG"], None).expect_code(1);
    assert!(failed.stderr.contains("recorded"), "{}", failed.stderr);
    let listed = sb.run(&["targets", "list"]).expect_code(0);
    assert!(listed.stdout.contains("failed"), "{}", listed.stdout);
}
