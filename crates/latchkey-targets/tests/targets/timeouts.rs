//! A target that accepts connections and never answers: every operation ends in a timeout,
//! within the configured time, instead of hanging.

use crate::util::{TestResult, pw};
use latchkey_core::ids::TargetId;
use latchkey_core::target::{TargetConnector, TargetDef, TargetError, TargetKind};
use latchkey_targets::LdapTarget;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Accepts connections and holds them open in silence.
async fn silent_server() -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ldap://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    Ok((url, task))
}

#[tokio::test]
async fn a_directory_that_never_answers_times_out() -> TestResult {
    let (url, server) = silent_server().await?;
    let mut def = TargetDef::new(
        TargetId::new("SILENT")?,
        TargetKind::Ldap,
        &url,
        "cn=svc,dc=example,dc=org",
    );
    def.base_dn = "dc=example,dc=org".into();
    def.connect_timeout_ms = 300;
    def.operation_timeout_ms = 300;
    let t = LdapTarget::new(def.clone(), Some(pw("x")))?;
    let started = Instant::now();
    assert_eq!(
        t.verify_password("uid=a,dc=example,dc=org", &pw("secret"))
            .await,
        Err(TargetError::Timeout)
    );
    assert_eq!(
        t.set_password("uid=a,dc=example,dc=org", &pw("New-1"))
            .await,
        Err(TargetError::Timeout)
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // The same with StartTLS: the upgrade itself never completes.
    def.starttls = true;
    let t = LdapTarget::new(def, Some(pw("x")))?;
    assert_eq!(t.test_connection().await, Err(TargetError::Timeout));
    server.abort();
    Ok(())
}

#[tokio::test]
async fn nothing_listening_is_unreachable() -> TestResult {
    let port = latchkey_testkit::free_port()?;
    let mut def = TargetDef::new(
        TargetId::new("NOBODY")?,
        TargetKind::Ldap,
        &format!("ldap://127.0.0.1:{port}"),
        "cn=svc,dc=example,dc=org",
    );
    def.base_dn = "dc=example,dc=org".into();
    let t = LdapTarget::new(def, Some(pw("x")))?;
    let got = t.verify_password("uid=a,dc=example,dc=org", &pw("p")).await;
    assert!(matches!(got, Err(TargetError::Unreachable(_))), "{got:?}");
    Ok(())
}
