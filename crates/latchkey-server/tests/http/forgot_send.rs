//! `/forgot` with `FORGOTTEN_PASSWORD / RECOVERY_MODE`: `send` mails a generated password
//! (never shown, logged or audited) that signs in while the old one does not; `send_expired`
//! also sends the first sign-in to the password page until it is changed; `set` is today's
//! form; the step still needs a verified flow of the same person; a bad value is refused.

use crate::client::{Browser, Page};
use crate::forgot::{can_sign_in, identify, mails_of, set_new, verified};
use crate::nonce::log;
use crate::on_both;
use latchkey_core::repo::{AuditRepo, SettingsRepo};
use latchkey_core::settings::validate_row;
use latchkey_core::sspr::NS_FORGOTTEN_PASSWORD;
use latchkey_notify::MessageKind;
use latchkey_testkit::TestServer;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";

/// Sets the recovery mode rows (`PROFILE mode`).
async fn recovery_mode(server: &TestServer, rows: &[&str]) {
    let values: Vec<_> = rows
        .iter()
        .map(|v| validate_row(NS_FORGOTTEN_PASSWORD, "RECOVERY_MODE", v, false).unwrap())
        .collect();
    server
        .store
        .replace_setting(NS_FORGOTTEN_PASSWORD, "RECOVERY_MODE", &values)
        .await
        .unwrap();
}

/// Confirms "send me a new password" in a verified flow.
async fn confirm_send(b: &mut Browser) -> Page {
    let csrf = b.csrf();
    b.post(
        "/forgot/new-password",
        &[("csrf", csrf.as_str()), ("action", "send")],
    )
    .await
}

/// The password in the `count`-th new-password mail to `login`.
async fn mailed_password(server: &TestServer, login: &str, count: usize) -> String {
    let to = format!("{login}@example.org");
    let mails = mails_of(server, &to, MessageKind::NewPassword, count).await;
    assert_eq!(mails.len(), count, "one mail per reset");
    let body = &mails.last().unwrap().message.body_text;
    let mut lines = body
        .lines()
        .skip_while(|l| !l.contains("Your new password is:"));
    lines.next().expect("the password line");
    let password = lines
        .find(|l| !l.trim().is_empty())
        .expect("a password")
        .trim()
        .to_owned();
    assert!(password.len() >= 20, "a short password was generated");
    password
}

/// Signs in with a fresh browser: the final page and the browser.
async fn sign_in(server: &TestServer, login: &str, password: &str) -> (Browser, Page) {
    let mut b = Browser::new(&server.url);
    let page = b.sign_in(login, password).await;
    (b, page)
}

on_both!(send_mails_a_password_that_signs_in, |server| {
    let log = log();
    server.add_user("alice", OLD).await.unwrap();
    recovery_mode(&server, &["default send"]).await;
    let mut other = Browser::new(&server.url);
    assert_eq!(other.sign_in("alice", OLD).await.status, 303);

    let mut b = verified(&server, "alice").await;
    let ask = b.get("/forgot/new-password").await;
    assert_eq!(ask.status, 200, "{}", ask.body);
    assert!(ask.body.contains("Send me a new password"), "{}", ask.body);
    assert!(!ask.body.contains("name=\"new\""), "{}", ask.body);
    let done = confirm_send(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("A new password was sent"),
        "{}",
        done.body
    );
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    assert_eq!(done.headers["referrer-policy"], "no-referrer");

    let password = mailed_password(&server, "alice", 1).await;
    assert!(!done.body.contains(&password) && !ask.body.contains(&password));
    let (_, signed) = sign_in(&server, "alice", &password).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.headers["location"], "/", "send does not expire it");
    assert!(!can_sign_in(&server, "alice", OLD).await);
    let away = other.get("/account/password").await;
    assert_eq!(away.status, 303, "the other session lives on");

    let audit = server.store.recent_audit(200).await.unwrap();
    let reset = audit.iter().find(|e| e.action == "password.reset").unwrap();
    assert!(
        reset.detail.contains("\"mode\":\"send\""),
        "{}",
        reset.detail
    );
    assert!(
        reset.detail.contains("\"sessions_ended\":1"),
        "{}",
        reset.detail
    );
    for e in &audit {
        assert!(!format!("{e:?}").contains(&password), "{e:?}");
    }
    let logged = log.text();
    assert!(
        logged.contains("/forgot/new-password"),
        "nothing was logged"
    );
    assert!(!logged.contains(&password), "the password is in the log");

    // The flow is spent: no second password.
    assert_eq!(confirm_send(&mut b).await.status, 403);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    mailed_password(&server, "alice", 1).await;
    assert!(can_sign_in(&server, "alice", &password).await);
});

