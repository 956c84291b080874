//! Password synchronisation: a person's own password change or self-service reset is set on
//! their accounts on the target systems the operator lists (`PASSWORD_SYNC / TARGETS`, in that
//! order), and only then in the internal directory.
//!
//! Decisions only: [`sync_targets`] reads the list from the settings, [`plan`] picks the
//! person's account on each listed target (discovery associated them), and [`Report`] turns
//! what each target answered into what the person reads. The server calls the connectors.
//!
//! # Order and failure
//! Targets are set one after the other, in the configured order, and the first failure stops
//! the run: the targets before it have the new password, the ones after it and the internal
//! directory keep the old one. The person reads which systems took the new password and, in
//! plain words, why the failing one did not (which rule of its password policy, or that it
//! could not be reached), and may try again with another password: setting a password again on the targets
//! that already took one is harmless. A listed target where the person has no account is
//! skipped; so is an account the target no longer has (logged: discovery is out of date).

use super::error::{RefusalKind, TargetError};
use crate::account::Account;
use crate::ids::TargetId;
use crate::settings::Settings;

/// The namespace of the synchronisation settings.
pub const NS_PASSWORD_SYNC: &str = "PASSWORD_SYNC";
/// The repeatable setting listing the targets.
pub const TARGETS: &str = "TARGETS";

/// The targets a person's own password goes to, in order, without repeats. An entry that is
/// not a target id is an error naming it.
pub fn sync_targets(settings: &Settings) -> Result<Vec<TargetId>, String> {
    let mut out: Vec<TargetId> = Vec::new();
    for raw in settings.values(NS_PASSWORD_SYNC, TARGETS) {
        let id = TargetId::new(raw.trim()).map_err(|e| {
            format!("{NS_PASSWORD_SYNC} / {TARGETS}: {raw:?} is not a target id: {e}")
        })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// One account a password goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAccount {
    /// The target.
    pub target: TargetId,
    /// The account's name there (DN, role name).
    pub account: String,
}

/// The person's account on each listed target that has one, in the listed order. A target
/// with several accounts of the person (discovery allows it for different account types)
/// gets each of them, in name order.
pub fn plan(targets: &[TargetId], accounts: &[Account]) -> Vec<SyncAccount> {
    let mut out = Vec::new();
    for target in targets {
        let mut names: Vec<&str> = accounts
            .iter()
            .filter(|a| a.target_id == *target)
            .map(|a| a.account_name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        out.extend(names.into_iter().map(|name| SyncAccount {
            target: target.clone(),
            account: name.to_owned(),
        }));
    }
    out
}

/// Why a target did not take the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its password policy refused it: the person can choose another.
    Refused(RefusalKind),
    /// It failed otherwise (unreachable, timeout, permission, configuration): the person can
    /// only try again later.
    Unavailable,
}

impl Stop {
    /// Classifies a connector's failure.
    pub fn of(error: &TargetError) -> Self {
        match error {
            TargetError::Refused(refusal) => Stop::Refused(refusal.kind),
            _ => Stop::Unavailable,
        }
    }

    /// A short stable name (`refused`, `unavailable`) for the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::Refused(_) => "refused",
            Stop::Unavailable => "unavailable",
        }
    }
}

/// What a synchronisation did. The person is told [`Report::applied`] and, when it stopped,
/// which target stopped it and why (the server words it in their language); never an account
/// name, the directory's own text or a password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Targets that took the new password, in order.
    pub applied: Vec<TargetId>,
    /// The target that stopped the run, and why.
    pub stopped: Option<(TargetId, Stop)>,
}

impl Report {
    /// Every listed account took the password.
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

#[cfg(test)]
#[path = "sync_tests.rs"]
mod tests;
