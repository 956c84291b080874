//! `GET/POST /forgot/new-password`: the recovery step of a verified reset flow.
//!
//! Only a reset flow whose `PASSWORD_RESET` chain allowed reaches it, and only for the profile
//! that flow verified: nothing on the page or in the form names a person. Anything else — no
//! flow cookie, a flow still verifying, a login flow, a finished flow — gets the same refusal.
//!
//! On submit:
//!
//! 1. CSRF, then the flow; the new password (twice) is normalised and judged by the password
//!    policy with the blocklist and history, like `/account/password`
//!    ([`crate::pages::change_password::judge`]). A refusal lists every rule broken and keeps
//!    the flow as it was.
//! 2. The flow is held by compare-and-set before anything changes, so of two submissions of
//!    one flow exactly one sets a password; it ends once the target systems took it.
//! 3. The password is stored with history ([`crate::directory::InternalDirectory`]); a locked
//!    profile is unlocked and its failure counter cleared ("allow unlock"); every session of
//!    the person ends and every outstanding one-time token is revoked; a notice goes out
//!    through the outgoing queue; the audit log gets `password.reset` (counts only). No one is
//!    signed in: the page says to sign in with the new password.
//!
//! **Unlock only** (seed 001's "allow unlock"): when the verified profile is locked and its
//! password has not expired, the page also offers "Unlock my account and keep my password"
//! (`action=unlock`). It ends the flow the same way, unlocks the profile, clears its failure
//! counter, ends its sessions and revokes its outstanding one-time tokens, and leaves the
//! password alone (audit `account.unlock`); its notice says the account was unlocked
//! (`AccountUnlocked`), not that the password changed. The choice is offered when the profile
//! or one of the person's accounts on the `PASSWORD_SYNC / TARGETS` is locked, and none of
//! those accounts wants its password changed (keeping it would not let the person in);
//! internal-directory passwords never expire.
//!
//! **Target systems** (`PASSWORD_SYNC / TARGETS`, [`crate::password_sync`]): before the
//! internal directory, the new password (chosen or generated) is set on the person's account
//! on each listed target by the service account, and marked must-change there for
//! `send_expired`; every recovery also unlocks those accounts that are locked. The submit
//! holds the flow while it does ([`flow::claim`]): a second submit meanwhile is refused. When a
//! target refuses the password or cannot be reached, the page says which systems took it and
//! why the next did not, the flow is let go, and the person may try again without verifying
//! again; the internal directory is changed only once every target took the password.
//!
//! **Post actions** (`FORGOTTEN_PASSWORD / POST_ACTION_WEBHOOK` of the flow's profile): once a
//! reset or an unlock has succeeded, its webhooks are called in the background
//! ([`super::post_action`]); they never delay or change the page, and a failing one undoes
//! nothing.
//!
//! **Recovery mode** (`FORGOTTEN_PASSWORD / RECOVERY_MODE` of the profile that took the person,
//! remembered by the flow at identification): `set` is the above; `send` and `send_expired`
//! show a confirmation instead of the form, and the submit generates, sets and mails the
//! password ([`super::send`]). In those modes a posted `new`/`confirm` is ignored: the
//! person cannot choose the password the configuration says the service makes.

use super::{flow, post_action};
use crate::cookies::CookieKind;
use crate::error::PageError;
use crate::pages::change_password::{audit, judge, notify, policy};
use crate::pages::html;
use crate::password_sync;
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::password_policy::{PasswordPolicy, RuleText, describe, normalise};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{CounterRepo, ProfileRepo, SessionRepo, SettingsRepo, TokenRepo};
use latchkey_core::secret::Password;
use latchkey_core::sspr::post_action::Action;
use latchkey_core::target::sync::Report;
use latchkey_notify::MessageKind;
use serde::Deserialize;
use time::OffsetDateTime;

/// Where this step lives.
pub const PATH: &str = "/forgot/new-password";

/// The one answer when this step cannot be used.
pub const REFUSED: &str = "This password reset cannot be used here. Start again from \
                           \"Forgot your password?\".";

/// The form as posted. `Debug` prints nothing of it: it holds passwords.
#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
    /// `unlock`: unlock and keep the password; anything else sets the new password.
    #[serde(default)]
    action: String,
}

impl std::fmt::Debug for NewPasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPasswordForm([redacted])")
    }
}

#[derive(Template)]
#[template(path = "forgot_new_password.html")]
struct FormPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    csrf: String,
    login: String,
    rules: Vec<RuleText>,
    min_length: usize,
    max_length: usize,
    new_errors: Vec<String>,
    confirm_error: Option<String>,
    /// The profile is locked with an unexpired password: offer "unlock only".
    unlock_offered: bool,
}

