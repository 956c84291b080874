//! Delivery to a real SMTP server: plain, STARTTLS and SMTPS with a private CA, an outage, and
//! many messages at once.

use std::time::{Duration, Instant};

use latchkey_config::SmtpSecurity;
use latchkey_notify::{Mailer, NotifyError};
use latchkey_testkit::{ReceivedMail, SmtpSink};

use crate::{message, smtp_config};

const ARRIVAL: Duration = Duration::from_secs(10);

fn assert_delivered(mail: &ReceivedMail, to: &str, subject: &str) {
    let expected = message(to, subject);
    assert_eq!(mail.to, [to]);
    assert_eq!(mail.envelope_to, [to]);
    assert_eq!(mail.from, "noreply@example.com");
    assert_eq!(mail.subject, subject);
    assert_eq!(mail.body, expected.body_text);
    // The non-ASCII body travels in a 7-bit encoding, which the sink decoded above.
    let encoded = ["quoted-printable", "base64"].iter().any(|cte| {
        mail.raw
            .contains(&format!("Content-Transfer-Encoding: {cte}"))
    });
    assert!(encoded, "{}", mail.raw);
}

#[tokio::test]
async fn plain_smtp_delivers_to_the_sink() {
    let sink = SmtpSink::start().unwrap();
    let config = smtp_config(sink.port(), SmtpSecurity::Plaintext, 5);
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    let subject = "Neue Anmeldung – Grüße";
    mailer
        .send(&message("jurgen@example.com", subject))
        .await
        .unwrap();
    let mails = sink.wait_for(1, ARRIVAL).unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_delivered(&mails[0], "jurgen@example.com", subject);
}

#[tokio::test]
async fn starttls_and_smtps_trust_the_private_ca_from_ca_file() {
    let sink = SmtpSink::start_with_tls().unwrap();
    let mut config = smtp_config(sink.port(), SmtpSecurity::StartTls, 5);

    // Without the CA the certificate is not trusted, and nothing is sent.
    let untrusting = Mailer::from_config(None, Some(&config)).unwrap();
    let err = untrusting
        .send(&message("a@example.com", "no CA"))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Tls { .. }), "{err}");
    assert!(!err.is_retryable());

    // Skipping TLS is refused by this server (it requires STARTTLS): a permanent rejection.
    config.security = SmtpSecurity::Plaintext;
    let plain = Mailer::from_config(None, Some(&config)).unwrap();
    let err = plain
        .send(&message("a@example.com", "plain"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NotifyError::Rejected { code: 530, .. }),
        "{err}"
    );

    config.security = SmtpSecurity::StartTls;
    config.ca_file = sink.ca_pem_path();
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    mailer
        .send(&message("a@example.com", "over STARTTLS"))
        .await
        .unwrap();
    let mails = sink.wait_for(1, ARRIVAL).unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_delivered(&mails[0], "a@example.com", "over STARTTLS");

    let smtps = SmtpSink::start_with_smtps().unwrap();
    let mut config = smtp_config(smtps.port(), SmtpSecurity::Tls, 5);
    config.ca_file = smtps.ca_pem_path();
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    mailer
        .send(&message("b@example.com", "over SMTPS"))
        .await
        .unwrap();
    let mails = smtps.wait_for(1, ARRIVAL).unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_delivered(&mails[0], "b@example.com", "over SMTPS");
}

#[tokio::test]
async fn an_outage_is_reported_as_unavailable_and_recovered_from() {
    let sink = SmtpSink::start().unwrap();
    let config = smtp_config(sink.port(), SmtpSecurity::Plaintext, 3);
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();
    // The first message leaves a pooled connection behind, which the outage breaks.
    mailer
        .send(&message("a@example.com", "before"))
        .await
        .unwrap();

    sink.stop().unwrap();
    let started = Instant::now();
    let err = mailer
        .send(&message("a@example.com", "during"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < config.timeout(),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, NotifyError::Unavailable { .. }), "{err}");
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .contains(&format!("127.0.0.1:{}", sink.port())),
        "{err}"
    );

    sink.start_again().unwrap();
    mailer
        .send(&message("a@example.com", "after"))
        .await
        .unwrap();
    let subjects: Vec<_> = sink
        .wait_for(2, ARRIVAL)
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(subjects, ["before", "after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_messages_all_arrive() {
    let sink = SmtpSink::start().unwrap();
    let config = smtp_config(sink.port(), SmtpSecurity::Plaintext, 10);
    let mailer = Mailer::from_config(None, Some(&config)).unwrap();

    let started = Instant::now();
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let mailer = mailer.clone();
            tokio::spawn(async move {
                mailer
                    .send(&message(&format!("user{n}@example.com"), &format!("n{n}")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!("20 messages accepted in {elapsed:?}");

    let mails = sink.wait_for(20, ARRIVAL).unwrap();
    let mut recipients: Vec<_> = mails.iter().map(|m| m.to.join(",")).collect();
    recipients.sort();
    let mut expected: Vec<_> = (0..20).map(|n| format!("user{n}@example.com")).collect();
    expected.sort();
    assert_eq!(recipients, expected);
    for mail in &mails {
        let n = mail.subject.trim_start_matches('n');
        assert_eq!(
            mail.to,
            [format!("user{n}@example.com")],
            "mixed up: {mail:?}"
        );
        assert_eq!(mail.body, message("x@example.com", "x").body_text);
    }
}
