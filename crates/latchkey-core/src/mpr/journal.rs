//! The per-account journal of a run: a durable state machine, and the decisions that move it.
//!
//! ```text
//! planned ─generate─▶ generated ─apply─▶ applied ─vault commit─▶ committed ─verify─▶ verified
//!                        ▲   │ refused (fresh password)           (or final when not verified)
//!                        └───┘
//!          generated / retryable ─ uncertain or unreachable ─▶ retryable ─ budget spent ─▶ orphaned
//!          any ─ permanent error or refusals spent ─▶ failed        planned ─ cancelled ─▶ skipped
//! ```
//!
//! The rules of spec/mass-reset.md, as code:
//! 1. `generated` is written (the password sealed, committed) before the target is touched; the
//!    entry counts a *send* from then on, because a crash may come at any time after.
//! 2. An entry that may have been sent ([`Entry::sends`] > 0) is *confirmed* before anything else:
//!    bind with the pending password — holds → `applied`; does not hold → apply the same
//!    password again. Never a new password.
//! 3. An uncertain outcome (timeout, lost connection after sending) is not a failure: it becomes
//!    `retryable` with the same pending password, and the next step is a confirmation.
//! 4. A policy refusal proves the target did not take the password: a fresh one is generated
//!    (the only case where a pending password is discarded, rule 5).
//! 6. The store's per-account lock keeps two runs off one account; the runner takes it before
//!    `generate` and gives it back when the entry reaches a final state.
//!
//! The functions here are pure; the runner in `latchkey-server` does the IO and writes the
//! resulting [`Transition`]s in batches.

use super::report::{Outcome, Phase};
use crate::ids::{AccountId, MprJobId, ProfileId, TargetId, VaultItemId};
use crate::secretbox::Sealed;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Where one account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryState {
    /// In the plan; nothing done yet.
    Planned,
    /// A new password is sealed in the journal (and may have been sent).
    Generated,
    /// The target holds the pending password.
    Applied,
    /// The vault item holds it; the pending copy is gone.
    Committed,
    /// A bind with the vault's password succeeded.
    Verified,
    /// A transient failure; the same pending password is confirmed, then applied again.
    Retryable,
    /// Refused for good (policy refusals spent, no such account, no permission).
    Failed,
    /// The retry budget is spent with a password possibly on the target: an operator decides
    /// (`mpr resume` grants a new budget). The pending password is kept.
    Orphaned,
    /// Not done: cancelled before it started, or out of scope (no owner, no vault item).
    Skipped,
}

impl EntryState {
    /// Every state.
    pub const ALL: [Self; 9] = [
        Self::Planned,
        Self::Generated,
        Self::Applied,
        Self::Committed,
        Self::Verified,
        Self::Retryable,
        Self::Failed,
        Self::Orphaned,
        Self::Skipped,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Generated => "generated",
            Self::Applied => "applied",
            Self::Committed => "committed",
            Self::Verified => "verified",
            Self::Retryable => "retryable",
            Self::Failed => "failed",
            Self::Orphaned => "orphaned",
            Self::Skipped => "skipped",
        }
    }

    /// Nothing more happens to the account in this run (an orphaned entry waits for an
    /// operator, so it is final until `resume`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Verified | Self::Failed | Self::Orphaned | Self::Skipped
        )
    }

    /// Holds a pending password that must not be lost.
    pub fn holds_pending(self) -> bool {
        matches!(
            self,
            Self::Generated | Self::Applied | Self::Retryable | Self::Orphaned
        )
    }
}

impl fmt::Display for EntryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown journal state {s:?}"))
    }
}

/// One account of a run, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The run.
    pub job: MprJobId,
    /// The account.
    pub account: AccountId,
    /// Its target.
    pub target: TargetId,
    /// Its name there.
    pub account_name: String,
    /// Its owner.
    pub owner: Option<ProfileId>,
    /// Its vault item (resets: from the plan; onboarding: once created).
    pub vault_item: Option<VaultItemId>,
    /// Where it is.
    pub state: EntryState,
    /// The new password, sealed with the journal key, until the vault holds it.
    pub pending: Option<Sealed>,
    /// Times the pending password may have reached the target.
    pub sends: u32,
    /// Transient failures so far.
    pub attempts: u32,
    /// Policy refusals so far.
    pub refusals: u32,
    /// The last thing the target said (never a password).
    pub message: Option<String>,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl Entry {
    /// Takes a decided transition (in memory; the runner writes it with the batch).
    pub fn advance(&mut self, t: &Transition) {
        self.state = t.state;
        self.sends = t.sends;
        self.attempts = t.attempts;
        self.refusals = t.refusals;
        self.message.clone_from(&t.message);
        if t.pending == Pending::Clear {
            self.pending = None;
        }
    }
}

