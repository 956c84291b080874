//! The global failure counter around a counting module's check (spec §4), shared by every
//! module that verifies something secret (password, TOTP, …).
//!
//! [`reserve`] takes a slot before the answer is looked at (so N parallel wrong answers never
//! get more than the allowed number of evaluations); [`settle`] gives the slot back on success,
//! and on the last allowed failure locks the profile.

use super::{Context, Step, error};
use crate::error::PageError;
use latchkey_core::chain::ModuleDef;
use latchkey_core::chain::lockout::{DEFAULT_MAX_FAILURES, LockoutPolicy, Reservation};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditEvent, AuditRepo, CounterRepo, ProfileRepo};
use latchkey_core::settings::NS_AUTH;
use time::OffsetDateTime;

/// A reserved evaluation: what [`settle`] needs afterwards.
#[derive(Debug, Clone)]
pub struct Slot {
    key: String,
    counted: bool,
    last_chance: bool,
    max_failures: u64,
}

/// What [`reserve`] decided.
#[derive(Debug)]
pub enum Gate {
    /// Check the answer, then call [`settle`] with the slot.
    Evaluate(Slot),
    /// Out of attempts: do not look at the answer (fail like a wrong one).
    Refuse,
    /// The settings could not be read: this Error outcome.
    Broken(Step),
}

/// Reserves one evaluation for `profile` (counted when the module increments the counter).
pub async fn reserve(
    ctx: &Context<'_>,
    module: &ModuleDef,
    profile: &Profile,
) -> Result<Gate, PageError> {
    let max_failures = match ctx.settings.u64(NS_AUTH, "MAX_USERAUTH_FAILURE") {
        Ok(v) => v.unwrap_or(DEFAULT_MAX_FAILURES),
        Err(e) => return Ok(Gate::Broken(error(e.to_string()))),
    };
    let policy = LockoutPolicy { max_failures };
    let reservation = if module.increment_lockout {
        let key = LockoutPolicy::counter_key(profile.id);
        let now = OffsetDateTime::now_utc();
        policy.reservation(
            ctx.app
                .store
                .try_increment(&key, policy.limit(), now)
                .await?,
        )
    } else if profile.locked {
        Reservation::Refuse
    } else {
        Reservation::Evaluate { last_chance: false }
    };
    Ok(match reservation {
        Reservation::Refuse => Gate::Refuse,
        Reservation::Evaluate { last_chance } => Gate::Evaluate(Slot {
            key: LockoutPolicy::counter_key(profile.id),
            counted: module.increment_lockout,
            last_chance,
            max_failures,
        }),
    })
}

/// Like [`reserve`], for a *locked* profile that a reset flow may still verify (`allow_locked`,
/// [`super::delivery::may_verify`]). The global counter is what locked it and would refuse
/// every try, so these tries count on a counter of their own, with the same maximum: a locked
/// account is never open to unbounded guessing.
pub async fn reserve_locked(ctx: &Context<'_>, profile: &Profile) -> Result<Gate, PageError> {
    let max_failures = match ctx.settings.u64(NS_AUTH, "MAX_USERAUTH_FAILURE") {
        Ok(v) => v.unwrap_or(DEFAULT_MAX_FAILURES),
        Err(e) => return Ok(Gate::Broken(error(e.to_string()))),
    };
    let key = format!("{}|locked-reset", LockoutPolicy::counter_key(profile.id));
    let now = OffsetDateTime::now_utc();
    Ok(
        match ctx.app.store.try_increment(&key, max_failures, now).await? {
            latchkey_core::repo::CounterAttempt::LimitReached => Gate::Refuse,
            latchkey_core::repo::CounterAttempt::Counted { .. } => Gate::Evaluate(Slot {
                key,
                counted: true,
                last_chance: false,
                max_failures,
            }),
        },
    )
}

/// Settles a reserved evaluation: a success gives the slot back; the failure of the last
/// chance locks the profile.
pub async fn settle(
    ctx: &Context<'_>,
    slot: Slot,
    profile: &Profile,
    success: bool,
) -> Result<(), PageError> {
    let store = &ctx.app.store;
    let now = OffsetDateTime::now_utc();
    if success {
        if slot.counted {
            store.decrement(&slot.key, now).await?;
        }
        return Ok(());
    }
    if slot.last_chance && !profile.locked {
        let mut locked = profile.clone();
        locked.locked = true;
        store.update_profile(&locked).await?;
        let event = AuditEvent {
            at: now,
            actor: None,
            action: "lockout".into(),
            subject: Some(profile.login_id.to_string()),
            detail: format!("{{\"max_failures\":{}}}", slot.max_failures),
        };
        if let Err(e) = store.append_audit(&event).await {
            tracing::error!(error = %e, "could not write the audit log");
        }
    }
    Ok(())
}
