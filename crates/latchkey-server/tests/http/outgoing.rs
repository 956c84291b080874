//! The durable message queue end to end, on SQLite and PostgreSQL, with a real SMTP sink:
//! sealed bodies at rest, an outage that changes no answer and is recovered from, several
//! workers that never send a message twice, the retry budget and dead letters (mail and the
//! HTTP SMS gateway), and direct delivery without a master key.

mod node;

use crate::client::Browser;
use latchkey_core::repo::SettingsRepo;
use latchkey_core::repo_queue::RetryPolicy;
use latchkey_core::secretbox::Sealed;
use latchkey_core::settings::SettingRow;
use latchkey_notify::{MessageKind, OutgoingMessage};
use latchkey_server::outgoing::{self, QueueOptions};
use latchkey_testkit::{Database, SmtpSink};
use node::{Node, Shared, dead_port, rows, wait_rows};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PASSWORD: &str = "correct horse battery";
const PIN_BODY: &str = "Votre code : 482913\n.\nÇa expire dans 10 minutes.\n";

/// Runs `$body` with `$db` set to each database.
macro_rules! on_both_dbs {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = Database::Sqlite;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $db = Database::Postgres;
                $body
            }
        }
    };
}

fn mail(to: &str, subject: &str, body: &str, kind: MessageKind) -> OutgoingMessage {
    OutgoingMessage {
        to: to.into(),
        subject: subject.into(),
        body_text: body.into(),
        kind,
    }
}

on_both_dbs!(
    queued_mail_is_sealed_at_rest_and_an_outage_changes_no_answer,
    |db| {
        let sink = SmtpSink::start().unwrap();
        let shared = Shared::new(db, true);
        let node = Node::start(&shared, sink.port(), true).await;
        node.add_user("alice", PASSWORD).await;

        let up = Browser::new(&node.url).sign_in("alice", PASSWORD).await;
        assert_eq!(up.status, 303, "{}", up.body);
        let mails = sink.wait_for(1, Duration::from_secs(20)).unwrap();
        assert_eq!(mails.len(), 1, "{mails:?}");
        assert_eq!(mails[0].to, ["alice@example.org"]);
        assert_eq!(mails[0].subject, "New sign-in to your account");
        assert!(
            mails[0].body.contains("signed in to your account (alice)"),
            "{}",
            mails[0].body
        );
        let sent = wait_rows(&shared.database_url, |r| {
            r.iter().all(|r| r.state == "sent")
        })
        .await;
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].body, "", "a sent message kept its body");

        // The mail server goes away: the same answer, and the messages wait, sealed.
        sink.stop().unwrap();
        let down = Browser::new(&node.url).sign_in("alice", PASSWORD).await;
        assert_eq!((down.status, &down.body), (up.status, &up.body));
        assert_eq!(down.headers.get("location"), up.headers.get("location"));
        outgoing::send(
            &node.state,
            mail(
                "pin@example.org",
                "Your verification code",
                PIN_BODY,
                MessageKind::Pin,
            ),
        );
        let waiting = wait_rows(&shared.database_url, |r| {
            r.len() == 3
                && r.iter()
                    .filter(|r| r.state == "pending")
                    .all(|r| r.attempts >= 1 && r.last_error.is_some())
        })
        .await;
        let pending: Vec<_> = waiting.iter().filter(|r| r.state == "pending").collect();
        assert_eq!(pending.len(), 2, "{waiting:?}");
        let key = node.state.master_key.as_ref().unwrap();
        let opener = key.secret_box(outgoing::SEAL_PURPOSE).unwrap();
        for row in &pending {
            assert!(row.body.starts_with("v1."), "{row:?}");
            assert!(
                !row.body.contains("482913") && !row.body.contains("alice"),
                "{row:?}"
            );
            assert!(
                row.last_error.as_deref().unwrap().contains("unavailable"),
                "{row:?}"
            );
            let sealed = Sealed::parse(&row.body).unwrap();
            let clear = opener.open(&sealed, row.id.as_bytes()).unwrap();
            let clear = String::from_utf8(clear.to_vec()).unwrap();
            match row.kind.as_str() {
                "pin" => {
                    assert_eq!(clear, PIN_BODY);
                    assert_eq!(row.channel, "email");
                    assert_eq!(row.subject, "Your verification code");
                }
                _ => assert!(clear.contains("(alice)"), "{clear}"),
            }
            // Bound to its row: the id is the associated data.
            assert!(opener.open(&sealed, b"another-row").is_err());
        }

        // Back up: the worker's retry delivers both, the PIN intact.
        sink.start_again().unwrap();
        let mails = sink.wait_for(3, Duration::from_secs(30)).unwrap();
        assert_eq!(mails.len(), 3, "{mails:?}");
        let pin = mails.iter().find(|m| m.to == ["pin@example.org"]).unwrap();
        assert_eq!(pin.body, PIN_BODY);
        let done = wait_rows(&shared.database_url, |r| {
            r.iter().all(|r| r.state == "sent")
        })
        .await;
        assert!(
            done.iter().all(|r| r.state == "sent" && r.body.is_empty()),
            "{done:?}"
        );

        let metrics = reqwest::get(format!("{}/metrics", node.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for expected in [
            "latchkey_messages_total",
            "result=\"retry\"",
            "latchkey_message_queue_depth",
        ] {
            assert!(
                metrics.contains(expected),
                "{expected} missing from:\n{metrics}"
            );
        }
    }
);

