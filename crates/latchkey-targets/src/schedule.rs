//! Discovery on a schedule: every target with a `discovery_interval_s` is discovered again once
//! that long has passed since its last run (successful or not).
//!
//! Several nodes may run the schedule at once: a run first takes the target's discovery lease
//! in the store ([`TargetRepo::claim_discovery`], one atomic statement), so one node discovers a
//! target while the others skip it; recording the run releases the lease. A node that dies
//! mid-run leaves the lease to expire ([`LEASE`]).

use crate::credentials;
use crate::discovery::{DiscoveryError, DiscoveryOptions, discover};
use latchkey_core::ids::TargetId;
use latchkey_core::keys::MasterKey;
use latchkey_core::target::discovery::DiscoveryReport;
use latchkey_core::target::repo::TargetRepo;
use latchkey_store::Store;
use time::{Duration, OffsetDateTime};

/// How long a node may hold a discovery lease before another may take over.
pub const LEASE: Duration = Duration::hours(2);

/// What happened to one due target.
#[derive(Debug)]
pub struct DueRun {
    /// The target.
    pub target: TargetId,
    /// The report, or why the run failed.
    pub outcome: Result<DiscoveryReport, DiscoveryError>,
}

/// Whether a target discovered every `interval_s` seconds, last at `last`, is due at `now`.
pub fn is_due(interval_s: u64, last: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    let interval = Duration::seconds(i64::try_from(interval_s).unwrap_or(i64::MAX));
    // An interval past the end of time is never due (and must not overflow).
    last.is_none_or(|last| last.checked_add(interval).is_some_and(|due| due <= now))
}

/// Discovers every scheduled target that is due at `now` and whose lease this node gets.
/// Runs are incremental where the target allows.
pub async fn run_due(
    store: &Store,
    master: Option<&MasterKey>,
    now: OffsetDateTime,
) -> Result<Vec<DueRun>, DiscoveryError> {
    let mut runs = Vec::new();
    for target in store.list_targets().await? {
        let Some(interval) = target.def.discovery_interval_s else {
            continue;
        };
        let last = store
            .last_discovery(&target.def.id, false)
            .await?
            .map(|r| r.finished_at);
        if !is_due(interval, last, now) {
            continue;
        }
        if !store
            .claim_discovery(&target.def.id, now, now + LEASE)
            .await?
        {
            continue;
        }
        let outcome = match credentials::connector(master, &target) {
            Ok(connector) => {
                let options = DiscoveryOptions {
                    incremental: true,
                    ..DiscoveryOptions::default()
                };
                discover(&connector, &target.def, store, options).await
            }
            Err(e) => {
                // Recorded like any failed run, which also releases the lease.
                let record = latchkey_core::target::repo::DiscoveryRecord {
                    target: target.def.id.clone(),
                    started_at: now,
                    finished_at: OffsetDateTime::now_utc(),
                    ok: false,
                    high_water: None,
                    report: serde_json::json!({ "error": e.to_string() }).to_string(),
                };
                store.record_discovery(&record).await?;
                Err(e.into())
            }
        };
        runs.push(DueRun {
            target: target.def.id.clone(),
            outcome,
        });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_the_interval() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert!(is_due(60, None, t0));
        assert!(!is_due(60, Some(t0), t0 + Duration::seconds(59)));
        assert!(is_due(60, Some(t0), t0 + Duration::seconds(60)));
        assert!(!is_due(u64::MAX, Some(t0), t0 + Duration::days(10_000)));
    }
}
