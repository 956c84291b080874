//! `agent`: the password checked on a target system (an LDAP directory, Active Directory,
//! PostgreSQL) by its connector, for the identified user's account there. The `password`
//! module does the same when its settings name a `target` ("verify against target" mode).
//!
//! Settings: `target` — the id of a defined target (`latchkey targets add`). The account is the
//! one discovery associated with the profile on that target.
//!
//! Outcomes: the target accepts the password → success (also when it wants the password
//! changed: the person proved they know it). A wrong password, or an account that is locked,
//! disabled, expired or missing there → fail, like a wrong password, and counted toward lockout.
//! The target unreachable, timing out or misconfigured → an error outcome, which denies but is
//! not counted against the person.

use super::lockout::{self, Gate};
use super::password::ask_password;
use super::{Context, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::state::LoginState;
use latchkey_core::chain::ModuleDef;
use latchkey_core::ids::TargetId;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AccountRepo, CounterRepo, ProfileRepo};
use latchkey_core::secret::Password;
use latchkey_core::target::{TargetConnector, TargetError};
use time::OffsetDateTime;

/// The setting naming the target.
pub const TARGET_SETTING: &str = "target";

/// What the target said about a password.
enum Check {
    Valid,
    Invalid,
    Broken(String),
}

/// Checks `password` for `profile`'s account on target `target`.
async fn check(ctx: &Context<'_>, target: &str, profile: &Profile, password: &Password) -> Check {
    let Ok(id) = TargetId::new(target) else {
        return Check::Broken(format!("{target:?} is not a target id"));
    };
    let account = match ctx.app.store.accounts_of_owner(profile.id).await {
        Ok(accounts) => accounts.into_iter().find(|a| a.target_id == id),
        Err(e) => return Check::Broken(e.to_string()),
    };
    let Some(account) = account else {
        // No account there: for the person, the same as a wrong password.
        return Check::Invalid;
    };
    let connector = match ctx
        .app
        .connectors
        .get(&ctx.app.store, ctx.app.master_key.as_ref(), &id)
        .await
    {
        Ok(Some(c)) => c,
        Ok(None) => return Check::Broken(format!("no target {id} is defined")),
        Err(e) => return Check::Broken(e.to_string()),
    };
    match connector
        .verify_password(&account.account_name, password)
        .await
    {
        Ok(_) => Check::Valid,
        Err(
            TargetError::BadCredentials
            | TargetError::Locked
            | TargetError::Disabled
            | TargetError::Expired
            | TargetError::MustChange
            | TargetError::Restricted(_)
            | TargetError::NoSuchAccount(_),
        ) => Check::Invalid,
        Err(e) => {
            tracing::warn!(target = %id, class = e.class(), error = %e, "target check failed");
            Check::Broken(format!("target {id}: {e}"))
        }
    }
}

/// `agent` (and `password` with a `target` setting).
pub async fn agent(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(target) = module.settings.get(TARGET_SETTING) else {
        return Ok(error("the agent module needs a `target` setting"));
    };
    let Some(pw) = input.and_then(|i| i.field("password")) else {
        return Ok(ask_password(&state.typed));
    };
    let pw = Password::new(pw);
    let Some(user) = state.user else {
        // Nobody identified: answer like a wrong password, at the internal check's cost.
        ctx.app
            .store
            .try_increment("authfail:unknown-user", u64::MAX, OffsetDateTime::now_utc())
            .await?;
        ctx.app.directory.spend_decoy(pw).await?;
        return Ok(fail(reason::WRONG_PASSWORD));
    };
    let Some(profile) = ctx.app.store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    match lockout::reserve(ctx, module, &profile).await? {
        Gate::Broken(step) => Ok(step),
        Gate::Refuse => Ok(fail(reason::LOCKED_OUT)),
        Gate::Evaluate(slot) => match check(ctx, target, &profile, &pw).await {
            Check::Valid => {
                lockout::settle(ctx, slot, &profile, true).await?;
                Ok(SUCCESS)
            }
            Check::Invalid => {
                lockout::settle(ctx, slot, &profile, false).await?;
                Ok(fail(reason::WRONG_PASSWORD))
            }
            Check::Broken(why) => {
                // Not the person's failure: the reserved attempt is given back.
                lockout::settle(ctx, slot, &profile, true).await?;
                Ok(error(why))
            }
        },
    }
}
