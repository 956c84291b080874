//! The one place where errors become HTTP answers.
//!
//! A person gets a short message that says what went wrong and what to do; the log gets the
//! cause. Database text, hashes and secrets never reach a page.

use crate::directory::DirectoryError;
use crate::pages::render_error_page;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::repo::RepoError;

/// An error a page handler returns.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The request was malformed; the message is safe to show.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request is not allowed (bad CSRF token, foreign origin, missing privilege).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Nothing here.
    #[error("not found")]
    NotFound,
    /// The database or another dependency is down.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<RepoError> for PageError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Unavailable(m) => PageError::Unavailable(m),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<DirectoryError> for PageError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Store(r) => r.into(),
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(format!("template: {e}"))
    }
}

impl PageError {
    fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "There is no page at this address.".into(),
            ),
            PageError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable. Please try again in a minute.".into(),
            ),
            PageError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again; if it keeps happening, tell your help desk.".into(),
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        match &self {
            PageError::Internal(detail) | PageError::Unavailable(detail) => {
                tracing::error!(status = status.as_u16(), error = %detail, "request failed");
            }
            other => tracing::info!(status = status.as_u16(), error = %other, "request refused"),
        }
        (status, render_error_page(status, &message)).into_response()
    }
}
