//! Step-up for sensitive pages: some pages want a *fresh* sign-in, not just a live session.
//!
//! Starting or steering a mass password reset and revealing a vault secret are allowed only
//! when the session was created — the person passed the whole login chain — within
//! [`FRESH_FOR`]. Every sign-in creates a new session, so signing in again makes the session
//! fresh; a stale one is sent to `/login?USERID=…&next=…`, which brings the person back to the
//! page once they are through.
//!
//! `next` is where a sign-in ends. Only a same-origin path is followed ([`safe_next`]): it must
//! start with a single `/`, and hold no backslash, space or control character, because browsers
//! read `/\evil.example` and `/<TAB>/evil.example` as `//evil.example`, another site.

use crate::error::PageError;
use crate::session::{self, CurrentSession};
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{RepoError, SessionRepo};
use time::{Duration, OffsetDateTime};

/// How long after signing in a session counts as fresh.
pub const FRESH_FOR: Duration = Duration::minutes(5);
/// How far a session's start may lie in the future (clocks of two nodes differ a little).
const CLOCK_SKEW: Duration = Duration::minutes(1);

/// A signed-in person and when they signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their session.
    pub session: CurrentSession,
    /// When the session was created (the end of their login chain).
    pub signed_in_at: OffsetDateTime,
}

impl SignedIn {
    /// Whether they signed in within [`FRESH_FOR`] of `now`.
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        is_fresh(self.signed_in_at, now)
    }
}

/// Whether a sign-in at `signed_in_at` is fresh at `now`.
pub fn is_fresh(signed_in_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    let age = now - signed_in_at;
    age >= -CLOCK_SKEW && age <= FRESH_FOR
}

/// The signed-in person of a request, with the start of their session.
pub async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<SignedIn>, RepoError> {
    let Some(session) = session::current(&state.store, &state.cookies, headers).await? else {
        return Ok(None);
    };
    let record = state
        .store
        .session(&session.hash, OffsetDateTime::now_utc())
        .await?;
    Ok(record.map(|r| SignedIn {
        session,
        signed_in_at: r.created_at,
    }))
}

/// `raw` when it is a path on this site, `None` otherwise.
pub fn safe_next(raw: &str) -> Option<&str> {
    let mut chars = raw.chars();
    let local = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && raw.chars().all(|c| c.is_ascii_graphic() && c != '\\');
    local.then_some(raw)
}

/// The sign-in page for `login`, coming back to `next` afterwards.
pub fn login_location(login: Option<&LoginId>, next: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(login) = login {
        query.append_pair("USERID", &login.to_string());
    }
    if let Some(next) = safe_next(next) {
        query.append_pair("next", next);
    }
    let query = query.finish();
    if query.is_empty() {
        "/login".to_owned()
    } else {
        format!("/login?{query}")
    }
}

/// Why a gated page is not shown.
#[derive(Debug)]
pub enum Refusal {
    /// An error page (404 for a feature the person may not know about).
    Page(PageError),
    /// Sign in (again) first; then continue at this `/login?…` address.
    SignIn(String),
}

impl Refusal {
    /// Sign in again as `login`, then come back to `next`.
    pub fn sign_in_again(login: &LoginId, next: &str) -> Self {
        Self::SignIn(login_location(Some(login), next))
    }
}

impl From<PageError> for Refusal {
    fn from(e: PageError) -> Self {
        Self::Page(e)
    }
}

impl From<RepoError> for Refusal {
    fn from(e: RepoError) -> Self {
        Self::Page(e.into())
    }
}

impl From<askama::Error> for Refusal {
    fn from(e: askama::Error) -> Self {
        Self::Page(e.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(e) => e.into_response(),
            // Built by `login_location`: form-encoded, so always a valid header value.
            Refusal::SignIn(location) => Redirect::to(&location).into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_followed_only_to_paths_of_this_site() {
        for ok in ["/", "/admin/mpr", "/admin/mpr/0193-x?a=b&c=%2F", "/vault"] {
            assert_eq!(safe_next(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "admin",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/ /x",
            "/a\\b",
            "/a\nb",
            "https://evil.example",
            "javascript:alert(1)",
            "/é",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_session_is_fresh_for_five_minutes() {
        let start = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        assert!(is_fresh(start, start));
        assert!(is_fresh(start, start + Duration::minutes(5)));
        assert!(!is_fresh(
            start,
            start + Duration::minutes(5) + Duration::seconds(1)
        ));
        assert!(is_fresh(start, start - Duration::seconds(30)));
        assert!(!is_fresh(start, start - Duration::minutes(2)));
    }

    #[test]
    fn the_login_address_carries_the_user_and_a_safe_next() {
        let login = LoginId::new("ann.lee").unwrap();
        assert_eq!(
            login_location(Some(&login), "/admin/mpr"),
            "/login?USERID=ann.lee&next=%2Fadmin%2Fmpr"
        );
        assert_eq!(login_location(None, "//evil.example"), "/login");
        assert_eq!(login_location(None, "/vault"), "/login?next=%2Fvault");
    }
}
