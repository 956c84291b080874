//! `/forgot`: the forgotten-password service, on the same chain engine as sign-in.
//!
//! `GET /forgot` starts a flow at the built-in `PASSWORD_RESET` chain (the login id, then a
//! one-time code mailed to the person's address); `POST /forgot` hands each answer to the
//! module the engine waits for, exactly like `/login`. The differences from sign-in:
//!
//! - The flow is stored under its own kind ([`flow::KIND`]): `/login` and `/login/link` never
//!   load it, so a reset never ends in a session, whatever the chain says.
//! - When the chain allows, the flow records the verified profile and moves to the recovery
//!   step, [`recovery`] (`/forgot/new-password`), which is the only thing that flow can still
//!   do — once.
//! - An identification that matches nobody does not end the flow: it becomes a decoy that
//!   shows the very page a known person gets ("we sent a code, if the account exists") and
//!   fails like a wrong code. Every page after identification is [`code_prompt`] (or
//!   [`link_prompt`] when the chain verifies by a mailed link, `mail_nonce`: a choice of the
//!   configuration, the same for everyone), built here the same way for everyone, so no
//!   module's wording (a masked address, say) can tell known from unknown. Any failed
//!   verification ends the flow; the person starts again.
//! - When the global policy's reset settings name a `sequence` (see `sequence.rs`), the flow
//!   runs that chain instead, and each module after identification shows its own page; the
//!   mailed code or link page stays the generic one.
//! - A mailed link points at `/forgot/link` ([`crate::login::link`]), which loads only reset
//!   flows; its "Continue" posts here.

mod choice;
pub mod flow;
pub mod post_action;
pub mod recovery;
pub mod search;
pub mod send;
mod sequence;

use super::facts::RequestFacts;
use super::modules::pin_page;
use super::prompt::{Button, Field, Prompt};
use super::state::{FLOW_LIFETIME, LoginState};
use super::{Driven, append_cookie, chain_id, drive};
use crate::cookies::CookieKind;
use crate::error::PageError;
use crate::pages::html;
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use choice::{chain_mails_link, chain_offers_choice, choice_prompt, decoy_page};
use flow::ResetState;
use latchkey_core::chain::{Verdict, builtin};
use latchkey_core::repo::{AuditEvent, AuditRepo, FlowRepo};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use time::OffsetDateTime;

/// Where the service starts.
pub const PATH: &str = "/forgot";
/// The heading of every step.
const TITLE: &str = "Reset your password";
/// What everyone is told after identification, whether or not an account matched.
const CODE_SENT: &str = "If the user ID you gave belongs to an account with an email address, \
                         we sent a one-time code there. Enter it to choose a new password.";
/// The one message for every failed verification (and a decoy's code).
pub const FAILED: &str = "We could not verify you with that code. Please start again.";
/// The same, when the chain verifies by a mailed link.
const LINK_SENT: &str = "If the user ID you gave belongs to an account with an email address, \
                         we sent a link there. Open it in this browser to choose a new password.";
/// The identification page's sentence when the operator configured the search form.
const SEARCH_INTRO: &str = "Fill in the form. If it matches an account, we send a one-time code \
                            to its email address.";
/// The flow cookie named no live reset.
const EXPIRED: &str = "Your password reset took too long or was already used. Please start again.";
/// A page was submitted twice or from an old tab.
const STALE: &str = "This page was out of date, so nothing was sent. Please start again.";
/// The form name of "Send a new code" (the PIN module's resend button).
const RESEND: &str = "resend";

#[derive(Template)]
#[template(path = "forgot_prompt.html")]
struct PromptPage {
    /// Translates the page: the prompt's texts are English, swapped at rendering time
    /// ([`crate::i18n::localize`]), so known and unknown users get the same words.
    tr: crate::i18n::Tr,
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
}

/// The page after identification, the same for every person and every decoy.
fn code_prompt() -> Prompt {
    Prompt {
        title: TITLE.into(),
        intro: CODE_SENT.into(),
        fields: vec![Field::code("pin", "Code")],
        submit: "Continue".into(),
        secondary: Some(Button {
            name: RESEND.into(),
            label: "Send a new code".into(),
        }),
        ..Prompt::default()
    }
}

/// The page after identification when the chain mails a link, the same for everyone.
fn link_prompt() -> Prompt {
    Prompt {
        title: TITLE.into(),
        intro: LINK_SENT.into(),
        submit: "Continue".into(),
        secondary: Some(Button {
            name: RESEND.into(),
            label: "Send the link again".into(),
        }),
        ..Prompt::default()
    }
}

