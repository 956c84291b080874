//! The plain repositories: profiles, accounts, user classes, USERSTAT, settings, admins,
//! sessions, audit, migrations.

use crate::common::{now, on_both, profile, rng};
use latchkey_core::account::Account;
use latchkey_core::admin::Privilege;
use latchkey_core::condition::Condition;
use latchkey_core::ids::{AccountId, ProfileId, TargetId, UserClassId};
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::profile::{Attributes, LoginId};
use latchkey_core::repo::*;
use latchkey_core::settings::SettingRow;
use latchkey_core::token::TokenHash;
use latchkey_core::userclass::{MembershipRule, RuleMode, UserClass, compute_members};
use latchkey_core::userstat::UserStatTag;
use latchkey_store::{Store, StoreOptions};
use std::collections::BTreeSet;

on_both!(migrations_are_idempotent, |store| {
    let _ = store;
    let t = crate::common::sqlite().await;
    // Opening again applies nothing and keeps data.
    t.store
        .create_profile(&profile("keep", None), None)
        .await
        .unwrap();
    let again = Store::open(&t.url, StoreOptions::default()).await.unwrap();
    assert_eq!(again.count_profiles().await.unwrap(), 1);
});

on_both!(profiles_round_trip, |store| {
    let mut alice = profile("Alice", Some("alice@example.org"));
    let hash =
        PasswordHashString::from_stored("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA".into());
    store.create_profile(&alice, Some(&hash)).await.unwrap();

    let found = store
        .profile_by_login(&LoginId::new("ALICE").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, alice);
    assert_eq!(
        store.profile_by_id(alice.id).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.password_hash(alice.id).await.unwrap(), Some(hash));
    assert_eq!(found.attributes.first("mail"), Some("alice@example.org"));

    // Duplicate login id is a conflict, and nothing changes.
    let dup = profile("alice", None);
    assert!(matches!(
        store.create_profile(&dup, None).await,
        Err(RepoError::Conflict(_))
    ));
    assert_eq!(store.count_profiles().await.unwrap(), 1);

    // Update replaces attributes and states.
    alice
        .attributes
        .set("department", vec!["Sales".into(), "EMEA".into()])
        .unwrap();
    alice.locked = true;
    store.update_profile(&alice).await.unwrap();
    let got = store.profile_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(
        got.attributes.get("department"),
        ["Sales".to_owned(), "EMEA".to_owned()]
    );
    assert!(got.locked);

    let newer =
        PasswordHashString::from_stored("$argon2id$v=19$m=64,t=1,p=1$b3RoZXJzYWx0$aGFzaDI".into());
    store
        .set_password_hash(alice.id, &newer, now())
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(alice.id).await.unwrap(),
        Some(newer.clone())
    );
    let ghost = ProfileId::generate(now(), &mut rng());
    assert!(matches!(
        store.set_password_hash(ghost, &newer, now()).await,
        Err(RepoError::NotFound(_))
    ));
    assert_eq!(store.profile_by_id(ghost).await.unwrap(), None);
});

on_both!(profiles_bulk_is_all_or_nothing_and_pages, |store| {
    let batch: Vec<_> = (0..25)
        .map(|i| (profile(&format!("u{i:02}"), None), None))
        .collect();
    store.create_profiles(&batch).await.unwrap();
    let mut broken: Vec<_> = (25..30)
        .map(|i| (profile(&format!("u{i:02}"), None), None))
        .collect();
    broken.push((profile("u03", None), None));
    assert!(store.create_profiles(&broken).await.is_err());
    assert_eq!(store.count_profiles().await.unwrap(), 25);

    let page1 = store.list_profiles(None, 10).await.unwrap();
    let page2 = store
        .list_profiles(Some(&page1[9].login_id), 10)
        .await
        .unwrap();
    let page3 = store
        .list_profiles(Some(&page2[9].login_id), 10)
        .await
        .unwrap();
    assert_eq!((page1.len(), page2.len(), page3.len()), (10, 10, 5));
    assert_eq!(page1[0].login_id.as_str(), "u00");
    assert_eq!(page3[4].login_id.as_str(), "u24");
    assert!(
        page2
            .iter()
            .all(|p| p.attributes.first("department") == Some("Engineering"))
    );

    // Login ids by profile id: repeats read once, unknown ids left out.
    let unknown = latchkey_core::ids::ProfileId(uuid::Uuid::from_u128(7));
    let mut names = store
        .login_ids(&[page1[2].id, page3[4].id, page1[2].id, unknown])
        .await
        .unwrap();
    names.sort();
    let mut want = vec![
        (page1[2].id, "u02".to_owned()),
        (page3[4].id, "u24".to_owned()),
    ];
    want.sort();
    assert_eq!(names, want);
    assert!(store.login_ids(&[]).await.unwrap().is_empty());
});

