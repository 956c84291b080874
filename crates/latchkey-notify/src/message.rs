//! What Latchkey sends: one plain-text message to one recipient.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::NotifyError;

/// Why a message is sent. Stored in the outbox and used in logs and metrics; new kinds are added
/// as features need them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// "Someone signed in to your account."
    SignInNotice,
    /// A test message sent by an administrator to check the mail settings.
    Test,
    /// A one-time PIN for a sign-in or reset step.
    Pin,
    /// A one-time link (forgotten password).
    Link,
    /// A notice that the password was changed or reset.
    PasswordChanged,
    /// A forgotten-password reset's generated password ("send new password" recovery mode).
    NewPassword,
    /// A notice that a locked account was unlocked and its password kept ("unlock my
    /// account" in the forgotten-password service).
    AccountUnlocked,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 7] = [
        MessageKind::SignInNotice,
        MessageKind::Test,
        MessageKind::Pin,
        MessageKind::Link,
        MessageKind::PasswordChanged,
        MessageKind::NewPassword,
        MessageKind::AccountUnlocked,
    ];

    /// Back from [`as_str`](Self::as_str) (the name stored in the message queue).
    pub fn parse(name: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The name used in the outbox file and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::SignInNotice => "sign_in_notice",
            MessageKind::Test => "test",
            MessageKind::Pin => "pin",
            MessageKind::Link => "link",
            MessageKind::PasswordChanged => "password_changed",
            MessageKind::NewPassword => "new_password",
            MessageKind::AccountUnlocked => "account_unlocked",
        }
    }
}

/// One plain-text message to one recipient.
///
/// `to` is a bare address (`user@example.com`); `subject` is one line. Both go into mail headers,
/// so [`validate`](Self::validate) refuses line breaks and other control characters in them: a
/// subject such as `"Hi\r\nBcc: attacker@example.com"` would otherwise add a header.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The text. It may carry a reset link, a PIN or a new password, so it is never logged.
    pub body_text: String,
    /// Why the message is sent.
    pub kind: MessageKind,
}

impl OutgoingMessage {
    /// Refuses values that would break out of their mail header, and an empty recipient.
    pub fn validate(&self) -> Result<(), NotifyError> {
        check_header_value("recipient", &self.to)?;
        check_header_value("subject", &self.subject)?;
        if self.to.trim().is_empty() {
            return Err(NotifyError::InvalidMessage {
                field: "recipient",
                problem: "is empty",
            });
        }
        Ok(())
    }
}

/// `Debug` shows everything but the body, so a message can be logged with `?message`.
impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field(
                "body_text",
                &format_args!("[{} bytes]", self.body_text.len()),
            )
            .field("kind", &self.kind)
            .finish()
    }
}

fn check_header_value(field: &'static str, value: &str) -> Result<(), NotifyError> {
    if value.contains(['\r', '\n']) {
        return Err(NotifyError::InvalidMessage {
            field,
            problem: "contains a line break (CR or LF), which could add mail headers",
        });
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(NotifyError::InvalidMessage {
            field,
            problem: "contains a control character",
        });
    }
    Ok(())
}

/// A message as the [`Outbox`](crate::Outbox) stored it: one JSON object per line,
/// `{"at":"2026-05-01T12:00:00Z","to":...,"subject":...,"body_text":...,"kind":"test"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// When it was written, RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The message.
    #[serde(flatten)]
    pub message: OutgoingMessage,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(to: &str, subject: &str) -> OutgoingMessage {
        OutgoingMessage {
            to: to.into(),
            subject: subject.into(),
            body_text: "PIN 123456".into(),
            kind: MessageKind::Test,
        }
    }

    #[test]
    fn line_breaks_in_headers_are_refused() {
        for (to, subject, field) in [
            ("a@example.com\r\nBcc: evil@example.com", "Hi", "recipient"),
            ("a@example.com", "Hi\nBcc: evil@example.com", "subject"),
            ("a@example.com", "Hi\rthere", "subject"),
        ] {
            let err = message(to, subject).validate().unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(err, NotifyError::InvalidMessage { field: f, .. } if f == field),
                "{text}"
            );
            assert!(text.contains("line break"), "{text}");
        }
        let err = message("a@example.com", "nul\0").validate().unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
        let err = message("  ", "Hi").validate().unwrap_err();
        assert!(err.to_string().contains("recipient is empty"), "{err}");
        message("a@example.com", "Grüße\tand welcome")
            .validate()
            .unwrap();
    }

    #[test]
    fn debug_hides_the_body() {
        let shown = format!("{:?}", message("a@example.com", "Hi"));
        assert!(!shown.contains("123456"), "{shown}");
        assert!(shown.contains("[10 bytes]"), "{shown}");
    }

    #[test]
    fn stored_messages_are_flat_json_lines() {
        let stored = StoredMessage {
            at: time::macros::datetime!(2026-05-01 12:00 UTC),
            message: message("a@example.com", "Hi"),
        };
        let line = serde_json::to_string(&stored).unwrap();
        assert_eq!(
            line,
            r#"{"at":"2026-05-01T12:00:00Z","to":"a@example.com","subject":"Hi","body_text":"PIN 123456","kind":"test"}"#
        );
        assert_eq!(
            serde_json::from_str::<StoredMessage>(&line).unwrap(),
            stored
        );
    }
}
