//! An expired password: the person must change it before doing anything else.
//!
//! The "send new password and mark it expired" recovery mode ([`crate::login::forgot::send`])
//! marks the internal directory's password of a profile expired with the USERSTAT tag
//! `PWDMUSTCHANGE` = `1`. The sign-in still succeeds with it (the person has to prove they
//! hold it), but [`crate::pages::account::after_sign_in`] sends them to `/account/password`
//! instead of where they were going, and [`gate`] does the same for every other signed-in
//! request for as long as the mark stays. Changing the password there (or choosing one through
//! a "set" reset) clears the mark.
//!
//! The gate is one middleware around the whole router rather than a check in each page, so a
//! page added later is covered without anyone remembering to. It lets through only the paths
//! that must work with an expired password ([`EXEMPT`]: the password page itself, sign-in and
//! sign-out, the forgotten-password service, static files and the operational endpoints) and
//! answers every other path alike, known or not, so it reveals nothing about hidden pages such
//! as the mass reset's.

use crate::error::PageError;
use crate::i18n::Tr;
use crate::session;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::UserStatRepo;
use latchkey_core::userstat::UserStatTag;
use time::OffsetDateTime;

/// The value of the tag that marks a password expired.
const EXPIRED: &str = "1";
/// The value written when the mark is cleared (the tag store has no removal).
const CURRENT: &str = "0";

/// Must the person change their password before going on?
pub async fn must_change(app: &AppState, profile: ProfileId) -> Result<bool, PageError> {
    Ok(app
        .store
        .userstats(profile)
        .await?
        .iter()
        .any(|(tag, value)| *tag == UserStatTag::PwdMustChange && value == EXPIRED))
}

/// Marks the password expired (`true`) or current (`false`).
pub async fn mark(app: &AppState, profile: ProfileId, expired: bool) -> Result<(), PageError> {
    let value = if expired { EXPIRED } else { CURRENT };
    app.store
        .set_userstat(
            profile,
            &UserStatTag::PwdMustChange,
            value,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(())
}

/// Clears the mark only when it is set (no write for everyone else's password change).
pub async fn clear(app: &AppState, profile: ProfileId) -> Result<(), PageError> {
    if must_change(app, profile).await? {
        mark(app, profile, false).await?;
    }
    Ok(())
}

/// Paths that answer as usual with an expired password: exact paths, and prefixes ending
/// in `/`.
const EXEMPT: [&str; 11] = [
    crate::pages::change_password::PATH,
    "/login",
    "/login/",
    "/logout",
    "/forgot",
    "/forgot/",
    "/healthz",
    "/metrics",
    "/static/",
    "/favicon.ico",
    "/outbox",
];

/// Is `path` one of [`EXEMPT`]?
fn exempt(path: &str) -> bool {
    EXEMPT.iter().any(|e| {
        if e.ends_with('/') {
            path.starts_with(e)
        } else {
            path == *e
        }
    })
}

/// Does the client ask for JSON rather than a page (a script polling an API)?
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            let json = accept.find("application/json");
            let html = accept.find("text/html");
            match (json, html) {
                (Some(j), Some(h)) => j < h,
                (Some(_), None) => true,
                _ => false,
            }
        })
}

/// The middleware: a signed-in person whose password is marked expired is sent to the
/// password page (`303`), or told so in a JSON `403` when they asked for JSON, on every path
/// but the [`EXEMPT`] ones. Anonymous requests and everyone else pass untouched.
pub async fn gate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if exempt(request.uri().path()) {
        return next.run(request).await;
    }
    let current = match session::current(&app.store, &app.cookies, request.headers()).await {
        Ok(current) => current,
        Err(e) => return PageError::from(e).into_response(),
    };
    let Some(current) = current else {
        return next.run(request).await;
    };
    match must_change(&app, current.profile.id).await {
        Ok(false) => next.run(request).await,
        Ok(true) if wants_json(request.headers()) => (
            StatusCode::FORBIDDEN,
            Json(serde_json::json!({
                "error": "password_change_required",
                "message": Tr::current().t("password-change-required"),
                "location": crate::pages::change_password::PATH,
            })),
        )
            .into_response(),
        Ok(true) => Redirect::to(crate::pages::change_password::PATH).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_listed_paths_are_exempt() {
        for path in [
            "/account/password",
            "/login",
            "/login/link",
            "/logout",
            "/forgot",
            "/forgot/new-password",
            "/static/latchkey.css",
            "/favicon.ico",
        ] {
            assert!(exempt(path), "{path}");
        }
        for path in [
            "/",
            "/account/password/x",
            "/account/totp",
            "/account/sessions",
            "/vault",
            "/admin/mpr",
            "/loginx",
            "/forgotten",
            "/nowhere",
        ] {
            assert!(!exempt(path), "{path}");
        }
    }

    #[test]
    fn json_is_chosen_only_when_asked_for_first() {
        let with = |accept: &str| {
            let mut h = HeaderMap::new();
            if let Ok(v) = accept.parse() {
                h.insert(header::ACCEPT, v);
            }
            h
        };
        assert!(wants_json(&with("application/json")));
        assert!(wants_json(&with("application/json, text/html;q=0.5")));
        assert!(!wants_json(&with("text/html,application/xhtml+xml,*/*")));
        assert!(!wants_json(&with("text/html, application/json")));
        assert!(!wants_json(&HeaderMap::new()));
    }
}
