//! Runs that lost their runner are picked up by any node.
//!
//! A run whose process died (a node killed, a host rebooted) stays `running` in the store with a
//! lease that runs out. Every node of a cluster (`latchkey serve`) looks for such runs now and
//! then and works on them: the lease makes sure only one node does, and the journal makes the
//! new runner continue exactly where the old one stopped.

use crate::MprError;
use crate::lease::is_dead_local_runner;
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::JobStatus;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_store::Store;
use std::time::Duration;
use time::OffsetDateTime;

/// How often a node should look for abandoned runs.
pub const EVERY: Duration = Duration::from_secs(30);

/// Runs that are `running` but held by nobody: the lease was never taken, ran out, or belongs
/// to a dead process of this host.
pub async fn abandoned(store: &Store, now: OffsetDateTime) -> Result<Vec<MprJobId>, MprError> {
    Ok(store
        .jobs(200)
        .await?
        .into_iter()
        .filter(|job| job.status == JobStatus::Running)
        .filter(|job| match (&job.runner, job.lease_until) {
            (None, _) | (_, None) => true,
            (Some(holder), Some(until)) => until < now || is_dead_local_runner(holder),
        })
        .map(|job| job.id)
        .collect())
}
