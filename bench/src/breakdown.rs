//! What a run used, by part, for `--threads`: the CPU of each kind of thread of this process,
//! and on PostgreSQL the write-ahead log written and the upkeep (autovacuum, autoanalyze) that
//! finished meanwhile. Printed on standard error after the run's row.

use crate::usage::{context_switches, thread_cpu};
use crate::world::World;
use std::collections::BTreeMap;

/// CPU seconds (user, system) by thread name.
type Threads = BTreeMap<String, (f64, f64)>;
/// Autovacuum and autoanalyze runs by table.
type Upkeep = BTreeMap<String, (u64, u64)>;

/// The counters as a run starts.
#[derive(Debug)]
pub struct Breakdown {
    threads: Threads,
    switches: u64,
    wal: Option<[f64; 3]>,
    upkeep: Option<Upkeep>,
}

impl Breakdown {
    /// Reads the counters now.
    pub fn start(world: &World) -> Self {
        Self {
            threads: thread_cpu(),
            switches: context_switches(),
            wal: world.store_wal(),
            upkeep: world.store_upkeep(),
        }
    }

    /// Prints what changed since [`start`](Self::start), per account of `n`; `raw_switches` is
    /// the raw client's context switches per account, measured just before.
    pub fn print(self, world: &World, n: usize, raw_switches: f64) {
        print_threads(&self.threads, n);
        #[allow(clippy::cast_precision_loss)]
        let switches = context_switches().saturating_sub(self.switches) as f64 / n.max(1) as f64;
        eprintln!(
            "    context switches per account: {switches:.2} (the raw client: {raw_switches:.2})"
        );
        if let (Some(before), Some(after)) = (self.upkeep, world.store_upkeep()) {
            print_upkeep(&before, &after);
        }
        if let (Some(before), Some(after)) = (self.wal, world.store_wal()) {
            #[allow(clippy::cast_precision_loss)]
            let per = |a: f64, b: f64| (a - b) / n.max(1) as f64;
            let ([r1, i1, b1], [r0, i0, b0]) = (after, before);
            let (records, images, bytes) = (per(r1, r0), per(i1, i0), per(b1, b0));
            eprintln!(
                "    PostgreSQL WAL per account: {records:.1} records, {images:.2} full-page images, {bytes:.0} bytes"
            );
        }
    }
}

/// What each kind of thread used since `before`, in CPU ms per account (user + system).
#[allow(clippy::cast_precision_loss)]
fn print_threads(before: &Threads, n: usize) {
    let per = |s: f64| 1000.0 * s / n.max(1) as f64;
    for (name, (user, system)) in thread_cpu() {
        let (u0, s0) = before.get(&name).copied().unwrap_or((0.0, 0.0));
        let (u, s) = (per(user - u0), per(system - s0));
        if u + s > 0.0 {
            eprintln!("    {name}: {u:.3} user + {s:.3} system ms/account");
        }
    }
}

/// The tables PostgreSQL vacuumed or analyzed on its own between `before` and `after`.
fn print_upkeep(before: &Upkeep, after: &Upkeep) {
    let ran: Vec<String> = after
        .iter()
        .filter_map(|(table, &(v, a))| {
            let (v0, a0) = before.get(table).copied().unwrap_or((0, 0));
            let (v, a) = (v.saturating_sub(v0), a.saturating_sub(a0));
            (v + a > 0).then(|| format!("{table} ({v} vacuum, {a} analyze)"))
        })
        .collect();
    if !ran.is_empty() {
        eprintln!(
            "    PostgreSQL upkeep finished during the run: {}",
            ran.join(", ")
        );
    }
}