/// The page after identification: [`link_prompt`] when the chain mails a link, else
/// [`code_prompt`].
fn after_identification(state: &ResetState) -> Prompt {
    if state.mails_link {
        link_prompt()
    } else {
        code_prompt()
    }
}

/// The page for an engine prompt: after identification always [`after_identification`], or
/// the PIN module's choice page rebuilt in this service's words.
fn shown(state: &ResetState, prompt: Prompt) -> Prompt {
    if state.login.flow.in_at_least() {
        // An `at_least` menu of verification methods, or a method's own page: shown as the
        // module asks; the menu is the same for everyone who got this far.
        return Prompt {
            title: TITLE.into(),
            ..prompt
        };
    }
    if state.sequence && !pin_page::is_choice(&prompt) {
        return sequence::page(state, prompt);
    }
    if (state.decoy || state.login.user.is_some()) && pin_page::is_choice(&prompt) {
        choice_prompt(prompt.fields)
    } else if state.decoy || state.login.user.is_some() {
        after_identification(state)
    } else {
        Prompt {
            title: TITLE.into(),
            intro: "Enter your user ID. If it belongs to an account, we send a one-time code \
                    to its email address."
                .into(),
            ..prompt
        }
    }
}

fn render(
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = html(&PromptPage {
        tr: crate::i18n::Tr::current(),
        prompt,
        notice,
        csrf,
        version,
    })?;
    Ok((status, page).into_response())
}

fn facts(peer: SocketAddr, headers: &HeaderMap) -> RequestFacts {
    // No query parameters: `?USERID=` must not identify anyone in a reset.
    RequestFacts::capture(peer.ip().to_string(), "GET", PATH, headers, BTreeMap::new())
}

/// `GET /forgot`: a new reset flow.
pub async fn start(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, csrf_cookie) = csrf_token(&app.cookies, &headers);
    let mut response = begin(&app, facts(peer, &headers), None, csrf, StatusCode::OK).await?;
    append_cookie(&mut response, csrf_cookie);
    Ok(response)
}

/// Starts a flow and shows its first prompt (the identification).
async fn begin(
    app: &AppState,
    request: RequestFacts,
    notice: Option<String>,
    csrf: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let config = search::configuration(app).await?;
    let reset = sequence::global(app).await?;
    let root = match &reset.sequence {
        Some(id) => id.clone(),
        None => chain_id(builtin::PASSWORD_RESET)?,
    };
    let mut state = ResetState {
        login: LoginState::new(root, request),
        decoy: false,
        verified: None,
        mails_link: false,
        recovery: Default::default(),
        profile: None,
        pin_choice: false,
        chosen: false,
        applying: false,
        sequence: reset.sequence.is_some(),
        force_change: false,
    };
    state.login.reset = true;
    let driven = drive(app, &mut state.login, None).await?;
    let Driven::Prompt(prompt) = driven else {
        return Err(PageError::Internal(
            "the password reset chain decided before any input".into(),
        ));
    };
    state.mails_link = chain_mails_link(&state);
    state.pin_choice = chain_offers_choice(&state);
    let mut prompt = shown(&state, prompt);
    if let Some(fields) = search::form_fields(&config.search).filter(|_| !state.sequence) {
        prompt.fields = fields;
        prompt.intro = SEARCH_INTRO.into();
    }
    let (token, loaded) = flow::create(&app.store, state).await?;
    let mut response = render(prompt, notice, csrf, loaded.version, status)?;
    append_cookie(
        &mut response,
        Some(app.cookies.set(
            CookieKind::Flow,
            token.expose(),
            Some(FLOW_LIFETIME.whole_seconds()),
        )),
    );
    Ok(response)
}

