//! Scheduled discovery of target systems: every node looks once a minute for targets whose
//! discovery interval has passed, and runs those it can claim (a lease in the store makes
//! sure one node runs each, whatever the number of nodes).

use crate::state::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often a node looks for due discoveries.
pub const TICK: Duration = Duration::from_secs(60);

/// Starts the scheduler; abort the handle to stop it.
pub fn spawn_scheduler(app: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = time::OffsetDateTime::now_utc();
            match latchkey_targets::schedule::run_due(&app.store, app.master_key.as_ref(), now)
                .await
            {
                Ok(runs) => {
                    for run in runs {
                        match run.outcome {
                            Ok(_) => {
                                tracing::info!(target_id = %run.target, "scheduled discovery finished")
                            }
                            Err(e) => {
                                tracing::warn!(target_id = %run.target, error = %e, "scheduled discovery failed")
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not look for due discoveries"),
            }
        }
    })
}