/// Sends `count` messages through `senders` in turn and waits for them at the sink; returns
/// the subjects received and the messages per second.
async fn pump(sink: &SmtpSink, senders: &[&Node], count: usize) -> (Vec<String>, f64) {
    let start = Instant::now();
    for n in 0..count {
        let node = senders[n % senders.len()];
        let subject = format!("Bulk {n}");
        outgoing::send(
            &node.state,
            mail(
                &format!("bulk{n}@example.org"),
                &subject,
                "PIN 000000\n",
                MessageKind::Pin,
            ),
        );
    }
    let mails = sink.wait_for(count, Duration::from_secs(120)).unwrap();
    let rate = mails.len() as f64 / start.elapsed().as_secs_f64();
    (mails.into_iter().map(|m| m.subject).collect(), rate)
}

on_both_dbs!(workers_on_one_database_send_each_message_once, |db| {
    const COUNT: usize = 300;
    let sink = SmtpSink::start().unwrap();
    let shared = Shared::new(db, true);
    // Two nodes on one database: A serves (and so runs a worker), B runs two workers.
    let a = Node::start(&shared, sink.port(), true).await;
    let b = Node::start(&shared, sink.port(), false).await;
    let _w1 = outgoing::spawn_worker(b.state.clone());
    let _w2 = outgoing::spawn_worker(b.state.clone());
    let (subjects, rate) = pump(&sink, &[&a, &b], COUNT).await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let all = sink.messages().unwrap();
    assert_eq!(all.len(), COUNT, "sent {} for {COUNT} messages", all.len());
    let distinct: BTreeSet<_> = subjects.iter().collect();
    assert_eq!(distinct.len(), COUNT);
    let rows = wait_rows(&shared.database_url, |r| {
        r.iter().all(|r| r.state == "sent")
    })
    .await;
    assert_eq!(rows.len(), COUNT);
    assert!(
        rows.iter().all(|r| r.attempts == 1),
        "a message was claimed twice"
    );
    eprintln!("{db:?}: {COUNT} messages, 3 workers x 10 in flight: {rate:.0} messages/s");
});

on_both_dbs!(one_worker_with_ten_in_flight_throughput, |db| {
    const COUNT: usize = 300;
    let sink = SmtpSink::start().unwrap();
    let shared = Shared::new(db, true);
    let node = Node::start(&shared, sink.port(), true).await;
    let (subjects, rate) = pump(&sink, &[&node], COUNT).await;
    assert_eq!(subjects.len(), COUNT);
    eprintln!("{db:?}: {COUNT} messages, 1 worker x 10 in flight: {rate:.0} messages/s");
    assert!(
        rate > 30.0,
        "the queue does not keep several sends in flight: {rate:.0}/s"
    );
});

/// A loopback SMS gateway recording the request line of every call and answering each with
/// the status `answer` gives for that line.
pub(crate) async fn recording_gateway(answer: fn(&str) -> u16) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            BufReader::new(read).read_line(&mut line).await.unwrap();
            let status = answer(&line);
            log.lock().unwrap().push(line);
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = write.write_all(answer.as_bytes()).await;
        }
    });
    (port, seen)
}

/// A gateway that answers 400 for numbers ending in 400 and 503 otherwise; counts requests.
async fn refusing_gateway() -> (u16, Arc<Mutex<Vec<String>>>) {
    recording_gateway(|line| {
        if line.contains("400 HTTP") || line.contains("400&") {
            400
        } else {
            503
        }
    })
    .await
}

