//! "Where you are signed in": `GET /account/sessions` lists the signed-in person's live
//! sessions (started, ends, the browser description kept with the session) and marks the one
//! making the request; `POST /account/sessions/others` ends every other one, and
//! `POST /account/sessions/end` ends one of them.
//!
//! **Which session a form names.** The page never shows a session's stored hash. Each row
//! carries an opaque reference: the first 16 hex characters (64 bits) of SHA-256 over a fixed
//! label and the stored hash ([`reference`]). Ending one session looks that reference up
//! *among the signed-in person's own live sessions* ([`SessionRepo::sessions_of`]) and ends the
//! match; a reference that matches none of them — another person's, an expired one, made up —
//! gets the same 404 and changes nothing, so a person can never end someone else's session,
//! and the answer does not say whether the reference exists for anyone else. A keyed HMAC
//! under the master key would serve as well, but a node may run without a master key, and the
//! ownership check (not the secrecy of the reference) is what makes the action safe: the
//! reference only has to be unguessable from the page of someone else and useless anywhere
//! else. It is a one-way function of the hash, which is itself a one-way function of the
//! cookie, so it cannot be turned back into either; and because it is not the stored key, a
//! leaked page gives nothing that any other query accepts. Two sessions of one person sharing
//! a 64-bit prefix is negligible, and such an ambiguous reference is refused rather than
//! guessed.
//!
//! The current session is not ended from here (the page does not offer it; "Sign out" does
//! that), so a reference to it is refused too. Both forms carry the CSRF token. Ending
//! sessions wants a live session but not a fresh sign-in: signing out other browsers is what a
//! person does when they worry, and it only ever takes access away. Each ending is audited as
//! `session.revoke` with the number ended.
//!
//! **Recognised browsers.** The "remember this browser" cookies ([`latchkey_core::device`]) are
//! stateless: a signed cookie held only by the browser, with no record on the server. They
//! cannot be listed or forgotten one by one, so the page says so, and only tells whether *this*
//! browser is remembered and until when.

use crate::error::PageError;
use crate::pages::html;
use crate::pages::mpr::with_cookie;
use crate::pages::view::utc;
use crate::security::{check_form, csrf_token};
use crate::session::{self, CurrentSession};
use crate::state::AppState;
use crate::stepup::{self, Refusal};
use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::device::{DeviceKey, KEY_LABEL, LIFETIME};
use latchkey_core::repo::{AuditEvent, AuditRepo, SessionRecord, SessionRepo};
use latchkey_core::token::TokenHash;
use time::OffsetDateTime;

/// Where the list is.
pub const HERE: &str = "/account/sessions";
/// Hex characters of a reference (64 bits).
const REFERENCE_LEN: usize = 16;
/// Separates references from every other SHA-256 of a session hash.
const REFERENCE_LABEL: &str = "latchkey session reference\0";

/// The opaque reference of a session on the page (see the module docs).
pub fn reference(hash: &TokenHash) -> String {
    TokenHash::of(&format!("{REFERENCE_LABEL}{}", hash.as_str()))
        .as_str()
        .chars()
        .take(REFERENCE_LEN)
        .collect()
}

/// One row of the list.
struct SessionView {
    reference: String,
    started: String,
    ends: String,
    browser: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account_sessions.html")]
struct SessionsPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    sessions: Vec<SessionView>,
    others: usize,
    ended: Option<u64>,
    /// When this browser stops being recognised, if it is remembered for this person.
    remembered_until: Option<String>,
    csrf: String,
}

/// `?ended=N` after ending sessions (a count only; shown as a number).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Shown {
    ended: Option<u64>,
}

/// The signed-in person, or a sign-in that comes back here.
async fn viewer(state: &AppState, headers: &HeaderMap) -> Result<CurrentSession, Refusal> {
    session::current(&state.store, &state.cookies, headers)
        .await?
        .ok_or_else(|| Refusal::SignIn(stepup::login_location(None, HERE)))
}

/// Until when this browser is recognised for `me`, if its device cookie is valid and names
/// them.
fn remembered_until(state: &AppState, headers: &HeaderMap, me: &CurrentSession) -> Option<String> {
    let key = DeviceKey::new(state.master_key.as_ref()?.derive(KEY_LABEL));
    let value = state
        .cookies
        .get(headers, crate::cookies::CookieKind::Device)?;
    let claim = key.verify(&value, OffsetDateTime::now_utc()).ok()?;
    (claim.profile == me.profile.id).then(|| utc(claim.issued_at + LIFETIME))
}

