//! `/forgot` with `FORGOTTEN_PASSWORD / POST_ACTION_ATTRIBUTE`: after a reset (or an unlock),
//! the rendered value is written on the person's entry in a real slapd, through the account
//! discovery associated with them; a person without an account on the row's target is skipped
//! and their reset goes through all the same. The write runs in the background, so the tests
//! poll the directory with a short deadline.

use crate::forgot::{can_sign_in, lock_by_failed_logins, set_new, unlock_only, verified};
use crate::nonce::log;
use crate::on_both;
use crate::targets::ldap_target;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditEvent, AuditRepo, ProfileRepo, SettingsRepo};
use latchkey_core::settings::validate_row;
use latchkey_core::sspr::NS_FORGOTTEN_PASSWORD;
use latchkey_core::target::TargetConnector;
use latchkey_targets::Connector;
use latchkey_testkit::{Slapd, SlapdOptions, TestServer};
use std::time::{Duration, Instant};

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";

/// A slapd with two people, defined as target `LDAP` (service password sealed), and a
/// connector to read it back.
async fn directory(server: &TestServer) -> (Slapd, Connector) {
    let dir = Slapd::start(SlapdOptions {
        users: 2,
        dbnosync: true,
        ..SlapdOptions::default()
    })
    .unwrap();
    let connector = ldap_target(server, "LDAP", &dir.url()).await;
    (dir, connector)
}

/// Associates `dn` on target `LDAP` with `owner`.
async fn own(server: &TestServer, owner: &Profile, dn: &str) {
    crate::targets::own(server, owner.id, "LDAP", dn).await;
}

async fn rows(server: &TestServer, rows: &[&str]) {
    let values: Vec<_> = rows
        .iter()
        .map(|v| validate_row(NS_FORGOTTEN_PASSWORD, "POST_ACTION_ATTRIBUTE", v, false).unwrap())
        .collect();
    server
        .store
        .replace_setting(NS_FORGOTTEN_PASSWORD, "POST_ACTION_ATTRIBUTE", &values)
        .await
        .unwrap();
}

async fn description(connector: &Connector, dn: &str) -> Vec<String> {
    let entry = connector.read_account(dn).await.unwrap();
    entry.attributes.get("description").to_vec()
}

/// Polls the entry until it has a description (or the deadline passes).
async fn written(connector: &Connector, dn: &str) -> Vec<String> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let found = description(connector, dn).await;
        if !found.is_empty() || Instant::now() > until {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The details of the `post_action.attribute` audit events, waiting up to 10 s for `count`.
async fn audited(server: &TestServer, count: usize) -> Vec<(AuditEvent, serde_json::Value)> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let events: Vec<_> = server
            .store
            .recent_audit(500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "post_action.attribute")
            .map(|e| {
                let detail = serde_json::from_str(&e.detail).unwrap();
                (e, detail)
            })
            .collect();
        if events.len() >= count || Instant::now() > until {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both!(a_reset_writes_the_rendered_value_on_the_entry, |server| {
    let log = log();
    let (_dir, connector) = directory(&server).await;
    let mut alice = server.add_user("alice", OLD).await.unwrap();
    alice.display_name = "Zoë \"A\" 100% %login%, cn=x".to_owned();
    server.store.update_profile(&alice).await.unwrap();
    let dn = Slapd::user_dn(0);
    own(&server, &alice, &dn).await;
    rows(
        &server,
        &["default LDAP description Password %action% by self-service for %login% (%name%) at %time%"],
    )
    .await;

    let mut b = verified(&server, "alice").await;
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Sign in with your new password"));

    let found = written(&connector, &dn).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let prefix = format!(
        "Password reset by self-service for alice ({}) at ",
        alice.display_name
    );
    let at = found[0]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{found:?}"));
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(
        description(&connector, &Slapd::user_dn(1)).await.is_empty(),
        "another entry was written"
    );
    assert!(can_sign_in(&server, "alice", NEW).await);

    let events = audited(&server, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (event, detail) = &events[0];
    assert_eq!(event.subject.as_deref(), Some("alice"));
    assert_eq!(detail["result"], "written");
    assert_eq!(detail["target"], "LDAP");
    assert_eq!(detail["account"], dn.as_str());
    assert_eq!(detail["attribute"], "description");
    assert_eq!(detail["action"], "reset");
    assert_eq!(detail["attempts"], 1);
    assert!(
        !event.detail.contains("self-service for"),
        "no value audited"
    );
    let logged = log.text();
    assert!(
        logged.contains("post-action attribute written"),
        "not logged"
    );
    assert!(
        !logged.contains("self-service for"),
        "the value is in the log"
    );
});

on_both!(an_unlock_writes_with_action_unlock, |server| {
    let (_dir, connector) = directory(&server).await;
    let gina = server.add_user("gina", OLD).await.unwrap();
    let dn = Slapd::user_dn(1);
    own(&server, &gina, &dn).await;
    rows(&server, &["default LDAP description %action%: %login%"]).await;
    lock_by_failed_logins(&server, "gina").await;
    let mut b = verified(&server, "gina").await;
    let done = unlock_only(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(written(&connector, &dn).await, ["unlock: gina"]);
    assert!(can_sign_in(&server, "gina", OLD).await, "password kept");
    let events = audited(&server, 1).await;
    assert_eq!(events[0].1["action"], "unlock");
    assert_eq!(events[0].1["result"], "written");
});

on_both!(
    without_an_account_there_nothing_changes_and_the_reset_stands,
    |server| {
        let (_dir, connector) = directory(&server).await;
        server.add_user("bob", OLD).await.unwrap();
        rows(&server, &["default LDAP description reset of %login%"]).await;
        let mut b = verified(&server, "bob").await;
        let done = set_new(&mut b, NEW, NEW).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.body.contains("Sign in with your new password"));
        let events = audited(&server, 1).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].1["result"], "no_account");
        assert!(events[0].1["account"].is_null());
        for i in 0..2 {
            assert!(description(&connector, &Slapd::user_dn(i)).await.is_empty());
        }
        assert!(can_sign_in(&server, "bob", NEW).await);
    }
);
