//! Page handlers. Each reads input, calls the store or a decision, and renders a template;
//! none of them decides who gets in (that is [`crate::directory`] today and the chain engine
//! later).

pub mod account;
pub mod change_password;
pub mod expired;
pub mod health;
pub mod home;
pub mod mpr;
pub mod outbox;
pub mod vault;
pub mod view;

use crate::error::PageError;
use crate::i18n::Tr;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: String,
    message: &'a str,
    tr: Tr,
}

/// Renders the error page in the request's language (plain text if even that fails).
pub fn render_error_page(status: StatusCode, message: &str) -> Response {
    let tr = Tr::current();
    let id = match status {
        StatusCode::BAD_REQUEST => "status-bad-request",
        StatusCode::FORBIDDEN => "status-forbidden",
        StatusCode::NOT_FOUND => "status-not-found",
        StatusCode::SERVICE_UNAVAILABLE => "status-service-unavailable",
        StatusCode::INTERNAL_SERVER_ERROR => "status-internal-server-error",
        _ => "",
    };
    let title = match (id, status.canonical_reason()) {
        ("", Some(reason)) => tr.localize(reason),
        ("", None) => tr.t("status-error"),
        (id, _) => tr.t(id),
    };
    let message = &tr.localize(message);
    match (ErrorPage { title, message, tr }).render() {
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

/// Where the icon linked from every page lives.
pub const FAVICON_SVG: &str = "/static/favicon.svg";

/// The site icon (an SVG, compiled in), linked from the base template.
pub async fn favicon_svg() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
        .into_response()
}

/// `/favicon.ico`, which browsers ask for on their own: nothing to send (the pages link the
/// SVG icon), said with `204` and cached, so it neither shows as a 404 in logs nor repeats.
pub async fn favicon_ico() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "public, max-age=86400")],
    )
        .into_response()
}

/// Renders a template into an HTML answer.
pub fn html<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    Ok(Html(page.render()?))
}
pub mod sessions;