on_both!(send_expired_forces_a_change_at_sign_in, |server| {
    server.add_user("bea", OLD).await.unwrap();
    recovery_mode(&server, &["default send_expired"]).await;
    let mut b = verified(&server, "bea").await;
    let ask = b.get("/forgot/new-password").await;
    assert!(
        ask.body.contains("choose a password of your own"),
        "{}",
        ask.body
    );
    let done = confirm_send(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let password = mailed_password(&server, "bea", 1).await;

    let (mut user, signed) = sign_in(&server, "bea", &password).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert_eq!(signed.headers["location"], "/account/password");
    let home = user.get("/").await;
    assert_eq!(home.status, 303, "{}", home.body);
    assert_eq!(home.headers["location"], "/account/password");
    let form = user.get("/account/password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("Your password has expired"),
        "{}",
        form.body
    );
    // The mailed password itself is not accepted as the new one (history).
    let csrf = user.csrf();
    let same = user
        .post(
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", password.as_str()),
                ("new", password.as_str()),
                ("confirm", password.as_str()),
            ],
        )
        .await;
    assert_eq!(same.status, 400, "{}", same.body);
    assert_eq!(user.get("/").await.status, 303, "still expired");
    let changed = user
        .post(
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", password.as_str()),
                ("new", NEW),
                ("confirm", NEW),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let home = user.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let (_, again) = sign_in(&server, "bea", NEW).await;
    assert_eq!(again.headers["location"], "/");
    assert!(!can_sign_in(&server, "bea", &password).await);
});

on_both!(set_is_the_default_and_clears_an_expired_mark, |server| {
    server.add_user("cleo", OLD).await.unwrap();
    recovery_mode(&server, &["default send_expired"]).await;
    let mut b = verified(&server, "cleo").await;
    assert_eq!(confirm_send(&mut b).await.status, 200);
    let password = mailed_password(&server, "cleo", 1).await;
    let (_, signed) = sign_in(&server, "cleo", &password).await;
    assert_eq!(signed.headers["location"], "/account/password");

    // Back to the default: the person chooses, and that password is not expired.
    for rows in [&["default set"][..], &[][..]] {
        recovery_mode(&server, rows).await;
        let mut b = verified(&server, "cleo").await;
        let form = b.get("/forgot/new-password").await;
        assert!(form.body.contains("must meet these rules"), "{}", form.body);
        assert!(!form.body.contains("Send me a new password"));
    }
    let mut b = verified(&server, "cleo").await;
    assert_eq!(confirm_send(&mut b).await.status, 400, "no password given");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    let (_, signed) = sign_in(&server, "cleo", NEW).await;
    assert_eq!(signed.headers["location"], "/");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    mailed_password(&server, "cleo", 1).await;
});

on_both!(sending_needs_a_verified_flow_of_that_person, |server| {
    server.add_user("dina", OLD).await.unwrap();
    server.add_user("eve", OLD).await.unwrap();
    recovery_mode(&server, &["default send"]).await;
    // No flow, a sign-in flow, an identified but unverified flow: refused, nothing sent.
    let mut nobody = Browser::new(&server.url);
    assert_eq!(nobody.get("/forgot/new-password").await.status, 403);
    let mut login = Browser::new(&server.url);
    assert_eq!(login.get("/login").await.status, 200);
    assert_eq!(confirm_send(&mut login).await.status, 403);
    let (mut half, _) = identify(&server, "eve").await;
    mails_of(&server, "eve@example.org", MessageKind::Pin, 1).await;
    assert_eq!(half.get("/forgot/new-password").await.status, 403);
    assert_eq!(confirm_send(&mut half).await.status, 403);

    // A verified flow for dina resets dina only, whatever is posted; a chosen password is
    // ignored in this mode.
    let mut b = verified(&server, "dina").await;
    let csrf = b.csrf();
    let done = b
        .post(
            "/forgot/new-password",
            &[
                ("csrf", csrf.as_str()),
                ("new", NEW),
                ("confirm", NEW),
                ("user", "eve"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let password = mailed_password(&server, "dina", 1).await;
    assert!(can_sign_in(&server, "dina", &password).await);
    assert!(!can_sign_in(&server, "dina", NEW).await);
    assert!(can_sign_in(&server, "eve", OLD).await);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let to_eve = mails_of(&server, "eve@example.org", MessageKind::NewPassword, 0).await;
    assert!(to_eve.is_empty(), "eve was sent a password");
    // Without the CSRF token nothing is sent.
    let mut c = verified(&server, "eve").await;
    let forged = c.post("/forgot/new-password", &[("action", "send")]).await;
    assert_ne!(forged.status, 200);
    assert!(can_sign_in(&server, "eve", OLD).await);
});

on_both!(a_bad_recovery_mode_is_refused, |server| {
    let log = log();
    server.add_user("finn", OLD).await.unwrap();
    // The registry takes any text; the forgotten-password configuration refuses it.
    recovery_mode(&server, &["default mail-it"]).await;
    let mut b = Browser::new(&server.url);
    let refused = b.get("/forgot").await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert!(
        refused.body.contains("tell your help desk"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("mail-it"), "{}", refused.body);
    let logged = log.text();
    assert!(
        logged.contains("FORGOTTEN_PASSWORD/RECOVERY_MODE for profile default"),
        "the log does not name the setting and profile"
    );
    recovery_mode(&server, &["nobody send"]).await;
    assert_eq!(b.get("/forgot").await.status, 500);
    recovery_mode(&server, &[]).await;
    assert_eq!(b.get("/forgot").await.status, 200);
});
