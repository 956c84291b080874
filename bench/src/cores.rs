//! `--split-cores`: the directory on one core, everything else on the other.
//!
//! On a small machine the directory server and the runner share the cores, so every cycle the
//! runner spends (sealing passwords, writing the journal, its own network calls) is a cycle the
//! directory does not get, while the raw measurement's client spends almost none. With the
//! directory pinned to core 0 and this process (the raw client and the runner alike) and the
//! store's server pinned to core 1, both measurements give the directory the same CPU, as a
//! deployment does when the directory runs on its own machine: what is left between our rate
//! and the raw one is the runner failing to keep the directory busy.

use crate::BenchResult;
use std::process::Command;

/// Pins every thread of process `pid` (and the children it starts later) to `cpu`.
pub fn pin(pid: u32, cpu: usize) -> BenchResult {
    let out = Command::new("taskset")
        .args(["-a", "-cp", &cpu.to_string(), &pid.to_string()])
        .output()
        .map_err(|e| format!("cannot run taskset (util-linux): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "taskset could not pin process {pid} to core {cpu}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

/// The directory's core and ours.
pub const DIRECTORY: usize = 0;
/// This process's core (and the store server's).
pub const OURS: usize = 1;
