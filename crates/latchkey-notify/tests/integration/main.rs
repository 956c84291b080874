//! Integration tests of SMTP delivery: against a real SMTP server (aiosmtpd through
//! `latchkey_testkit::SmtpSink`) and against scripted fake servers for the failures a real one
//! will not produce on demand (silence, 4xx and 5xx replies); text messages through an HTTP
//! gateway and email-to-SMS.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod fake;
mod sink;
mod sms;

use latchkey_config::{SmtpConfig, SmtpSecurity};
use latchkey_notify::{MessageKind, OutgoingMessage};

/// Settings for a server on 127.0.0.1, without AUTH.
pub fn smtp_config(port: u16, security: SmtpSecurity, timeout_secs: u32) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security,
        username: None,
        password: None,
        from: "Latchkey <noreply@example.com>".into(),
        timeout_secs,
        ca_file: None,
    }
}

/// A message whose subject and body need encoding: non-ASCII, a long line, a lone dot.
pub fn message(to: &str, subject: &str) -> OutgoingMessage {
    OutgoingMessage {
        to: to.into(),
        subject: subject.into(),
        body_text: format!(
            "Hallo Jürgen,\n\nyour PIN is 424242.\n.\n{}\nLatchkey\n",
            "long line ".repeat(12)
        ),
        kind: MessageKind::SignInNotice,
    }
}
