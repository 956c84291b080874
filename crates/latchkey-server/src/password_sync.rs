//! A person's own password on their target-system accounts (`PASSWORD_SYNC / TARGETS`): the
//! change-password page and every self-service recovery set it there, in the listed order,
//! before the internal directory (the decisions and the failure rules are in
//! [`latchkey_core::target::sync`]).
//!
//! - [`set_password`] sets a new password: as the person on the change page, with the current
//!   password they typed, so the target applies its own rules for a user's change; as the
//!   service account in a recovery, after the reset chain verified them ([`By`]). When asked
//!   it marks the password must-change there too. It stops at the first target
//!   that fails and reports what was done.
//! - [`unlock`] lifts a lockout on every listed account that is locked; [`lock_state`] says
//!   whether any is locked, or wants its password changed (then unlocking alone is not
//!   offered). Both are best effort: a target that cannot be read is logged and counts as
//!   neither.
//!
//! Logs get the target, the account, the failure's class and the directory's own text; the
//! audit log gets targets and classes; the person gets [`Report::message`]. No password is in
//! any of them.

use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::change_password::audit;
use crate::state::AppState;
use axum::http::StatusCode;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AccountRepo, SettingsRepo};
use latchkey_core::secret::Password;
use latchkey_core::target::sync::{self, Report, Stop, SyncAccount};
use latchkey_core::target::{TargetConnector, TargetError};
use latchkey_targets::Connector;

/// The person's accounts on the listed targets, in order.
async fn accounts(app: &AppState, profile: &Profile) -> Result<Vec<SyncAccount>, PageError> {
    let settings = app.store.settings().await?;
    let targets = sync::sync_targets(&settings).map_err(PageError::Internal)?;
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let owned = app.store.accounts_of_owner(profile.id).await?;
    Ok(sync::plan(&targets, &owned))
}

/// What the person reads when the run stopped (None when it did not), in their language:
/// which systems took the password, which one stopped it and why; never an account name,
/// the directory's own text or a password.
pub fn message(tr: &Tr, report: &Report) -> Option<String> {
    let (target, stop) = report.stopped.as_ref()?;
    let target = target.as_str();
    let why = match stop {
        Stop::Refused(kind) => tr.t2(
            "sync-refused",
            ("target", &target),
            ("reason", &tr.of("target-refusal", kind.code())),
        ),
        Stop::Unavailable => tr.t1("sync-unavailable", "target", target),
    };
    Some(if report.applied.is_empty() {
        format!("{} {why}", tr.t("sync-not-changed"))
    } else {
        let done: Vec<&str> = report.applied.iter().map(|t| t.as_str()).collect();
        format!(
            "{} {why} {}",
            tr.t1("sync-partly", "done", done.join(", ")),
            tr.t("sync-choose-again")
        )
    })
}

/// The status of a page that says a target stopped the password: the person's input for a
/// policy refusal, the target's availability otherwise.
pub fn status(report: &Report) -> StatusCode {
    match report.stopped {
        Some((_, Stop::Unavailable)) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The connector of `account`'s target, or why there is none.
async fn connector(app: &AppState, account: &SyncAccount) -> Result<Connector, TargetError> {
    match app
        .connectors
        .get(&app.store, app.master_key.as_ref(), &account.target)
        .await
    {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(TargetError::Config(format!(
            "target {} is listed in PASSWORD_SYNC / TARGETS but not defined",
            account.target
        ))),
        Err(e) => Err(TargetError::Config(e.to_string())),
    }
}

/// Who sets the password on a target. (`Debug` is safe: a [`Password`] prints redacted.)
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// The person, with the current password they just proved to us: the target applies its
    /// rules for a user's own change (history, quality, minimum age). An account whose
    /// password on the target is not the current one (they drifted apart) is set by the
    /// service account instead, and the log says so.
    Person {
        /// The current password.
        current: &'a Password,
    },
    /// The service account: a reset after the reset chain verified the person.
    Service,
}

/// Sets `new` on the person's accounts (see the module docs); `must_change` also marks it
/// expired there. `why` names the operation in the audit log (`change`, `reset`, `send`).
pub async fn set_password(
    app: &AppState,
    profile: &Profile,
    by: By<'_>,
    new: &Password,
    must_change: bool,
    why: &str,
) -> Result<Report, PageError> {
    let mut report = Report::default();
    for account in accounts(app, profile).await? {
        let result = match connector(app, &account).await {
            Ok(c) => set_one(&c, &account.account, by, new, must_change).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                if !report.applied.contains(&account.target) {
                    report.applied.push(account.target.clone());
                }
            }
            Err(TargetError::NoSuchAccount(_)) => {
                tracing::warn!(target = %account.target, account = %account.account,
                    "the target no longer has this account: skipped (run discovery again)");
            }
            Err(e) => {
                log_failure(&account, &e);
                report.stopped = Some((account.target.clone(), Stop::of(&e)));
                break;
            }
        }
    }
    if !report.applied.is_empty() || report.stopped.is_some() {
        let detail = serde_json::json!({
            "operation": why,
            "applied": report.applied.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "stopped": report.stopped.as_ref().map(|(t, _)| t.as_str()),
            "why": report.stopped.as_ref().map(|(_, stop)| stop.as_str()),
        });
        audit(app, profile, "password.sync", detail.to_string()).await;
    }
    Ok(report)
}