/// What the runner does next for an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Draw and seal a new password.
    Generate,
    /// Send the pending password to the target.
    Apply,
    /// Bind with the pending password to learn whether an earlier send took effect.
    Confirm,
    /// Write the pending password into the vault item.
    Commit,
    /// Bind with the vault's password.
    Verify,
    /// Nothing (final state, or committed without verification).
    Done,
}

/// What the runner does next for `entry`.
pub fn next_step(entry: &Entry, verify: bool) -> NextStep {
    match entry.state {
        EntryState::Planned => NextStep::Generate,
        EntryState::Generated | EntryState::Retryable if entry.pending.is_none() => {
            NextStep::Generate
        }
        EntryState::Generated | EntryState::Retryable if entry.sends > 0 => NextStep::Confirm,
        EntryState::Generated | EntryState::Retryable => NextStep::Apply,
        EntryState::Applied => NextStep::Commit,
        EntryState::Committed if verify => NextStep::Verify,
        EntryState::Committed
        | EntryState::Verified
        | EntryState::Failed
        | EntryState::Orphaned
        | EntryState::Skipped => NextStep::Done,
    }
}

/// What a password change on the target came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The target confirmed it.
    Applied,
    /// The target's policy refused this password (its message).
    Refused(String),
    /// Sent, but no answer (timeout, connection lost): it may or may not have taken effect.
    Uncertain(String),
    /// Not sent: the target could not be reached.
    NotSent(String),
    /// Will never work: no such account, no permission, bad definition.
    Permanent(String),
}

/// What a bind with a password proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The target holds it (the bind succeeded, perhaps with "must change").
    Holds,
    /// The target does not hold it (wrong password).
    DoesNotHold,
    /// Nothing proven (unreachable, timeout, account locked or disabled): its reason.
    Unknown(String),
}

/// The limits of a run that decisions need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// Transient failures before `orphaned`.
    pub retries: u32,
    /// Refusals before `failed`.
    pub refusals: u32,
}

/// Whether the pending password stays, goes, or is replaced by a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Unchanged.
    Keep,
    /// Dropped: the vault holds it now, or the target proved it never took it.
    Clear,
}

/// A decided change to one entry, with the report rows it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The new state.
    pub state: EntryState,
    /// What happens to the pending password.
    pub pending: Pending,
    /// New send count.
    pub sends: u32,
    /// New transient-failure count.
    pub attempts: u32,
    /// New refusal count.
    pub refusals: u32,
    /// What the target said, for the operator.
    pub message: Option<String>,
    /// Report rows: phase, outcome, message.
    pub report: Vec<(Phase, Outcome, String)>,
}

impl Transition {
    fn from(entry: &Entry, state: EntryState) -> Self {
        Self {
            state,
            pending: Pending::Keep,
            sends: entry.sends,
            attempts: entry.attempts,
            refusals: entry.refusals,
            message: entry.message.clone(),
            report: Vec::new(),
        }
    }

    fn row(mut self, phase: Phase, outcome: Outcome, message: impl Into<String>) -> Self {
        self.report.push((phase, outcome, message.into()));
        self
    }

