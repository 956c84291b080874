//! The start page: who you are, what you may do.

use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::html;
use crate::security::csrf_token;
use crate::session;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::profile::Profile;
use latchkey_core::repo::AdminRepo;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    user: Option<Profile>,
    privileges: Vec<String>,
    csrf: String,
    outbox: bool,
    /// Member of `MPR_ADMINS` holding `mass_password_reset`: the entry to the mass reset.
    mpr: bool,
    tr: Tr,
}

/// `GET /`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let current = session::current(&state.store, &state.cookies, &headers).await?;
    // An expired password never gets here: `crate::pages::expired::gate` sends it away.
    let privileges = match &current {
        Some(s) => state
            .store
            .administrator(s.profile.id)
            .await?
            .map(|a| a.privileges.iter().map(|p| p.as_str().to_owned()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mpr = match &current {
        Some(s) => crate::pages::mpr::authorize(&state.store, s.profile.id)
            .await?
            .is_some(),
        None => false,
    };
    let (csrf, set_cookie) = csrf_token(&state.cookies, &headers);
    let body = html(&HomePage {
        user: current.map(|s| s.profile),
        privileges,
        csrf,
        outbox: state.outbox().is_some(),
        mpr,
        tr: Tr::current(),
    })?;
    let mut response = body.into_response();
    if let Some(c) = set_cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}
