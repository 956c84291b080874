//! Page handlers. Each reads input, calls the store or a decision, and renders a template;
//! none of them decides who gets in (that is [`crate::directory`] today and the chain engine
//! later).

pub mod account;
pub mod change_password;
pub mod health;
pub mod home;
pub mod mpr;
pub mod outbox;
pub mod vault;
pub mod view;

use crate::error::PageError;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// Renders the error page (plain text if even that fails).
pub fn render_error_page(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    match (ErrorPage { title, message }).render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => message.to_owned().into_response(),
    }
}

/// Any unknown path.
pub async fn not_found() -> PageError {
    PageError::NotFound
}

/// The one stylesheet, compiled in.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/latchkey.css"),
    )
        .into_response()
}

/// Renders a template into an HTML answer.
pub fn html<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    Ok(Html(page.render()?))
}
pub mod sessions;
