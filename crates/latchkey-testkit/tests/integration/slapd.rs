//! slapd: seeding, binds, the password policy, resets, stop/start, teardown.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use latchkey_testkit::{Slapd, SlapdOptions, TestkitError};
use ldap3::exop::PasswordModify;
use ldap3::{Ldap, LdapConnAsync, LdapError};

use crate::TestResult;

/// LDAP result code for a failed bind (wrong password, or locked by ppolicy).
const INVALID_CREDENTIALS: u32 = 49;
/// LDAP result code for a password the policy refuses.
const CONSTRAINT_VIOLATION: u32 = 19;

async fn connect(url: &str) -> Result<Ldap, LdapError> {
    let (conn, ldap) = LdapConnAsync::new(url).await?;
    ldap3::drive!(conn);
    Ok(ldap)
}

/// Binds on a fresh connection and returns the LDAP result code (0 = success).
async fn bind_rc(slapd: &Slapd, dn: &str, password: &str) -> Result<u32, LdapError> {
    let mut ldap = connect(&slapd.url()).await?;
    let rc = ldap.simple_bind(dn, password).await?.rc;
    let _ = ldap.unbind().await;
    Ok(rc)
}

fn start(options: SlapdOptions) -> Result<Slapd, TestkitError> {
    let users = options.users;
    let started = Instant::now();
    let slapd = Slapd::start(options)?;
    eprintln!(
        "Slapd::start with {users} users took {:?}",
        started.elapsed()
    );
    Ok(slapd)
}

fn count_dns(ldif: &str) -> usize {
    ldif.lines().filter(|l| l.starts_with("dn: ")).count()
}

#[tokio::test]
async fn seeds_the_requested_number_of_users() -> TestResult {
    // Mass-reset tests need directories this large; slapadd makes them cheap (~0.3 s).
    let slapd = start(SlapdOptions {
        users: 10_000,
        ..SlapdOptions::default()
    })?;
    let people = slapd.ldapsearch(slapd.people_dn(), "(objectClass=inetOrgPerson)", &["1.1"])?;
    assert_eq!(count_dns(&people), 10_000);

    let last = slapd.ldapsearch(slapd.people_dn(), "(uid=user09999)", &["mail", "cn"])?;
    assert!(
        last.contains("dn: uid=user09999,ou=people,dc=example,dc=org"),
        "{last}"
    );
    assert!(last.contains("mail: user09999@example.org"), "{last}");
    let past_the_end = slapd.ldapsearch(slapd.people_dn(), "(uid=user10000)", &["1.1"])?;
    assert_eq!(count_dns(&past_the_end), 0);
    let (last_dn, last_password) = (Slapd::user_dn(9_999), Slapd::initial_password(9_999));
    assert_eq!(bind_rc(&slapd, &last_dn, &last_password).await?, 0);

    let policy = slapd.ldapsearch(slapd.policy_dn(), "(objectClass=pwdPolicy)", &["*"])?;
    for line in ["pwdInHistory: 5", "pwdMaxFailure: 5", "pwdMinLength: 0"] {
        assert!(policy.contains(line), "policy lacks {line}:\n{policy}");
    }
    Ok(())
}

#[test]
fn ldapi_socket_answers() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    let out = Command::new("ldapsearch")
        .env("LDAPNOINIT", "1")
        .args([
            "-x",
            "-LLL",
            "-H",
            &slapd.ldapi_url(),
            "-b",
            "",
            "-s",
            "base",
        ])
        .arg("namingContexts")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("namingContexts: dc=example,dc=org"),
        "{stdout}"
    );
    Ok(())
}

#[tokio::test]
async fn seeded_user_binds_with_initial_password_and_not_with_a_wrong_one() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    for i in [0, 9] {
        let dn = Slapd::user_dn(i);
        assert_eq!(bind_rc(&slapd, &dn, &Slapd::initial_password(i)).await?, 0);
        assert_eq!(bind_rc(&slapd, &dn, "wrong").await?, INVALID_CREDENTIALS);
    }
    // Another user's password is not this user's.
    let other = Slapd::initial_password(1);
    assert_eq!(
        bind_rc(&slapd, &Slapd::user_dn(0), &other).await?,
        INVALID_CREDENTIALS
    );
    let admin = bind_rc(&slapd, slapd.admin_dn(), slapd.admin_password()).await?;
    assert_eq!(admin, 0);
    let service = bind_rc(&slapd, slapd.service_dn(), slapd.service_password()).await?;
    assert_eq!(service, 0);
    Ok(())
}

