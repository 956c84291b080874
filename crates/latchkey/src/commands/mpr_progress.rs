//! The progress bar of `latchkey mpr`: reads the run's journal counts twice a second while the
//! runner works in the same process, and shows done / failed / remaining and the rate.
//!
//! Counting is not free on a large run (PostgreSQL reads the whole run: about 50 ms at 100,000
//! accounts), and it competes with the run for the store's CPU: the bar waits at least
//! [`COST_SHARE`] times as long as the last count took, and a hidden bar counts nothing.

use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_mpr::{MprError, RunSummary};
use latchkey_store::Store;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const TICK: Duration = Duration::from_millis(500);

/// The bar waits this many times as long as its last count took (5 % of the store's time at
/// most).
const COST_SHARE: u32 = 20;

/// Waits for `runner`, drawing a bar (unless `quiet`, or standard error is not a terminal).
pub async fn watch(
    store: &Store,
    job: MprJobId,
    mut runner: JoinHandle<Result<RunSummary, MprError>>,
    quiet: bool,
) -> anyhow::Result<RunSummary> {
    let bar = indicatif::ProgressBar::new(0);
    if quiet || bar.is_hidden() {
        return Ok(runner.await??);
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let mut first: Option<u64> = None;
    let mut wait = TICK;
    loop {
        tokio::select! {
            joined = &mut runner => {
                bar.finish_and_clear();
                return Ok(joined??);
            }
            () = tokio::time::sleep(wait) => {}
        }
        let counting = Instant::now();
        let counted = store.state_counts(job).await;
        wait = TICK.max(counting.elapsed().saturating_mul(COST_SHARE));
        let Ok(counts) = counted else {
            continue;
        };
        let skipped = counts.get(EntryState::Skipped);
        let finished = counts.finished() - skipped;
        let done = counts.get(EntryState::Verified);
        let failed = counts.get(EntryState::Failed) + counts.get(EntryState::Orphaned);
        let base = *first.get_or_insert(finished);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        #[allow(clippy::cast_precision_loss)]
        let rate = (finished - base) as f64 / secs;
        bar.set_length(counts.total() - skipped);
        bar.set_position(finished);
        bar.set_message(format!(
            "done {done} · failed {failed} · remaining {} · {rate:.0}/s",
            counts.total() - counts.finished()
        ));
    }
}
