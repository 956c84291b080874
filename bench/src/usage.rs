//! What a phase of a benchmark cost the machine: peak resident memory of this process, and CPU
//! time of this process or another (the directory server).
//!
//! The mass-reset benchmark runs the runner in-process, so this process's memory is what the
//! server would use for a run. `VmHWM` in `/proc/self/status` is the peak since the process
//! started, which includes earlier phases; a sampler thread reading `VmRSS` every few
//! milliseconds gives the peak of one phase instead. CPU time is `utime + stime` from
//! `/proc/PID/stat`, in clock ticks of 10 ms (Linux's `USER_HZ`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(25);

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in KiB; 0 where there is no procfs.
pub fn status_kib(field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status_field(&text, field)
}

/// The number of a `/proc/…/status` field (`VmRSS:   123 kB`, `voluntary_ctxt_switches: 7`);
/// 0 when it is missing.
fn status_field(text: &str, field: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) used so far by process `pid`, or this one; 0 without procfs.
pub fn cpu_secs(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".into(),
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| stat_times(&text))
        .map_or(0.0, |(user, system)| user + system)
}

/// The (user, system) CPU seconds of a `/proc/…/stat` line.
fn stat_times(text: &str) -> Option<(f64, f64)> {
    // Fields after the command name (which may hold spaces) start at the state, field 3;
    // utime and stime are fields 14 and 15.
    let (_, rest) = text.rsplit_once(')')?;
    let mut ticks = rest
        .split_whitespace()
        .skip(11)
        .map(|f| f.parse::<u64>().ok());
    #[allow(clippy::cast_precision_loss)]
    let secs = |t: u64| t as f64 / 100.0;
    Some((secs(ticks.next()??), secs(ticks.next()??)))
}

/// Samples `VmRSS` until [stopped](PeakRss::stop).
#[derive(Debug)]
pub struct PeakRss {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    before: u64,
    thread: Option<JoinHandle<()>>,
}

impl PeakRss {
    /// Starts sampling.
    pub fn start() -> Self {
        let before = status_kib("VmRSS");
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(before));
        let thread = {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(status_kib("VmRSS"), Ordering::Relaxed);
                    std::thread::sleep(EVERY);
                }
            })
        };
        Self {
            stop,
            peak,
            before,
            thread: Some(thread),
        }
    }

    /// Stops sampling; returns (resident before, peak while sampling), in MiB.
    pub fn stop(mut self) -> (f64, f64) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            // A sampler that panicked only loses samples.
            let _ = t.join();
        }
        let peak = self.peak.load(Ordering::Relaxed).max(status_kib("VmRSS"));
        (mib(self.before), mib(peak))
    }
}

impl Drop for PeakRss {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[allow(clippy::cast_precision_loss)]
fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// CPU seconds (user, system) used so far by this process's threads, summed by thread name
/// (`tokio-rt-worker`, `sqlx-sqlite-wor…`): where a phase's CPU went.
pub fn thread_cpu() -> std::collections::BTreeMap<String, (f64, f64)> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return by_name;
    };
    for task in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some((head, _))) = (text.find('('), text.rsplit_once(')')) else {
            continue;
        };
        let name = head.get(open + 1..).unwrap_or("?").to_owned();
        let (user, system) = stat_times(&text).unwrap_or((0.0, 0.0));
        let slot = by_name.entry(name).or_insert((0.0, 0.0));
        slot.0 += user;
        slot.1 += system;
    }
    by_name
}

/// Context switches (voluntary + involuntary) so far of this process's live threads: how often
/// its threads went to sleep and were woken, or were pushed off a CPU.
pub fn context_switches() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .map(|text| {
            status_field(&text, "voluntary_ctxt_switches")
                + status_field(&text, "nonvoluntary_ctxt_switches")
        })
        .sum()
}

/// CPU seconds used so far by process `pid` and its direct children (a PostgreSQL server and
/// its backends); 0 without procfs.
pub fn tree_cpu_secs(pid: u32) -> f64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let mut total = 0.0;
    for proc in procs.flatten() {
        let Some(child) = proc
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(proc.path().join("stat")) else {
            continue;
        };
        // The parent is field 4, the first after the state.
        let parent = text
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if child == pid || parent == Some(pid) {
            total += cpu_secs(Some(child));
        }
    }
    total
}
