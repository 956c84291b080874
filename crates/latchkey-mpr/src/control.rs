//! An operator's hands on a run: pause, resume, cancel, progress, report.
//!
//! Pausing and cancelling only change the run's status; the runner reads it between batches, so
//! a batch in flight always completes (a password sent to a target is always committed to the
//! vault). Cancelling skips the accounts that have not started; accounts already started are
//! finished. Resuming a run gives its orphaned accounts a new retry budget.

use crate::MprError;
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::{JobStatus, MprJob};
use latchkey_core::mpr::journal::{EntryState, retry_orphan};
use latchkey_core::mpr::repo::{BatchWrite, EntryUpdate, MprRepo, PendingWrite, StateCounts};
use latchkey_core::mpr::report::ReportRow;
use latchkey_store::Store;
use time::OffsetDateTime;

/// A run and where its accounts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The run.
    pub job: MprJob,
    /// Entries per state.
    pub counts: StateCounts,
}

impl Progress {
    /// Accounts with a verified (or committed, unverified) new password.
    pub fn done(&self) -> u64 {
        self.counts.get(EntryState::Verified)
    }

    /// Accounts that failed or need an operator.
    pub fn failed(&self) -> u64 {
        self.counts.get(EntryState::Failed) + self.counts.get(EntryState::Orphaned)
    }

    /// Accounts still to do.
    pub fn remaining(&self) -> u64 {
        self.counts.total() - self.counts.finished()
    }
}

/// A run's progress.
pub async fn progress(store: &Store, job: MprJobId) -> Result<Progress, MprError> {
    let run = store.job(job).await?.ok_or(MprError::NoSuchJob(job))?;
    Ok(Progress {
        counts: store.state_counts(job).await?,
        job: run,
    })
}

async fn audit(store: &Store, job: MprJobId, action: &str, by: &str) -> Result<(), MprError> {
    let counts = store.state_counts(job).await?;
    let detail = serde_json::json!({
        "accounts": counts.total(),
        "finished": counts.finished(),
    })
    .to_string();
    crate::audit::record(store, action, job, by, detail).await
}

async fn change(
    store: &Store,
    job: MprJobId,
    from: &[JobStatus],
    to: JobStatus,
    what: &'static str,
) -> Result<(), MprError> {
    let now = OffsetDateTime::now_utc();
    if store.set_job_status(job, from, to, now).await? {
        return Ok(());
    }
    let run = store.job(job).await?.ok_or(MprError::NoSuchJob(job))?;
    Err(MprError::Status {
        job,
        status: run.status,
        what,
    })
}

/// Pauses a running run after its batches in flight.
pub async fn pause(store: &Store, job: MprJobId, by: &str) -> Result<(), MprError> {
    change(
        store,
        job,
        &[JobStatus::Running],
        JobStatus::Paused,
        "only a running run can be paused",
    )
    .await?;
    audit(store, job, "mpr.pause", by).await
}

/// Cancels a run: accounts not started are skipped, started ones finish.
pub async fn cancel(store: &Store, job: MprJobId, by: &str) -> Result<(), MprError> {
    change(
        store,
        job,
        &[JobStatus::Running, JobStatus::Paused],
        JobStatus::Cancelled,
        "it cannot be cancelled any more",
    )
    .await?;
    audit(store, job, "mpr.cancel", by).await
}

/// Makes a paused run (or a finished one with orphaned accounts) runnable again, giving its
/// orphaned accounts a new retry budget. The caller then runs it.
pub async fn resume(store: &Store, job: MprJobId, by: &str) -> Result<u64, MprError> {
    let run = store.job(job).await?.ok_or(MprError::NoSuchJob(job))?;
    let now = OffsetDateTime::now_utc();
    let mut revived = 0;
    let mut after = None;
    loop {
        let page = store
            .entries(job, &[EntryState::Orphaned], after, 500)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.account);
        let mut write = BatchWrite::default();
        for e in &page {
            let t = retry_orphan(e);
            let mut e = e.clone();
            e.advance(&t);
            write.entries.push(EntryUpdate {
                account: e.account,
                state: e.state,
                pending: PendingWrite::Keep,
                sends: e.sends,
                attempts: e.attempts,
                refusals: e.refusals,
                message: e.message.clone(),
                vault_item: e.vault_item,
                at: now,
            });
            if run.request.report {
                for (phase, outcome, message) in t.report {
                    write.report.push(ReportRow {
                        at: now,
                        account: e.account_name.clone(),
                        target: e.target.to_string(),
                        owner: None,
                        phase,
                        outcome,
                        message,
                    });
                }
            }
            revived += 1;
        }
        store.write_batch(job, &write).await?;
    }
    let from: &[JobStatus] = if revived > 0 {
        &[JobStatus::Paused, JobStatus::Finished, JobStatus::Running]
    } else {
        &[JobStatus::Paused, JobStatus::Running]
    };
    change(
        store,
        job,
        from,
        JobStatus::Running,
        "there is nothing to resume",
    )
    .await?;
    audit(store, job, "mpr.resume", by).await?;
    Ok(revived)
}

/// Every report row of a run, in the order written.
pub async fn report(store: &Store, job: MprJobId) -> Result<Vec<ReportRow>, MprError> {
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let page = store.report_rows(job, after, 5000).await?;
        let Some((last, _)) = page.last() else {
            return Ok(rows);
        };
        after = *last;
        rows.extend(page.into_iter().map(|(_, row)| row));
    }
}
