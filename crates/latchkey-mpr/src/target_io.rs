//! The runner's calls to target systems: set a password, bind to confirm or verify one, with a
//! bounded number in flight per target and an optional global rate.
//!
//! Changes and binds have separate bounds: a directory applies changes one after another (each
//! a write transaction with its sync to disk) while binds only read, so binds sharing the
//! changes' slots would leave the write queue short and the directory waiting; with their own
//! slots, `concurrency` changes stay queued whatever the verification does.
//!
//! Each connector error is turned into what the journal decides on ([`ApplyOutcome`],
//! [`Probe`]). The line that matters: a timeout or a dropped connection after the request left
//! is *uncertain*, never a failure, so the journal confirms by binding before anything else.

use crate::MprError;
use governor::clock::DefaultClock;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use latchkey_core::ids::TargetId;
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::journal::{ApplyOutcome, Probe};
use latchkey_core::secret::Password;
use latchkey_core::target::repo::TargetRepo;
use latchkey_core::target::{TargetConnector, TargetError};
use latchkey_store::Store;
use latchkey_targets::Connector;
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// One target, ready for the runner.
#[derive(Debug)]
struct Lane {
    connector: Connector,
    /// Password changes in flight.
    in_flight: Semaphore,
    /// Binds (confirmations and verifications) in flight.
    probes: Semaphore,
    /// How long the target has had changes to work on.
    busy: Mutex<Busy>,
}

/// How a target was kept fed with password changes: next to the run's duration, whether the
/// runner or the directory set the pace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectoryLoad {
    /// The time the target had at least one change in flight.
    pub busy: Duration,
    /// The changes' time in flight, added up: divided by `busy`, how many were in flight on
    /// average while there were any.
    pub change_time: Duration,
}

impl DirectoryLoad {
    /// Changes in flight on average while the target had any (0 when it had none).
    pub fn mean_in_flight(&self) -> f64 {
        let busy = self.busy.as_secs_f64();
        if busy > 0.0 {
            self.change_time.as_secs_f64() / busy
        } else {
            0.0
        }
    }
}

#[derive(Debug, Default)]
struct Busy {
    in_flight: usize,
    since: Option<Instant>,
    load: DirectoryLoad,
}

/// Counts one change in flight on a lane while it lives.
struct Sending<'a> {
    busy: &'a Mutex<Busy>,
    started: Instant,
}

impl<'a> Sending<'a> {
    fn start(busy: &'a Mutex<Busy>) -> Self {
        let started = Instant::now();
        if let Ok(mut b) = busy.lock() {
            if b.in_flight == 0 {
                b.since = Some(started);
            }
            b.in_flight += 1;
        }
        Self { busy, started }
    }
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        if let Ok(mut b) = self.busy.lock() {
            b.load.change_time += now.saturating_duration_since(self.started);
            b.in_flight = b.in_flight.saturating_sub(1);
            if b.in_flight == 0
                && let Some(since) = b.since.take()
            {
                b.load.busy += now.saturating_duration_since(since);
            }
        }
    }
}

/// The targets of a run, each with its connector and its bound on work in flight.
#[derive(Debug)]
pub struct Targets {
    lanes: BTreeMap<TargetId, Lane>,
    rate: Option<RateLimiter<NotKeyed, InMemoryState, DefaultClock>>,
}

impl Targets {
    /// Connectors for `ids`, `concurrency` changes and as many binds in flight on each, at most
    /// `rate_per_second` password changes per second over all of them (evenly spaced: no burst
    /// at the start).
    pub async fn open(
        store: &Store,
        master: &MasterKey,
        ids: &[TargetId],
        concurrency: u32,
        rate_per_second: Option<u32>,
    ) -> Result<Self, MprError> {
        let mut lanes = BTreeMap::new();
        for id in ids {
            let stored = store
                .target(id)
                .await?
                .ok_or_else(|| MprError::UnknownTarget(id.clone()))?;
            let connector = latchkey_targets::credentials::connector(Some(master), &stored)
                .map_err(|error| MprError::Target {
                    target: id.clone(),
                    error,
                })?;
            let permits = usize::try_from(concurrency.max(1)).unwrap_or(1);
            lanes.insert(
                id.clone(),
                Lane {
                    connector,
                    in_flight: Semaphore::new(permits),
                    probes: Semaphore::new(permits),
                    busy: Mutex::new(Busy::default()),
                },
            );
        }
        let rate = rate_per_second
            .and_then(NonZeroU32::new)
            .map(|r| RateLimiter::direct(Quota::per_second(r).allow_burst(NonZeroU32::MIN)));
        Ok(Self { lanes, rate })
    }

    fn lane(&self, target: &TargetId) -> Result<&Lane, String> {
        self.lanes
            .get(target)
            .ok_or_else(|| format!("target {target} is not part of this run"))
    }

