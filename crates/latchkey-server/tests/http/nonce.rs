//! `mail_nonce` and `GET /login/link`: the mailed link completes the sign-in only in the
//! browser that asked for it, only once, only in time; the token is never stored or logged in
//! clear.

use crate::client::{Browser, Page};
use crate::mailbox::{failures_with, install, mail_to, offer_to_everyone, set, sql, start};
use crate::on_both;
use latchkey_core::repo::AuditRepo;
use latchkey_core::token::TokenSecret;
use latchkey_testkit::TestServer;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Everything logged at debug by the server (request spans included) from the first call on.
#[derive(Clone)]
pub(crate) struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

static LOG: OnceLock<Capture> = OnceLock::new();

pub(crate) fn log() -> Capture {
    let capture = LOG
        .get_or_init(|| {
            let capture = Capture(Arc::new(Mutex::new(Vec::new())));
            let subscriber = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    "info,latchkey_server=debug,tower_http=debug,latchkey_test=info",
                ))
                .with_writer(capture.clone())
                .with_ansi(false)
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
            capture
        })
        .clone();
    tracing::info!(target: "latchkey_test", "log capture canary");
    assert!(
        capture.text().contains("log capture canary"),
        "another global subscriber took the log: the test would see nothing"
    );
    capture
}

impl Capture {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn forgot_password(server: &TestServer) {
    install(server, "forgot_password").await;
    offer_to_everyone(server, "FORGOT_PASSWORD", 92).await;
}

/// Starts the link chain for `user` and returns the browser, its page and the mailed link
/// (as a path on the server, and its token).
async fn mailed(server: &TestServer, user: &str) -> (Browser, Page, String, String) {
    let (b, page) = start(server, "FORGOT_PASSWORD", user).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Check your email"), "{}", page.body);
    let to = format!("{user}@example.org");
    let mail = mail_to(server, &to, 1).await;
    let message = &mail.last().unwrap().message;
    assert_eq!(message.kind, latchkey_notify::MessageKind::Link);
    let link = message
        .body_text
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap_or_else(|| panic!("no link in {}", message.body_text));
    let path = link
        .strip_prefix(&server.url)
        .unwrap_or_else(|| panic!("{link} is not on the public URL {}", server.url))
        .to_owned();
    let token = path
        .strip_prefix("/login/link?token=")
        .unwrap_or_else(|| panic!("unexpected link {link}"))
        .to_owned();
    (b, page, path, token)
}

const REFUSED: &str = "This link cannot be used here.";

on_both!(the_link_signs_in_in_the_browser_that_asked, |server| {
    let log = log();
    forgot_password(&server).await;
    server.add_user("hana", "unused password").await.unwrap();
    let (mut b, page, path, token) = mailed(&server, "hana").await;
    assert!(page.body.contains("h***@example.org"), "{}", page.body);
    assert!(token.len() >= 43, "a 256-bit token: {token}");

    let tokens = sql(&server, "SELECT * FROM one_time_tokens");
    let hash = TokenSecret::from_user(&token).hash();
    assert!(
        tokens.contains(hash.as_str()) && tokens.contains("mail_nonce"),
        "{tokens}"
    );
    assert!(
        !tokens.contains(&token),
        "the token is stored in clear: {tokens}"
    );
    assert!(!sql(&server, "SELECT state FROM flows").contains(&token));

    let opened = b.get(&path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body.contains("Link accepted"), "{}", opened.body);
    assert!(!opened.body.contains(&token), "the page echoes the token");
    assert_eq!(opened.headers["referrer-policy"], "no-referrer");
    let done = b.step(&opened, &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(b.cookies.contains_key("__Host-latchkey_session"));

    let audit = server.store.recent_audit(1000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "login.link.accepted"));
    assert!(audit.iter().all(
        |e| !e.detail.contains(&token) && !e.subject.as_deref().unwrap_or("").contains(&token)
    ));
    let logged = log.text();
    assert!(
        logged.contains("/login/link"),
        "the request was not logged at all"
    );
    assert!(!logged.contains(&token), "the token is in the log");
});

on_both!(
    other_browsers_are_refused_without_burning_the_link,
    |server| {
        forgot_password(&server).await;
        server.add_user("ivan", "unused password").await.unwrap();
        server.add_user("jill", "unused password").await.unwrap();
        let (mut b, _, path, _) = mailed(&server, "ivan").await;

        let stranger = Browser::new(&server.url).get(&path).await;
        assert_eq!(stranger.status, 403, "{}", stranger.body);
        assert!(stranger.body.contains(REFUSED));
        // Jill's own flow in her browser: Ivan's token must not complete it.
        let (mut jill, jill_page, _, _) = mailed(&server, "jill").await;
        let crossed = jill.get(&path).await;
        assert_eq!(crossed.status, 403, "{}", crossed.body);
        let still = jill.step(&jill_page, &[]).await;
        assert_eq!(still.status, 200, "{}", still.body);
        assert!(still.body.contains("has not been opened"), "{}", still.body);
        assert!(!jill.cookies.contains_key("__Host-latchkey_session"));

        let opened = b.get(&path).await;
        assert_eq!(
            opened.status, 200,
            "the refusals burned the link: {}",
            opened.body
        );
        assert_eq!(b.step(&opened, &[]).await.status, 303);
        assert_eq!(Browser::new(&server.url).get(&path).await.status, 403);
    }
);

on_both!(two_concurrent_openings_one_wins, |server| {
    forgot_password(&server).await;
    server.add_user("kim", "unused password").await.unwrap();
    let (b, _, path, _) = mailed(&server, "kim").await;
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let mut clone = Browser::new(&b.base);
            clone.cookies = b.cookies.clone();
            let path = path.clone();
            tokio::spawn(async move { clone.get(&path).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403]);
});

on_both!(an_expired_link_fails, |server| {
    forgot_password(&server).await;
    set(&server, "FORGOT_PASSWORD", "MAXLIFE", "1").await;
    server.add_user("lena", "unused password").await.unwrap();
    let (mut b, page, path, _) = mailed(&server, "lena").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = b.get(&path).await;
    assert_eq!(late.status, 403, "{}", late.body);
    let denied = b.step(&page, &[]).await;
    assert_eq!(denied.status, 401, "{}", denied.body);
    assert_eq!(failures_with(&server, "nonce.used_or_expired").await, 1);
});

on_both!(wrong_links_lock_the_user_out_of_links, |server| {
    forgot_password(&server).await;
    server.add_user("mona", "unused password").await.unwrap();
    let (mut b, _, path, _) = mailed(&server, "mona").await;
    // Three failures within the window lock (the default policy).
    for i in 0..3 {
        let wrong = b.get(&format!("/login/link?token=not-the-token-{i}")).await;
        assert_eq!(wrong.status, 403);
    }
    let locked = b.get(&path).await;
    assert_eq!(
        locked.status, 403,
        "a locked user's link worked: {}",
        locked.body
    );
    let audit = server.store.recent_audit(1000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "login.link.refused" && e.detail.contains("locked out"))
    );
});
