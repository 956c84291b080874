//! Sign in and sign out with a password from the internal directory.
//!
//! A wrong password, an unknown user ID, a disabled or locked profile all get the same page,
//! the same status (401) and — because the directory verifies against a decoy hash when there is
//! nothing to verify — the same cost.

use crate::cookies::CookieKind;
use crate::directory::PasswordCheck;
use crate::error::PageError;
use crate::pages::html;
use crate::security::{check_form, csrf_token};
use crate::session;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditEvent, AuditRepo, SessionRepo};
use latchkey_core::secret::Password;
use latchkey_core::token::TokenSecret;
use latchkey_notify::{MessageKind, OutgoingMessage};
use serde::Deserialize;
use time::OffsetDateTime;

/// The one message for every failed sign-in.
pub const GENERIC_FAILURE: &str = "The user ID or password is not correct.";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    user: String,
    error: Option<&'static str>,
}

/// Query parameters of the login page (`?USERID=` prefills the user ID).
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(rename = "USERID")]
    user_id: Option<String>,
}

/// The posted form.
#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    user: String,
    password: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .finish_non_exhaustive()
    }
}

fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// `GET /login`.
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let (csrf, set_cookie) = csrf_token(&state.cookies, &headers);
    let user: String = query
        .user_id
        .unwrap_or_default()
        .chars()
        .take(256)
        .collect();
    let page = html(&LoginPage {
        csrf,
        user,
        error: None,
    })?;
    Ok(with_cookie(page.into_response(), set_cookie))
}

/// `POST /login`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|_| {
        PageError::BadRequest(
            "The sign-in form was incomplete. Reload the page and try again.".into(),
        )
    })?;
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    let typed: String = form.user.trim().chars().take(256).collect();
    let password = Password::new(form.password);
    let now = OffsetDateTime::now_utc();
    match state.directory.check(&typed, password).await? {
        PasswordCheck::Accepted(profile) => {
            let user_agent = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("unknown browser");
            let cookie = session::start(&state.store, &state.cookies, &profile, user_agent).await?;
            audit(&state, Some(&profile), "login.success", &typed, now).await;
            ::metrics::counter!("latchkey_login_attempts_total", "outcome" => "success")
                .increment(1);
            notify_sign_in(&state, &profile, user_agent, now);
            let mut response = Redirect::to("/").into_response();
            if let Ok(v) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        PasswordCheck::Rejected => {
            audit(&state, None, "login.failure", &typed, now).await;
            ::metrics::counter!("latchkey_login_attempts_total", "outcome" => "failure")
                .increment(1);
            let page = html(&LoginPage {
                csrf: form.csrf,
                user: typed,
                error: Some(GENERIC_FAILURE),
            })?;
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
    }
}

/// The form of `POST /logout`.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|_| PageError::BadRequest("The form was incomplete.".into()))?;
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    if let Some(raw) = state.cookies.get(&headers, CookieKind::Session) {
        state
            .store
            .delete_session(&TokenSecret::from_user(&raw).hash())
            .await?;
    }
    let response = Redirect::to("/").into_response();
    Ok(with_cookie(
        response,
        Some(state.cookies.clear(CookieKind::Session)),
    ))
}

/// Records a sign-in attempt. The audit log must not make the answer differ, so a failure to
/// write it is logged, not returned.
async fn audit(
    state: &AppState,
    actor: Option<&Profile>,
    action: &str,
    typed: &str,
    now: OffsetDateTime,
) {
    let event = AuditEvent {
        at: now,
        actor: actor.map(|p| p.id),
        action: action.to_owned(),
        subject: Some(typed.to_owned()),
        detail: "{}".into(),
    };
    if let Err(e) = state.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// Tells the person about a new sign-in, in the background so a slow mail server never slows
/// the answer.
fn notify_sign_in(state: &AppState, profile: &Profile, user_agent: &str, now: OffsetDateTime) {
    let Some(to) = profile.email.clone() else {
        return;
    };
    let when = now
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let message = OutgoingMessage {
        to,
        subject: "New sign-in to your account".into(),
        body_text: format!(
            "Hello {},\n\nsomeone signed in to your account ({}) on {when}\nfrom: {}\n\n\
             If this was you, there is nothing to do. If it was not, change your password at {}login\n",
            profile.display_name,
            profile.login_id,
            user_agent.chars().take(200).collect::<String>(),
            state.public_url,
        ),
        kind: MessageKind::SignInNotice,
    };
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = state.mailer.send(&message).await {
            tracing::warn!(error = %e, "could not send the sign-in notice");
        }
    });
}
