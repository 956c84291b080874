//! FaultProxy: forwarding, each fault against a real slapd, pause/resume.
//!
//! The question each test answers is the one a mass-reset test will ask: did the directory
//! apply the change or not? That is checked by binding *directly* to slapd, past the proxy.

use std::time::Duration;

use latchkey_testkit::{Fault, FaultProxy, Op, Slapd, SlapdOptions};
use ldap3::exop::{PasswordModify, WhoAmI};
use ldap3::{Ldap, LdapConnAsync, LdapError, LdapResult, Mod, Scope, SearchEntry};

use crate::TestResult;

const INVALID_CREDENTIALS: u32 = 49;
const CONSTRAINT_VIOLATION: u32 = 19;
const QUALITY: &str = "Password fails quality checking policy";
/// Bounds every operation through the proxy, so a fault that misfires fails the test instead
/// of hanging it.
const PATIENCE: Duration = Duration::from_secs(10);

async fn connect(url: &str) -> Result<Ldap, LdapError> {
    let (conn, mut ldap) = LdapConnAsync::new(url).await?;
    ldap3::drive!(conn);
    ldap.with_timeout(PATIENCE);
    Ok(ldap)
}

async fn bind_rc(url: &str, dn: &str, password: &str) -> Result<u32, LdapError> {
    let mut ldap = connect(url).await?;
    let rc = ldap.simple_bind(dn, password).await?.rc;
    let _ = ldap.unbind().await;
    Ok(rc)
}

/// A connection through `url` bound as the service account (a password administrator).
async fn service(slapd: &Slapd, url: &str) -> Result<Ldap, LdapError> {
    let mut ldap = connect(url).await?;
    ldap.simple_bind(slapd.service_dn(), slapd.service_password())
        .await?
        .success()?;
    Ok(ldap)
}

async fn password_modify(ldap: &mut Ldap, dn: &str, new: &str) -> Result<LdapResult, LdapError> {
    let ldap3::result::ExopResult(_, result) = ldap
        .extended(PasswordModify {
            user_id: Some(dn),
            old_pass: None,
            new_pass: Some(new),
        })
        .await?;
    Ok(result)
}

fn start() -> Result<(Slapd, FaultProxy), latchkey_testkit::TestkitError> {
    let slapd = Slapd::start(SlapdOptions {
        users: 300,
        ..SlapdOptions::default()
    })?;
    let proxy = FaultProxy::start(slapd.port())?;
    Ok((slapd, proxy))
}

#[tokio::test]
async fn forwards_binds_searches_and_writes_unchanged() -> TestResult {
    let (slapd, proxy) = start()?;
    assert_ne!(proxy.port(), slapd.port());
    assert_eq!(proxy.url(), format!("ldap://127.0.0.1:{}", proxy.port()));
    let mut ldap = connect(&proxy.url()).await?;
    ldap.simple_bind(&Slapd::user_dn(3), &Slapd::initial_password(3))
        .await?
        .success()?;
    // 300 full entries: many messages per read, messages split across reads, and long-form
    // BER lengths (every entry is longer than 127 bytes).
    let (entries, _) = ldap
        .search(
            slapd.people_dn(),
            Scope::OneLevel,
            "(objectClass=inetOrgPerson)",
            vec!["*"],
        )
        .await?
        .success()?;
    assert_eq!(entries.len(), 300);
    let entries: Vec<SearchEntry> = entries.into_iter().map(SearchEntry::construct).collect();
    let last = entries
        .iter()
        .find(|e| e.dn == Slapd::user_dn(299))
        .ok_or("user 299 missing from the search through the proxy")?;
    assert_eq!(
        last.attrs.get("mail"),
        Some(&vec!["user00299@example.org".to_owned()])
    );
    let _ = ldap.unbind().await;

    // Writes pass untouched while nothing is armed.
    let mut admin = service(&slapd, &proxy.url()).await?;
    password_modify(&mut admin, &Slapd::user_dn(4), "Through-The-Proxy-4")
        .await?
        .success()?;
    assert_eq!(
        bind_rc(&slapd.url(), &Slapd::user_dn(4), "Through-The-Proxy-4").await?,
        0
    );
    assert_eq!(proxy.fired(), 0);
    Ok(())
}

#[tokio::test]
async fn drop_response_after_apply_loses_the_answer_but_not_the_change() -> TestResult {
    let (slapd, proxy) = start()?;
    let dn = Slapd::user_dn(5);
    let mut admin = service(&slapd, &proxy.url()).await?;
    proxy.arm(Fault::DropResponseAfterApply {
        op: Op::PasswordModify,
    });
    let outcome = password_modify(&mut admin, &dn, "Applied-But-Unanswered-5").await;
    // ldap3 reports a connection lost mid-operation as a dropped result channel.
    assert!(
        matches!(outcome, Err(LdapError::ResultRecv { .. })),
        "the client must see a lost connection: {outcome:?}"
    );
    assert_eq!(proxy.fired(), 1);
    // The directory did apply it: the new password binds directly, the old one does not.
    assert_eq!(
        bind_rc(&slapd.url(), &dn, "Applied-But-Unanswered-5").await?,
        0
    );
    assert_eq!(
        bind_rc(&slapd.url(), &dn, &Slapd::initial_password(5)).await?,
        INVALID_CREDENTIALS
    );

    // It fired once: the retry on a new connection gets its answer.
    let mut again = service(&slapd, &proxy.url()).await?;
    password_modify(&mut again, &dn, "Retried-5")
        .await?
        .success()?;
    assert_eq!(proxy.fired(), 1);
    assert_eq!(proxy.disarm(), None);
    Ok(())
}

