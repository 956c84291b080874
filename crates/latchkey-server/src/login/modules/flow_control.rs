//! Identification and the flow-control modules of STANDARD_TWO-PHASE_LOGIN_FLOW.

use super::{Context, IGNORE, Input, Step, error, fail, generic_failure_on, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::{ChainDef, ChainId, ModuleDef, ModuleResult, builtin};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::ProfileRepo;

fn enter(chain: &str) -> Step {
    match ChainId::new(chain) {
        Ok(id) => Step::Done(ModuleResult::Enter(id)),
        Err(e) => error(e.to_string()),
    }
}

/// The prompt asking for a user ID.
fn ask_user_id(typed: &str) -> Step {
    Step::Ask(Prompt {
        title: "Sign in".into(),
        intro: "Enter your user ID.".into(),
        fields: vec![Field::text("user", "User ID", "username", typed)],
        submit: "Continue".into(),
        ..Prompt::default()
    })
}

/// `user_ident`: the login id, from `?USERID=` once or from the form.
pub async fn identify_user(
    ctx: &Context<'_>,
    state: &mut LoginState,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    if let Some(found) = state.preidentified.take() {
        // `/forgot` found this person with its search form and started their profile's chain.
        return Ok(match ctx.app.store.profile_by_id(found).await? {
            Some(p) => identified(state, p.id),
            None => unknown(state),
        });
    }
    let from_link = if state.userid_used {
        None
    } else {
        state.param("USERID").map(str::to_owned)
    };
    let typed = match (from_link, input.and_then(|i| i.field("user"))) {
        (Some(id), _) => {
            state.userid_used = true;
            id
        }
        (None, Some(typed)) => typed.to_owned(),
        (None, None) => return Ok(ask_user_id(&state.typed)),
    };
    state.typed = typed.trim().chars().take(256).collect();
    let profile = match LoginId::new(&state.typed) {
        Ok(login) => ctx.app.store.profile_by_login(&login).await?,
        Err(_) => None,
    };
    Ok(match profile {
        Some(p) => identified(state, p.id),
        None => unknown(state),
    })
}

fn identified(state: &mut LoginState, user: ProfileId) -> Step {
    // Successes replayed on retry belong to the user who earned them.
    if state.bypass_user != Some(user) {
        state.flow.bypass.clear();
    }
    state.user = Some(user);
    state.recognised_browser = state.request.device_user == Some(user);
    super::SUCCESS
}

fn unknown(state: &mut LoginState) -> Step {
    state.user = None;
    state.recognised_browser = false;
    state.flow.bypass.clear();
    fail(reason::UNKNOWN_USER)
}

/// `identify`: runs the identification chain.
pub fn identify(module: &ModuleDef) -> Step {
    enter(ChainDef::setting(module, "chain").unwrap_or(builtin::USER_IDENTIFICATION))
}

/// `ident_ctrl`: identified → nothing; otherwise the chain in its `chain` setting, or (generic
/// login failure off) a failure.
pub fn ident_ctrl(ctx: &Context<'_>, state: &LoginState, module: &ModuleDef) -> Step {
    if state.user.is_some() {
        return IGNORE;
    }
    if let Some(chain) = ChainDef::setting(module, "chain") {
        return enter(chain);
    }
    match generic_failure_on(ctx.settings) {
        Ok(true) => IGNORE,
        Ok(false) => fail(reason::UNKNOWN_USER),
        Err(e) => error(e),
    }
}

/// `glf_control`: the unidentified go to GENERIC_LOGIN_FAILURE when it is on.
pub fn glf_control(ctx: &Context<'_>, state: &LoginState) -> Step {
    match (state.user.is_some(), generic_failure_on(ctx.settings)) {
        (_, Err(e)) => error(e),
        (false, Ok(true)) => enter(builtin::GENERIC_LOGIN_FAILURE),
        _ => IGNORE,
    }
}

/// `cgijump`: the page to go to after login must be a path on this site.
pub fn cgijump(state: &LoginState) -> Step {
    match state.param("next") {
        None => IGNORE,
        // The same rule the redirect after login applies (no `//`, no `/\t/`, no backslash).
        Some(next) if crate::stepup::safe_next(next).is_some() => IGNORE,
        Some(_) => fail("destination not allowed"),
    }
}