async fn set_one(
    connector: &Connector,
    account: &str,
    by: By<'_>,
    new: &Password,
    must_change: bool,
) -> Result<(), TargetError> {
    match by {
        By::Service => connector.set_password(account, new).await?,
        By::Person { current } => match connector.change_password(account, current, new).await {
            Err(TargetError::BadCredentials) => {
                tracing::warn!(
                    account,
                    "the account's password on the target was not the \
                    person's current one: set by the service account instead"
                );
                connector.set_password(account, new).await?;
            }
            other => other?,
        },
    }
    if must_change && let Err(e) = connector.expire(account).await {
        // The password is set: the run goes on, but the operator must know the mark is missing.
        tracing::error!(account, class = e.class(), error = %e,
            "the new password was set but could not be marked must-change on the target");
    }
    Ok(())
}

fn log_failure(account: &SyncAccount, e: &TargetError) {
    let directory = match e {
        TargetError::Refused(r) => r.directory_message.as_str(),
        _ => "",
    };
    tracing::warn!(target = %account.target, account = %account.account, class = e.class(),
        error = %e, directory, "a target did not take the person's new password");
}

/// What the person's target accounts say about locking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockState {
    /// At least one account is locked.
    pub locked: bool,
    /// At least one account wants its password changed (or has expired): keeping the password
    /// would not let the person in.
    pub must_change: bool,
}

/// Reads every listed account's state (see the module docs).
pub async fn lock_state(app: &AppState, profile: &Profile) -> Result<LockState, PageError> {
    let mut out = LockState::default();
    for account in accounts(app, profile).await? {
        let read = match connector(app, &account).await {
            Ok(c) => c.read_account(&account.account).await,
            Err(e) => Err(e),
        };
        match read {
            Ok(entry) => {
                out.locked |= entry.state.locked;
                out.must_change |= entry.state.must_change || entry.state.expired;
            }
            Err(e) => tracing::warn!(target = %account.target, account = %account.account,
                class = e.class(), error = %e, "cannot read the account's lock state"),
        }
    }
    Ok(out)
}

/// Unlocks every listed account that is locked; how many were. Failures are logged.
pub async fn unlock(app: &AppState, profile: &Profile) -> Result<usize, PageError> {
    let mut unlocked = 0;
    for account in accounts(app, profile).await? {
        let connector = match connector(app, &account).await {
            Ok(c) => c,
            Err(e) => {
                log_failure(&account, &e);
                continue;
            }
        };
        let result = match connector.read_account(&account.account).await {
            Ok(entry) if entry.state.locked => connector.unlock(&account.account).await.map(|()| 1),
            Ok(_) => Ok(0),
            Err(e) => Err(e),
        };
        match result {
            Ok(n) => unlocked += n,
            Err(e) => tracing::warn!(target = %account.target, account = %account.account,
                class = e.class(), error = %e, "cannot unlock the account on the target"),
        }
    }
    Ok(unlocked)
}
