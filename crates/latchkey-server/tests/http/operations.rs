//! Health, metrics, headers, the outbox and unknown pages.

use crate::client::Browser;
use crate::on_both;

on_both!(healthz_metrics_and_headers, |server| {
    let mut b = Browser::new(&server.url);
    let health = b.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body, r#"{"database":"ok","status":"ok"}"#);
    let _ = b.sign_in("nobody", "whatever").await;
    let metrics = b.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        metrics.body.contains("latchkey_login_attempts_total"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("latchkey_http_requests_total"));
    let login = b.get("/login").await;
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(login.headers[name], value);
    }
    assert!(
        login.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("There is no page at this address."));
});

on_both!(outbox_shows_the_sign_in_notice_newest_first, |server| {
    server.add_user("fred", "freds password").await.unwrap();
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("fred", "freds password").await.status, 303);
    assert_eq!(b.sign_in("fred", "freds password").await.status, 303);
    // Mail is sent in the background: wait for it.
    let mut page = b.get("/outbox").await;
    for _ in 0..50 {
        if page.body.matches("New sign-in to your account").count() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = b.get("/outbox").await;
    }
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("New sign-in to your account").count(),
        2,
        "{}",
        page.body
    );
    assert!(page.body.contains("fred@example.org"));
});

on_both!(user_id_parameter_prefills_and_is_escaped, |server| {
    let mut b = Browser::new(&server.url);
    let page = b
        .get("/login?USERID=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(
        page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"),
        "{}",
        page.body
    );
});

#[tokio::test]
async fn health_reports_a_database_outage() {
    let server = latchkey_testkit::TestServer::start(latchkey_testkit::Database::Sqlite)
        .await
        .unwrap();
    server.store.close().await;
    let mut b = Browser::new(&server.url);
    let health = b.get("/healthz").await;
    assert_eq!(health.status, 503);
    assert!(health.body.contains("unavailable"));
}