fn view(record: &SessionRecord, current: &TokenHash) -> SessionView {
    let browser = record.user_agent.trim();
    SessionView {
        reference: reference(&record.hash),
        started: utc(record.created_at),
        ends: utc(record.expires_at),
        browser: if browser.is_empty() {
            "Unknown browser".to_owned()
        } else {
            browser.to_owned()
        },
        current: &record.hash == current,
    }
}

/// `GET /account/sessions`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    shown: Result<Query<Shown>, QueryRejection>,
) -> Result<Response, Refusal> {
    let me = viewer(&state, &headers).await?;
    let records = state
        .store
        .sessions_of(me.profile.id, OffsetDateTime::now_utc())
        .await?;
    // The current session first, then the others newest first.
    let mut sessions: Vec<SessionView> = records.iter().map(|r| view(r, &me.hash)).collect();
    sessions.sort_by_key(|s| !s.current);
    let others = sessions.iter().filter(|s| !s.current).count();
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let body = html(&SessionsPage {
        tr: crate::i18n::Tr::current(),
        sessions,
        others,
        ended: shown.ok().and_then(|Query(s)| s.ended),
        remembered_until: remembered_until(&state, &headers, &me),
        csrf,
    })?;
    Ok(with_cookie(body.into_response(), cookie))
}

/// The form of both buttons.
#[derive(Debug, serde::Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
    /// The reference of the session to end (`/account/sessions/end` only).
    #[serde(default)]
    session: String,
}

/// The signed-in person of a form post whose CSRF token is right.
async fn checked(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<EndForm>, FormRejection>,
) -> Result<(CurrentSession, EndForm), Refusal> {
    let me = viewer(state, headers).await?;
    let Form(form) = form.map_err(|_| PageError::BadRequest("The form was incomplete.".into()))?;
    check_form(&state.cookies, &state.public_origin, headers, &form.csrf)?;
    Ok((me, form))
}

async fn audit(state: &AppState, me: &CurrentSession, detail: serde_json::Value) {
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: Some(me.profile.id),
        action: "session.revoke".into(),
        subject: Some(me.profile.login_id.to_string()),
        detail: detail.to_string(),
    };
    if let Err(e) = state.store.append_audit(&event).await {
        tracing::error!(error = %e, "could not write the audit log");
    }
}

fn back(ended: u64) -> Response {
    Redirect::to(&format!("{HERE}?ended={ended}")).into_response()
}

/// `POST /account/sessions/others`: sign out everywhere else.
pub async fn end_others(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<EndForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let (me, _) = checked(&state, &headers, form).await?;
    let ended = state
        .store
        .delete_sessions_of(me.profile.id, Some(&me.hash))
        .await?;
    audit(
        &state,
        &me,
        serde_json::json!({ "scope": "others", "ended": ended }),
    )
    .await;
    Ok(back(ended))
}

/// `POST /account/sessions/end`: end one other session of the signed-in person.
pub async fn end_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<EndForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let (me, form) = checked(&state, &headers, form).await?;
    let mine = state
        .store
        .sessions_of(me.profile.id, OffsetDateTime::now_utc())
        .await?;
    let wanted = form.session.trim();
    let mut matches = mine
        .iter()
        .filter(|s| s.hash != me.hash && reference(&s.hash) == wanted);
    let (Some(target), None) = (matches.next(), matches.next()) else {
        // Someone else's, expired, made up, this session, or (never in practice) ambiguous:
        // one answer, nothing changed.
        return Err(PageError::NotFound.into());
    };
    state.store.delete_session(&target.hash).await?;
    audit(
        &state,
        &me,
        serde_json::json!({ "scope": "one", "session": reference(&target.hash), "ended": 1 }),
    )
    .await;
    Ok(back(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_short_stable_and_not_the_hash() {
        let hash = TokenHash::of("a session id");
        let r = reference(&hash);
        assert_eq!(r.len(), REFERENCE_LEN);
        assert!(r.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(r, reference(&hash));
        assert!(!hash.as_str().contains(&r));
        assert_ne!(r, reference(&TokenHash::of("another session id")));
    }
}
