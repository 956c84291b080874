//! The "send new password" recovery modes of `/forgot/new-password` (`send`, `send_expired`).
//!
//! Reached only from [`super::recovery`], after its checks: the CSRF token, then a verified,
//! live reset flow of this browser and the one profile it verified. The page only asks for a
//! confirmation (a GET changes nothing); on submit:
//!
//! 1. The profile must have an email address; the password goes to the address on record,
//!    the one the chain's mailed code or link proved, never to anything typed in the form.
//! 2. A password is drawn from the operating system's CSPRNG by the mass-reset generator under
//!    [`generator_policy`] and judged by the full password policy with the blocklist and the
//!    history, exactly like a chosen one ([`crate::pages::change_password::judge`]); a refused
//!    draw is replaced, at most [`DRAWS`] times.
//! 3. The flow is ended by compare-and-set before anything changes (one password per flow).
//! 4. The password is stored with history; `send_expired` marks it expired
//!    ([`crate::pages::expired`]), `send` clears an older mark; a locked profile is unlocked;
//!    every session ends and every outstanding one-time token dies; the audit log gets
//!    `password.reset` with the mode (counts only); the password is mailed through the
//!    outgoing queue (the message says when and from which browser, so it is the notice too);
//!    the profile's post-action webhooks are called in the background ([`super::post_action`]).
//!
//! The password lives in a [`Password`] (redacted `Debug`) and, for the mail, in the template
//! values, whose `Debug` names macros only. It is never put on a page, in a log line, in the
//! audit log or in an error. No one is signed in.

use super::flow;
use super::recovery::{DonePage, REFUSED, close_out, done, on_targets, unlock_offered};
use crate::error::PageError;
use crate::os::OsRandom;
use crate::pages::change_password::{self, judge, policy};
use crate::pages::html;
use crate::password_sync;
use crate::security::csrf_token;
use crate::state::AppState;
use askama::Template;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_core::mpr::generate::generate;
use latchkey_core::password_policy::{PasswordPolicy, normalise};
use latchkey_core::profile::Profile;
use latchkey_core::repo::SettingsRepo;
use latchkey_core::secret::Password;
use latchkey_core::settings::Settings;
use latchkey_core::sspr::RecoveryMode;
use latchkey_core::sspr::post_action::Action;
use latchkey_core::sspr::recovery::generator_policy;
use latchkey_notify::MessageKind;
use latchkey_notify::templates::Macro;
use time::OffsetDateTime;

/// Draws before giving up on a password the policy accepts.
pub const DRAWS: usize = 8;

/// The refusal when there is no address to mail the password to (nothing changes).
pub const NO_ADDRESS: &str =
    "Your account has no email address to send a new password to. Contact your help desk.";

#[derive(Template)]
#[template(path = "forgot_send_password.html")]
struct SendPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    csrf: String,
    login: String,
    /// `send_expired`: say the password must be changed at sign-in.
    expires: bool,
    /// The profile is locked with an unexpired password: offer "unlock only".
    unlock_offered: bool,
}

/// `GET /forgot/new-password` in a sending mode: the confirmation.
pub(super) async fn page(
    app: &AppState,
    headers: &HeaderMap,
    profile: &Profile,
    mode: RecoveryMode,
) -> Result<Response, PageError> {
    let (csrf, csrf_cookie) = csrf_token(&app.cookies, headers);
    let mut response = html(&SendPage {
        tr: crate::i18n::Tr::current(),
        csrf,
        login: profile.login_id.to_string(),
        expires: mode.expires(),
        unlock_offered: unlock_offered(app, profile).await?,
    })?
    .into_response();
    super::append_cookie(&mut response, csrf_cookie);
    Ok(response)
}

