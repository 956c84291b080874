//! The progress bar of `latchkey mpr`: reads the run's journal counts twice a second while the
//! runner works in the same process, and shows done / failed / remaining and the rate.

use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_mpr::{MprError, RunSummary};
use latchkey_store::Store;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

const TICK: Duration = Duration::from_millis(500);

/// Waits for `runner`, drawing a bar (unless `quiet`, or standard error is not a terminal).
pub async fn watch(
    store: &Store,
    job: MprJobId,
    mut runner: JoinHandle<Result<RunSummary, MprError>>,
    quiet: bool,
) -> anyhow::Result<RunSummary> {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let mut first: Option<u64> = None;
    loop {
        tokio::select! {
            joined = &mut runner => {
                bar.finish_and_clear();
                return Ok(joined??);
            }
            () = tokio::time::sleep(TICK) => {}
        }
        let Ok(counts) = store.state_counts(job).await else {
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