#[tokio::test]
async fn refuse_before_apply_answers_constraint_violation_and_changes_nothing() -> TestResult {
    let (slapd, proxy) = start()?;
    let (dn, initial) = (Slapd::user_dn(6), Slapd::initial_password(6));
    let mut admin = service(&slapd, &proxy.url()).await?;

    // A Modify is not a Password Modify: it passes, and the fault stays armed.
    proxy.arm(Fault::RefuseBeforeApply {
        op: Op::PasswordModify,
        diagnostic: QUALITY.into(),
    });
    admin
        .modify(
            &Slapd::user_dn(7),
            vec![Mod::Replace(
                "description",
                ["untouched by the fault"].into(),
            )],
        )
        .await?
        .success()?;
    assert_eq!(proxy.fired(), 0);

    let refused = password_modify(&mut admin, &dn, "Refused-6").await?;
    assert_eq!(refused.rc, CONSTRAINT_VIOLATION, "{refused:?}");
    assert_eq!(refused.text, QUALITY);
    assert_eq!(refused.matched, "");
    assert_eq!(proxy.fired(), 1);
    assert_eq!(bind_rc(&slapd.url(), &dn, &initial).await?, 0);
    assert_eq!(
        bind_rc(&slapd.url(), &dn, "Refused-6").await?,
        INVALID_CREDENTIALS
    );

    // The same connection goes on: the refusal kept the message stream intact.
    password_modify(&mut admin, &dn, "Accepted-6")
        .await?
        .success()?;
    assert_eq!(bind_rc(&slapd.url(), &dn, "Accepted-6").await?, 0);

    // A ModifyRequest gets a ModifyResponse with the same refusal.
    proxy.arm(Fault::RefuseBeforeApply {
        op: Op::AnyWrite,
        diagnostic: QUALITY.into(),
    });
    let refused = admin
        .modify(
            &Slapd::user_dn(8),
            vec![Mod::Replace("userPassword", ["Refused-8"].into())],
        )
        .await?;
    assert_eq!(
        (refused.rc, refused.text.as_str()),
        (CONSTRAINT_VIOLATION, QUALITY)
    );
    assert_eq!(proxy.fired(), 2);
    assert_eq!(
        bind_rc(
            &slapd.url(),
            &Slapd::user_dn(8),
            &Slapd::initial_password(8)
        )
        .await?,
        0
    );
    Ok(())
}

#[tokio::test]
async fn hang_after_apply_times_the_client_out_after_the_change() -> TestResult {
    let (slapd, proxy) = start()?;
    let dn = Slapd::user_dn(9);
    let mut admin = service(&slapd, &proxy.url()).await?;
    proxy.arm(Fault::HangAfterApply { op: Op::Modify });
    admin.with_timeout(Duration::from_secs(1));
    let outcome = admin
        .modify(&dn, vec![Mod::Replace("userPassword", ["Hung-9"].into())])
        .await;
    assert!(
        matches!(outcome, Err(LdapError::Timeout { .. })),
        "expected a client timeout, got {outcome:?}"
    );
    assert_eq!(proxy.fired(), 1);
    assert_eq!(bind_rc(&slapd.url(), &dn, "Hung-9").await?, 0);
    Ok(())
}

#[tokio::test]
async fn sever_pause_and_resume_act_like_a_directory_going_away() -> TestResult {
    let (slapd, proxy) = start()?;
    let (dn, password) = (Slapd::user_dn(1), Slapd::initial_password(1));

    let mut before = service(&slapd, &proxy.url()).await?;
    proxy.arm(Fault::Sever);
    assert_eq!(proxy.fired(), 1);
    let severed = before.extended(WhoAmI).await;
    assert!(
        matches!(severed, Err(LdapError::ResultRecv { .. })),
        "a severed connection answered: {severed:?}"
    );
    assert_eq!(
        bind_rc(&proxy.url(), &dn, &password).await?,
        0,
        "after Sever"
    );

    let mut open = service(&slapd, &proxy.url()).await?;
    proxy.pause();
    let cut = open.extended(WhoAmI).await;
    assert!(
        matches!(cut, Err(LdapError::ResultRecv { .. })),
        "pause must sever open connections: {cut:?}"
    );
    match connect(&proxy.url()).await {
        Err(LdapError::Io { source }) => {
            assert_eq!(
                source.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{source}"
            );
        }
        Err(other) => return Err(format!("unexpected error while paused: {other}").into()),
        Ok(_) => return Err("a paused proxy accepted a connection".into()),
    }

    proxy.resume()?;
    assert_eq!(
        bind_rc(&proxy.url(), &dn, &password).await?,
        0,
        "after resume"
    );
    Ok(())
}
