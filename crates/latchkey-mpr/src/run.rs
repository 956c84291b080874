//! Starting a run and working on it until every account is final, the run is paused, or it is
//! cancelled.
//!
//! The runner takes the run's lease, then makes passes over the journal in account order, a
//! batch at a time, with a few batches in flight so the targets always have work. A pass that
//! leaves accounts to retry (target down, timeouts) or waiting for another run's lock is
//! followed by a pause that doubles up to [`MAX_BACKOFF`]. Every decision is in the journal, so
//! the process may be killed at any point and `run` called again.

use crate::MprError;
use crate::batch::{self, BatchStats};
use crate::context::Context;
use crate::lease::Lease;
use crate::plan::{Plan, plan};
use crate::target_io::DirectoryLoad;
use latchkey_core::ids::{AccountId, MprJobId, TargetId};
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::job::{JobStatus, MprJob, MprRequest};
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::{BatchWrite, MprRepo, StateCounts};
use latchkey_core::mpr::report::{Outcome, Phase, ReportRow};
use latchkey_core::random::RandomSource;
use latchkey_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinSet;

/// The longest pause between passes.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// States a runner still works on.
const OPEN: [EntryState; 5] = [
    EntryState::Planned,
    EntryState::Generated,
    EntryState::Applied,
    EntryState::Committed,
    EntryState::Retryable,
];

/// How a runner behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Its name (`host:pid`, see [`crate::lease::runner_name`]).
    pub runner: String,
    /// Lease length; renewed every third.
    pub lease: Duration,
    /// Batches in flight at once.
    pub batches_in_flight: usize,
    /// How long accounts held by another run are waited for before they are skipped.
    pub lock_wait: Duration,
    /// The first pause after a pass with retries.
    pub first_backoff: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            runner: crate::lease::runner_name(),
            lease: Duration::from_secs(30),
            batches_in_flight: 3,
            lock_wait: Duration::from_secs(600),
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// How a call to [`run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// The run's status afterwards.
    pub status: JobStatus,
    /// Its entries per state.
    pub counts: StateCounts,
    /// Per target, how this call kept it fed with password changes: next to the call's
    /// duration, how much of the time the directory had work, and how much on average (empty
    /// when the call found nothing to do).
    pub directory: BTreeMap<TargetId, DirectoryLoad>,
}

/// Plans `request` and stores it as a new run (status `running`), recording who confirmed it.
/// A dry run returns the plan and stores nothing. ([`prepare`] then [`confirm`], for a caller
/// with nobody to show the plan to.)
pub async fn start(
    store: &Store,
    request: MprRequest,
    requested_by: &str,
    rng: &mut (dyn RandomSource + Send),
) -> Result<(Option<MprJobId>, Plan), MprError> {
    let (id, plan) = prepare(store, &request, rng).await?;
    let stored = confirm(store, request, id, &plan, requested_by).await?;
    Ok((stored, plan))
}

/// Plans `request` as a new run without storing anything: the id the run will have and the
/// plan to show the operator.
pub async fn prepare(
    store: &Store,
    request: &MprRequest,
    rng: &mut (dyn RandomSource + Send),
) -> Result<(MprJobId, Plan), MprError> {
    let now = OffsetDateTime::now_utc();
    let id = MprJobId::generate(now, rng);
    let plan = plan(store, request, id, now).await?;
    Ok((id, plan))
}

