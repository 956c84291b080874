//! The error type of message delivery.
//!
//! Messages are written for an operator reading the log. They never carry the SMTP password or a
//! message body: bodies hold reset links and PINs. What a mail server answered is kept (its first
//! line, shortened), because that is usually the one clue to a rejected message.

use std::path::PathBuf;

/// Why a message could not be delivered, or a mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The mail server could not be reached or did not answer in time, or it answered with a
    /// temporary (4xx) failure. Trying again later may work.
    #[error("the mail server {server} is unavailable: {reason}")]
    Unavailable {
        /// `host:port` of the server.
        server: String,
        /// What happened: refused, timed out, closed, or the server's 4xx reply.
        reason: String,
    },

    /// The mail server refused the message for good (a 5xx reply): unknown recipient, sender
    /// not allowed, authentication failed, message too large...
    #[error("the mail server {server} rejected the message ({code}): {reason}")]
    Rejected {
        /// `host:port` of the server.
        server: String,
        /// The SMTP reply code, e.g. 550.
        code: u16,
        /// The first line of the server's reply.
        reason: String,
    },

    /// TLS with the mail server failed: its certificate is not trusted or does not name
    /// `smtp.host`, or it does not offer STARTTLS although `smtp.security` requires it.
    #[error(
        "TLS with the mail server {server} failed: {reason}; check smtp.security, smtp.host \
         (it must match the server's certificate) and smtp.ca_file"
    )]
    Tls {
        /// `host:port` of the server.
        server: String,
        /// What the TLS layer reported.
        reason: String,
    },

    /// The server and Latchkey could not agree on the protocol: no common authentication
    /// mechanism, a malformed reply, an extension the message needs is missing.
    #[error("talking to the mail server {server} failed: {reason}")]
    Protocol {
        /// `host:port` of the server.
        server: String,
        /// What went wrong.
        reason: String,
    },

    /// The SMS gateway could not be reached, did not answer in time, or answered that it is
    /// busy or broken (HTTP 5xx, 408, 429). Trying again later may work.
    #[error("the SMS gateway {gateway} is unavailable: {reason}")]
    GatewayUnavailable {
        /// `scheme://host:port` of the gateway (never the full URL: it may carry the message).
        gateway: String,
        /// What happened.
        reason: String,
    },

    /// The SMS gateway refused the message for good (another 4xx, or a redirect, which is
    /// not followed): wrong credentials, a bad number, a request shape it does not accept.
    #[error("the SMS gateway {gateway} refused the message (HTTP {status})")]
    GatewayRejected {
        /// `scheme://host:port` of the gateway.
        gateway: String,
        /// The HTTP status.
        status: u16,
    },

    /// The mail settings cannot work (bad sender address, unreadable CA file, ...).
    #[error("mail settings: {0}")]
    Config(String),

    /// The message itself is unusable, e.g. a line break in the subject (header injection).
    #[error("the message cannot be sent: its {field} {problem}")]
    InvalidMessage {
        /// The offending field: `recipient`, `subject` or `phone number`.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },

    /// Mail is switched off: neither `[smtp]` nor `outbox` is configured.
    #[error("no mail delivery is configured: set [smtp] (or `outbox` for a demo)")]
    Disabled,

    /// Reading or writing the outbox file failed.
    #[error("{action} {}: {source}", .path.display())]
    Io {
        /// What was being done, e.g. "appending to the outbox".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl NotifyError {
    /// Whether sending the same message again later may succeed (the server or gateway was
    /// unreachable or asked to retry). Rejections, TLS and configuration problems need a person first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            NotifyError::Unavailable { .. } | NotifyError::GatewayUnavailable { .. }
        )
    }
}
