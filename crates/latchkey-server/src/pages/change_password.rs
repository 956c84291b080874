//! `GET/POST /account/password`: a signed-in person changes their own password.
//!
//! Data moves like this on submit:
//!
//! 1. The CSRF token and the session are checked; nothing is read before.
//! 2. The current password is checked like a sign-in: a slot is reserved on the person's lockout
//!    counter first (`AUTH MAX_USERAUTH_FAILURE`), so guessing it here costs the same budget as
//!    on the sign-in page, and the last allowed failure locks the profile. Out of attempts, the
//!    decoy hash is verified instead and the answer is the same generic one.
//! 3. The new password is normalised (NFKC) and evaluated against the effective policy (the
//!    settings table, [`policy_from_settings`]) and the blocklist built once per node
//!    ([`blocklist`]), with the current hash and the stored history for the `reused` rule. Every
//!    refusal is listed at once, tied to the field; nothing is changed.
//! 4. The new password is set on the person's target-system accounts listed in
//!    `PASSWORD_SYNC / TARGETS` ([`crate::password_sync`]), in order; a target that refuses it
//!    (its own policy, in plain words) or cannot be reached stops there, and the page says
//!    which systems took it and why the next did not. The internal directory is not changed.
//! 5. On success the new hash is stored and the old one pushed onto the history in one
//!    transaction ([`crate::directory::InternalDirectory::change_password`]); every other session
//!    of the person is ended and their outstanding one-time tokens revoked; the audit log gets
//!    `password.change` (counts only); a notice is mailed through the outgoing queue.
//!
//! No password, nor any part of one, is ever written into a page, a log line or the audit log.

use crate::error::PageError;
use crate::pages::html;
use crate::pages::view::{allow_inline_script, script_nonce};
use crate::security::{check_form, csrf_token};
use crate::session::{self, CurrentSession};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::chain::lockout::{DEFAULT_MAX_FAILURES, LockoutPolicy, Reservation};
use latchkey_core::password_policy::config::{blocklist_file, policy_from_settings};
use latchkey_core::password_policy::repo::PasswordHistoryRepo;
use latchkey_core::password_policy::{
    Blocklist, PasswordPolicy, RuleText, StoredHistory, UserContext, Verdict, describe, evaluate,
    normalise,
};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{
    AuditEvent, AuditRepo, CounterRepo, ProfileRepo, SessionRepo, SettingsRepo, TokenRepo,
};
use latchkey_core::secret::Password;
use latchkey_core::settings::{NS_AUTH, Settings};
use latchkey_notify::MessageKind;
use latchkey_notify::templates::{self, Macro, Vars};
use serde::Deserialize;
use std::sync::Arc;
use time::OffsetDateTime;

/// Where this page lives.
pub const PATH: &str = "/account/password";

/// What a person may be told when the current password is not accepted: the same for a wrong
/// password and for an exhausted attempt budget.
const WRONG_CURRENT: &str = "Your current password was not accepted. Check it and try again; after several wrong \
     attempts your account is locked.";

/// The form as posted. `Debug` prints nothing of it: it holds passwords.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

impl std::fmt::Debug for ChangeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeForm([redacted])")
    }
}

#[derive(Template)]
#[template(path = "change_password.html")]
struct FormPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    csrf: String,
    nonce: String,
    login: String,
    rules: Vec<RuleText>,
    min_length: usize,
    max_length: usize,
    current_error: Option<String>,
    new_errors: Vec<String>,
    confirm_error: Option<String>,
    /// Strength of the refused password (0–4), for the meter after a refusal.
    strength: u8,
    /// The password is marked expired: say why the person is here.
    expired: bool,
}

#[derive(Template)]
#[template(path = "change_password_done.html")]
struct DonePage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    sessions_ended: u64,
}

/// The blocklist of this node: the shipped list, extended once by the operator's file.
pub async fn blocklist(state: &AppState, settings: &Settings) -> Result<Arc<Blocklist>, PageError> {
    state
        .password_blocklist
        .get_or_try_init(|| async {
            let mut list = Blocklist::embedded();
            if let Some(path) = blocklist_file(settings) {
                let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
                    PageError::Internal(format!(
                        "PASSWORD_POLICY BLOCKLIST_FILE {path}: cannot read it: {e}"
                    ))
                })?;
                list.extend_from_text(&text);
                tracing::info!(file = %path, entries = list.len(), "password blocklist extended");
            }
            Ok(Arc::new(list))
        })
        .await
        .cloned()
}

