//! A password marked expired (`PWDMUSTCHANGE`, set by the `send_expired` recovery mode) is
//! changed before anything else: every signed-in page, known or not, sends the person to
//! `/account/password` (a JSON `403` for a client asking for JSON), sign-out still works, and
//! changing the password lifts it. Also `/favicon.ico` and the linked SVG icon.

use crate::client::{Browser, Page};
use crate::mpr_pages::operator;
use crate::on_both;
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::UserStatRepo;
use latchkey_core::userstat::UserStatTag;
use latchkey_testkit::TestServer;
use time::OffsetDateTime;

const OLD: &str = "operators password";
const NEW: &str = "violet tractor umbrella 42";
const RUN: &str = "/admin/mpr/0190a000-0000-7000-8000-000000000000";

/// Marks `profile`'s password expired, as the `send_expired` recovery mode does.
async fn expire(server: &TestServer, profile: ProfileId) {
    server
        .store
        .set_userstat(
            profile,
            &UserStatTag::PwdMustChange,
            "1",
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
}

/// A GET asking for JSON, as a script polling an API does.
async fn get_json(b: &Browser, path: &str) -> (u16, serde_json::Value) {
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let r = b
        .http
        .get(format!("{}{path}", b.base))
        .header("cookie", cookies)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

fn sent_to_password(page: &Page, path: &str) {
    assert_eq!(page.status, 303, "{path}: {}", page.body);
    assert_eq!(page.headers["location"], "/account/password", "{path}");
}

const PAGES: [&str; 9] = [
    "/",
    "/account/totp",
    "/account/questions",
    "/account/sessions",
    "/vault",
    "/admin/mpr",
    RUN,
    "/admin/mpr/0190a000-0000-7000-8000-000000000000/report.csv",
    "/no/such/page",
];

on_both!(an_expired_password_closes_every_signed_in_page, |server| {
    let (ops, mut b) = operator(&server).await;
    // Before the mark the pages answer as usual.
    assert_eq!(b.get("/account/sessions").await.status, 200);
    assert_eq!(b.get("/admin/mpr").await.status, 200);
    expire(&server, ops.id).await;

    for path in PAGES {
        sent_to_password(&b.get(path).await, path);
    }
    let csrf = b.csrf();
    for path in [
        "/account/totp/skip",
        "/account/questions/skip",
        "/account/sessions/others",
        "/admin/mpr/plan",
        "/vault/x/reveal",
    ] {
        sent_to_password(&b.post(path, &[("csrf", csrf.as_str())]).await, path);
    }
    for path in [&format!("{RUN}/progress")[..], "/account/sessions"] {
        let (status, body) = get_json(&b, path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"], "password_change_required", "{body}");
        assert_eq!(body["location"], "/account/password", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("change it"), "{message}");
    }
    // What must still work: the password page, static files, sign-in pages.
    let form = b.get("/account/password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("Your password has expired"),
        "{}",
        form.body
    );
    assert_eq!(b.get("/static/latchkey.css").await.status, 200);
    assert_eq!(b.get("/healthz").await.status, 200);

    // Changing the password lifts the mark everywhere.
    let changed = b
        .post(
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", OLD),
                ("new", NEW),
                ("confirm", NEW),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(b.get("/account/sessions").await.status, 200);
    assert_eq!(b.get("/admin/mpr").await.status, 200);
    assert_eq!(b.get("/no/such/page").await.status, 404);
});

on_both!(sign_out_works_with_an_expired_password, |server| {
    let (ops, mut b) = operator(&server).await;
    expire(&server, ops.id).await;
    sent_to_password(&b.get("/vault").await, "/vault");
    let csrf = b.csrf();
    let out = b.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.headers["location"], "/");
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    // Signed out: the anonymous answers, not the password page.
    let home = b.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let vault = b.get("/vault").await;
    assert_ne!(
        vault.headers.get("location").map(|l| l.to_str().unwrap()),
        Some("/account/password")
    );
    // Signing in again goes to the password page, as before.
    let again = b.sign_in("ops", OLD).await;
    assert_eq!(again.headers["location"], "/account/password");
});

on_both!(an_anonymous_visitor_and_a_current_password_pass, |server| {
    let (_, mut b) = operator(&server).await;
    assert_eq!(b.get("/account/sessions").await.status, 200);
    assert_eq!(b.get("/no/such/page").await.status, 404);
    let mut anonymous = Browser::new(&server.url);
    assert_eq!(anonymous.get("/").await.status, 200);
    assert_eq!(anonymous.get("/no/such/page").await.status, 404);
});

on_both!(the_favicon_is_served_never_a_404, |server| {
    let mut b = Browser::new(&server.url);
    let ico = b.get("/favicon.ico").await;
    assert_eq!(ico.status, 204, "{}", ico.body);
    assert!(ico.body.is_empty());
    assert!(
        ico.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let home = b.get("/").await;
    assert!(
        home.body
            .contains(r#"<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">"#),
        "{}",
        home.body
    );
    let svg = b.get("/static/favicon.svg").await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(svg.body.starts_with("<svg"), "{}", svg.body);
    // Signed in with an expired password, the icon still loads.
    let (ops, mut signed) = operator(&server).await;
    expire(&server, ops.id).await;
    assert_eq!(signed.get("/favicon.ico").await.status, 204);
    assert_eq!(signed.get("/static/favicon.svg").await.status, 200);
});