#[derive(Template)]
#[template(path = "forgot_done.html")]
pub(super) struct DonePage {
    /// Translates the page's texts.
    pub(super) tr: crate::i18n::Tr,
    pub(super) unlocked: bool,
    /// Unlock only: the password was not changed.
    pub(super) kept_password: bool,
    /// A generated password was mailed (never shown).
    pub(super) sent: bool,
    /// The mailed password must be changed at the next sign-in.
    pub(super) expired: bool,
}

fn form_page(
    csrf: String,
    profile: &Profile,
    policy: &PasswordPolicy,
    unlock_offered: bool,
) -> FormPage {
    FormPage {
        tr: crate::i18n::Tr::current(),
        csrf,
        login: profile.login_id.to_string(),
        rules: describe(policy),
        min_length: policy.min_length,
        max_length: policy.max_length,
        new_errors: Vec::new(),
        confirm_error: None,
        unlock_offered,
    }
}

/// May the person unlock and keep their password? Enabled, locked here or on one of their
/// target accounts ([`password_sync`]), and no target wants the password changed
/// (internal-directory passwords do not expire).
pub(super) async fn unlock_offered(app: &AppState, profile: &Profile) -> Result<bool, PageError> {
    if !profile.enabled {
        return Ok(false);
    }
    let targets = password_sync::lock_state(app, profile).await?;
    Ok((profile.locked || targets.locked) && !targets.must_change)
}

/// The verified flow this browser holds and its profile, or the refusal.
async fn verified(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<(flow::Loaded, Profile), PageError> {
    let refused = || PageError::Forbidden(REFUSED.into());
    let Some(token) = app.cookies.get(headers, CookieKind::Flow) else {
        return Err(refused());
    };
    let Some(loaded) = flow::load(&app.store, &token).await? else {
        return Err(refused());
    };
    let Some(user) = loaded
        .state
        .verified
        .filter(|_| !loaded.state.decoy && !loaded.state.applying)
    else {
        return Err(refused());
    };
    let Some(profile) = app.store.profile_by_id(user).await? else {
        return Err(refused());
    };
    Ok((loaded, profile))
}

/// `GET /forgot/new-password`.
pub async fn page(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (loaded, profile) = verified(&app, &headers).await?;
    if loaded.state.recovery.sends() {
        return super::send::page(&app, &headers, &profile, loaded.state.recovery).await;
    }
    let policy = policy(&app.store.settings().await?)?;
    let (csrf, csrf_cookie) = csrf_token(&app.cookies, &headers);
    let offered = unlock_offered(&app, &profile).await?;
    let mut response = html(&form_page(csrf, &profile, &policy, offered))?.into_response();
    super::append_cookie(&mut response, csrf_cookie);
    Ok(response)
}

/// `POST /forgot/new-password`.
pub async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<NewPasswordForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|_| PageError::BadRequest("The form was incomplete.".into()))?;
    check_form(&app.cookies, &app.public_origin, &headers, &form.csrf)?;
    let (loaded, profile) = verified(&app, &headers).await?;
    if form.action == "unlock" {
        return unlock_only(&app, &headers, loaded, &profile).await;
    }
    if loaded.state.recovery.sends() {
        return super::send::submit(&app, &headers, loaded, &profile).await;
    }
    let settings = app.store.settings().await?;
    let policy = policy(&settings)?;
    // "Unlock only" is read from the targets when a refusal shows the form again, not before.
    let mut page = form_page(form.csrf.clone(), &profile, &policy, false);
    let new = normalise(&form.new);
    if form.new != form.confirm {
        page.confirm_error =
            Some("The two new passwords are not the same. Type the new one twice.".to_owned());
    }
    let verdict = judge(&app, &settings, &policy, &profile, new.clone()).await?;
    page.new_errors = verdict
        .failures
        .iter()
        .map(|r| page.tr.refusal(r))
        .collect();
    if !verdict.ok || page.confirm_error.is_some() {
        page.unlock_offered = unlock_offered(&app, &profile).await?;
        return Ok((StatusCode::BAD_REQUEST, html(&page)?).into_response());
    }
    let typed = loaded.state.login.typed.clone();
    let sspr_profile = loaded.state.profile.clone();
    // The person's reset settings may say the new password must be changed at sign-in.
    let force_change = loaded.state.force_change;
    let loaded = match on_targets(&app, loaded, &profile, &new, force_change, "reset").await? {
        Ok(loaded) => loaded,
        Err(report) => {
            let stopped = password_sync::message(&page.tr, &report);
            page.new_errors.extend(stopped);
            page.unlock_offered = unlock_offered(&app, &profile).await?;
            return Ok((password_sync::status(&report), html(&page)?).into_response());
        }
    };
    if !flow::finish(&app.store, loaded).await? {
        return Err(PageError::Forbidden(REFUSED.into()));
    }
    app.directory
        .change_password(&profile, new, policy.history)
        .await?;
    // A password the person chose is not expired, unless their reset settings say so.
    crate::pages::expired::mark(&app, profile.id, force_change).await?;
    let now = OffsetDateTime::now_utc();
    let unlocked = close_out(&app, &profile, "password.reset", &typed, Some("set"), now).await?;
    notify(&app, &profile, &headers, now, MessageKind::PasswordChanged);
    post_action::fire(&app, &profile, sspr_profile, Action::Reset, now).await;
    done(
        &app,
        &DonePage {
            tr: crate::i18n::Tr::current(),
            unlocked,
            kept_password: false,
            sent: false,
            expired: false,
        },
    )
}

