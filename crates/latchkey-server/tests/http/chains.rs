//! The chain engine behind the login page: lockout under concurrency, the administrators'
//! fail-safe, built-in fallbacks.

use crate::client::Browser;
use crate::on_both;
use latchkey_core::admin::Privilege;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
use latchkey_core::chain::{ChainId, builtin};
use latchkey_core::condition::Condition;
use latchkey_core::repo::{
    AdminRepo, AuditRepo, AuthConfigRepo, CounterRepo, ProfileRepo, SettingsRepo,
};
use latchkey_core::settings::SettingRow;

fn max_failures(n: u32) -> Vec<SettingRow> {
    vec![SettingRow {
        namespace: "AUTH".into(),
        setting: "MAX_USERAUTH_FAILURE".into(),
        value: n.to_string(),
    }]
}

on_both!(lockout_after_max_failures_and_one_last_chance, |server| {
    server
        .store
        .replace_setting("AUTH", "MAX_USERAUTH_FAILURE", &max_failures(2))
        .await
        .unwrap();
    let p = server.add_user("lou", "lous password").await.unwrap();
    for _ in 0..3 {
        let mut b = Browser::new(&server.url);
        assert_eq!(b.sign_in("lou", "nope").await.status, 401);
    }
    assert!(
        server
            .store
            .profile_by_id(p.id)
            .await
            .unwrap()
            .unwrap()
            .locked
    );
    let mut b = Browser::new(&server.url);
    let denied = b.sign_in("lou", "lous password").await;
    assert_eq!(
        denied.status, 401,
        "a locked user is refused even with the right password"
    );
    assert!(
        denied
            .body
            .contains("The user ID or password is not correct.")
    );
});

on_both!(success_resets_the_counter, |server| {
    server
        .store
        .replace_setting("AUTH", "MAX_USERAUTH_FAILURE", &max_failures(2))
        .await
        .unwrap();
    let p = server.add_user("mia", "mias password").await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            Browser::new(&server.url)
                .sign_in("mia", "nope")
                .await
                .status,
            401
        );
    }
    let key = LockoutPolicy::counter_key(p.id);
    assert_eq!(server.store.counter(&key).await.unwrap(), 2);
    assert_eq!(
        Browser::new(&server.url)
            .sign_in("mia", "mias password")
            .await
            .status,
        303
    );
    assert_eq!(server.store.counter(&key).await.unwrap(), 0);
});

on_both!(parallel_wrong_passwords_are_evaluated_exactly, |server| {
    const PARALLEL: usize = 100;
    let max = 3u32;
    server
        .store
        .replace_setting("AUTH", "MAX_USERAUTH_FAILURE", &max_failures(max))
        .await
        .unwrap();
    let p = server
        .add_user("target", "the right password")
        .await
        .unwrap();
    let mut ready = Vec::new();
    for _ in 0..PARALLEL {
        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let pw = b.step(&first, &[("user", "target")]).await;
        assert!(pw.body.contains("Enter your password"));
        ready.push((b, pw));
    }
    let handles: Vec<_> = ready
        .into_iter()
        .map(|(mut b, pw)| {
            tokio::spawn(async move { b.step(&pw, &[("password", "wrong")]).await.status })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap(), 401);
    }
    let key = LockoutPolicy::counter_key(p.id);
    assert_eq!(
        server.store.counter(&key).await.unwrap(),
        u64::from(max) + 1
    );
    assert!(
        server
            .store
            .profile_by_id(p.id)
            .await
            .unwrap()
            .unwrap()
            .locked
    );
    let audit = server.store.recent_audit(1000).await.unwrap();
    let with = |reason: &str| {
        audit
            .iter()
            .filter(|e| e.action == "login.failure" && e.detail.contains(reason))
            .count()
    };
    assert_eq!(
        with("wrong password"),
        max as usize + 1,
        "evaluated attempts"
    );
    assert_eq!(with("locked out"), PARALLEL - max as usize - 1);
});