    fn say(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// A transient failure: retry with the same password, or orphan the entry when the budget is
/// spent. The pending password is kept either way.
fn transient(entry: &Entry, phase: Phase, reason: &str, budgets: Budgets) -> Transition {
    let attempts = entry.attempts.saturating_add(1);
    let (state, outcome, text) = if attempts > budgets.retries {
        (
            EntryState::Orphaned,
            Outcome::Orphaned,
            format!("{reason}; retry budget spent, the pending password is kept for an operator"),
        )
    } else {
        (
            EntryState::Retryable,
            Outcome::Retried,
            format!("{reason}; will retry with the same password"),
        )
    };
    let mut t = Transition::from(entry, state)
        .row(phase, outcome, text)
        .say(reason);
    t.attempts = attempts;
    t
}

/// After a new password was generated and sealed: it may be sent from now on.
pub fn after_generate(entry: &Entry) -> Transition {
    let mut t = Transition::from(entry, EntryState::Generated).row(
        Phase::Generate,
        Outcome::Ok,
        "new password sealed in the journal",
    );
    t.sends = 1;
    t
}

/// After sending the pending password to the target.
pub fn after_apply(entry: &Entry, outcome: &ApplyOutcome, budgets: Budgets) -> Transition {
    match outcome {
        ApplyOutcome::Applied => {
            Transition::from(entry, EntryState::Applied).row(Phase::Apply, Outcome::Ok, "set")
        }
        ApplyOutcome::Refused(reason) => {
            let refusals = entry.refusals.saturating_add(1);
            let mut t = if refusals >= budgets.refusals {
                Transition::from(entry, EntryState::Failed).row(
                    Phase::Apply,
                    Outcome::Failed,
                    format!("refused by the target's policy: {reason}; no more attempts"),
                )
            } else {
                Transition::from(entry, EntryState::Generated).row(
                    Phase::Apply,
                    Outcome::Failed,
                    format!("refused by the target's policy: {reason}; a new password follows"),
                )
            };
            // The refusal proves the target does not hold it: the only discard (rule 4, 5).
            t.pending = Pending::Clear;
            t.sends = 0;
            t.refusals = refusals;
            t.say(reason.clone())
        }
        ApplyOutcome::Uncertain(reason) => transient(entry, Phase::Apply, reason, budgets),
        ApplyOutcome::NotSent(reason) => transient(entry, Phase::Apply, reason, budgets),
        ApplyOutcome::Permanent(reason) => {
            let (state, outcome, text) = if entry.sends > 1 {
                // An earlier send may have landed before this error: keep the password.
                (
                    EntryState::Orphaned,
                    Outcome::Orphaned,
                    format!(
                        "{reason}; an earlier attempt may have set the password, which is kept for an operator"
                    ),
                )
            } else {
                (EntryState::Failed, Outcome::Failed, reason.clone())
            };
            let mut t = Transition::from(entry, state)
                .row(Phase::Apply, outcome, text)
                .say(reason.clone());
            if state == EntryState::Failed {
                t.pending = Pending::Clear;
            }
            t
        }
    }
}

/// After binding with the pending password of an entry that may have been sent.
pub fn after_confirm(entry: &Entry, probe: &Probe, budgets: Budgets) -> Transition {
    match probe {
        Probe::Holds => Transition::from(entry, EntryState::Applied).row(
            Phase::Apply,
            Outcome::Ok,
            "an earlier attempt had set it (confirmed by binding)",
        ),
        // Proven not there: the runner sends the same password (again) at once.
        Probe::DoesNotHold => {
            let mut t = Transition::from(entry, EntryState::Generated);
            t.sends = entry.sends.saturating_add(1);
            t
        }
        Probe::Unknown(reason) => transient(
            entry,
            Phase::Apply,
            &format!("cannot confirm whether the password was set: {reason}"),
            budgets,
        ),
    }
}

/// After the vault item took the pending password.
pub fn after_commit(entry: &Entry, verify: bool) -> Transition {
    let mut t = Transition::from(entry, EntryState::Committed).row(
        Phase::VaultCommit,
        Outcome::Ok,
        "stored in the vault; sessions and reset links of the owner revoked",
    );
    t.pending = Pending::Clear;
    if !verify {
        t.state = EntryState::Verified;
        t = t.row(Phase::Verify, Outcome::Skipped, "verification is off");
    }
    t
}

/// After binding with the vault's password.
pub fn after_verify(entry: &Entry, probe: &Probe, budgets: Budgets) -> Transition {
    match probe {
        Probe::Holds => Transition::from(entry, EntryState::Verified).row(
            Phase::Verify,
            Outcome::Ok,
            "bind with the vault's password succeeded",
        ),
        Probe::DoesNotHold => Transition::from(entry, EntryState::Failed)
            .row(
                Phase::Verify,
                Outcome::Failed,
                "the target does not accept the vault's password: it was changed by someone else after this run set it",
            )
            .say("changed elsewhere after the reset"),
        Probe::Unknown(reason) => {
            let attempts = entry.attempts.saturating_add(1);
            let mut t = if attempts > budgets.retries {
                // The vault holds the password the target confirmed; only the check is missing.
                Transition::from(entry, EntryState::Verified).row(
                    Phase::Verify,
                    Outcome::Skipped,
                    format!("could not verify ({reason}); the target had confirmed the change"),
                )
            } else {
                Transition::from(entry, EntryState::Committed).row(
                    Phase::Verify,
                    Outcome::Retried,
                    format!("could not verify ({reason}); will retry"),
                )
            };
            t.attempts = attempts;
            t
        }
    }
}

/// A planned entry of a cancelled run.
pub fn cancelled(entry: &Entry) -> Transition {
    Transition::from(entry, EntryState::Skipped).row(
        Phase::Plan,
        Outcome::Skipped,
        "the run was cancelled before this account started",
    )
}

/// An orphaned entry given a new retry budget by `resume`.
pub fn retry_orphan(entry: &Entry) -> Transition {
    let mut t = Transition::from(entry, EntryState::Retryable).row(
        Phase::Apply,
        Outcome::Retried,
        "resumed by an operator; confirming the pending password first",
    );
    t.attempts = 0;
    t
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
