//! Latchkey's outgoing messages: sign-in notices, PINs, reset links, password-change notices
//! and test messages, by mail or as text messages.
//!
//! A caller renders the text from [`templates`] (per kind and language, with operator
//! overrides), builds an [`OutgoingMessage`] whose `to` names the channel ([`Recipient`]: an
//! address, or `sms:<number>[;carrier=<id>]`), and a [`Courier`] delivers it: mail through the
//! [`Mailer`], text messages through the [`HttpSmsGateway`] or, when the carrier is known, as a
//! short mail to the carrier's email-to-SMS address ([`CarrierTable`]). The server puts messages
//! on a durable queue first and a worker calls the courier (`latchkey_server::outgoing`).
//! [`webhook`] makes one HTTP call to an operator's webhook (post actions after a reset).
//!
//! The [`Mailer`] is made from the configuration once at startup ([`Mailer::from_config`]):
//!
//! - [`Outbox`] (demo mode, `outbox = "..."`): each message becomes one JSON line in a file, which
//!   a demo page reads back newest first.
//! - [`SmtpMailer`] (`[smtp]`): real delivery through lettre's pooled async SMTP transport,
//!   STARTTLS, implicit TLS or plain, with optional AUTH and an extra CA for private relays.
//! - [`Mailer::Disabled`]: neither is configured; [`Mailer::send`] says so with
//!   [`NotifyError::Disabled`], and [`Mailer::is_enabled`] lets callers hide mail features.
//!
//! Every path refuses line breaks in the recipient and subject (header injection) before
//! anything is written or sent. Bodies are never logged and never appear in errors: they carry
//! secrets. Failures are sorted into [`NotifyError`] variants an operator can act on: the server
//! is unreachable ([`Unavailable`](NotifyError::Unavailable), worth retrying), refused the
//! message ([`Rejected`](NotifyError::Rejected), with the SMTP code), TLS failed, or the settings
//! are wrong.

mod courier;
mod error;
mod message;
mod outbox;
mod recipient;
mod sms_email;
mod sms_http;
mod smtp;
pub mod templates;
pub mod webhook;

use std::path::Path;

use latchkey_config::SmtpConfig;

pub use courier::Courier;
pub use error::NotifyError;
pub use message::{MessageKind, OutgoingMessage, StoredMessage};
pub use outbox::Outbox;
pub use recipient::{PhoneNumber, Recipient};
pub use sms_email::{CarrierTable, NAMESPACE as SMS_EMAIL_NAMESPACE};
pub use sms_http::{HttpSmsGateway, NAMESPACE as SMS_HTTP_NAMESPACE};
pub use smtp::{MAX_IN_FLIGHT, SmtpMailer};

/// Where messages go: chosen once from the configuration. Cheap to clone; clones share the
/// outbox lock and the SMTP connection pool.
#[derive(Clone, Debug)]
pub enum Mailer {
    /// Demo mode: append to a file.
    Outbox(Outbox),
    /// Send through an SMTP server.
    Smtp(SmtpMailer),
    /// Mail is not configured.
    Disabled,
}

impl Mailer {
    /// Picks the delivery the configuration asks for: `outbox` (demo), `[smtp]`, or neither.
    ///
    /// Checks what can be checked offline (outbox path writable, sender address, CA file);
    /// it does not connect to the mail server. Both set at once is a configuration error.
    pub fn from_config(
        outbox: Option<&Path>,
        smtp: Option<&SmtpConfig>,
    ) -> Result<Mailer, NotifyError> {
        match (outbox, smtp) {
            (Some(_), Some(_)) => Err(NotifyError::Config(
                "both `outbox` and [smtp] are set; use `outbox` for a demo or [smtp] to send \
                 real mail, not both"
                    .into(),
            )),
            (Some(path), None) => Ok(Mailer::Outbox(Outbox::open(path)?)),
            (None, Some(config)) => Ok(Mailer::Smtp(SmtpMailer::new(config)?)),
            (None, None) => Ok(Mailer::Disabled),
        }
    }

    /// Whether messages go anywhere.
    pub fn is_enabled(&self) -> bool {
        !matches!(self, Mailer::Disabled)
    }

    /// Delivers one message: written to the outbox, or accepted by the SMTP server.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), NotifyError> {
        match self {
            Mailer::Outbox(outbox) => outbox.send(message).await,
            Mailer::Smtp(smtp) => smtp.send(message).await,
            Mailer::Disabled => {
                message.validate()?;
                Err(NotifyError::Disabled)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_config::SmtpSecurity;
    use secrecy::SecretString;

    fn smtp(from: &str) -> SmtpConfig {
        SmtpConfig {
            host: "mail.example.com".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: None,
            password: Some(SecretString::from("s3cret-pw")),
            from: from.into(),
            timeout_secs: 10,
            ca_file: None,
        }
    }

    fn message() -> OutgoingMessage {
        OutgoingMessage {
            to: "a@example.com".into(),
            subject: "Hi".into(),
            body_text: "text".into(),
            kind: MessageKind::Test,
        }
    }

    #[test]
    fn from_config_picks_the_delivery() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox.jsonl");
        assert!(matches!(
            Mailer::from_config(Some(&outbox), None).unwrap(),
            Mailer::Outbox(_)
        ));
        assert!(matches!(
            Mailer::from_config(None, Some(&smtp("noreply@example.com"))).unwrap(),
            Mailer::Smtp(_)
        ));
        let disabled = Mailer::from_config(None, None).unwrap();
        assert!(matches!(disabled, Mailer::Disabled));
        assert!(!disabled.is_enabled());
    }

    #[test]
    fn from_config_reports_unusable_settings() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox.jsonl");
        let cfg = smtp("noreply@example.com");
        let err = Mailer::from_config(Some(&outbox), Some(&cfg)).unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");

        let err = Mailer::from_config(None, Some(&smtp("not an address"))).unwrap_err();
        assert!(matches!(err, NotifyError::Config(_)), "{err}");
        assert!(err.to_string().contains("smtp.from"), "{err}");
        assert!(!err.to_string().contains("s3cret"), "{err}");

        std::fs::write(dir.path().join("file"), "").unwrap();
        let err = Mailer::from_config(Some(&dir.path().join("file/outbox.jsonl")), None);
        assert!(matches!(err, Err(NotifyError::Io { .. })), "{err:?}");
    }

    #[tokio::test]
    async fn a_disabled_mailer_says_so() {
        let err = Mailer::Disabled.send(&message()).await.unwrap_err();
        assert!(matches!(err, NotifyError::Disabled), "{err}");
        assert!(err.to_string().contains("set [smtp]"), "{err}");
    }

    #[tokio::test]
    async fn header_injection_is_refused_before_delivery() {
        let mut bad = message();
        bad.to = "a@example.com\nBcc: b@example.com".into();
        let mailer = Mailer::from_config(None, Some(&smtp("noreply@example.com"))).unwrap();
        // mail.example.com is never contacted: validation comes first.
        let err = mailer.send(&bad).await.unwrap_err();
        assert!(
            matches!(
                err,
                NotifyError::InvalidMessage {
                    field: "recipient",
                    ..
                }
            ),
            "{err}"
        );
        let err = Mailer::Disabled.send(&bad).await.unwrap_err();
        assert!(matches!(err, NotifyError::InvalidMessage { .. }), "{err}");
    }
}
