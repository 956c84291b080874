//! `password` against the internal directory, and GENERIC_LOGIN_FAILURE's imitation of it.
//!
//! Both show the same prompt and, on a wrong answer, fail with the same reason after one
//! Argon2id verification and one store write, so an unknown user ID cannot be told from a
//! wrong password by the page, the status or the time.

use super::lockout::{self, Gate};
use super::{Context, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::ModuleDef;
use latchkey_core::repo::{CounterRepo, ProfileRepo};
use latchkey_core::secret::Password;
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
    // "Verify against target" mode: the password is checked on a target system instead.
    if module.settings.contains_key(super::agent::TARGET_SETTING) {
        return super::agent::agent(ctx, state, module, input).await;
    }
    let Some(pw) = input.and_then(|i| i.field("password")) else {
        return Ok(ask_password(&state.typed));
    };
    let pw = Password::new(pw);
    let Some(user) = state.user else {
        // Nobody identified (an earlier identification step failed): answer exactly like a
        // wrong password, at the same cost, so the page never tells which step it was.
        ctx.app
            .store
            .try_increment(DECOY_COUNTER, u64::MAX, OffsetDateTime::now_utc())
            .await?;
        ctx.app.directory.spend_decoy(pw).await?;
        return Ok(fail(reason::WRONG_PASSWORD));
    };
    let Some(profile) = ctx.app.store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    match lockout::reserve(ctx, module, &profile).await? {
        Gate::Broken(step) => Ok(step),
        Gate::Refuse => {
            ctx.app.directory.spend_decoy(pw).await?;
            Ok(fail(reason::LOCKED_OUT))
        }
        Gate::Evaluate(slot) => {
            let ok = ctx.app.directory.verify_profile(&profile, pw).await?;
            lockout::settle(ctx, slot, &profile, ok).await?;
            Ok(if ok {
                SUCCESS
            } else {
                fail(reason::WRONG_PASSWORD)
            })
        }
    }
}
