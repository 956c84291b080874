//! `/account/password`: the policy's refusals listed together and tied to the field, the current
//! password checked like a sign-in (and counted), history enforced, other sessions ended on
//! success, CSRF required, and no password ever echoed into a page or the audit log.

use crate::client::{Browser, Page};
use crate::on_both;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::repo::{AuditRepo, CounterRepo};
use latchkey_testkit::TestServer;

const START: &str = "correct horse battery";
const SECOND: &str = "violet tractor umbrella 42";
const THIRD: &str = "silent quartz meadow 7 kite";

async fn signed_in(server: &TestServer, login: &str, password: &str) -> Browser {
    let mut b = Browser::new(&server.url);
    let page = b.sign_in(login, password).await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

async fn change(b: &mut Browser, current: &str, new: &str, confirm: &str) -> Page {
    let form = b.get("/account/password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = b.csrf();
    b.post(
        "/account/password",
        &[
            ("csrf", csrf.as_str()),
            ("current", current),
            ("new", new),
            ("confirm", confirm),
        ],
    )
    .await
}

/// Signs in with a fresh browser and says whether it worked.
async fn can_sign_in(server: &TestServer, login: &str, password: &str) -> bool {
    Browser::new(&server.url)
        .sign_in(login, password)
        .await
        .status
        == 303
}

fn assert_no_secret(page: &Page, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !page.body.contains(s),
            "a password was echoed: {}",
            page.body
        );
    }
}

on_both!(page_has_labels_rules_and_a_nonced_script, |server| {
    server.add_user("alice", START).await.unwrap();
    let mut anonymous = Browser::new(&server.url);
    let away = anonymous.get("/account/password").await;
    assert_eq!(away.status, 303);
    assert!(
        away.headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    let mut b = signed_in(&server, "alice", START).await;
    let home = b.get("/").await;
    assert!(
        home.body.contains("href=\"/account/password\""),
        "{}",
        home.body
    );
    let page = b.get("/account/password").await;
    for label in [
        "<label for=\"current\">",
        "<label for=\"new\">",
        "<label for=\"confirm\">",
        "<meter id=\"strength\"",
        "data-rule=\"too_short\"",
        "data-rule=\"common\"",
        "data-rule=\"reused\"",
        "At least 8 characters",
        "aria-describedby=\"new-rules\"",
    ] {
        assert!(page.body.contains(label), "{label} missing: {}", page.body);
    }
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(page.body.contains(&format!("<script nonce=\"{nonce}\">")));
    assert!(!csp.contains("unsafe-inline"));
});

on_both!(
    policy_refusals_are_listed_together_and_change_nothing,
    |server| {
        server.add_user("alice", START).await.unwrap();
        let mut b = signed_in(&server, "alice", START).await;

        let short = change(&mut b, START, "Ab1!", "Ab1!").await;
        assert_eq!(short.status, 400);
        assert!(
            short.body.contains("Use at least 8 characters."),
            "{}",
            short.body
        );
        assert!(short.body.contains("aria-invalid=\"true\""));
        assert!(
            short
                .body
                .contains("aria-describedby=\"new-errors new-rules\"")
        );
        assert!(short.body.contains("<ul id=\"new-errors\""));
        assert_no_secret(&short, &[START, "Ab1!"]);

        let common = change(&mut b, START, "Password123!", "Password123!").await;
        assert_eq!(common.status, 400);
        assert!(
            common.body.contains("list of common and leaked passwords"),
            "{}",
            common.body
        );
        assert_no_secret(&common, &[START, "Password123!"]);

        let own = "alice trombone galaxy";
        let mine = change(&mut b, START, own, "something else entirely").await;
        assert_eq!(mine.status, 400);
        assert!(
            mine.body.contains("Do not use your user name"),
            "{}",
            mine.body
        );
        // Both refusals at once: the rule and the confirmation.
        assert!(mine.body.contains("The two new passwords are not the same"));
        assert!(mine.body.contains("aria-describedby=\"confirm-error\""));
        assert_no_secret(&mine, &[START, own, "something else entirely"]);

        assert!(
            can_sign_in(&server, "alice", START).await,
            "nothing changed"
        );
    }
);

on_both!(a_password_from_history_is_refused, |server| {
    server.add_user("hana", START).await.unwrap();
    let mut b = signed_in(&server, "hana", START).await;
    assert_eq!(change(&mut b, START, SECOND, SECOND).await.status, 200);
    assert_eq!(change(&mut b, SECOND, THIRD, THIRD).await.status, 200);
    let back = change(&mut b, THIRD, START, START).await;
    assert_eq!(back.status, 400, "{}", back.body);
    assert!(
        back.body
            .contains("Do not use any of your last 5 passwords"),
        "{}",
        back.body
    );
    // The current one counts as well.
    let same = change(&mut b, THIRD, THIRD, THIRD).await;
    assert_eq!(same.status, 400);
    assert!(can_sign_in(&server, "hana", THIRD).await);
});

on_both!(a_wrong_current_password_is_refused_and_counted, |server| {
    let p = server.add_user("bob", START).await.unwrap();
    let mut b = signed_in(&server, "bob", START).await;
    let key = LockoutPolicy::counter_key(p.id);
    let before = server.store.counter(&key).await.unwrap();
    let page = change(&mut b, "not my password", SECOND, SECOND).await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("Your current password was not accepted"),
        "{}",
        page.body
    );
    assert!(page.body.contains("aria-describedby=\"current-error\""));
    assert_no_secret(&page, &["not my password", SECOND]);
    assert_eq!(server.store.counter(&key).await.unwrap(), before + 1);
    assert!(can_sign_in(&server, "bob", START).await);
    assert!(!can_sign_in(&server, "bob", SECOND).await);
});