/// Sets `new` on the person's target accounts ([`password_sync`]) while holding the flow:
/// `Ok(loaded)` when every target took it (the flow still held, for the caller to finish),
/// `Err(report)` when one stopped it (the flow let go, so the person may try again without
/// verifying again). Another submit of the same flow meanwhile is refused.
pub(super) async fn on_targets(
    app: &AppState,
    mut loaded: flow::Loaded,
    profile: &Profile,
    new: &Password,
    must_change: bool,
    why: &str,
) -> Result<Result<flow::Loaded, Report>, PageError> {
    if !flow::claim(&app.store, &mut loaded).await? {
        return Err(PageError::Forbidden(REFUSED.into()));
    }
    let by = password_sync::By::Service;
    let report = password_sync::set_password(app, profile, by, new, must_change, why).await?;
    if report.complete() {
        return Ok(Ok(loaded));
    }
    if !flow::release(&app.store, loaded).await? {
        return Err(PageError::Forbidden(REFUSED.into()));
    }
    Ok(Err(report))
}

/// "Unlock my account and keep my password": only for a profile [`unlock_offered`] allows;
/// otherwise refused and the flow stays as it was (the person may still set a password).
async fn unlock_only(
    app: &AppState,
    headers: &HeaderMap,
    loaded: flow::Loaded,
    profile: &Profile,
) -> Result<Response, PageError> {
    if !unlock_offered(app, profile).await? {
        return Err(PageError::BadRequest(
            "Your account is not locked, so there is nothing to unlock. Go back and choose a \
             new password."
                .into(),
        ));
    }
    let typed = loaded.state.login.typed.clone();
    let sspr_profile = loaded.state.profile.clone();
    if !flow::finish(&app.store, loaded).await? {
        return Err(PageError::Forbidden(REFUSED.into()));
    }
    let now = OffsetDateTime::now_utc();
    let unlocked = close_out(app, profile, "account.unlock", &typed, None, now).await?;
    notify(app, profile, headers, now, MessageKind::AccountUnlocked);
    post_action::fire(app, profile, sspr_profile, Action::Unlock, now).await;
    done(
        app,
        &DonePage {
            tr: crate::i18n::Tr::current(),
            unlocked,
            kept_password: true,
            sent: false,
            expired: false,
        },
    )
}

/// What ends every successful recovery, in order: the account unlocked, every session of the
/// person ended, their outstanding tokens spent, and the audit entry `action` (with the reset's
/// `mode` when it is one). True when the account was locked.
pub(super) async fn close_out(
    app: &AppState,
    profile: &Profile,
    action: &str,
    typed: &str,
    mode: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool, PageError> {
    let unlocked_here = unlock(app, profile).await?;
    let unlocked_on_targets = password_sync::unlock(app, profile).await?;
    let unlocked = unlocked_here || unlocked_on_targets > 0;
    let sessions_ended = app.store.delete_sessions_of(profile.id, None).await?;
    let tokens_revoked = app.store.revoke_tokens_of(profile.id, now).await?;
    let mut detail = serde_json::json!({
        "sessions_ended": sessions_ended,
        "tokens_revoked": tokens_revoked,
        "unlocked": unlocked_here,
        "unlocked_on_targets": unlocked_on_targets,
        "typed": typed,
    });
    if let (Some(mode), Some(fields)) = (mode, detail.as_object_mut()) {
        fields.insert("mode".into(), mode.into());
    }
    audit(app, profile, action, detail.to_string()).await;
    Ok(unlocked)
}

/// The last page of a recovery; the flow cookie goes with it.
pub(super) fn done(app: &AppState, page: &DonePage) -> Result<Response, PageError> {
    let mut response = html(page)?.into_response();
    super::append_cookie(&mut response, Some(app.cookies.clear(CookieKind::Flow)));
    Ok(response)
}

/// "Allow unlock": a locked profile that proved itself is unlocked and its failure counter
/// cleared. True when it was locked.
pub(super) async fn unlock(app: &AppState, profile: &Profile) -> Result<bool, PageError> {
    app.store
        .reset_counter(&LockoutPolicy::counter_key(profile.id))
        .await?;
    // Read again: the password change above must not be undone by an old copy.
    let Some(mut fresh) = app.store.profile_by_id(profile.id).await? else {
        return Ok(false);
    };
    if !fresh.locked {
        return Ok(false);
    }
    fresh.locked = false;
    app.store.update_profile(&fresh).await?;
    Ok(true)
}