#[tokio::test]
async fn five_wrong_binds_lock_the_account_under_ppolicy() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    let (dn, password) = (Slapd::user_dn(3), Slapd::initial_password(3));
    for _ in 0..4 {
        assert_eq!(bind_rc(&slapd, &dn, "wrong").await?, INVALID_CREDENTIALS);
    }
    let before = slapd.ldapsearch(&dn, "(objectClass=*)", &["pwdAccountLockedTime"])?;
    assert!(
        !before.contains("pwdAccountLockedTime"),
        "locked too early:\n{before}"
    );

    assert_eq!(bind_rc(&slapd, &dn, "wrong").await?, INVALID_CREDENTIALS);
    let after = slapd.ldapsearch(&dn, "(objectClass=*)", &["pwdAccountLockedTime"])?;
    assert!(
        after.contains("pwdAccountLockedTime: "),
        "not locked:\n{after}"
    );
    assert_eq!(
        bind_rc(&slapd, &dn, &password).await?,
        INVALID_CREDENTIALS,
        "a locked account must refuse its correct password"
    );
    // Other accounts are unaffected.
    let neighbour = bind_rc(&slapd, &Slapd::user_dn(4), &Slapd::initial_password(4)).await?;
    assert_eq!(neighbour, 0);
    Ok(())
}

#[tokio::test]
async fn without_ppolicy_wrong_binds_do_not_lock() -> TestResult {
    let slapd = start(SlapdOptions {
        ppolicy: false,
        ..SlapdOptions::default()
    })?;
    let (dn, password) = (Slapd::user_dn(3), Slapd::initial_password(3));
    for _ in 0..6 {
        assert_eq!(bind_rc(&slapd, &dn, "wrong").await?, INVALID_CREDENTIALS);
    }
    assert_eq!(bind_rc(&slapd, &dn, &password).await?, 0);
    Ok(())
}

#[tokio::test]
async fn service_account_resets_a_password_with_password_modify() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    let dn = Slapd::user_dn(5);
    let new_password = "Fresh-Password-5";

    let mut service = connect(&slapd.url()).await?;
    service
        .simple_bind(slapd.service_dn(), slapd.service_password())
        .await?
        .success()?;
    service
        .extended(PasswordModify {
            user_id: Some(&dn),
            old_pass: None,
            new_pass: Some(new_password),
        })
        .await?
        .success()?;
    let _ = service.unbind().await;

    assert_eq!(bind_rc(&slapd, &dn, new_password).await?, 0);
    assert_eq!(
        bind_rc(&slapd, &dn, &Slapd::initial_password(5)).await?,
        INVALID_CREDENTIALS,
        "the old password must stop working"
    );
    let entry = slapd.ldapsearch(&dn, "(objectClass=*)", &["pwdReset", "userPassword"])?;
    assert!(entry.contains("pwdReset: TRUE"), "no pwdReset:\n{entry}");
    // ppolicy_hash_cleartext: the directory stores a hash, never the clear text.
    assert!(
        !entry.contains(new_password),
        "stored in clear text:\n{entry}"
    );
    Ok(())
}

/// Changes `dn`'s password on a connection bound as `bound_dn` with the Password Modify
/// extended operation and returns the LDAP result code.
async fn password_modify(
    slapd: &Slapd,
    (bound_dn, bound_password): (&str, &str),
    dn: &str,
    old: Option<&str>,
    new: &str,
) -> Result<u32, LdapError> {
    let mut ldap = connect(&slapd.url()).await?;
    ldap.simple_bind(bound_dn, bound_password)
        .await?
        .success()?;
    let rc = ldap
        .extended(PasswordModify {
            user_id: Some(dn),
            old_pass: old,
            new_pass: Some(new),
        })
        .await?
        .1
        .rc;
    let _ = ldap.unbind().await;
    Ok(rc)
}

