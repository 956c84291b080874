//! Failures a real sink will not produce on demand, from scripted SMTP servers on loopback:
//! a server that never answers, temporary and permanent refusals, a failed login.

use std::time::{Duration, Instant};

use latchkey_config::SmtpSecurity;
use latchkey_notify::{Mailer, NotifyError};
use secrecy::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::{message, smtp_config};

/// How a fake server answers; every other command gets `250 ok`.
#[derive(Clone, Copy)]
struct Script {
    /// Whether to greet at all (a silent server never does).
    greet: bool,
    /// Extra EHLO capability lines, e.g. `AUTH PLAIN`.
    ehlo_extra: &'static str,
    /// Reply to `AUTH`.
    auth: &'static str,
    /// Reply to `RCPT TO`.
    rcpt: &'static str,
}

const ACCEPTING: Script = Script {
    greet: true,
    ehlo_extra: "",
    auth: "235 2.7.0 ok",
    rcpt: "250 ok",
};

/// Starts a fake server; returns its port. It serves until the test's runtime ends.
async fn fake_server(script: Script) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, script));
        }
    });
    port
}

async fn serve(stream: tokio::net::TcpStream, script: Script) {
    let (read, mut write) = stream.into_split();
    if !script.greet {
        // Hold the connection open in silence until the client gives up.
        let _ = BufReader::new(read).read_line(&mut String::new()).await;
        return;
    }
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 fake.example ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" if script.ehlo_extra.is_empty() => "250 fake.example".to_owned(),
            "EHLO" => format!("250-fake.example\r\n250 {}", script.ehlo_extra),
            "AUTH" => script.auth.to_owned(),
            "RCPT" => script.rcpt.to_owned(),
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                while let Ok(Some(body)) = lines.next_line().await {
                    if body == "." {
                        break;
                    }
                }
                "250 queued".to_owned()
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => "250 ok".to_owned(),
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn send_to(port: u16, timeout_secs: u32) -> Result<(), NotifyError> {
    let config = smtp_config(port, SmtpSecurity::Plaintext, timeout_secs);
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    mailer.send(&message("a@example.com", "Hi")).await
}

#[tokio::test]
async fn the_scripted_server_accepts_mail() {
    // Guards the other tests: their failures come from the script, not from the fake itself.
    let port = fake_server(ACCEPTING).await;
    send_to(port, 5).await.unwrap();
}

#[tokio::test]
async fn a_silent_server_times_out_as_unavailable() {
    let port = fake_server(Script {
        greet: false,
        ..ACCEPTING
    })
    .await;
    let started = Instant::now();
    let err = send_to(port, 1).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, NotifyError::Unavailable { .. }), "{err}");
    assert!(err.to_string().contains("within 1 s"), "{err}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_rejected_with_its_code() {
    let port = fake_server(Script {
        rcpt: "550 5.1.1 <a@example.com>: no such user",
        ..ACCEPTING
    })
    .await;
    let err = send_to(port, 5).await.unwrap_err();
    match &err {
        NotifyError::Rejected { code, reason, .. } => {
            assert_eq!(*code, 550);
            assert!(reason.contains("no such user"), "{reason}");
        }
        other => panic!("expected Rejected, got {other}"),
    }
    assert!(!err.is_retryable());
    assert!(
        !err.to_string().contains("424242"),
        "the body leaked: {err}"
    );
}

#[tokio::test]
async fn a_temporary_refusal_is_unavailable() {
    let port = fake_server(Script {
        rcpt: "451 4.3.0 greylisted, try again later",
        ..ACCEPTING
    })
    .await;
    let err = send_to(port, 5).await.unwrap_err();
    assert!(matches!(err, NotifyError::Unavailable { .. }), "{err}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("451"), "{err}");
}

#[tokio::test]
async fn a_failed_login_never_shows_the_password() {
    let port = fake_server(Script {
        ehlo_extra: "AUTH PLAIN LOGIN",
        auth: "535 5.7.8 authentication credentials invalid",
        ..ACCEPTING
    })
    .await;
    let mut config = smtp_config(port, SmtpSecurity::Plaintext, 5);
    config.username = Some("latchkey".into());
    config.password = Some(SecretString::from("hunter2-password"));
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    let err = mailer
        .send(&message("a@example.com", "Hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NotifyError::Rejected { code: 535, .. }),
        "{err}"
    );
    for shown in [err.to_string(), format!("{err:?}"), format!("{mailer:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    // A server that offers no AUTH at all: a protocol problem, named as such.
    let port = fake_server(ACCEPTING).await;
    config.port = port;
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    let err = mailer
        .send(&message("a@example.com", "Hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("authentication"), "{err}");
}