    /// Sets `password` on `account` as the service account.
    pub async fn apply(
        &self,
        target: &TargetId,
        account: &str,
        password: &Password,
    ) -> ApplyOutcome {
        let lane = match self.lane(target) {
            Ok(lane) => lane,
            Err(e) => return ApplyOutcome::Permanent(e),
        };
        let Ok(_permit) = lane.in_flight.acquire().await else {
            return ApplyOutcome::NotSent("the run is stopping".into());
        };
        if let Some(rate) = &self.rate {
            rate.until_ready().await;
        }
        let sending = Sending::start(&lane.busy);
        let result = lane.connector.set_password(account, password).await;
        drop(sending);
        classify_apply(result)
    }

    /// Per target, how it has been kept fed with password changes so far.
    pub fn load(&self) -> BTreeMap<TargetId, DirectoryLoad> {
        self.lanes
            .iter()
            .map(|(id, lane)| {
                let load = lane.busy.lock().map_or(DirectoryLoad::default(), |b| {
                    let mut load = b.load;
                    load.busy += b.since.map_or(Duration::ZERO, |s| s.elapsed());
                    load
                });
                (id.clone(), load)
            })
            .collect()
    }

    /// Binds as `account` with `password`: does the target hold it?
    pub async fn probe(&self, target: &TargetId, account: &str, password: &Password) -> Probe {
        let lane = match self.lane(target) {
            Ok(lane) => lane,
            Err(e) => return Probe::Unknown(e),
        };
        let Ok(_permit) = lane.probes.acquire().await else {
            return Probe::Unknown("the run is stopping".into());
        };
        classify_probe(
            lane.connector
                .verify_password(account, password)
                .await
                .map(|_| ()),
        )
    }
}

/// A shared handle for the batch tasks.
pub type SharedTargets = Arc<Targets>;

/// What a password change's result means for the journal.
pub fn classify_apply(result: Result<(), TargetError>) -> ApplyOutcome {
    match result {
        Ok(()) => ApplyOutcome::Applied,
        Err(TargetError::Refused(refusal)) => ApplyOutcome::Refused(refusal.to_string()),
        // The request may have reached the target before the answer was lost.
        Err(e @ (TargetError::Timeout | TargetError::Unreachable(_))) => {
            ApplyOutcome::Uncertain(e.to_string())
        }
        Err(e) => ApplyOutcome::Permanent(e.to_string()),
    }
}

/// What a bind's result proves.
pub fn classify_probe(result: Result<(), TargetError>) -> Probe {
    match result {
        // "Must change" comes only with the right password.
        Ok(()) | Err(TargetError::MustChange) => Probe::Holds,
        Err(TargetError::BadCredentials) => Probe::DoesNotHold,
        Err(e) => Probe::Unknown(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::target::{Refusal, RefusalKind};

    #[test]
    fn the_load_counts_changes_in_flight_on_average() {
        let busy = Mutex::new(Busy::default());
        let load = || busy.lock().map(|b| b.load).unwrap_or_default();
        let lone = Sending::start(&busy);
        std::thread::sleep(Duration::from_millis(10));
        drop(lone);
        let alone = load();
        assert!(alone.busy >= Duration::from_millis(10), "{alone:?}");
        assert!((alone.mean_in_flight() - 1.0).abs() < 1e-9, "{alone:?}");
        let (one, two) = (Sending::start(&busy), Sending::start(&busy));
        std::thread::sleep(Duration::from_millis(10));
        drop((one, two));
        // Each change's time lies within the time the target was busy.
        let both = load();
        let added = (both.change_time - alone.change_time).as_secs_f64();
        let busy_for = (both.busy - alone.busy).as_secs_f64();
        assert!(
            (1.5 * busy_for..=2.0 * busy_for).contains(&added),
            "{both:?}"
        );
        assert!((1.0..2.0).contains(&both.mean_in_flight()), "{both:?}");
        assert!(DirectoryLoad::default().mean_in_flight().abs() < f64::EPSILON);
    }

    #[test]
    fn uncertain_outcomes_are_never_failures() {
        assert_eq!(classify_apply(Ok(())), ApplyOutcome::Applied);
        assert!(matches!(
            classify_apply(Err(TargetError::Timeout)),
            ApplyOutcome::Uncertain(_)
        ));
        assert!(matches!(
            classify_apply(Err(TargetError::Unreachable("reset".into()))),
            ApplyOutcome::Uncertain(_)
        ));
        let refusal = Refusal {
            kind: RefusalKind::Quality,
            directory_message: "Password fails quality checking policy".into(),
        };
        assert!(matches!(
            classify_apply(Err(TargetError::Refused(refusal))),
            ApplyOutcome::Refused(_)
        ));
        assert!(matches!(
            classify_apply(Err(TargetError::NoSuchAccount("uid=x".into()))),
            ApplyOutcome::Permanent(_)
        ));
    }

    #[test]
    fn only_a_wrong_password_proves_absence() {
        assert_eq!(classify_probe(Ok(())), Probe::Holds);
        assert_eq!(classify_probe(Err(TargetError::MustChange)), Probe::Holds);
        assert_eq!(
            classify_probe(Err(TargetError::BadCredentials)),
            Probe::DoesNotHold
        );
        assert!(matches!(
            classify_probe(Err(TargetError::Locked)),
            Probe::Unknown(_)
        ));
        assert!(matches!(
            classify_probe(Err(TargetError::Timeout)),
            Probe::Unknown(_)
        ));
    }
}