/// Stores the `plan` the operator confirmed as run `id` (status `running`), exactly as it was
/// shown, recording who confirmed it; a dry run only records the plan in the audit. The run's id
/// when stored.
pub async fn confirm(
    store: &Store,
    request: MprRequest,
    id: MprJobId,
    plan: &Plan,
    requested_by: &str,
) -> Result<Option<MprJobId>, MprError> {
    let now = OffsetDateTime::now_utc();
    let detail = serde_json::json!({
        "kind": request.kind,
        "targets": request.targets,
        "scope": request.scope,
        "planned": plan.planned(),
        "skipped": plan.skipped(),
        "dry_run": request.dry_run,
    })
    .to_string();
    let action = if request.dry_run {
        "mpr.plan"
    } else {
        "mpr.start"
    };
    crate::audit::record(store, action, id, requested_by, detail).await?;
    if request.dry_run {
        return Ok(None);
    }
    let report = request.report;
    let job = MprJob {
        id,
        status: JobStatus::Running,
        requested_by: requested_by.to_owned(),
        request,
        created_at: now,
        updated_at: now,
        finished_at: None,
        runner: None,
        lease_until: None,
    };
    store.create_job(&job, &plan.entries).await?;
    if report {
        let rows: Vec<ReportRow> = plan
            .entries
            .iter()
            .filter(|e| e.state == EntryState::Skipped)
            .map(|e| ReportRow {
                at: now,
                account: e.account_name.clone(),
                target: e.target.to_string(),
                owner: None,
                phase: Phase::Plan,
                outcome: Outcome::Skipped,
                message: e.message.clone().unwrap_or_default(),
            })
            .collect();
        for chunk in rows.chunks(1000) {
            let write = BatchWrite {
                report: chunk.to_vec(),
                ..BatchWrite::default()
            };
            store.write_batch(id, &write).await?;
        }
    }
    Ok(Some(id))
}

/// Works on run `job` until it is finished, paused or cancelled-and-drained.
pub async fn run<R>(
    store: &Store,
    master: &MasterKey,
    job: MprJobId,
    rng: R,
    options: &RunOptions,
) -> Result<RunSummary, MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let current = store.job(job).await?.ok_or(MprError::NoSuchJob(job))?;
    if matches!(current.status, JobStatus::Finished | JobStatus::Paused) {
        return Ok(RunSummary {
            status: current.status,
            counts: store.state_counts(job).await?,
            directory: BTreeMap::new(),
        });
    }
    let lease = Lease::take(store, job, &options.runner, options.lease).await?;
    let result = work(store, master, current, rng, options, &lease).await;
    let released = lease.release(store).await;
    let (status, directory) = result?;
    released?;
    Ok(RunSummary {
        status,
        counts: store.state_counts(job).await?,
        directory,
    })
}

async fn work<R>(
    store: &Store,
    master: &MasterKey,
    job: MprJob,
    rng: R,
    options: &RunOptions,
    lease: &Lease,
) -> Result<(JobStatus, BTreeMap<TargetId, DirectoryLoad>), MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let id = job.id;
    let batch_size = job.request.batch_size.max(1);
    let ctx = Arc::new(Context::load(store, master, job, rng, options.runner.clone()).await?);
    let status = work_on(&ctx, options, lease, batch_size).await?;
    let load = ctx.targets.load();
    for (target, l) in &load {
        tracing::info!(job = %id, %target, busy_ms = l.busy.as_millis(), mean_in_flight = l.mean_in_flight(), "time the target had password changes in flight, and how many on average");
    }
    Ok((status, load))
}

async fn work_on<R>(
    ctx: &Arc<Context<R>>,
    options: &RunOptions,
    lease: &Lease,
    batch_size: u32,
) -> Result<JobStatus, MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let (store, id) = (&ctx.store, ctx.job.id);
    let mut backoff = options.first_backoff;
    let mut waiting_since: Option<tokio::time::Instant> = None;
    loop {
        let status = store.job(id).await?.ok_or(MprError::NoSuchJob(id))?.status;
        match status {
            JobStatus::Paused | JobStatus::Finished => return Ok(status),
            JobStatus::Running | JobStatus::Cancelled => {}
        }
        let cancelling = status == JobStatus::Cancelled;
        let pass = one_pass(ctx, id, batch_size, cancelling, options, lease).await?;
        // A part of the plan still out of the journal (its entries were not in this pass): in
        // with it, and another pass.
        if pass.seen == 0 && store.move_plan_part(id).await? {
            continue;
        }
        if pass.seen == 0 {
            let finished = store
                .set_job_status(
                    id,
                    &[JobStatus::Running],
                    JobStatus::Finished,
                    OffsetDateTime::now_utc(),
                )
                .await?;
            if finished || cancelling {
                return Ok(if cancelling {
                    JobStatus::Cancelled
                } else {
                    JobStatus::Finished
                });
            }
            continue;
        }
        if pass.stats.waiting > 0 && pass.stats.waiting == pass.seen {
            let since = *waiting_since.get_or_insert_with(tokio::time::Instant::now);
            if since.elapsed() >= options.lock_wait {
                skip_waiting(ctx, id).await?;
                waiting_since = None;
                continue;
            }
        } else {
            waiting_since = None;
        }
        if pass.stats.retrying > 0 || pass.stats.waiting > 0 {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        } else {
            backoff = options.first_backoff;
        }
    }
}

