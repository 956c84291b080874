//! Text messages: the HTTP gateway against a recording HTTP server on loopback (request shape,
//! macro encoding, the credential header, retryable and permanent answers, no secret in logs),
//! and email-to-SMS through the real SMTP sink.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchkey_config::SmtpSecurity;
use latchkey_notify::{Courier, Mailer, MessageKind, NotifyError, OutgoingMessage, Recipient};
use latchkey_testkit::SmtpSink;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::smtp_config;

const SECRET: &str = "Bearer tok-5ecr3t-4f9a";
const PIN_TEXT: &str = "Your code is 482913 & keep it {to} \"private\"";

/// One request as the gateway received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
    body: String,
}

/// A loopback HTTP/1.1 server that records requests and answers with the scripted statuses in
/// turn (the last one repeats).
struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    async fn start(statuses: &[u16]) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let statuses = statuses.to_vec();
        let log = seen.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((stream, _)) = listener.accept().await {
                let status = *statuses.get(n).or(statuses.last()).unwrap();
                n += 1;
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                let mut line = String::new();
                read.read_line(&mut line).await.unwrap();
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or_default().to_owned();
                let target = parts.next().unwrap_or_default().to_owned();
                let mut headers = BTreeMap::new();
                loop {
                    let mut h = String::new();
                    read.read_line(&mut h).await.unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let (name, value) = h.split_once(':').unwrap();
                    headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
                }
                let length: usize = headers
                    .get("content-length")
                    .map(|l| l.parse().unwrap())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                read.read_exact(&mut body).await.unwrap();
                log.lock().unwrap().push(Seen {
                    method,
                    target,
                    headers,
                    body: String::from_utf8(body).unwrap(),
                });
                // The answer echoes the message, as real gateways do; it must not be logged.
                let echo = "{\"echo\":\"Your code is 482913\"}";
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{echo}",
                    echo.len()
                );
                let _ = write.write_all(answer.as_bytes()).await;
            }
        });
        Recorder { port, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Captures every log line of this thread (the test's current-thread runtime) at TRACE.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn sms(to: &str) -> OutgoingMessage {
    OutgoingMessage {
        to: to.into(),
        subject: "Your verification code".into(),
        body_text: PIN_TEXT.into(),
        kind: MessageKind::Pin,
    }
}

fn gateway_rows(
    port: u16,
    key_file: &str,
    extra: &[(&'static str, &'static str)],
) -> Vec<(String, String, String)> {
    let mut rows = vec![
        (
            "URL".to_owned(),
            format!("http://127.0.0.1:{port}/v1/send?to={{to}}"),
        ),
        ("AUTH_HEADER".to_owned(), "Authorization".to_owned()),
        ("AUTH_VALUE_FILE".to_owned(), key_file.to_owned()),
    ];
    rows.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    rows.into_iter()
        .map(|(k, v)| ("SMS_HTTP_GATEWAY".to_owned(), k, v))
        .collect()
}

fn courier(rows: &[(String, String, String)]) -> Courier {
    Courier::from_settings(
        Mailer::Disabled,
        rows.iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())),
    )
    .unwrap()
}

