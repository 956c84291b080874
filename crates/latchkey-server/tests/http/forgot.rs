//! `/forgot`: the forgotten-password service on the chain engine (PASSWORD_RESET), with the
//! code read from the delivered mail; the recovery step reachable only from a verified flow,
//! only once and only for the person verified; the same pages for unknown and known users;
//! policy refusals that change nothing; and "allow unlock".

use crate::client::{Browser, Page};
use crate::mailbox::{outbox, pin_in};
use crate::on_both;
use latchkey_core::chain::{ChainId, ModuleType, builtin};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditRepo, AuthConfigRepo, ProfileRepo};
use latchkey_notify::{MessageKind, StoredMessage};
use latchkey_testkit::TestServer;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";
const THIRD: &str = "silent quartz meadow 7 kite";
/// The default PIN length of the shipped chain.
const CODE_LENGTH: usize = 6;

/// Posts one step of the reset flow with the CSRF token and the version of `page`.
pub(crate) async fn answer(b: &mut Browser, page: &Page, fields: &[(&str, &str)]) -> Page {
    let csrf = b.csrf();
    let version = page.hidden("version").expect("a prompt page");
    let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    form.extend_from_slice(fields);
    b.post("/forgot", &form).await
}

/// Opens `/forgot` and gives `login`: the page after identification.
pub(crate) async fn identify(server: &TestServer, login: &str) -> (Browser, Page) {
    let mut b = Browser::new(&server.url);
    let first = b.get("/forgot").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Reset your password"), "{}", first.body);
    let code = answer(&mut b, &first, &[("user", login)]).await;
    (b, code)
}