/// `POST /forgot/new-password` in a sending mode (see the module docs).
pub(super) async fn submit(
    app: &AppState,
    headers: &HeaderMap,
    loaded: flow::Loaded,
    profile: &Profile,
) -> Result<Response, PageError> {
    let mode = loaded.state.recovery;
    let Some(to) = profile.email.clone() else {
        return Err(PageError::BadRequest(NO_ADDRESS.into()));
    };
    let settings = app.store.settings().await?;
    let policy = policy(&settings)?;
    let password = generated(app, &settings, &policy, profile).await?;
    let typed = loaded.state.login.typed.clone();
    let sspr_profile = loaded.state.profile.clone();
    let why = mode.as_str();
    let loaded = match on_targets(app, loaded, profile, &password, mode.expires(), why).await? {
        Ok(loaded) => loaded,
        Err(report) => {
            let tr = crate::i18n::Tr::current();
            let message = password_sync::message(&tr, &report).unwrap_or_default();
            return Err(PageError::BadRequest(message));
        }
    };
    if !flow::finish(&app.store, loaded).await? {
        return Err(PageError::Forbidden(REFUSED.into()));
    }
    app.directory
        .change_password(profile, password.clone(), policy.history)
        .await?;
    crate::pages::expired::mark(app, profile.id, mode.expires()).await?;
    let now = OffsetDateTime::now_utc();
    let unlocked = close_out(
        app,
        profile,
        "password.reset",
        &typed,
        Some(mode.as_str()),
        now,
    )
    .await?;
    mail(app, profile, to, &password, headers, now);
    super::post_action::fire(app, profile, sspr_profile, Action::Reset, now).await;
    done(
        app,
        &DonePage {
            tr: crate::i18n::Tr::current(),
            unlocked,
            kept_password: false,
            sent: true,
            expired: mode.expires(),
        },
    )
}

/// A new password the effective policy accepts (see the module docs).
async fn generated(
    app: &AppState,
    settings: &Settings,
    policy: &PasswordPolicy,
    profile: &Profile,
) -> Result<Password, PageError> {
    let generator = generator_policy(policy, forbidden(profile));
    for _ in 0..DRAWS {
        let drawn = generate(&generator, &mut OsRandom).map_err(|e| {
            PageError::Internal(format!(
                "FORGOTTEN_PASSWORD/RECOVERY_MODE: no password can be generated under \
                 PASSWORD_POLICY: {e}"
            ))
        })?;
        // ASCII: normalising changes nothing, but every stored password goes through it.
        let candidate = normalise(drawn.expose());
        let verdict = judge(app, settings, policy, profile, candidate.clone()).await?;
        if verdict.ok {
            return Ok(candidate);
        }
        tracing::debug!(
            refused_by = verdict.failures.len(),
            "a generated reset password was refused by the policy; drawing again"
        );
    }
    Err(PageError::Internal(format!(
        "FORGOTTEN_PASSWORD/RECOVERY_MODE: PASSWORD_POLICY refused {DRAWS} generated passwords \
         in a row; check its rules"
    )))
}

/// What a generated password may not contain: the login id, the words of the display name,
/// the given name, the surname and the mail's local part (shorter than 3 are ignored).
fn forbidden(profile: &Profile) -> Vec<String> {
    let mut words = vec![profile.login_id.to_string()];
    words.extend(profile.display_name.split_whitespace().map(str::to_owned));
    for name in ["givenName", "sn"] {
        words.extend(profile.attributes.first(name).map(str::to_owned));
    }
    if let Some((local, _)) = profile.email.as_deref().and_then(|m| m.split_once('@')) {
        words.push(local.to_owned());
    }
    words
}

/// Mails the password to the profile's address through the outgoing queue.
fn mail(
    app: &AppState,
    profile: &Profile,
    to: String,
    password: &Password,
    headers: &HeaderMap,
    now: OffsetDateTime,
) {
    // Declassified into the message text only: the queue carries it to the person.
    let vars = change_password::notice_vars(app, profile, headers, now)
        .with(Macro::Password, password.expose().to_owned());
    change_password::send_notice(app, profile, to, MessageKind::NewPassword, vars);
}