on_both!(accounts_upsert_by_target_and_name, |store| {
    let owner = profile("owner", Some("owner@example.org"));
    store.create_profile(&owner, None).await.unwrap();
    let target = TargetId::new("LDAP1").unwrap();
    let mut attributes = Attributes::new();
    attributes.add("mail", "owner@example.org").unwrap();
    let account = Account {
        id: AccountId::generate(now(), &mut rng()),
        target_id: target.clone(),
        account_name: "uid=owner,ou=people".into(),
        owner: None,
        attributes,
    };
    let stored = store.upsert_account(&account).await.unwrap();
    assert_eq!(stored, account);
    // Same target+name with another id updates the existing row and keeps its id.
    let again = Account {
        id: AccountId::generate(now(), &mut rng()),
        owner: Some(owner.id),
        ..account.clone()
    };
    let updated = store.upsert_account(&again).await.unwrap();
    assert_eq!(updated.id, account.id);
    assert_eq!(updated.owner, Some(owner.id));
    assert_eq!(store.accounts_of_target(&target).await.unwrap().len(), 1);
    assert_eq!(
        store.accounts_of_owner(owner.id).await.unwrap(),
        vec![updated]
    );
});

on_both!(account_heads_page_through_a_target_by_name, |store| {
    let target = TargetId::new("LDAP1").unwrap();
    let other = TargetId::new("LDAP2").unwrap();
    let mut names = Vec::new();
    for i in (0..7).rev() {
        for t in [&target, &other] {
            let account = Account {
                id: AccountId::generate(now(), &mut rng()),
                target_id: t.clone(),
                account_name: format!("uid=u{i},ou=people"),
                owner: None,
                attributes: Attributes::new(),
            };
            store.upsert_account(&account).await.unwrap();
        }
        names.push(format!("uid=u{i},ou=people"));
    }
    names.sort();
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .account_heads(&target, after.as_deref(), 3)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        assert!(page.len() <= 3);
        after = Some(last.account_name.clone());
        seen.extend(page.into_iter().map(|h| h.account_name));
        pages += 1;
    }
    assert_eq!(
        seen, names,
        "every account of the target once, in name order"
    );
    assert_eq!(pages, 3);
    assert!(
        store
            .account_heads(&TargetId::new("NONE").unwrap(), None, 3)
            .await
            .unwrap()
            .is_empty()
    );
});

on_both!(user_classes_and_membership_cache, |store| {
    let a = profile("a", None);
    let mut b = profile("b", None);
    b.attributes
        .set("department", vec!["Security".into()])
        .unwrap();
    store
        .create_profiles(&[(a.clone(), None), (b.clone(), None)])
        .await
        .unwrap();
    let class = UserClass {
        id: UserClassId::new("MPR_ADMINS").unwrap(),
        description: "mass reset admins".into(),
        static_members: [a.id].into_iter().collect(),
        rules: vec![MembershipRule {
            attribute: "department".into(),
            condition: Condition::Equal,
            value: "security".into(),
        }],
        mode: RuleMode::Any,
    };
    store.save_user_class(&class).await.unwrap();
    assert_eq!(
        store.user_class(&class.id).await.unwrap(),
        Some(class.clone())
    );
    // The cache is empty until recalculated.
    assert!(store.members(&class.id).await.unwrap().is_empty());
    let members = compute_members(&class, &[a.clone(), b.clone()]).unwrap();
    store
        .replace_members(&class.id, &members, now())
        .await
        .unwrap();
    assert_eq!(
        store.members(&class.id).await.unwrap(),
        [a.id, b.id].into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        store.classes_of(b.id).await.unwrap(),
        vec![class.id.clone()]
    );
    assert_eq!(store.list_user_classes().await.unwrap().len(), 1);
    assert!(store.delete_user_class(&class.id).await.unwrap());
    assert!(!store.delete_user_class(&class.id).await.unwrap());
    assert!(store.classes_of(b.id).await.unwrap().is_empty());
});

