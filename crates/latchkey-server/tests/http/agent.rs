//! The agent module, and the password module's "verify against target" mode: the password is
//! checked on a real slapd by the target's connector, for the account discovery associated
//! with the identified profile.

use crate::client::Browser;
use crate::custom::{module, use_chain};
use crate::on_both;
use latchkey_core::account::Account;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::{Control, ModuleType};
use latchkey_core::ids::{AccountId, TargetId};
use latchkey_core::profile::Attributes;
use latchkey_core::repo::CounterRepo;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{TargetDef, TargetKind};
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, Slapd, SlapdOptions, TestServer};
use time::OffsetDateTime;

/// Signs `login` in with `password` through the configured chain; the final status.
async fn sign_in(server: &TestServer, login: &str, password: &str) -> u16 {
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let asked = b.step(&first, &[("user", login)]).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("password"), "{}", asked.body);
    b.step(&asked, &[("password", password)]).await.status
}

on_both!(a_target_decides_the_password, |server| {
    let dir = Slapd::start(SlapdOptions {
        users: 2,
        dbnosync: true,
        ..SlapdOptions::default()
    })
    .unwrap();
    let profile = server
        .add_user("user00000", "Internal-Passw0rd")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let mut def = TargetDef::new(
        TargetId::new("LDAP").unwrap(),
        TargetKind::Ldap,
        &dir.url(),
        SERVICE_DN,
    );
    def.base_dn = PEOPLE_DN.into();
    // Verification binds as the user: no service password is needed for it.
    server
        .store
        .create_target(&StoredTarget {
            def: def.clone(),
            sealed_secret: None,
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    server
        .store
        .upsert_accounts(&[Account {
            id: AccountId(uuid::Uuid::now_v7()),
            target_id: def.id.clone(),
            account_name: Slapd::user_dn(0),
            owner: Some(profile.id),
            attributes: Attributes::new(),
        }])
        .await
        .unwrap();

    for kind in [ModuleType::Agent, ModuleType::Password] {
        use_chain(
            &server,
            "ON_TARGET",
            vec![module(10, kind, Control::Required, &[("target", "LDAP")])],
        )
        .await;
        assert_eq!(
            sign_in(&server, "user00000", "Initial-00000").await,
            303,
            "{kind}"
        );
        // The internal password is not what counts here.
        assert_eq!(
            sign_in(&server, "user00000", "Internal-Passw0rd").await,
            401,
            "{kind}"
        );
        // A profile without an account on the target fails like a wrong password.
        server
            .add_user(&format!("lonely{kind}"), "x-Passw0rd")
            .await
            .unwrap();
        assert_eq!(
            sign_in(&server, &format!("lonely{kind}"), "Initial-00000").await,
            401
        );
    }

    // The target down: denied, and the attempt is not counted against the person.
    let key = LockoutPolicy::counter_key(profile.id);
    let before = server.store.counter(&key).await.unwrap();
    dir.stop().unwrap();
    assert_eq!(sign_in(&server, "user00000", "Initial-00000").await, 401);
    assert_eq!(server.store.counter(&key).await.unwrap(), before);
    dir.start_again().unwrap();
    assert_eq!(sign_in(&server, "user00000", "Initial-00000").await, 303);
});