#[tokio::test]
async fn policy_checks_self_changes_but_a_password_admin_bypasses_them() -> TestResult {
    let slapd = start(SlapdOptions {
        min_length: 12,
        ..SlapdOptions::default()
    })?;
    let (dn, initial) = (Slapd::user_dn(0), Slapd::initial_password(0));
    let user = (dn.as_str(), initial.as_str());

    let short = password_modify(&slapd, user, &dn, Some(&initial), "Short-1").await?;
    assert_eq!(
        short, CONSTRAINT_VIOLATION,
        "pwdMinLength 12 must refuse 7 characters"
    );
    let long = password_modify(&slapd, user, &dn, Some(&initial), "Long-enough-1").await?;
    assert_eq!(long, 0);
    assert_eq!(bind_rc(&slapd, &dn, "Long-enough-1").await?, 0);

    let user = (dn.as_str(), "Long-enough-1");
    let reuse = password_modify(&slapd, user, &dn, Some("Long-enough-1"), &initial).await?;
    assert_eq!(
        reuse, CONSTRAINT_VIOLATION,
        "pwdInHistory must refuse the old password"
    );

    // slapo-ppolicy skips quality and history checks for a "password administrator" (anyone
    // with `manage` on userPassword), so resets through the service account are not checked:
    // Latchkey must enforce its own password rules on resets.
    let service = (slapd.service_dn(), slapd.service_password());
    let other = Slapd::user_dn(1);
    assert_eq!(
        password_modify(&slapd, service, &other, None, "Short-1").await?,
        0
    );
    assert_eq!(bind_rc(&slapd, &other, "Short-1").await?, 0);
    Ok(())
}

#[tokio::test]
async fn stop_makes_the_directory_unreachable_and_start_again_restores_it() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    let (dn, password) = (Slapd::user_dn(2), Slapd::initial_password(2));
    slapd.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: mail\nmail: changed@example.org\n"
    ))?;
    let (port, pid) = (slapd.port(), slapd.pid());
    assert!(pid.is_some());

    slapd.stop()?;
    assert!(!slapd.is_running());
    match connect(&slapd.url()).await {
        Err(LdapError::Io { source }) => {
            assert_eq!(
                source.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{source}"
            );
        }
        Err(other) => return Err(format!("unexpected error while stopped: {other}").into()),
        Ok(_) => return Err("a stopped slapd accepted a connection".into()),
    }

    let restarted = Instant::now();
    slapd.start_again()?;
    eprintln!("Slapd::start_again took {:?}", restarted.elapsed());
    assert_eq!(slapd.port(), port);
    assert_ne!(slapd.pid(), pid, "start_again must run a new slapd");
    assert_eq!(bind_rc(&slapd, &dn, &password).await?, 0);
    let entry = slapd.ldapsearch(&dn, "(objectClass=*)", &["mail"])?;
    assert!(
        entry.contains("mail: changed@example.org"),
        "data lost:\n{entry}"
    );
    Ok(())
}

#[test]
fn ldapadd_adds_entries_and_helpers_report_failures() -> TestResult {
    let slapd = start(SlapdOptions {
        users: 0,
        ..SlapdOptions::default()
    })?;
    let dn = format!("uid=extra,{}", slapd.people_dn());
    slapd.ldapadd(&format!(
        "dn: {dn}\nobjectClass: inetOrgPerson\nuid: extra\ncn: Extra\nsn: Extra\n"
    ))?;
    assert_eq!(
        count_dns(&slapd.ldapsearch(slapd.people_dn(), "(uid=extra)", &["dn"])?),
        1
    );

    let duplicate = slapd.ldapadd(&format!(
        "dn: {dn}\nobjectClass: inetOrgPerson\nuid: extra\ncn: Extra\nsn: Extra\n"
    ));
    let message = duplicate
        .err()
        .ok_or("adding an entry twice succeeded")?
        .to_string();
    assert!(message.contains("Already exists"), "{message}");
    Ok(())
}

#[test]
fn a_failed_start_reports_the_end_of_the_server_log() -> TestResult {
    let result = Slapd::start(SlapdOptions {
        log_level: "no-such-level".into(),
        ..SlapdOptions::default()
    });
    let message = result
        .err()
        .ok_or("slapd started with a bogus log level")?
        .to_string();
    assert!(message.contains("slapd did not start"), "{message}");
    assert!(message.contains("--- last lines of "), "{message}");
    assert!(
        message.contains("unrecognized log level"),
        "slapd's own complaint is missing from the log tail:\n{message}"
    );
    Ok(())
}

#[test]
fn dropping_slapd_stops_it_and_removes_its_directory() -> TestResult {
    let slapd = start(SlapdOptions::default())?;
    let pid = slapd.pid().ok_or("a started slapd has no pid")?;
    let dir = slapd.dir().to_path_buf();
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    drop(slapd);
    assert!(!dir.exists(), "{} was left behind", dir.display());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "slapd (pid {pid}) still runs"
    );
    Ok(())
}