/// Waits until `to` has `count` messages of `kind`; returns them.
pub(crate) async fn mails_of(
    server: &TestServer,
    to: &str,
    kind: MessageKind,
    count: usize,
) -> Vec<StoredMessage> {
    for _ in 0..300 {
        let mine: Vec<_> = outbox(server)
            .into_iter()
            .filter(|m| m.message.to == to && m.message.kind == kind)
            .collect();
        if mine.len() >= count {
            return mine;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{to} did not get {count} {kind:?} messages");
}

/// Walks to a verified flow with the newest code in `login`'s mail.
pub(crate) async fn verified(server: &TestServer, login: &str) -> Browser {
    let to = format!("{login}@example.org");
    let before = mails_of(server, &to, MessageKind::Pin, 0).await.len();
    let (mut b, page) = identify(server, login).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mail = mails_of(server, &to, MessageKind::Pin, before + 1).await;
    let code = pin_in(&mail.last().unwrap().message.body_text, CODE_LENGTH);
    let done = answer(&mut b, &page, &[("pin", &code)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.headers["location"], "/forgot/new-password");
    b
}

pub(crate) async fn set_new(b: &mut Browser, new: &str, confirm: &str) -> Page {
    let csrf = b.csrf();
    b.post(
        "/forgot/new-password",
        &[("csrf", csrf.as_str()), ("new", new), ("confirm", confirm)],
    )
    .await
}

/// "Unlock my account and keep my password" in a verified flow.
pub(crate) async fn unlock_only(b: &mut Browser) -> Page {
    let csrf = b.csrf();
    b.post(
        "/forgot/new-password",
        &[("csrf", csrf.as_str()), ("action", "unlock")],
    )
    .await
}

pub(crate) async fn can_sign_in(server: &TestServer, login: &str, password: &str) -> bool {
    Browser::new(&server.url)
        .sign_in(login, password)
        .await
        .status
        == 303
}

async fn profile(server: &TestServer, login: &str) -> Profile {
    let id = latchkey_core::profile::LoginId::new(login).unwrap();
    server.store.profile_by_login(&id).await.unwrap().unwrap()
}

/// The body without the values that differ per browser and per request.
pub(crate) fn without_tokens(body: &str) -> String {
    let mut out = body.to_owned();
    for name in ["csrf", "version"] {
        let marker = format!("name=\"{name}\" value=\"");
        if let Some(start) = out.find(&marker) {
            let from = start + marker.len();
            let end = from + out[from..].find('"').unwrap();
            out.replace_range(from..end, "");
        }
    }
    out
}

on_both!(a_mailed_code_resets_the_password, |server| {
    server.add_user("alice", OLD).await.unwrap();
    let mut other = Browser::new(&server.url);
    assert_eq!(other.sign_in("alice", OLD).await.status, 303);

    let mut b = verified(&server, "alice").await;
    let form = b.get("/forgot/new-password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("must meet these rules"), "{}", form.body);
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Sign in with your new password"));
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    assert_eq!(done.headers["referrer-policy"], "no-referrer");

    assert!(can_sign_in(&server, "alice", NEW).await);
    assert!(!can_sign_in(&server, "alice", OLD).await);
    let away = other.get("/account/password").await;
    assert_eq!(away.status, 303, "the other session lives on");

    mails_of(
        &server,
        "alice@example.org",
        MessageKind::PasswordChanged,
        1,
    )
    .await;
    let audit = server.store.recent_audit(100).await.unwrap();
    let reset = audit.iter().find(|e| e.action == "password.reset").unwrap();
    assert!(
        reset.detail.contains("\"sessions_ended\":1"),
        "{}",
        reset.detail
    );
    for e in &audit {
        assert!(!e.detail.contains(NEW) && !e.detail.contains(OLD), "{e:?}");
    }

    // The flow is spent: neither step answers again, and nothing changes.
    assert_eq!(b.get("/forgot/new-password").await.status, 403);
    let again = set_new(&mut b, THIRD, THIRD).await;
    assert_eq!(again.status, 403, "{}", again.body);
    assert!(can_sign_in(&server, "alice", NEW).await);
});

on_both!(an_unknown_user_gets_the_pages_of_a_known_one, |server| {
    server.add_user("bob", OLD).await.unwrap();
    let (mut known, known_page) = identify(&server, "bob").await;
    let (mut unknown, unknown_page) = identify(&server, "nobody-here").await;
    assert_eq!(known_page.status, unknown_page.status);
    assert_eq!(
        without_tokens(&known_page.body),
        without_tokens(&unknown_page.body)
    );
    assert!(known_page.body.contains("we sent a one-time code"));

    // "Send a new code", then a wrong code: the same answers again.
    let known_again = answer(&mut known, &known_page, &[("resend", "1")]).await;
    let unknown_again = answer(&mut unknown, &unknown_page, &[("resend", "1")]).await;
    assert_eq!(known_again.status, unknown_again.status);
    assert_eq!(
        without_tokens(&known_again.body),
        without_tokens(&unknown_again.body)
    );
    let code = pin_in(
        &mails_of(&server, "bob@example.org", MessageKind::Pin, 1).await[0]
            .message
            .body_text,
        CODE_LENGTH,
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let known_failed = answer(&mut known, &known_again, &[("pin", wrong)]).await;
    let unknown_failed = answer(&mut unknown, &unknown_again, &[("pin", wrong)]).await;
    assert_eq!(known_failed.status, 401, "{}", known_failed.body);
    assert_eq!(known_failed.status, unknown_failed.status);
    assert_eq!(
        without_tokens(&known_failed.body),
        without_tokens(&unknown_failed.body)
    );
    assert!(can_sign_in(&server, "bob", OLD).await);
});

on_both!(
    later_steps_cannot_be_reached_without_verification,
    |server| {
        server.add_user("carol", OLD).await.unwrap();
        server.add_user("dave", OLD).await.unwrap();
        // No flow at all.
        let mut nobody = Browser::new(&server.url);
        assert_eq!(nobody.get("/forgot/new-password").await.status, 403);
        // Identified, not verified.
        let (mut half, _) = identify(&server, "carol").await;
        // Its code is mailed in the background: wait for it, so the verified flow below reads
        // its own code and not this one.
        mails_of(&server, "carol@example.org", MessageKind::Pin, 1).await;
        assert_eq!(half.get("/forgot/new-password").await.status, 403);
        assert_eq!(set_new(&mut half, NEW, NEW).await.status, 403);
        // A sign-in flow's cookie is no reset flow.
        let mut login = Browser::new(&server.url);
        assert_eq!(login.get("/login").await.status, 200);
        assert_eq!(set_new(&mut login, NEW, NEW).await.status, 403);
        // A verified flow for carol sets carol's password, whatever else is posted.
        let mut b = verified(&server, "carol").await;
        let csrf = b.csrf();
        let done = b
            .post(
                "/forgot/new-password",
                &[
                    ("csrf", csrf.as_str()),
                    ("new", NEW),
                    ("confirm", NEW),
                    ("user", "dave"),
                ],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(can_sign_in(&server, "carol", NEW).await);
        assert!(can_sign_in(&server, "dave", OLD).await);
        assert!(!can_sign_in(&server, "dave", NEW).await);
        // Without the CSRF token nothing is accepted.
        let mut c = verified(&server, "dave").await;
        let forged = c
            .post(
                "/forgot/new-password",
                &[("new", THIRD), ("confirm", THIRD)],
            )
            .await;
        assert_ne!(forged.status, 200);
        assert!(can_sign_in(&server, "dave", OLD).await);
    }
);

on_both!(a_refused_password_changes_nothing, |server| {
    server.add_user("erin", OLD).await.unwrap();
    let mut b = verified(&server, "erin").await;
    let refused = set_new(&mut b, "password", "password").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("must meet these rules"));
    assert!(
        refused.body.contains("id=\"new-errors\""),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("value=\"password\""));
    let mismatch = set_new(&mut b, NEW, THIRD).await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("not the same"));
    assert!(can_sign_in(&server, "erin", OLD).await);
    // The flow is still good for an acceptable password.
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&server, "erin", NEW).await);
});

// Locked after the code was accepted: the recovery step still unlocks.
on_both!(a_locked_profile_is_unlocked_by_the_reset, |server| {
    server.add_user("frank", OLD).await.unwrap();
    let mut b = verified(&server, "frank").await;
    let mut locked = profile(&server, "frank").await;
    locked.locked = true;
    server.store.update_profile(&locked).await.unwrap();
    assert!(!can_sign_in(&server, "frank", OLD).await);
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("it is unlocked now"), "{}", done.body);
    assert!(!profile(&server, "frank").await.locked);
    assert!(can_sign_in(&server, "frank", NEW).await);
});

/// Locks `login` with wrong passwords at `/login` (the default allows five failures, then one
/// last chance).
pub(crate) async fn lock_by_failed_logins(server: &TestServer, login: &str) {
    for _ in 0..6 {
        let mut b = Browser::new(&server.url);
        assert_eq!(b.sign_in(login, "not the password").await.status, 401);
    }
    assert!(
        profile(server, login).await.locked,
        "{login} was not locked"
    );
    assert!(!can_sign_in(server, login, OLD).await);
}

on_both!(a_locked_account_unlocks_and_keeps_its_password, |server| {
    server.add_user("gina", OLD).await.unwrap();
    lock_by_failed_logins(&server, "gina").await;
    let mut b = verified(&server, "gina").await;
    let form = b.get("/forgot/new-password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("Unlock my account and keep my password"),
        "{}",
        form.body
    );
    let done = unlock_only(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your account is unlocked"),
        "{}",
        done.body
    );
    assert_eq!(done.headers["referrer-policy"], "no-referrer");
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    assert!(!profile(&server, "gina").await.locked);
    // The lockout counter was cleared too: five wrong passwords do not lock again.
    for _ in 0..5 {
        assert!(!can_sign_in(&server, "gina", "still not it").await);
    }
    assert!(can_sign_in(&server, "gina", OLD).await);
    let audit = server.store.recent_audit(100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account.unlock"));
    // The flow is spent.
    let again = unlock_only(&mut b).await;
    assert_eq!(again.status, 403, "{}", again.body);
});

on_both!(a_locked_account_may_set_a_new_password, |server| {
    server.add_user("hank", OLD).await.unwrap();
    lock_by_failed_logins(&server, "hank").await;
    let mut b = verified(&server, "hank").await;
    let done = set_new(&mut b, NEW, NEW).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("it is unlocked now"), "{}", done.body);
    assert!(can_sign_in(&server, "hank", NEW).await);
    assert!(!can_sign_in(&server, "hank", OLD).await);
});

on_both!(unlock_only_is_for_locked_accounts, |server| {
    server.add_user("iris", OLD).await.unwrap();
    let mut b = verified(&server, "iris").await;
    let form = b.get("/forgot/new-password").await;
    assert!(!form.body.contains("keep my password"), "{}", form.body);
    let refused = unlock_only(&mut b).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    // The flow still sets a password.
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&server, "iris", NEW).await);
});