/// The effective policy, or an error naming the bad setting (logged; the page says little).
pub(crate) fn policy(settings: &Settings) -> Result<PasswordPolicy, PageError> {
    policy_from_settings(settings).map_err(|e| PageError::Internal(e.to_string()))
}

fn form_page(csrf: String, profile: &Profile, policy: &PasswordPolicy, nonce: String) -> FormPage {
    FormPage {
        tr: crate::i18n::Tr::current(),
        csrf,
        nonce,
        login: profile.login_id.to_string(),
        rules: describe(policy),
        min_length: policy.min_length,
        max_length: policy.max_length,
        current_error: None,
        new_errors: Vec::new(),
        confirm_error: None,
        strength: 0,
        expired: false,
    }
}

fn respond(page: &FormPage, status: StatusCode, set_cookie: Option<String>) -> Response {
    let body = match html(page) {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let mut response = (status, body).into_response();
    allow_inline_script(&mut response, &page.nonce);
    if let Some(c) = set_cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<CurrentSession>, PageError> {
    Ok(session::current(&state.store, &state.cookies, headers).await?)
}

fn to_sign_in() -> Response {
    Redirect::to(&crate::stepup::login_location(None, PATH)).into_response()
}

/// `GET /account/password`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(current) = signed_in(&state, &headers).await? else {
        return Ok(to_sign_in());
    };
    let settings = state.store.settings().await?;
    let policy = policy(&settings)?;
    let (csrf, set_cookie) = csrf_token(&state.cookies, &headers);
    let mut page = form_page(csrf, &current.profile, &policy, script_nonce());
    page.expired = super::expired::must_change(&state, current.profile.id).await?;
    Ok(respond(&page, StatusCode::OK, set_cookie))
}

/// `POST /account/password`.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<ChangeForm>,
) -> Result<Response, PageError> {
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    let Some(current) = signed_in(&state, &headers).await? else {
        return Ok(to_sign_in());
    };
    let profile = current.profile.clone();
    let settings = state.store.settings().await?;
    let policy = policy(&settings)?;
    let mut page = form_page(form.csrf.clone(), &profile, &policy, script_nonce());
    page.expired = super::expired::must_change(&state, profile.id).await?;

    let typed_current = Password::new(form.current);
    if !check_current(&state, &settings, &profile, typed_current.clone()).await? {
        page.current_error = Some(WRONG_CURRENT.to_owned());
        return Ok(respond(&page, StatusCode::BAD_REQUEST, None));
    }

    let new = normalise(&form.new);
    if form.new != form.confirm {
        page.confirm_error =
            Some("The two new passwords are not the same. Type the new one twice.".to_owned());
    }
    let verdict = judge(&state, &settings, &policy, &profile, new.clone()).await?;
    page.strength = verdict.strength.score;
    page.new_errors = verdict
        .failures
        .iter()
        .map(|r| page.tr.refusal(r))
        .collect();
    if !verdict.ok || page.confirm_error.is_some() {
        return Ok(respond(&page, StatusCode::BAD_REQUEST, None));
    }

    let by = crate::password_sync::By::Person {
        current: &normalise(typed_current.expose()),
    };
    let report =
        crate::password_sync::set_password(&state, &profile, by, &new, false, "change").await?;
    if let Some(stopped) = crate::password_sync::message(&page.tr, &report) {
        page.new_errors.push(stopped);
        return Ok(respond(&page, crate::password_sync::status(&report), None));
    }
    state
        .directory
        .change_password(&profile, new, policy.history)
        .await?;
    super::expired::clear(&state, profile.id).await?;
    let now = OffsetDateTime::now_utc();
    let sessions_ended = state
        .store
        .delete_sessions_of(profile.id, Some(&current.hash))
        .await?;
    let tokens_revoked = state.store.revoke_tokens_of(profile.id, now).await?;
    audit(
        &state,
        &profile,
        "password.change",
        format!("{{\"sessions_ended\":{sessions_ended},\"tokens_revoked\":{tokens_revoked}}}"),
    )
    .await;
    notify(
        &state,
        &profile,
        &headers,
        now,
        MessageKind::PasswordChanged,
    );
    let body = html(&DonePage {
        sessions_ended,
        tr: crate::i18n::Tr::current(),
    })?;
    Ok(body.into_response())
}