on_both!(userstats_overwrite, |store| {
    let p = profile("stat", None);
    store.create_profile(&p, None).await.unwrap();
    store
        .set_userstat(p.id, &UserStatTag::LastLang, "fr", now())
        .await
        .unwrap();
    store
        .set_userstat(p.id, &UserStatTag::LastLang, "de", now())
        .await
        .unwrap();
    store
        .set_userstat(p.id, &UserStatTag::PsqDone, "1", now())
        .await
        .unwrap();
    assert_eq!(
        store.userstats(p.id).await.unwrap(),
        vec![
            (UserStatTag::LastLang, "de".to_owned()),
            (UserStatTag::PsqDone, "1".to_owned())
        ]
    );
});

on_both!(settings_repeat_in_order, |store| {
    let row = |v: &str| SettingRow {
        namespace: "MASS_PASSWORD_RESET".into(),
        setting: "TARGETS".into(),
        value: v.into(),
    };
    for v in ["AD", "LDAP", "PG"] {
        store.add_setting(&row(v)).await.unwrap();
    }
    let s = store.settings().await.unwrap();
    assert_eq!(
        s.values("MASS_PASSWORD_RESET", "TARGETS"),
        ["AD", "LDAP", "PG"]
    );
    assert_eq!(
        store
            .unset_setting("MASS_PASSWORD_RESET", "TARGETS", Some("LDAP"))
            .await
            .unwrap(),
        1
    );
    store.add_setting(&row("LDAP2")).await.unwrap();
    assert_eq!(
        store
            .settings()
            .await
            .unwrap()
            .values("MASS_PASSWORD_RESET", "TARGETS"),
        ["AD", "PG", "LDAP2"]
    );
    store
        .replace_setting("MASS_PASSWORD_RESET", "TARGETS", &[row("ONLY")])
        .await
        .unwrap();
    assert_eq!(
        store
            .settings()
            .await
            .unwrap()
            .values("MASS_PASSWORD_RESET", "TARGETS"),
        ["ONLY"]
    );
    assert_eq!(
        store
            .unset_setting("MASS_PASSWORD_RESET", "TARGETS", None)
            .await
            .unwrap(),
        1
    );
    assert!(store.settings().await.unwrap().rows().is_empty());
});

on_both!(administrators_grant_and_revoke, |store| {
    let p = profile("boss", None);
    store.create_profile(&p, None).await.unwrap();
    assert_eq!(store.administrator(p.id).await.unwrap(), None);
    store
        .grant(p.id, &[Privilege::HelpUsers, Privilege::ViewAudit])
        .await
        .unwrap();
    store.grant(p.id, &[Privilege::HelpUsers]).await.unwrap();
    let admin = store.administrator(p.id).await.unwrap().unwrap();
    assert_eq!(
        admin.privileges,
        [Privilege::HelpUsers, Privilege::ViewAudit]
            .into_iter()
            .collect()
    );
    assert!(admin.authorize(Privilege::MassPasswordReset).is_err());
    store
        .revoke(p.id, &[Privilege::HelpUsers, Privilege::ViewAudit])
        .await
        .unwrap();
    assert!(store.list_administrators().await.unwrap().is_empty());
});

