//! Which language a request gets, and remembering a person's choice.
//!
//! Order: `?LANG=` on this request > the language cookie (set by an earlier `?LANG=`, or from
//! the person's `LASTLANG` when they signed in) > `Accept-Language` > English. A `?LANG=` for
//! a language without pages changes nothing.
//!
//! `LASTLANG` is written when a signed-in person picks a language, and when someone signs in
//! after picking one; it is read only once a sign-in succeeded. The sign-in pages themselves
//! never depend on who is signing in, so an unknown and a known user ID get the same page.

use super::{Lang, RequestLang};
use crate::cookies::CookieKind;
use crate::session;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{RepoError, UserStatRepo};
use latchkey_core::userstat::UserStatTag;
use time::OffsetDateTime;

/// How long the language cookie lasts (a year, in seconds).
const COOKIE_AGE: i64 = 365 * 24 * 3600;

/// The middleware: picks the language, runs the request in it, remembers a new choice.
pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let asked = request
        .uri()
        .query()
        .and_then(lang_param)
        .as_deref()
        .and_then(Lang::parse);
    let cookie = app
        .cookies
        .get(headers, CookieKind::Lang)
        .as_deref()
        .and_then(Lang::parse);
    let lang = asked
        .or(cookie)
        .or_else(|| accepted(headers))
        .unwrap_or_default();
    if let Some(chosen) = asked {
        remember_if_signed_in(&app, headers, chosen).await;
    }
    let choice = RequestLang {
        lang,
        explicit: asked.or(cookie).is_some(),
        path: switch_path(request.uri().path()),
    };
    let mut response = super::scope(choice, next.run(request)).await;
    if let Some(chosen) = asked
        && asked != cookie
    {
        append_cookie(&app, &mut response, chosen);
    }
    response
}

/// The value of `LANG` in a query string.
fn lang_param(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "LANG")
        .map(|(_, v)| v.into_owned())
}

/// The path the switch links to: the request's, unless it could be read as another site's.
fn switch_path(path: &str) -> String {
    if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

/// The first language with pages in `Accept-Language`, by quality (ties keep their order).
pub fn accepted(headers: &HeaderMap) -> Option<Lang> {
    let mut ranked: Vec<(u16, Lang)> = headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let lang = Lang::parse(parts.next()?)?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            // Thousandths, so the sort is on integers.
            let q = (q.clamp(0.0, 1.0) * 1000.0) as u16;
            (q > 0).then_some((q, lang))
        })
        .collect();
    ranked.sort_by_key(|(q, _)| std::cmp::Reverse(*q));
    ranked.first().map(|(_, l)| *l)
}

fn append_cookie(app: &AppState, response: &mut Response, lang: Lang) {
    let value = app
        .cookies
        .set(CookieKind::Lang, lang.code(), Some(COOKIE_AGE));
    if let Ok(v) = value.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn remember_if_signed_in(app: &AppState, headers: &HeaderMap, lang: Lang) {
    let result = async {
        if let Some(s) = session::current(&app.store, &app.cookies, headers).await? {
            record(app, s.profile.id, lang.code()).await?;
        }
        Ok::<(), RepoError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not remember the chosen language");
    }
}

async fn record(app: &AppState, profile: ProfileId, tag: &str) -> Result<(), RepoError> {
    let now = OffsetDateTime::now_utc();
    app.store
        .set_userstat(profile, &UserStatTag::LastLang, tag, now)
        .await
}

/// At a successful sign-in: remembers the language asked for in the flow (`?LANG=` when it
/// began, any tag) or picked in this browser as the person's `LASTLANG`; without either,
/// returns the `Set-Cookie` that puts their pages in their `LASTLANG`.
pub async fn on_sign_in(
    app: &AppState,
    profile: ProfileId,
    flow_lang: Option<&str>,
) -> Result<Option<String>, RepoError> {
    let cookie = |l: Lang| {
        app.cookies
            .set(CookieKind::Lang, l.code(), Some(COOKIE_AGE))
    };
    if let Some(tag) = flow_lang
        .filter(|l| l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
    {
        record(app, profile, tag).await?;
        return Ok(Lang::parse(tag).map(cookie));
    }
    let here = super::current();
    if here.explicit {
        record(app, profile, here.lang.code()).await?;
        return Ok(None);
    }
    let last = app
        .store
        .userstats(profile)
        .await?
        .into_iter()
        .find(|(tag, _)| *tag == UserStatTag::LastLang)
        .and_then(|(_, v)| Lang::parse(&v));
    Ok(last.map(cookie))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> Option<Lang> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(v));
        accepted(&h)
    }

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(accept("fr-CH, fr;q=0.9, en;q=0.8"), Some(Lang::Fr));
        assert_eq!(accept("de, en;q=0.5, fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(accept("en-GB,fr"), Some(Lang::En));
        assert_eq!(accept("fr;q=0, de"), None);
        assert_eq!(accept("*"), None);
        assert_eq!(accepted(&HeaderMap::new()), None);
    }

    #[test]
    fn the_lang_parameter_and_the_switch_path() {
        assert_eq!(lang_param("a=1&LANG=fr").as_deref(), Some("fr"));
        assert_eq!(lang_param("lang=fr"), None);
        assert_eq!(switch_path("/vault"), "/vault");
        assert_eq!(switch_path("//evil.example"), "/");
        assert_eq!(switch_path("/\\evil.example"), "/");
    }
}
