//! `/forgot` with `FORGOTTEN_PASSWORD / POST_ACTION_WEBHOOK`: a reset calls the profile's
//! webhook once, with the method, URL and JSON body configured and the person's values escaped;
//! an unlock calls it with `unlock`; a decoy flow calls nothing; a failing, absent or slow
//! endpoint changes nothing for the person; no password is ever in a call. The endpoint is a
//! real HTTP server on 127.0.0.1 started by the test, recording what it receives.

use crate::client::Page;
use crate::forgot::{
    answer, can_sign_in, identify, lock_by_failed_logins, set_new, unlock_only, verified,
    without_tokens,
};
use crate::nonce::log;
use crate::on_both;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use latchkey_core::repo::AuditEvent;
use latchkey_core::repo::{AuditRepo, ProfileRepo, SettingsRepo};
use latchkey_core::settings::validate_row;
use latchkey_core::sspr::NS_FORGOTTEN_PASSWORD;
use latchkey_testkit::TestServer;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";
/// A display name no structure survives unescaped.
const TRICKY: &str = "Zoë \"the\" \\admin\\ & co\nline2 <x> %login% 漢";

/// One request the endpoint received.
#[derive(Debug, Clone)]
struct Received {
    method: Method,
    uri: Uri,
    content_type: String,
    body: String,
}

