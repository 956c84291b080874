//! `password` against the internal directory, and GENERIC_LOGIN_FAILURE's imitation of it.
//!
//! Both show the same prompt and, on a wrong answer, fail with the same reason after one
//! Argon2id verification and one store write, so an unknown user ID cannot be told from a
//! wrong password by the page, the status or the time.

use super::{Context, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::ModuleDef;
use latchkey_core::chain::lockout::{DEFAULT_MAX_FAILURES, LockoutPolicy, Reservation};
use latchkey_core::repo::{AuditEvent, AuditRepo, CounterRepo, ProfileRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::NS_AUTH;
use time::OffsetDateTime;

/// Shared counter that unknown user IDs increment, so their path costs the same store write
/// as a known user's lockout reservation.
const DECOY_COUNTER: &str = "authfail:unknown-user";

/// The password prompt (the same for a real and an imitated check).
pub fn ask_password(typed: &str) -> Step {
    Step::Ask(Prompt {
        title: "Enter your password".into(),
        intro: format!("Signing in as {typed}."),
        fields: vec![Field::secret("password", "Password", "current-password")],
        submit: "Sign in".into(),
        username: typed.to_owned(),
        ..Prompt::default()
    })
}

/// `generic_failure`: asks for a password and fails like a wrong one.
pub async fn generic_failure(
    ctx: &Context<'_>,
    state: &LoginState,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(pw) = input.and_then(|i| i.field("password")) else {
        return Ok(ask_password(&state.typed));
    };
    ctx.app
        .store
        .try_increment(DECOY_COUNTER, u64::MAX, OffsetDateTime::now_utc())
        .await?;
    ctx.app.directory.spend_decoy(Password::new(pw)).await?;
    Ok(fail(reason::WRONG_PASSWORD))
}

/// `password`: checks the identified user's password, with an exact lockout reservation.
pub async fn password(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(pw) = input.and_then(|i| i.field("password")) else {
        return Ok(ask_password(&state.typed));
    };
    let pw = Password::new(pw);
    let store = &ctx.app.store;
    let Some(user) = state.user else {
        return Ok(error("the password module needs an identified user"));
    };
    let Some(mut profile) = store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    let max_failures = match ctx.settings.u64(NS_AUTH, "MAX_USERAUTH_FAILURE") {
        Ok(v) => v.unwrap_or(DEFAULT_MAX_FAILURES),
        Err(e) => return Ok(error(e.to_string())),
    };
    let policy = LockoutPolicy { max_failures };
    let key = LockoutPolicy::counter_key(profile.id);
    let now = OffsetDateTime::now_utc();
    let reservation = if module.increment_lockout {
        policy.reservation(store.try_increment(&key, policy.limit(), now).await?)
    } else if profile.locked {
        Reservation::Refuse
    } else {
        Reservation::Evaluate { last_chance: false }
    };
    match reservation {
        Reservation::Refuse => {
            ctx.app.directory.spend_decoy(pw).await?;
            Ok(fail(reason::LOCKED_OUT))
        }
        Reservation::Evaluate { last_chance } => {
            if ctx.app.directory.verify_profile(&profile, pw).await? {
                if module.increment_lockout {
                    store.decrement(&key, now).await?;
                }
                return Ok(SUCCESS);
            }
            if last_chance && !profile.locked {
                profile.locked = true;
                store.update_profile(&profile).await?;
                let event = AuditEvent {
                    at: now,
                    actor: None,
                    action: "lockout".into(),
                    subject: Some(profile.login_id.to_string()),
                    detail: format!("{{\"max_failures\":{max_failures}}}"),
                };
                if let Err(e) = store.append_audit(&event).await {
                    tracing::error!(error = %e, "could not write the audit log");
                }
            }
            Ok(fail(reason::WRONG_PASSWORD))
        }
    }
}
