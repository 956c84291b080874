//! Evaluating modules: the IO half of each module type the engine asks for.
//!
//! Every evaluation returns the engine's [`ModuleResult`]; anything that goes wrong while
//! deciding (a setting that does not parse, a rule that cannot be evaluated, a module type this
//! build does not have) is an `Error` outcome, which never allows.

use super::facts;
use super::state::LoginState;
use crate::error::PageError;
use crate::state::AppState;
use latchkey_core::chain::lockout::{LockoutPolicy, Reservation};
use latchkey_core::chain::selector::{self, SelectorRule};
use latchkey_core::chain::{
    ChainDef, ChainId, Chains, ModuleDef, ModuleResult, ModuleType, Resolved, builtin, chain_list,
};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AuditEvent, AuditRepo, CounterRepo, ProfileRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::{NS_AUTH, Settings};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Reasons recorded for failures (audit log only; people see one generic message).
pub mod reason {
    /// No profile with that user ID.
    pub const UNKNOWN_USER: &str = "unknown user id";
    /// Wrong password (also what the generic failure reports).
    pub const WRONG_PASSWORD: &str = "wrong password";
    /// Out of attempts.
    pub const LOCKED_OUT: &str = "locked out";
}

/// Shared counter that unknown user IDs increment, so their path costs the same store write
/// as a known user's lockout reservation.
const DECOY_COUNTER: &str = "authfail:unknown-user";

/// Form fields posted for the current step.
#[derive(Debug, Default, Clone)]
pub struct Input {
    fields: BTreeMap<String, String>,
}

impl Input {
    /// From the posted fields.
    pub fn new(fields: BTreeMap<String, String>) -> Self {
        Self { fields }
    }

    /// A field's value, if posted.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// What evaluation needs besides the module.
#[derive(Debug)]
pub struct Context<'a> {
    /// Server state.
    pub app: &'a AppState,
    /// Settings table snapshot.
    pub settings: &'a Settings,
    /// Chains in effect.
    pub chains: &'a Chains,
    /// Selector rules.
    pub rules: &'a [SelectorRule],
}

fn error(reason: impl Into<String>) -> ModuleResult {
    ModuleResult::Outcome(Resolved::Error(reason.into()))
}

fn fail(reason: &str) -> ModuleResult {
    ModuleResult::Outcome(Resolved::Fail(reason.to_owned()))
}

const IGNORE: ModuleResult = ModuleResult::Outcome(Resolved::Ignore);

/// Is generic login failure on (default yes)?
fn generic_failure_on(settings: &Settings) -> Result<bool, String> {
    settings
        .bool(NS_AUTH, "GENERIC_LOGIN_FAILURE")
        .map(|v| v.unwrap_or(true))
        .map_err(|e| e.to_string())
}