/// A webhook endpoint on 127.0.0.1 that records every request and answers `status` after
/// `delay`.
#[derive(Clone)]
struct Endpoint {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Endpoint {
    async fn start(status: StatusCode, delay: Duration) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: String| {
                let record = record.clone();
                async move {
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    record.lock().unwrap().push(Received {
                        method,
                        uri,
                        content_type,
                        body,
                    });
                    tokio::time::sleep(delay).await;
                    status
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits for `count` requests (then a little longer, to catch any extra one).
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.seen().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.seen()
    }
}

/// An endpoint nothing listens on: port 1 (tcpmux) is privileged, so no other test of this
/// process can bind it meanwhile, as it could a free port we picked and released.
const DOWN: &str = "http://127.0.0.1:1";

async fn webhooks(server: &TestServer, rows: &[String]) {
    let values: Vec<_> = rows
        .iter()
        .map(|v| validate_row(NS_FORGOTTEN_PASSWORD, "POST_ACTION_WEBHOOK", v, false).unwrap())
        .collect();
    server
        .store
        .replace_setting(NS_FORGOTTEN_PASSWORD, "POST_ACTION_WEBHOOK", &values)
        .await
        .unwrap();
}

/// The `post_action.webhook` audit events, waiting up to `wait` for `count` of them.
async fn audited(server: &TestServer, count: usize, wait: Duration) -> Vec<AuditEvent> {
    let until = Instant::now() + wait;
    loop {
        let events: Vec<_> = server
            .store
            .recent_audit(500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "post_action.webhook")
            .collect();
        if events.len() >= count || Instant::now() > until {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn reset(server: &TestServer, login: &str) -> Page {
    let mut b = verified(server, login).await;
    set_new(&mut b, NEW, NEW).await
}

on_both!(
    a_reset_calls_the_webhook_once_with_escaped_values,
    |server| {
        let log = log();
        let endpoint = Endpoint::start(StatusCode::OK, Duration::ZERO).await;
        let mut alice = server.add_user("alice", OLD).await.unwrap();
        alice.display_name = TRICKY.to_owned();
        server.store.update_profile(&alice).await.unwrap();
        webhooks(
        &server,
        &[format!(
            r#"default POST {}/hook/%login%?who=%name%&a=%action% {{"user":"%login%","name":"%name%","mail":"%mail%","profile":"%profile%","action":"%action%","at":"%time%"}}"#,
            endpoint.url
        )],
    )
    .await;

        let done = reset(&server, "alice").await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(done.body.contains("Sign in with your new password"));
        let seen = endpoint.wait_for(1).await;
        assert_eq!(seen.len(), 1, "exactly one call: {seen:?}");
        let call = &seen[0];
        assert_eq!(call.method, Method::POST);
        assert_eq!(call.uri.path(), "/hook/alice");
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(call.uri.query().unwrap().as_bytes())
                .into_owned()
                .collect();
        assert_eq!(
            query,
            [
                ("who".to_owned(), TRICKY.to_owned()),
                ("a".to_owned(), "reset".to_owned())
            ]
        );
        assert_eq!(call.content_type, "application/json");
        let body: serde_json::Value = serde_json::from_str(&call.body).unwrap();
        let object = body.as_object().unwrap();
        assert_eq!(object.len(), 6, "{body}");
        assert_eq!(body["user"], "alice");
        assert_eq!(body["name"], TRICKY, "the value arrives whole, escaped");
        assert_eq!(body["mail"], "alice@example.org");
        assert_eq!(body["profile"], "default");
        assert_eq!(body["action"], "reset");
        let at = body["at"].as_str().unwrap();
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
        for text in [&call.body, &call.uri.to_string()] {
            assert!(!text.contains(NEW) && !text.contains(OLD), "{text}");
        }
        assert!(can_sign_in(&server, "alice", NEW).await);

        let events = audited(&server, 1, Duration::from_secs(5)).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let detail: serde_json::Value = serde_json::from_str(&events[0].detail).unwrap();
        assert_eq!(detail["result"], "sent");
        assert_eq!(detail["status"], 200);
        assert_eq!(detail["action"], "reset");
        assert_eq!(events[0].subject.as_deref(), Some("alice"));
        assert!(!events[0].detail.contains("/hook/alice"), "no URL audited");
        let logged = log.text();
        assert!(
            logged.contains("post-action webhook delivered"),
            "not logged"
        );
        assert!(!logged.contains(NEW), "the password is in the log");
    }
);

on_both!(an_unlock_calls_the_webhook_with_unlock, |server| {
    let endpoint = Endpoint::start(StatusCode::NO_CONTENT, Duration::ZERO).await;
    server.add_user("gina", OLD).await.unwrap();
    webhooks(
        &server,
        &[format!(
            "default GET {}/events?user=%login%&what=%action%",
            endpoint.url
        )],
    )
    .await;
    lock_by_failed_logins(&server, "gina").await;
    let mut b = verified(&server, "gina").await;
    let done = unlock_only(&mut b).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let seen = endpoint.wait_for(1).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, Method::GET);
    assert_eq!(seen[0].uri.path(), "/events");
    assert_eq!(seen[0].uri.query(), Some("user=gina&what=unlock"));
    assert!(seen[0].body.is_empty());
    assert!(can_sign_in(&server, "gina", OLD).await, "password kept");
});

on_both!(a_decoy_flow_calls_nothing, |server| {
    let endpoint = Endpoint::start(StatusCode::OK, Duration::ZERO).await;
    server.add_user("bob", OLD).await.unwrap();
    webhooks(
        &server,
        &[format!("default POST {}/hook?u=%login%", endpoint.url)],
    )
    .await;
    let (mut decoy, page) = identify(&server, "nobody-here").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let failed = answer(&mut decoy, &page, &[("pin", "000000")]).await;
    assert_eq!(failed.status, 401, "{}", failed.body);
    assert_eq!(decoy.get("/forgot/new-password").await.status, 403);
    let csrf = decoy.csrf();
    for action in ["set", "unlock"] {
        let refused = decoy
            .post(
                "/forgot/new-password",
                &[
                    ("csrf", csrf.as_str()),
                    ("new", NEW),
                    ("confirm", NEW),
                    ("action", action),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    assert!(endpoint.wait_for(1).await.is_empty(), "a decoy called out");

    // The endpoint does hear a real reset, and only that one.
    assert_eq!(reset(&server, "bob").await.status, 200);
    let seen = endpoint.wait_for(1).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].uri.query(), Some("u=bob"));
});

on_both!(
    a_failing_or_slow_webhook_changes_nothing_for_the_person,
    |server| {
        for login in ["base", "five", "down", "slow"] {
            server.add_user(login, OLD).await.unwrap();
        }
        let baseline = reset(&server, "base").await;
        assert_eq!(baseline.status, 200, "{}", baseline.body);

        let failing = Endpoint::start(StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO).await;
        let slow = Endpoint::start(StatusCode::OK, Duration::from_secs(8)).await;
        for (login, url) in [
            ("five", &failing.url),
            ("down", &DOWN.to_owned()),
            ("slow", &slow.url),
        ] {
            webhooks(&server, &[format!("default POST {url}/hook")]).await;
            let started = Instant::now();
            let done = reset(&server, login).await;
            assert_eq!(done.status, baseline.status, "{login}: {}", done.body);
            assert_eq!(
                without_tokens(&done.body),
                without_tokens(&baseline.body),
                "{login}: the page differs"
            );
            assert!(
                started.elapsed() < Duration::from_secs(6),
                "{login}: the reset waited for the webhook"
            );
            assert!(can_sign_in(&server, login, NEW).await, "{login}");
            assert!(!can_sign_in(&server, login, OLD).await, "{login}");
        }
        // 500 and no connection are retried with backoff (1 s, then 2 s), then given up; each
        // failure is audited, under the person whose reset it followed.
        let until = Instant::now() + Duration::from_secs(20);
        let failed_for = |events: &[AuditEvent], login: &str| -> Option<serde_json::Value> {
            events
                .iter()
                .filter(|e| e.subject.as_deref() == Some(login))
                .map(|e| serde_json::from_str::<serde_json::Value>(&e.detail).unwrap())
                .find(|d| d["result"] == "failed")
        };
        let (five, down) = loop {
            let events = audited(&server, 0, Duration::ZERO).await;
            let found = (failed_for(&events, "five"), failed_for(&events, "down"));
            if matches!(found, (Some(_), Some(_))) || Instant::now() > until {
                break found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let five = five.expect("the failing webhook's failure is audited");
        assert!(five["status"] == 500 && five["attempts"] == 3, "{five}");
        let down = down.expect("the unreachable webhook's failure is audited");
        assert!(down["status"].is_null() && down["attempts"] == 3, "{down}");
        assert_eq!(failing.seen().len(), 3, "three attempts");
    }
);
