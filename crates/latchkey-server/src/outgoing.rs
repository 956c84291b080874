//! Sending mail and SMS without making anyone wait for it.
//!
//! Handlers hand a message to [`send`] and answer at once; delivery happens in the background,
//! so a slow or failing mail server never changes what a person sees (and never tells an
//! anonymous visitor whether an address exists). A failure is logged without the message body,
//! which may carry a PIN or a link.

use crate::state::AppState;
use latchkey_notify::OutgoingMessage;

/// Delivers `message` in the background.
pub fn send(app: &AppState, message: OutgoingMessage) {
    if !app.mailer.is_enabled() {
        tracing::warn!(
            kind = message.kind.as_str(),
            "no mail is configured; a message was not sent"
        );
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(e) = app.mailer.send(&message).await {
            tracing::warn!(kind = message.kind.as_str(), error = %e, "could not send a message");
        }
    });
}