on_both!(
    success_ends_the_other_sessions_and_keeps_this_one,
    |server| {
        server.add_user("carol", START).await.unwrap();
        let mut here = signed_in(&server, "carol", START).await;
        let mut elsewhere = signed_in(&server, "carol", START).await;
        assert!(
            elsewhere
                .get("/")
                .await
                .body
                .contains("Welcome, Test carol")
        );

        let done = change(&mut here, START, SECOND, SECOND).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(
            done.body.contains("Your password was changed"),
            "{}",
            done.body
        );
        assert!(done.body.contains("Your other session was signed out."));
        assert_no_secret(&done, &[START, SECOND]);

        assert!(here.get("/").await.body.contains("Welcome, Test carol"));
        assert!(
            !elsewhere
                .get("/")
                .await
                .body
                .contains("Welcome, Test carol")
        );
        assert!(can_sign_in(&server, "carol", SECOND).await);
        assert!(!can_sign_in(&server, "carol", START).await);

        let audit = server.store.recent_audit(100).await.unwrap();
        let event = audit
            .iter()
            .find(|e| e.action == "password.change")
            .expect("audited");
        assert_eq!(event.subject.as_deref(), Some("carol"));
        for e in &audit {
            assert!(
                !e.detail.contains(START) && !e.detail.contains(SECOND),
                "{e:?}"
            );
        }

        // The notice goes out through the queue, in the background.
        let outbox = server.outbox_path();
        let mut mailed = false;
        for _ in 0..50 {
            let text = std::fs::read_to_string(&outbox).unwrap_or_default();
            if text.contains("Your password was changed") {
                assert!(!text.contains(SECOND));
                mailed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(mailed, "no notice in the outbox");
    }
);

on_both!(a_post_without_the_csrf_token_is_forbidden, |server| {
    server.add_user("dave", START).await.unwrap();
    let mut b = signed_in(&server, "dave", START).await;
    let page = b
        .post(
            "/account/password",
            &[("current", START), ("new", SECOND), ("confirm", SECOND)],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(can_sign_in(&server, "dave", START).await);
});