#[tokio::test]
async fn the_http_gateway_gets_the_configured_request_and_no_secret_is_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("sms.key");
    std::fs::write(&key_file, format!("{SECRET}\n")).unwrap();
    let key_file = key_file.display().to_string();

    // A JSON POST gateway: 200 once, then 503, then 400.
    let gateway = Recorder::start(&[200, 503, 400]).await;
    let rows = gateway_rows(
        gateway.port,
        &key_file,
        &[
            ("METHOD", "post"),
            ("CONTENT_TYPE", "application/json"),
            ("BODY", r#"{"to":"{to}","text":"{message}"}"#),
        ],
    );
    let courier = courier(&rows);
    assert!(!format!("{courier:?}").contains("5ecr3t"), "{courier:?}");

    courier.send(&sms("sms:+1 (555) 123-4567")).await.unwrap();
    let seen = gateway.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/v1/send?to=%2B15551234567");
    assert_eq!(request.headers["authorization"], SECRET);
    assert_eq!(request.headers["content-type"], "application/json");
    let json: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(json["to"], "+15551234567");
    assert_eq!(json["text"], PIN_TEXT, "the message was not carried intact");

    let busy = courier.send(&sms("sms:+15551234567")).await.unwrap_err();
    assert!(
        matches!(busy, NotifyError::GatewayUnavailable { .. }),
        "{busy}"
    );
    assert!(busy.is_retryable(), "a 5xx must be retried: {busy}");
    let refused = courier.send(&sms("sms:+15551234567")).await.unwrap_err();
    assert!(
        matches!(refused, NotifyError::GatewayRejected { status: 400, .. }),
        "{refused}"
    );
    assert!(
        !refused.is_retryable(),
        "a 4xx must not be retried: {refused}"
    );
    for err in [&busy, &refused] {
        let text = err.to_string();
        assert!(
            text.contains(&format!("http://127.0.0.1:{}", gateway.port)),
            "{text}"
        );
        assert!(
            !text.contains("482913") && !text.contains("/v1/send"),
            "{text}"
        );
    }
    let logs = captured.text();
    assert!(!logs.is_empty(), "nothing was captured");
    assert!(
        !logs.contains("5ecr3t"),
        "the credential reached the log:\n{logs}"
    );
    assert!(
        !logs.contains("482913"),
        "the message reached the log:\n{logs}"
    );
}

#[tokio::test]
async fn a_get_gateway_carries_the_message_in_the_url_and_outages_are_retryable() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("sms.key");
    std::fs::write(&key_file, SECRET).unwrap();
    let key_file = key_file.display().to_string();
    let gateway = Recorder::start(&[204]).await;
    let mut rows = gateway_rows(gateway.port, &key_file, &[("METHOD", "GET")]);
    rows[0].2 = format!(
        "http://127.0.0.1:{}/send?to={{to}}&text={{message}}",
        gateway.port
    );
    courier(&rows)
        .send(&sms("sms:0044 20 7946 0000"))
        .await
        .unwrap();
    let seen = gateway.seen();
    assert_eq!(seen[0].method, "GET");
    let url = url::Url::parse(&format!("http://x{}", seen[0].target)).unwrap();
    let query: BTreeMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["to"], "+442079460000");
    assert_eq!(query["text"], PIN_TEXT);
    assert_eq!(query.len(), 2, "the message added a parameter: {query:?}");

    // Nobody listening: retryable, and the error does not quote the URL (it holds the PIN).
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    rows[0].2 = format!("http://127.0.0.1:{port}/send?text={{message}}");
    let err = courier(&rows)
        .send(&sms("sms:+15551234567"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(!err.to_string().contains("482913"), "{err}");

    // No gateway configured: a permanent configuration error.
    let err = Courier::new(Mailer::Disabled)
        .send(&sms("sms:+15551234567"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SMS_HTTP_GATEWAY/URL"), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn email_to_sms_goes_to_the_carrier_address_through_the_mailer() {
    let sink = SmtpSink::start().unwrap();
    let config = smtp_config(sink.port(), SmtpSecurity::Plaintext, 5);
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    let rows = [(
        "SMS_EMAIL_CARRIERS",
        "ACME",
        "{national}@txt.acme-carrier.example",
    )];
    let courier = Courier::from_settings(mailer, rows).unwrap();
    let number = latchkey_notify::PhoneNumber::parse("+1 555-123-4567").unwrap();
    let to = Recipient::sms(&number, Some("acme"));
    assert_eq!(to, "sms:+15551234567;carrier=acme");
    courier.send(&sms(&to)).await.unwrap();
    let mails = sink.wait_for(1, Duration::from_secs(10)).unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(
        mails[0].envelope_to,
        ["5551234567@txt.acme-carrier.example"]
    );
    assert_eq!(mails[0].subject, "");
    assert_eq!(mails[0].body.trim_end(), PIN_TEXT);

    let err = courier
        .send(&sms("sms:+15551234567;carrier=nowhere"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("carrier table"), "{err}");
}