/// What one pass over the journal saw.
#[derive(Debug, Default)]
struct Pass {
    seen: usize,
    stats: BatchStats,
}

async fn one_pass<R>(
    ctx: &Arc<Context<R>>,
    id: MprJobId,
    batch_size: u32,
    cancelling: bool,
    options: &RunOptions,
    lease: &Lease,
) -> Result<Pass, MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let mut pass = Pass::default();
    let mut after: Option<AccountId> = None;
    let mut in_flight: JoinSet<Result<BatchStats, MprError>> = JoinSet::new();
    let mut first_error = None;
    let mut cancelling = cancelling;
    loop {
        if lease.is_lost() {
            first_error.get_or_insert(MprError::LeaseLost(id));
            break;
        }
        // An operator's pause or cancel takes effect at the next batch, not the next pass.
        match ctx.store.job(id).await?.map(|job| job.status) {
            Some(JobStatus::Running) => {}
            Some(JobStatus::Cancelled) => cancelling = true,
            _ => break,
        }
        let mut page = ctx.store.entries(id, &OPEN, after, batch_size).await?;
        // The journal ends before a full batch: the next part of the plan comes in first (its
        // accounts come after those already in, see `create_job`).
        while page.len() < batch_size as usize && ctx.store.move_plan_part(id).await? {
            page = ctx.store.entries(id, &OPEN, after, batch_size).await?;
        }
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.account);
        pass.seen += page.len();
        let ctx = ctx.clone();
        in_flight.spawn(async move { batch::process(&ctx, page, cancelling).await });
        while in_flight.len() >= options.batches_in_flight.max(1) {
            collect(&mut in_flight, &mut pass, &mut first_error).await;
        }
        if first_error.is_some() {
            break;
        }
    }
    while !in_flight.is_empty() {
        collect(&mut in_flight, &mut pass, &mut first_error).await;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(pass),
    }
}

async fn collect(
    in_flight: &mut JoinSet<Result<BatchStats, MprError>>,
    pass: &mut Pass,
    first_error: &mut Option<MprError>,
) {
    match in_flight.join_next().await {
        Some(Ok(Ok(stats))) => {
            pass.stats.progressed += stats.progressed;
            pass.stats.waiting += stats.waiting;
            pass.stats.retrying += stats.retrying;
        }
        Some(Ok(Err(e))) => {
            first_error.get_or_insert(e);
        }
        Some(Err(e)) => {
            first_error.get_or_insert(MprError::Crypto(format!("a batch task failed: {e}")));
        }
        None => {}
    }
}

/// Skips the planned accounts another run has held for longer than the lock wait.
async fn skip_waiting<R: RandomSource>(
    ctx: &Arc<Context<R>>,
    id: MprJobId,
) -> Result<(), MprError> {
    let now = OffsetDateTime::now_utc();
    let mut after = None;
    loop {
        let page = ctx
            .store
            .entries(id, &[EntryState::Planned], after, 500)
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.account);
        ctx.learn_owners(&page).await?;
        let mut write = ctx.new_write();
        for e in page {
            write.entries.push(latchkey_core::mpr::repo::EntryUpdate {
                account: e.account,
                state: EntryState::Skipped,
                pending: latchkey_core::mpr::repo::PendingWrite::Keep,
                sends: e.sends,
                attempts: e.attempts,
                refusals: e.refusals,
                message: Some("another run held this account for the whole lock wait".into()),
                vault_item: e.vault_item,
                at: now,
            });
            if ctx.job.request.report {
                write.report.push(ReportRow {
                    at: now,
                    account: e.account_name.clone(),
                    target: e.target.to_string(),
                    owner: ctx.owner_name(&e),
                    phase: Phase::Plan,
                    outcome: Outcome::Skipped,
                    message: "another run held this account for the whole lock wait".into(),
                });
            }
        }
        ctx.store.write_batch(id, &write).await?;
    }
}
