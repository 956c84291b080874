//! The external module over both transports: a program (small /bin/sh scripts written here)
//! and an HTTP service on loopback. Only a well-formed "success" lets anyone in; a failure,
//! a timeout, garbage, a non-zero exit or an error status all deny.

use crate::client::Browser;
use crate::custom::{module, use_chain};
use crate::on_both;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use latchkey_core::chain::{Control, ModuleType};
use latchkey_testkit::TestServer;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Writes an executable shell script.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Routes everyone to a chain of one external module with `settings`; signs `user` in and
/// returns the status of the answer to the user ID page (or the page, if it prompts).
async fn attempt(server: &TestServer, settings: &[(&str, &str)]) -> crate::client::Page {
    use_chain(
        server,
        "EXTERNAL",
        vec![module(
            10,
            ModuleType::External,
            Control::Required,
            settings,
        )],
    )
    .await;
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    b.step(&first, &[("user", "ext")]).await
}

on_both!(a_program_decides, |server| {
    server.add_user("ext", "unused password").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        // Reads the request and checks it names the user and the protocol version.
        (
            "success",
            r#"input=$(cat)
case "$input" in *'"user":"ext"'*'"version":1'*) echo '{"result":"success"}' ;; *) echo '{"result":"fail"}' ;; esac"#,
            303,
        ),
        (
            "fail",
            r#"cat >/dev/null; echo '{"result":"fail","reason":"no badge"}'"#,
            401,
        ),
        ("ignore", r#"echo '{"result":"ignore"}'"#, 401),
        ("garbage", "echo 'hello, world'", 401),
        ("nonzero", r#"echo '{"result":"success"}'; exit 3"#, 401),
        ("empty", "exit 0", 401),
        ("shouting", r#"echo '{"result":"SUCCESS"}'"#, 401),
        (
            "oversized",
            r#"printf '{"result":"success","reason":"'; head -c 70000 /dev/zero | tr '\0' x; echo '"}'"#,
            401,
        ),
        // The server's environment (database URL, secrets) is not passed on.
        (
            "environment",
            r#"if [ -z "$LATCHKEY_DATABASE_URL$HOME" ]; then echo '{"result":"success"}'; else echo '{"result":"fail"}'; fi"#,
            303,
        ),
    ];
    for (name, body, want) in cases {
        let path = script(d, name, body);
        let page = attempt(&server, &[("command", path.to_str().unwrap())]).await;
        assert_eq!(page.status, want, "{name}: {}", page.body);
    }
    let missing = attempt(&server, &[("command", "/nonexistent/program")]).await;
    assert_eq!(missing.status, 401);
    let relative = attempt(&server, &[("command", "bin/program")]).await;
    assert_eq!(relative.status, 401);

    // A program past its deadline is killed and denies, quickly.
    let marker = d.join("still-running");
    let slow = script(
        d,
        "slow",
        &format!(
            "sleep 3; touch {}; echo '{{\"result\":\"success\"}}'",
            marker.display()
        ),
    );
    let started = Instant::now();
    let page = attempt(
        &server,
        &[("command", slow.to_str().unwrap()), ("timeout_ms", "300")],
    )
    .await;
    assert_eq!(page.status, 401);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(!marker.exists(), "the program was killed at the deadline");
});

on_both!(a_program_can_ask_for_input, |server| {
    server.add_user("ext", "unused password").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls");
    let path = script(
        dir.path(),
        "badge",
        &format!(
            r#"echo call >> {}
input=$(cat)
case "$input" in
  *'"input":{{}}'*) echo '{{"result":"pending","state":"asked","prompt":{{"title":"Badge check","fields":[{{"name":"badge","label":"Badge number","type":"code"}}]}}}}' ;;
  *'"badge":"1234"'*'"state":"asked"'*) echo '{{"result":"success"}}' ;;
  *) echo '{{"result":"fail"}}' ;;
esac"#,
            calls.display()
        ),
    );
    let count = || {
        std::fs::read_to_string(&calls)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    use_chain(
        &server,
        "EXTERNAL",
        vec![module(
            10,
            ModuleType::External,
            Control::Required,
            &[("command", path.to_str().unwrap()), ("args", "--site main")],
        )],
    )
    .await;
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let asked = b.step(&first, &[("user", "ext")]).await;
    assert_eq!(asked.status, 200);
    assert!(asked.body.contains("Badge number"), "{}", asked.body);
    assert_eq!(count(), 1);
    // The page shown again without an answer (a stale tab) does not call the program again.
    let stale = b.step(&first, &[("user", "ext")]).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("Badge number"), "{}", stale.body);
    assert_eq!(count(), 1);
    let answer = b.step(&asked, &[("badge", "1234")]).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(count(), 2);

    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let asked = b.step(&first, &[("user", "ext")]).await;
    let answer = b.step(&asked, &[("badge", "9999")]).await;
    assert_eq!(answer.status, 401);
});

/// A loopback HTTP service with one route per behaviour.
async fn peer() -> String {
    async fn echo(body: String) -> (StatusCode, String) {
        let ok = body.contains(r#""user":"ext""#) && body.contains(r#""version":1"#);
        let result = if ok { "success" } else { "fail" };
        (StatusCode::OK, format!(r#"{{"result":"{result}"}}"#))
    }
    let app = Router::new()
        .route("/success", post(echo))
        .route("/fail", post(|| async { r#"{"result":"fail"}"# }))
        .route("/garbage", post(|| async { "<html>hello</html>" }))
        .route(
            "/error",
            post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, r#"{"result":"success"}"#) }),
        )
        .route(
            "/redirect",
            post(|| async { (StatusCode::FOUND, [("location", "/success")], "") }),
        )
        .route(
            "/big",
            post(|| async {
                format!(
                    r#"{{"result":"success","reason":"{}"}}"#,
                    "x".repeat(70_000)
                )
            }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                r#"{"result":"success"}"#
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

on_both!(an_http_service_decides, |server| {
    server.add_user("ext", "unused password").await.unwrap();
    let base = peer().await;
    for (path, want) in [
        ("/success", 303),
        ("/fail", 401),
        ("/garbage", 401),
        ("/error", 401),
        ("/redirect", 401),
        ("/big", 401),
        ("/nowhere", 401),
    ] {
        let url = format!("{base}{path}");
        let page = attempt(&server, &[("url", &url)]).await;
        assert_eq!(page.status, want, "{path}: {}", page.body);
    }
    let started = Instant::now();
    let url = format!("{base}/slow");
    let page = attempt(&server, &[("url", &url), ("timeout_ms", "300")]).await;
    assert_eq!(page.status, 401);
    assert!(started.elapsed() < Duration::from_secs(2));
    // Nothing listens here; and https is refused rather than sent in the clear.
    let closed = format!("http://127.0.0.1:{}/x", free_port());
    assert_eq!(attempt(&server, &[("url", &closed)]).await.status, 401);
    let https = attempt(&server, &[("url", "https://127.0.0.1:1/x")]).await;
    assert_eq!(https.status, 401);
    // Both a program and a URL: ambiguous, refused.
    let both = attempt(
        &server,
        &[
            ("url", &format!("{base}/success")),
            ("command", "/bin/true"),
        ],
    )
    .await;
    assert_eq!(both.status, 401);
});

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