on_both!(sessions_expire_and_sign_out_others, |store| {
    let p = profile("sess", None);
    store.create_profile(&p, None).await.unwrap();
    let t = now();
    let mk = |h: &str, ttl: i64| SessionRecord {
        hash: TokenHash::of(h),
        profile: p.id,
        created_at: t,
        expires_at: t + time::Duration::seconds(ttl),
        user_agent: "test".into(),
    };
    for (h, ttl) in [("one", 60), ("two", 60), ("three", 60), ("old", -1)] {
        store.create_session(&mk(h, ttl)).await.unwrap();
    }
    assert_eq!(
        store.session(&TokenHash::of("one"), t).await.unwrap(),
        Some(mk("one", 60))
    );
    assert_eq!(store.session(&TokenHash::of("old"), t).await.unwrap(), None);
    assert_eq!(
        store
            .delete_sessions_of(p.id, Some(&TokenHash::of("one")))
            .await
            .unwrap(),
        3
    );
    assert!(
        store
            .session(&TokenHash::of("one"), t)
            .await
            .unwrap()
            .is_some()
    );
    store.delete_session(&TokenHash::of("one")).await.unwrap();
    assert_eq!(store.session(&TokenHash::of("one"), t).await.unwrap(), None);
});

on_both!(audit_is_newest_first, |store| {
    for i in 0..3 {
        store
            .append_audit(&AuditEvent {
                at: now(),
                actor: None,
                action: format!("test.{i}"),
                subject: Some("x".into()),
                detail: "{}".into(),
            })
            .await
            .unwrap();
    }
    let recent = store.recent_audit(2).await.unwrap();
    assert_eq!(
        recent.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["test.2", "test.1"]
    );
});

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let t = crate::common::sqlite().await;
    sqlx_insert_future_version(&t.url).await;
    let err = Store::open(&t.url, StoreOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("newer Latchkey"), "{err}");
}

async fn sqlx_insert_future_version(url: &str) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query(
        "INSERT INTO latchkey_schema_history (version, name, applied_at) VALUES (999, 'future', 0)",
    )
    .execute(&mut c)
    .await
    .unwrap();
}

#[tokio::test]
async fn unreachable_postgres_is_a_clear_error() {
    let port = latchkey_testkit::free_port().unwrap();
    let url = format!("postgres://latchkey:s3cret-pw@127.0.0.1:{port}/none");
    let opts = StoreOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..StoreOptions::default()
    };
    let err = Store::open(&url, opts).await.unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("cannot connect to the database"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
}

#[tokio::test]
async fn open_existing_neither_creates_nor_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/missing.db?mode=rwc", dir.path().display());
    assert!(
        Store::open_existing(&url, StoreOptions::default())
            .await
            .is_err()
    );
    assert!(!dir.path().join("missing.db").exists());
    let t = crate::common::sqlite().await;
    let existing = Store::open_existing(&t.url, StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(
        existing.schema_version().await.unwrap(),
        Store::latest_schema_version()
    );
}

on_both!(profiles_are_found_by_folded_attribute_values, |store| {
    let mut a = profile("finder-a", Some("Ａlice.Martin@Example.org"));
    a.attributes
        .set("employeeNumber", vec!["E-1001".into()])
        .unwrap();
    let mut b = profile("finder-b", Some("bob@example.org"));
    b.attributes
        .set("employeeNumber", vec!["E-1001".into()])
        .unwrap();
    store
        .create_profiles(&[(a.clone(), None), (b.clone(), None)])
        .await
        .unwrap();
    let fold = latchkey_core::profile::fold_attribute;
    assert_eq!(
        store
            .profiles_with_attribute("mail", &fold("alice.martin@example.org"))
            .await
            .unwrap(),
        vec![a.id]
    );
    let mut twins = store
        .profiles_with_attribute("EmployeeNumber", &fold("e-1001"))
        .await
        .unwrap();
    twins.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(twins, expected);
    assert!(
        store
            .profiles_with_attribute("mail", &fold("nobody@example.org"))
            .await
            .unwrap()
            .is_empty()
    );
});