on_both!(administrators_keep_a_fail_safe_login, |server| {
    let admin = server.add_user("root", "admins password").await.unwrap();
    server
        .store
        .grant(admin.id, &[Privilege::ManagePolicies])
        .await
        .unwrap();
    server.add_user("user", "users password").await.unwrap();
    // A rule that cannot be evaluated breaks the outer selector for everyone.
    let broken = SelectorRule {
        stage: 1,
        rule: 1,
        skip_remaining: SkipRemaining::None,
        cfg_id: Some(builtin::cfg::STD_SELECT),
        match_type: MatchType::UserClass,
        match_key: String::new(),
        condition: Condition::Equal,
        match_value: "NO_SUCH_CLASS".into(),
        action: RuleAction::Append,
        chain_id: Some(ChainId::new(builtin::DEFAULT_LOGIN).unwrap()),
        error_msg: String::new(),
        comment: String::new(),
        owner: String::new(),
    };
    server.store.add_selector_rule(&broken).await.unwrap();
    let (refused, _) = Browser::new(&server.url)
        .sign_in_pages("user", "users password")
        .await;
    assert_eq!(refused.status, 401);
    assert!(
        refused
            .body
            .contains("The user ID or password is not correct.")
    );

    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let failsafe = b.step(&first, &[("user", "root")]).await;
    assert!(
        failsafe.body.contains("Enter your password"),
        "{}",
        failsafe.body
    );
    assert_eq!(
        b.step(&failsafe, &[("password", "admins password")])
            .await
            .status,
        303
    );
    let audit = server.store.recent_audit(10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "login.success.failsafe"));
});

on_both!(
    disabled_default_login_falls_back_to_its_shipped_behaviour,
    |server| {
        server.add_user("nina", "ninas password").await.unwrap();
        let mut default_login =
            builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
        default_login.enabled = false;
        default_login.modules.clear();
        server.store.save_chain(&default_login).await.unwrap();
        assert_eq!(
            Browser::new(&server.url)
                .sign_in("nina", "ninas password")
                .await
                .status,
            303
        );
    }
);

on_both!(
    generic_login_failure_off_still_denies_unknown_ids,
    |server| {
        let off = vec![SettingRow {
            namespace: "AUTH".into(),
            setting: "GENERIC_LOGIN_FAILURE".into(),
            value: "false".into(),
        }];
        server
            .store
            .replace_setting("AUTH", "GENERIC_LOGIN_FAILURE", &off)
            .await
            .unwrap();
        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let answer = b.step(&first, &[("user", "ghost")]).await;
        assert_eq!(answer.status, 401);
        assert!(!answer.body.contains("Enter your password"));
    }
);

fn policy_for(
    class: &str,
    role: latchkey_core::chain::policy::PolicyRole,
    id: &str,
) -> latchkey_core::chain::policy::SecurityPolicy {
    // DEFAULT_LOGIN's selector (same CfgId, so its rules still apply) starting with both chains.
    let mut default_login =
        builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
    default_login.modules[0]
        .settings
        .insert("initial".into(), "PASSWORD,SECURITY_QUESTIONS".into());
    latchkey_core::chain::policy::SecurityPolicy {
        id: id.into(),
        attached_to: Some((class.parse().unwrap(), role)),
        sequences: vec![default_login],
        credentials: Default::default(),
    }
}

on_both!(
    user_class_policies_change_the_chains_of_their_members,
    |server| {
        use latchkey_core::chain::policy::PolicyRole;
        use latchkey_core::repo::UserClassRepo;
        use latchkey_core::userclass::{RuleMode, UserClass};
        let member = server.add_user("casey", "caseys password").await.unwrap();
        server.add_user("other", "others password").await.unwrap();
        let class = UserClass {
            id: "CONTRACTORS".parse().unwrap(),
            description: "contractors".into(),
            static_members: [member.id].into_iter().collect(),
            rules: vec![],
            mode: RuleMode::All,
        };
        server.store.save_user_class(&class).await.unwrap();
        server
            .store
            .replace_members(
                &class.id,
                &class.static_members,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        server
            .store
            .save_policy(&policy_for(
                "CONTRACTORS",
                PolicyRole::Archetype,
                "contractors",
            ))
            .await
            .unwrap();

        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let menu = b.step(&first, &[("user", "casey")]).await;
        assert!(menu.body.contains("Choose how to sign in"), "{}", menu.body);
        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let pw = b.step(&first, &[("user", "other")]).await;
        assert!(
            pw.body.contains("Enter your password"),
            "non-members keep the global chains"
        );

        // Two archetype policies for one user: ambiguous, so denied rather than guessed.
        let second = UserClass {
            id: "AUDITORS".parse().unwrap(),
            description: "auditors".into(),
            ..class.clone()
        };
        server.store.save_user_class(&second).await.unwrap();
        server
            .store
            .replace_members(
                &second.id,
                &second.static_members,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        server
            .store
            .save_policy(&policy_for("AUDITORS", PolicyRole::Archetype, "auditors"))
            .await
            .unwrap();
        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let denied = b.step(&first, &[("user", "casey")]).await;
        assert_eq!(denied.status, 401);
        assert!(
            denied
                .body
                .contains("The user ID or password is not correct.")
        );
    }
);