on_both!(a_disabled_account_cannot_use_the_reset, |server| {
    server.add_user("jack", OLD).await.unwrap();
    let mut disabled = profile(&server, "jack").await;
    disabled.enabled = false;
    disabled.locked = true;
    server.store.update_profile(&disabled).await.unwrap();
    let (_, page) = identify(&server, "jack").await;
    assert_eq!(page.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        outbox(&server)
            .iter()
            .all(|m| m.message.to != "jack@example.org"),
        "a disabled account was sent a code"
    );
});

/// Makes the PASSWORD_RESET chain verify by a mailed link (`mail_nonce`) instead of a code.
async fn reset_by_link(server: &TestServer) {
    let id = ChainId::new(builtin::PASSWORD_RESET).unwrap();
    let mut chain = builtin::shipped(&id).unwrap();
    let module = chain
        .modules
        .iter_mut()
        .find(|m| m.cfg_id == builtin::cfg::RESET_PIN)
        .unwrap();
    module.kind = ModuleType::MailNonce;
    module.settings.remove("channel");
    chain.builtin = true;
    server.store.save_chain(&chain).await.unwrap();
}

/// The link in the newest Link mail to `to`, as a path on the server.
pub(crate) async fn mailed_link(server: &TestServer, to: &str) -> String {
    let mail = mails_of(server, to, MessageKind::Link, 1).await;
    let text = &mail.last().unwrap().message.body_text;
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    link.strip_prefix(&server.url)
        .unwrap_or_else(|| panic!("{link} is not on the public URL {}", server.url))
        .to_owned()
}