on_both_dbs!(
    retries_stop_after_the_budget_and_dead_letters_keep_the_error,
    |db| {
        let shared = Shared::new(db, true);
        let node = Node::start(&shared, dead_port(), false).await;
        let (gateway, requests) = refusing_gateway().await;
        node.store
            .add_setting(&SettingRow {
                namespace: "SMS_HTTP_GATEWAY".into(),
                setting: "URL".into(),
                value: format!("http://127.0.0.1:{gateway}/send?to={{to}}"),
            })
            .await
            .unwrap();
        node.store
            .add_setting(&SettingRow {
                namespace: "SMS_HTTP_GATEWAY".into(),
                setting: "METHOD".into(),
                value: "GET".into(),
            })
            .await
            .unwrap();
        let options = QueueOptions {
            retry: RetryPolicy {
                first_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
                max_attempts: 3,
            },
            poll: Duration::from_millis(20),
            ..QueueOptions::default()
        };
        let _worker = outgoing::spawn_worker_with(node.state.clone(), options);
        for to in ["nobody@example.org", "sms:+15550000400", "sms:+15550000503"] {
            outgoing::send(
                &node.state,
                mail(to, "Your verification code", PIN_BODY, MessageKind::Pin),
            );
        }
        let rows = wait_rows(&shared.database_url, |r| {
            r.len() == 3 && r.iter().all(|r| r.state == "dead")
        })
        .await;
        let by_recipient = |to: &str| rows.iter().find(|r| r.recipient == to).unwrap();
        let smtp = by_recipient("nobody@example.org");
        assert_eq!(
            (smtp.state.as_str(), smtp.attempts),
            ("dead", 3),
            "{smtp:?}"
        );
        assert!(
            smtp.last_error.as_deref().unwrap().contains("unavailable"),
            "{smtp:?}"
        );
        let refused = by_recipient("sms:+15550000400");
        assert_eq!(refused.channel, "sms_http");
        assert_eq!(
            (refused.state.as_str(), refused.attempts),
            ("dead", 1),
            "4xx is final"
        );
        assert!(
            refused.last_error.as_deref().unwrap().contains("HTTP 400"),
            "{refused:?}"
        );
        let busy = by_recipient("sms:+15550000503");
        assert_eq!(
            (busy.state.as_str(), busy.attempts),
            ("dead", 3),
            "5xx is retried"
        );
        assert!(
            busy.last_error.as_deref().unwrap().contains("HTTP 503"),
            "{busy:?}"
        );
        for row in &rows {
            assert_eq!(row.body, "", "a dead letter kept its body: {row:?}");
            assert!(
                !row.last_error.as_deref().unwrap().contains("482913"),
                "{row:?}"
            );
        }
        let requests = requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 4, "{requests:?}");
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_master_key_mail_is_sent_directly_and_nothing_is_stored() {
    let sink = SmtpSink::start().unwrap();
    let shared = Shared::new(Database::Sqlite, false);
    let node = Node::start(&shared, sink.port(), true).await;
    assert!(node.state.master_key.is_none());
    outgoing::send(
        &node.state,
        mail(
            "pin@example.org",
            "Your verification code",
            PIN_BODY,
            MessageKind::Pin,
        ),
    );
    let mails = sink.wait_for(1, Duration::from_secs(20)).unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].body, PIN_BODY);
    assert!(rows(&shared.database_url).await.is_empty());
    let _ = &shared.dir;
}

on_both_dbs!(
    a_gateway_configured_after_the_worker_started_is_used_at_once,
    |db| {
        let shared = Shared::new(db, true);
        let node = Node::start(&shared, dead_port(), false).await;
        let options = QueueOptions {
            retry: RetryPolicy {
                first_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
                max_attempts: 2,
            },
            poll: Duration::from_millis(20),
            ..QueueOptions::default()
        };
        assert!(options.settings_refresh >= Duration::from_secs(30));
        let _worker = outgoing::spawn_worker_with(node.state.clone(), options);
        // No gateway yet: the worker has its courier, and the text message is a dead letter
        // that says why.
        let pin = |to: &str| mail(to, "Your verification code", PIN_BODY, MessageKind::Pin);
        outgoing::send(&node.state, pin("sms:+15550000201"));
        let first = wait_rows(&shared.database_url, |r| {
            r.len() == 1 && r.iter().all(|r| r.state == "dead")
        })
        .await;
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].state, "dead", "{first:?}");
        assert!(
            first[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("no HTTP SMS gateway"),
            "{first:?}"
        );
        // The gateway is configured well within `settings_refresh`: the next text message
        // reaches it (this gateway answers 503, so it ends as a dead letter of HTTP 503).
        let (gateway, requests) = refusing_gateway().await;
        for (setting, value) in [
            ("URL", format!("http://127.0.0.1:{gateway}/send?to={{to}}")),
            ("METHOD", "GET".to_owned()),
        ] {
            node.store
                .add_setting(&SettingRow {
                    namespace: "SMS_HTTP_GATEWAY".into(),
                    setting: setting.into(),
                    value,
                })
                .await
                .unwrap();
        }
        outgoing::send(&node.state, pin("sms:+15550000503"));
        let rows = wait_rows(&shared.database_url, |r| {
            r.len() == 2 && r.iter().all(|r| r.state == "dead")
        })
        .await;
        let second = rows
            .iter()
            .find(|r| r.recipient == "sms:+15550000503")
            .unwrap();
        assert!(
            second.last_error.as_deref().unwrap().contains("HTTP 503"),
            "{rows:?}"
        );
        assert!(
            requests
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("15550000503")),
            "the gateway saw nothing"
        );
    }
);