/// Evaluates `module` with the input posted for it (if any).
pub async fn evaluate(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<ModuleResult, PageError> {
    Ok(match module.kind {
        ModuleType::UserIdent => identify_user(ctx, state, input).await?,
        ModuleType::Identify => {
            let chain = ChainDef::setting(module, "chain").unwrap_or(builtin::USER_IDENTIFICATION);
            match ChainId::new(chain) {
                Ok(id) => ModuleResult::Enter(id),
                Err(e) => error(e.to_string()),
            }
        }
        ModuleType::IdentCtrl => {
            if state.user.is_some() {
                IGNORE
            } else if let Some(chain) = ChainDef::setting(module, "chain") {
                match ChainId::new(chain) {
                    Ok(id) => ModuleResult::Enter(id),
                    Err(e) => error(e.to_string()),
                }
            } else {
                match generic_failure_on(ctx.settings) {
                    Ok(true) => IGNORE,
                    Ok(false) => fail(reason::UNKNOWN_USER),
                    Err(e) => error(e),
                }
            }
        }
        ModuleType::GlfControl => match (state.user.is_some(), generic_failure_on(ctx.settings)) {
            (_, Err(e)) => error(e),
            (false, Ok(true)) => match ChainId::new(builtin::GENERIC_LOGIN_FAILURE) {
                Ok(id) => ModuleResult::Enter(id),
                Err(e) => error(e.to_string()),
            },
            _ => IGNORE,
        },
        ModuleType::CgiJump => match state.param("next") {
            None => IGNORE,
            Some(next)
                if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') =>
            {
                IGNORE
            }
            Some(_) => fail("destination not allowed"),
        },
        ModuleType::SelectChain => select(ctx, state, module).await?,
        ModuleType::GenericFailure => match input.and_then(|i| i.field("password")) {
            None => ModuleResult::Pending,
            Some(pw) => {
                ctx.app
                    .store
                    .try_increment(DECOY_COUNTER, u64::MAX, OffsetDateTime::now_utc())
                    .await?;
                ctx.app.directory.spend_decoy(Password::new(pw)).await?;
                fail(reason::WRONG_PASSWORD)
            }
        },
        ModuleType::Password => match input.and_then(|i| i.field("password")) {
            None => ModuleResult::Pending,
            Some(pw) => password(ctx, state, module, Password::new(pw)).await?,
        },
        other => error(format!(
            "module type {other} is not available in this version"
        )),
    })
}

async fn identify_user(
    ctx: &Context<'_>,
    state: &mut LoginState,
    input: Option<&Input>,
) -> Result<ModuleResult, PageError> {
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
        (None, None) => return Ok(ModuleResult::Pending),
    };
    state.typed = typed.trim().chars().take(256).collect();
    let profile = match LoginId::new(&state.typed) {
        Ok(login) => ctx.app.store.profile_by_login(&login).await?,
        Err(_) => None,
    };
    Ok(match profile {
        Some(p) => {
            // Successes replayed on retry belong to the user who earned them.
            if state.bypass_user != Some(p.id) {
                state.flow.bypass.clear();
            }
            state.user = Some(p.id);
            ModuleResult::Outcome(Resolved::Success)
        }
        None => {
            state.user = None;
            state.flow.bypass.clear();
            fail(reason::UNKNOWN_USER)
        }
    })
}

async fn select(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
) -> Result<ModuleResult, PageError> {
    let (available, initial) = match (
        chain_list(module.settings.get("available").map(String::as_str)),
        chain_list(module.settings.get("initial").map(String::as_str)),
    ) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(e), _) | (_, Err(e)) => return Ok(error(e.to_string())),
    };
    let mut state_facts = BTreeMap::new();
    if state.user.is_some() {
        state_facts.insert("IDENTIFIED".to_owned(), "1".to_owned());
    }
    let facts = facts::gather(&ctx.app.store, &state.request, state.user, state_facts).await?;
    let selection = match selector::select(ctx.rules, module.cfg_id, &initial, &available, &facts) {
        Ok(s) => s,
        Err(e) => return Ok(error(e.to_string())),
    };
    let chains: Vec<ChainId> = selection
        .chains
        .into_iter()
        .filter(|c| ctx.chains.is_available(c))
        .collect();
    if let Some(asked) = state.param("PSF_EXT").and_then(|p| ChainId::new(p).ok())
        && available.contains(&asked)
    {
        return Ok(if chains.contains(&asked) {
            ModuleResult::Enter(asked)
        } else {
            fail("the requested sign-in method is not available")
        });
    }
    Ok(match chains.as_slice() {
        [] => ModuleResult::Outcome(Resolved::Fail(
            selection
                .error_msg
                .unwrap_or_else(|| "no sign-in method is available".into()),
        )),
        [one] => ModuleResult::Enter(one.clone()),
        _ => ModuleResult::Offer(chains),
    })
}

async fn password(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    pw: Password,
) -> Result<ModuleResult, PageError> {
    let store = &ctx.app.store;
    let Some(user) = state.user else {
        return Ok(error("the password module needs an identified user"));
    };
    let Some(mut profile) = store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    let max_failures = match ctx.settings.u64(NS_AUTH, "MAX_USERAUTH_FAILURE") {
        Ok(v) => v.unwrap_or(latchkey_core::chain::lockout::DEFAULT_MAX_FAILURES),
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
                return Ok(ModuleResult::Outcome(Resolved::Success));
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