on_both!(a_mailed_link_resets_the_password, |server| {
    reset_by_link(&server).await;
    server.add_user("kate", OLD).await.unwrap();
    let (mut b, page) = identify(&server, "kate").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("we sent a link there"), "{}", page.body);
    let (_, unknown) = identify(&server, "nobody-at-all").await;
    assert_eq!(without_tokens(&page.body), without_tokens(&unknown.body));

    let path = mailed_link(&server, "kate@example.org").await;
    assert!(path.starts_with("/forgot/link?token="), "{path}");
    // Another browser, or the sign-in route, cannot use it (and does not burn it).
    assert_eq!(Browser::new(&server.url).get(&path).await.status, 403);
    let token = path.strip_prefix("/forgot/link").unwrap();
    assert_eq!(b.get(&format!("/login/link{token}")).await.status, 403);
    // Continue before the link is opened: the same page again, nothing verified.
    let early = answer(&mut b, &page, &[]).await;
    assert_eq!(early.status, 200, "{}", early.body);
    assert_eq!(b.get("/forgot/new-password").await.status, 403);

    let opened = b.get(&path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.headers["referrer-policy"], "no-referrer");
    assert!(
        opened.body.contains("action=\"/forgot\""),
        "{}",
        opened.body
    );
    let tokens = crate::mailbox::sql(&server, "SELECT * FROM one_time_tokens");
    assert!(
        !tokens.contains(&token[7..]),
        "the token is stored in clear"
    );
    let done = answer(&mut b, &opened, &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.headers["location"], "/forgot/new-password");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&server, "kate", NEW).await);
    // Single use.
    assert_eq!(b.get(&path).await.status, 403);
});