/// Checks the current password with a lockout reservation (see the module docs).
async fn check_current(
    state: &AppState,
    settings: &Settings,
    profile: &Profile,
    typed: Password,
) -> Result<bool, PageError> {
    let max_failures = settings
        .u64(NS_AUTH, "MAX_USERAUTH_FAILURE")
        .map_err(|e| PageError::Internal(e.to_string()))?
        .unwrap_or(DEFAULT_MAX_FAILURES);
    let lockout = LockoutPolicy { max_failures };
    let key = LockoutPolicy::counter_key(profile.id);
    let now = OffsetDateTime::now_utc();
    let attempt = state
        .store
        .try_increment(&key, lockout.limit(), now)
        .await?;
    let last_chance = match lockout.reservation(attempt) {
        Reservation::Refuse => {
            state.directory.spend_decoy(typed).await?;
            audit(state, profile, "password.change.refused", "{}".to_owned()).await;
            return Ok(false);
        }
        Reservation::Evaluate { last_chance } => last_chance,
    };
    let ok = state.directory.verify_profile(profile, typed).await?;
    if ok {
        state.store.decrement(&key, now).await?;
        return Ok(true);
    }
    audit(
        state,
        profile,
        "password.change.wrong_current",
        "{}".to_owned(),
    )
    .await;
    if last_chance && !profile.locked {
        let mut locked = profile.clone();
        locked.locked = true;
        state.store.update_profile(&locked).await?;
        audit(
            state,
            profile,
            "lockout",
            format!("{{\"max_failures\":{max_failures}}}"),
        )
        .await;
    }
    Ok(false)
}

/// Evaluates the new password on the blocking pool (strength estimation and one Argon2id
/// verification per history entry are CPU work).
pub(crate) async fn judge(
    state: &AppState,
    settings: &Settings,
    policy: &PasswordPolicy,
    profile: &Profile,
    new: Password,
) -> Result<Verdict, PageError> {
    let blocklist = blocklist(state, settings).await?;
    let mut hashes = Vec::new();
    if policy.history > 0 {
        // The current password counts as the newest of the last N.
        hashes.extend(state.store.password_hash(profile.id).await?);
        hashes.extend(
            state
                .store
                .previous_hashes(profile.id, policy.history)
                .await?,
        );
    }
    let user = user_context(profile);
    let policy = policy.clone();
    tokio::task::spawn_blocking(move || {
        let history = StoredHistory::new(&hashes, policy.history);
        evaluate(&policy, &blocklist, &new, &user, &history)
    })
    .await
    .map_err(|_| PageError::Internal("password evaluation was interrupted".into()))
}

/// What the policy knows about the person (for the `contains_user_data` rule).
fn user_context(profile: &Profile) -> UserContext {
    let first = |name: &str| profile.attributes.first(name).map(str::to_owned);
    UserContext {
        login_id: profile.login_id.to_string(),
        given_name: first("givenName"),
        surname: first("sn").or_else(|| first("surname")),
        mail: profile.email.clone(),
        other: Vec::new(),
    }
}

/// Appends an audit event about `profile` acting on their own password (a failure is logged).
pub(crate) async fn audit(state: &AppState, profile: &Profile, action: &str, detail: String) {
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: Some(profile.id),
        action: action.to_owned(),
        subject: Some(profile.login_id.to_string()),
        detail,
    };
    if let Err(e) = state.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// Tells the person what happened to their account (in the background, through the queue):
/// `kind` is [`MessageKind::PasswordChanged`] for a changed or reset password,
/// [`MessageKind::AccountUnlocked`] for an unlock that kept it.
pub(crate) fn notify(
    state: &AppState,
    profile: &Profile,
    headers: &HeaderMap,
    now: OffsetDateTime,
    kind: MessageKind,
) {
    let Some(to) = profile.email.clone() else {
        return;
    };
    send_notice(
        state,
        profile,
        to,
        kind,
        notice_vars(state, profile, headers, now),
    );
}

/// The macros of a notice about the account: who, when, from which browser, which site.
pub(crate) fn notice_vars(
    state: &AppState,
    profile: &Profile,
    headers: &HeaderMap,
    now: OffsetDateTime,
) -> Vars {
    let when = now
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let browser = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect::<String>();
    Vars::new()
        .with(Macro::Name, profile.display_name.clone())
        .with(Macro::Login, profile.login_id.to_string())
        .with(Macro::Time, when)
        .with(Macro::Browser, browser)
        .with(Macro::Site, state.public_url.to_string())
}

/// Queues a notice of `kind` to `to` in the person's language.
pub(crate) fn send_notice(
    state: &AppState,
    profile: &Profile,
    to: String,
    kind: MessageKind,
    vars: Vars,
) {
    let lang = profile
        .attributes
        .first("preferredLanguage")
        .unwrap_or(templates::DEFAULT_LANG);
    crate::outgoing::send_templated(state, to, kind, lang, vars);
}
