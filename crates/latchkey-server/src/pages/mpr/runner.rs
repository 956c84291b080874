//! The runs this node works on, in the background.
//!
//! Starting or resuming a run from a page spawns a task that calls [`latchkey_mpr::run`] until
//! the run is finished, paused or cancelled. A node keeps at most one task per run: asking again
//! while one works (a quick pause and resume) only asks it to go round once more when it stops,
//! so the run is never left `running` with nobody on it, and two tasks of one process never
//! share the run's lease. (Other processes are kept off by the lease itself.)
//!
//! Errors go to the log with the run's id; the runner never hands out a password, so nothing
//! secret can reach the log from here.

use crate::error::PageError;
use crate::os::OsRandom;
use crate::state::AppState;
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::MprRequest;
use latchkey_mpr::RunOptions;
use latchkey_mpr::plan::Plan;
use latchkey_store::Store;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

/// Runs with a task on this node, and whether it should go round once more when it stops.
fn active() -> MutexGuard<'static, HashMap<MprJobId, bool>> {
    static ACTIVE: OnceLock<Mutex<HashMap<MprJobId, bool>>> = OnceLock::new();
    ACTIVE
        .get_or_init(Mutex::default)
        .lock()
        // The map stays consistent whatever a panicking holder did: every change is one insert
        // or remove.
        .unwrap_or_else(PoisonError::into_inner)
}

/// Works on `job` in the background (or asks the task already on it to go round again).
pub fn spawn(state: AppState, job: MprJobId) {
    {
        let mut active = active();
        if let Some(again) = active.get_mut(&job) {
            *again = true;
            return;
        }
        active.insert(job, false);
    }
    tokio::spawn(async move {
        loop {
            work(&state, job).await;
            let mut active = active();
            match active.get_mut(&job) {
                Some(again) if *again => *again = false,
                _ => {
                    active.remove(&job);
                    break;
                }
            }
        }
    });
}

async fn work(state: &AppState, job: MprJobId) {
    let Some(master) = state.master_key.as_ref() else {
        tracing::error!(run = %job, "mass password run not worked on: no master key is configured");
        return;
    };
    match latchkey_mpr::run(&state.store, master, job, OsRandom, &RunOptions::default()).await {
        Ok(summary) => tracing::info!(
            run = %job,
            status = summary.status.as_str(),
            "mass password run stopped"
        ),
        Err(e) => tracing::error!(run = %job, error = %e, "mass password run failed"),
    }
}

/// Plans `request` without storing anything: the plan to show (and its run id).
pub async fn prepare(store: &Store, request: &MprRequest) -> Result<(MprJobId, Plan), PageError> {
    latchkey_mpr::prepare(store, request, &mut OsRandom)
        .await
        .map_err(super::mpr_error)
}

/// Stores `plan` as run `id`, confirmed by `requested_by`.
pub async fn confirm(
    store: &Store,
    request: MprRequest,
    id: MprJobId,
    plan: &Plan,
    requested_by: &str,
) -> Result<Option<MprJobId>, PageError> {
    latchkey_mpr::confirm(store, request, id, plan, requested_by)
        .await
        .map_err(super::mpr_error)
}

/// Every [`latchkey_mpr::pickup::EVERY`], works on the runs whose runner died (a node killed or
/// restarted): any node of the cluster continues them, the lease picks one. Abort to stop.
pub fn spawn_pickup(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if state.master_key.is_none() {
            return;
        }
        let mut tick = tokio::time::interval(latchkey_mpr::pickup::EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = time::OffsetDateTime::now_utc();
            match latchkey_mpr::pickup::abandoned(&state.store, now).await {
                Ok(jobs) => {
                    for job in jobs {
                        tracing::info!(run = %job, "continuing a mass password run whose runner stopped");
                        spawn(state.clone(), job);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not look for abandoned mass password runs")
                }
            }
        }
    })
}
