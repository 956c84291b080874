//! The person's own enrolments: an authenticator app ([`totp`], `/account/totp`) and security
//! questions ([`questions`], `/account/questions`), and the push towards them after sign-in.
//!
//! Both pages want a signed-in person with a *fresh* sign-in ([`crate::stepup`]): what they
//! change is how this account is proved later. Every form carries the CSRF token.
//!
//! Whether the pages are offered, and whether a person without an enrolment is sent to them
//! after signing in, is decided by [`latchkey_core::enrolment`] from the `ENROLMENT / TOTP` and
//! `ENROLMENT / QUESTIONS` settings. [`after_sign_in`] is the one hook the login calls; the
//! pages call [`continue_to`] when a person is done (or chose "Not now"), so one forced
//! enrolment leads to the next before the person reaches where they were going.

pub mod questions;
pub mod totp;

use crate::error::PageError;
use crate::state::AppState;
use crate::stepup::{self, Refusal, SignedIn};
use axum::http::HeaderMap;
use latchkey_core::enrolment::{self, EnrolmentKind, EnrolmentMode};
use latchkey_core::ids::ProfileId;
use latchkey_core::otp::repo::TotpRepo;
use latchkey_core::profile::Profile;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::repo::{AuditEvent, AuditRepo, SettingsRepo, UserStatRepo};
use time::OffsetDateTime;

/// The page of an enrolment.
pub fn path(kind: EnrolmentKind) -> &'static str {
    match kind {
        EnrolmentKind::Totp => "/account/totp",
        EnrolmentKind::Questions => "/account/questions",
    }
}

/// The configured mode of `kind`.
pub async fn mode(state: &AppState, kind: EnrolmentKind) -> Result<EnrolmentMode, PageError> {
    let settings = state.store.settings().await?;
    EnrolmentMode::configured(&settings, kind).map_err(|e| PageError::Internal(e.to_string()))
}

/// Does the person have `kind` set up?
pub async fn is_enrolled(
    state: &AppState,
    profile: ProfileId,
    kind: EnrolmentKind,
) -> Result<bool, PageError> {
    Ok(match kind {
        EnrolmentKind::Totp => state.store.totp_enrolment(profile).await?.is_some(),
        EnrolmentKind::Questions => state
            .store
            .enrolment(profile)
            .await?
            .is_some_and(|e| !e.enrolment.answers.is_empty()),
    })
}

/// The first enrolment page the person must see now (with `next` to come back to), if any.
async fn pending(
    state: &AppState,
    profile: ProfileId,
    next: &str,
) -> Result<Option<String>, PageError> {
    let now = OffsetDateTime::now_utc();
    let stats = state.store.userstats(profile).await?;
    for kind in EnrolmentKind::ALL {
        let mode = mode(state, kind).await?;
        if !matches!(mode, EnrolmentMode::Force | EnrolmentMode::ForceAllowSkip) {
            continue;
        }
        let tag = kind.skip_tag();
        let skipped_at = stats
            .iter()
            .find(|(t, _)| *t == tag)
            .and_then(|(_, v)| enrolment::parse_skip(v));
        let enrolled = is_enrolled(state, profile, kind).await?;
        if enrolment::must_ask(mode, enrolled, skipped_at, now) {
            return Ok(Some(with_next(path(kind), next)));
        }
    }
    Ok(None)
}

/// `page?next=…` (only a same-site `next` is kept).
fn with_next(page: &str, next: &str) -> String {
    match stepup::safe_next(next).filter(|n| *n != "/") {
        Some(n) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", n)
                .finish();
            format!("{page}?{query}")
        }
        None => page.to_owned(),
    }
}

/// Where a successful sign-in goes: the password page when the password is marked expired
/// ([`crate::pages::expired`]), else the first forced enrolment the person still lacks, else
/// `next`.
pub async fn after_sign_in(
    state: &AppState,
    profile: &Profile,
    next: String,
) -> Result<String, PageError> {
    if crate::pages::expired::must_change(state, profile.id).await? {
        return Ok(crate::pages::change_password::PATH.to_owned());
    }
    Ok(pending(state, profile.id, &next).await?.unwrap_or(next))
}

/// Where a person goes after finishing (or putting off) an enrolment.
pub async fn continue_to(
    state: &AppState,
    profile: ProfileId,
    next: &str,
) -> Result<String, PageError> {
    let next = stepup::safe_next(next).unwrap_or("/");
    Ok(pending(state, profile, next)
        .await?
        .unwrap_or_else(|| next.to_owned()))
}

/// Records "Not now" for `kind` (server-side, a USERSTAT tag with the time).
pub async fn record_skip(
    state: &AppState,
    profile: ProfileId,
    kind: EnrolmentKind,
) -> Result<(), PageError> {
    let now = OffsetDateTime::now_utc();
    state
        .store
        .set_userstat(profile, &kind.skip_tag(), &enrolment::skip_value(now), now)
        .await?;
    Ok(())
}

/// The signed-in person, freshly signed in, for an enrolment page that is offered; else a
/// sign-in (again) that comes back to `here`, or 404 when the enrolment is switched off.
pub async fn gate(
    state: &AppState,
    headers: &HeaderMap,
    kind: EnrolmentKind,
    here: &str,
) -> Result<SignedIn, Refusal> {
    if !mode(state, kind).await?.is_offered() {
        return Err(PageError::NotFound.into());
    }
    let Some(viewer) = stepup::signed_in(state, headers).await? else {
        return Err(Refusal::SignIn(stepup::login_location(None, here)));
    };
    if !viewer.is_fresh(OffsetDateTime::now_utc()) {
        return Err(Refusal::sign_in_again(
            &viewer.session.profile.login_id,
            here,
        ));
    }
    Ok(viewer)
}

/// Records an enrolment change; the detail never holds a secret or an answer.
pub async fn audit(state: &AppState, profile: &Profile, action: &str) {
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: Some(profile.id),
        action: action.into(),
        subject: Some(profile.login_id.to_string()),
        detail: "{\"by\":\"self-service\"}".into(),
    };
    if let Err(e) = state.store.append_audit(&event).await {
        tracing::warn!(error = %e, action, "could not write the audit log");
    }
}