/// `POST /forgot`: the answer to the current step.
pub async fn submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(mut fields) = form.map_err(|_| {
        PageError::BadRequest("The form could not be read. Reload the page and try again.".into())
    })?;
    let csrf = fields.remove("csrf").unwrap_or_default();
    check_form(&app.cookies, &app.public_origin, &headers, &csrf)?;
    let version: Option<u64> = fields.remove("version").and_then(|v| v.parse().ok());
    fields.remove("username");
    let loaded = match app.cookies.get(&headers, CookieKind::Flow) {
        Some(t) => flow::load(&app.store, &t).await?,
        None => None,
    };
    let Some(mut loaded) = loaded else {
        return restart(&app, peer, &headers, &csrf, EXPIRED, StatusCode::OK).await;
    };
    if loaded.state.verified.is_some() {
        return Ok(Redirect::to(recovery::PATH).into_response());
    }
    if version != Some(loaded.version) {
        return restart(&app, peer, &headers, &csrf, STALE, StatusCode::CONFLICT).await;
    }
    if loaded.state.decoy {
        // Nobody matched: a code fails like a wrong one; anything else shows the code page
        // (the choice page first, until a destination is picked, when the chain asks).
        let choosing = loaded.state.pin_choice && !loaded.state.chosen;
        if choosing {
            loaded.state.chosen = fields
                .get(pin_page::SEND_TO)
                .is_some_and(|v| latchkey_core::send_method::Leg::parse(v).is_some());
        } else if fields.get("pin").is_some_and(|p| !p.trim().is_empty()) {
            return failed(
                &app,
                loaded,
                restart(
                    &app,
                    peer,
                    &headers,
                    &csrf,
                    FAILED,
                    StatusCode::UNAUTHORIZED,
                )
                .await,
            )
            .await;
        }
        let prompt = decoy_page(&app, &loaded.state);
        return saved(&app, &mut loaded, prompt, &csrf).await;
    }
    let driven = if loaded.state.login.user.is_none() && loaded.state.sequence {
        sequence::identification(&app, &mut loaded.state, &fields).await?
    } else if loaded.state.login.user.is_none() {
        search::identification(&app, &mut loaded.state, &fields).await?
    } else {
        drive(
            &app,
            &mut loaded.state.login,
            Some(super::modules::Input::new(fields)),
        )
        .await?
    };
    match driven {
        Driven::Prompt(p) => {
            let prompt = shown(&loaded.state, p);
            saved(&app, &mut loaded, prompt, &csrf).await
        }
        Driven::Finished(Verdict::Allow { .. }) => {
            let Some(user) = loaded.state.login.user else {
                return Err(PageError::Internal(
                    "a password reset was verified without an identified user".into(),
                ));
            };
            loaded.state.verified = Some(user);
            if !flow::save(&app.store, &loaded).await? {
                return restart(&app, peer, &headers, &csrf, STALE, StatusCode::CONFLICT).await;
            }
            audit(
                &app,
                "password.reset.verified",
                &loaded.state.login.typed,
                "",
            )
            .await;
            Ok(Redirect::to(recovery::PATH).into_response())
        }
        Driven::Finished(Verdict::Deny(reason)) => {
            if loaded.state.login.user.is_none() {
                // The identification matched nobody: walk on as a decoy.
                audit(
                    &app,
                    "password.reset.unknown",
                    &loaded.state.login.typed,
                    "",
                )
                .await;
                loaded.state.decoy = true;
                let prompt = decoy_page(&app, &loaded.state);
                return saved(&app, &mut loaded, prompt, &csrf).await;
            }
            audit(
                &app,
                "password.reset.failure",
                &loaded.state.login.typed,
                &reason,
            )
            .await;
            failed(
                &app,
                loaded,
                restart(
                    &app,
                    peer,
                    &headers,
                    &csrf,
                    FAILED,
                    StatusCode::UNAUTHORIZED,
                )
                .await,
            )
            .await
        }
    }
}

/// Starts a fresh flow with `notice` above its first page.
async fn restart(
    app: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    csrf: &str,
    notice: &str,
    status: StatusCode,
) -> Result<Response, PageError> {
    begin(
        app,
        facts(peer, headers),
        Some(notice.to_owned()),
        csrf.to_owned(),
        status,
    )
    .await
}

/// Saves the flow (compare-and-set) and shows `prompt` at the new version.
async fn saved(
    app: &AppState,
    loaded: &mut flow::Loaded,
    prompt: Prompt,
    csrf: &str,
) -> Result<Response, PageError> {
    if !flow::save(&app.store, loaded).await? {
        return render(
            prompt,
            Some(STALE.into()),
            csrf.to_owned(),
            loaded.version,
            StatusCode::CONFLICT,
        );
    }
    loaded.version = loaded.version.saturating_add(1);
    render(
        prompt,
        None,
        csrf.to_owned(),
        loaded.version,
        StatusCode::OK,
    )
}

/// Ends a failed flow and answers with a fresh one.
async fn failed(
    app: &AppState,
    loaded: flow::Loaded,
    fresh: Result<Response, PageError>,
) -> Result<Response, PageError> {
    app.store.delete_flow(loaded.id).await?;
    fresh
}

/// Records a reset event (never a code or a password).
pub(crate) async fn audit(app: &AppState, action: &str, typed: &str, reason: &str) {
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: None,
        action: action.to_owned(),
        subject: Some(typed.to_owned()),
        detail: serde_json::json!({ "reason": reason }).to_string(),
    };
    if let Err(e) = app.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}
