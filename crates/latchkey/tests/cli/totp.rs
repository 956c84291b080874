//! `latchkey totp enrol | reset`, and `config check`'s warning about the localauth demo bypass.

use crate::util::{Run, Sandbox};
use latchkey_core::keys::MasterKey;
use latchkey_core::otp::repo::{BOX_PURPOSE, TotpRepo};
use latchkey_core::otp::{Totp, open_secret};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::ProfileRepo;
use std::process::Command;

/// Runs with the sandbox's master key configured.
fn run_keyed(sb: &Sandbox, args: &[&str]) -> Run {
    let mut cmd: Command = sb.command();
    cmd.env(
        "LATCHKEY_KEYS_MASTER_KEY_FILE",
        sb.path().join("master.key"),
    );
    crate::util::finish(cmd.args(args).output().unwrap())
}

fn field<'a>(uri: &'a str, name: &str) -> &'a str {
    let start = uri.find(&format!("{name}=")).unwrap() + name.len() + 1;
    uri[start..].split('&').next().unwrap()
}

#[test]
fn enrol_prints_the_uri_and_recovery_codes_once_and_reset_removes_them() {
    let sb = Sandbox::new();
    sb.run(&["keys", "generate", "master.key"]).expect_code(0);
    sb.run(&["users", "add", "alice", "--name", "Alice", "--no-password"])
        .expect_code(0);

    // Without the master key nothing is enrolled.
    let refused = sb.run(&["totp", "enrol", "alice"]).expect_code(2);
    assert!(
        refused.stderr.contains("master_key_file"),
        "{}",
        refused.stderr
    );

    let run = run_keyed(&sb, &["totp", "enrol", "alice"]).expect_code(0);
    let uri = run
        .stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("otpauth://totp/Latchkey:alice?"))
        .unwrap_or_else(|| panic!("no otpauth URI in:\n{}", run.stdout));
    assert_eq!(field(uri, "issuer"), "Latchkey");
    let printed_secret = field(uri, "secret").to_owned();
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.len() == 19 && l.matches('-').count() == 3)
        .collect();
    assert_eq!(codes.len(), 10, "{}", run.stdout);

    // What was stored is that secret, sealed, and those codes, hashed.
    let key =
        MasterKey::parse(&std::fs::read_to_string(sb.path().join("master.key")).unwrap()).unwrap();
    let (enrolment, hashes) = sb.with_store(async |store| {
        let login = LoginId::new("alice").unwrap();
        let p = store.profile_by_login(&login).await.unwrap().unwrap();
        (
            store.totp_enrolment(p.id).await.unwrap().unwrap(),
            store.recovery_code_hashes(p.id).await.unwrap(),
        )
    });
    let secret = open_secret(
        &key.secret_box(BOX_PURPOSE).unwrap(),
        &enrolment.sealed_secret,
        enrolment.profile,
    )
    .unwrap();
    assert_eq!(secret.to_base32().as_str(), printed_secret);
    assert!(
        !enrolment
            .sealed_secret
            .to_string()
            .contains(&printed_secret)
    );
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let hash = latchkey_core::otp::recovery::hash_typed(code).unwrap();
        assert!(hashes.contains(&hash));
    }
    let app = Totp::new(&secret, enrolment.params).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let code = app.code_at(now.unix_timestamp() as u64);
    assert!(matches!(
        app.verify(&code, now, enrolment.last_used_step),
        latchkey_core::otp::TotpCheck::Valid { .. }
    ));

    // A second enrolment needs --replace; it makes a new secret.
    let again = run_keyed(&sb, &["totp", "enrol", "alice"]).expect_code(2);
    assert!(again.stderr.contains("--replace"), "{}", again.stderr);
    let replaced = run_keyed(&sb, &["totp", "enrol", "alice", "--replace"]).expect_code(0);
    assert!(!replaced.stdout.contains(&printed_secret));

    let reset = sb.run(&["totp", "reset", "alice"]).expect_code(0);
    assert!(reset.stdout.contains("removed"), "{}", reset.stdout);
    let left = sb.with_store(async |store| {
        let login = LoginId::new("alice").unwrap();
        let p = store.profile_by_login(&login).await.unwrap().unwrap();
        store.totp_enrolment(p.id).await.unwrap()
    });
    assert_eq!(left, None);
    let nothing = sb.run(&["totp", "reset", "alice"]).expect_code(0);
    assert!(nothing.stdout.contains("nothing to remove"));
    sb.run(&["totp", "enrol", "nobody"]).expect_code(2);
}

#[test]
fn config_check_warns_about_localauth_on_a_public_listener() {
    let sb = Sandbox::new();
    sb.run(&["scenario", "install", "localauth"]).expect_code(0);
    let loopback = sb.run(&["config", "check"]).expect_code(0);
    assert!(
        !loopback.stdout.contains("DEMO ONLY"),
        "loopback by default: {}",
        loopback.stdout
    );
    std::fs::write(
        sb.path().join("latchkey.toml"),
        "listen = \"0.0.0.0:8080\"\n",
    )
    .unwrap();
    let run = sb.run(&["config", "check"]).expect_code(0);
    assert!(
        run.stdout.contains("warning: DEMO ONLY") && run.stdout.contains("LOCALAUTH"),
        "{}",
        run.stdout
    );
    // Without the chain, no warning.
    sb.run(&["scenario", "uninstall", "localauth"])
        .expect_code(0);
    let run = sb.run(&["config", "check"]).expect_code(0);
    assert!(!run.stdout.contains("DEMO ONLY"), "{}", run.stdout);
}
