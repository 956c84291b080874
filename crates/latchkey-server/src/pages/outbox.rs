//! `/outbox`: the demo's mail, newest first. Mounted only in outbox mode.

use crate::error::PageError;
use crate::pages::html;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

/// One message as shown.
struct ShownMessage {
    at: String,
    to: String,
    subject: String,
    body: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    /// Translates the page's texts (the mail itself is shown as sent).
    tr: crate::i18n::Tr,
    messages: Vec<ShownMessage>,
}

/// `GET /outbox`.
pub async fn page(State(state): State<AppState>) -> Result<Response, PageError> {
    let Some(outbox) = state.outbox() else {
        return Err(PageError::NotFound);
    };
    let messages = outbox
        .read_newest_first(200)
        .await
        .map_err(|e| PageError::Internal(format!("outbox: {e}")))?
        .into_iter()
        .map(|m| ShownMessage {
            at: m
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            to: m.message.to,
            subject: m.message.subject,
            body: m.message.body_text,
        })
        .collect();
    Ok(html(&OutboxPage {
        tr: crate::i18n::Tr::current(),
        messages,
    })?
    .into_response())
}
