//! Who works on a run: one process at a time, by a lease in the store that the runner renews.
//!
//! A runner is named `host:pid/n`. When a run's lease is held by a process of *this* host that no
//! longer exists (it was killed), the lease is taken over at once instead of waiting for it to
//! run out — that is what makes `mpr resume` right after a crash work without a pause.

use crate::MprError;
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

/// A new runner name for this process: `host:pid/n`, different for every runner the process
/// starts, so two tasks of one process never share a lease.
pub fn runner_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}:{}/{n}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The holder `runner` is a process of this host that has exited.
pub fn is_dead_local_runner(runner: &str) -> bool {
    let Some((host, pid)) = runner.rsplit_once(':') else {
        return false;
    };
    if host != host_name() {
        return false;
    }
    let pid = pid.split_once('/').map_or(pid, |(pid, _)| pid);
    match pid.parse::<u32>() {
        Ok(pid) if pid != std::process::id() => {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}

/// A held lease, renewed in the background until dropped or released.
#[derive(Debug)]
pub struct Lease {
    job: MprJobId,
    runner: String,
    lost: Arc<AtomicBool>,
    renewer: JoinHandle<()>,
}

impl Lease {
    /// Takes the lease of `job` for `runner`, for `length`, renewing it every third of it.
    pub async fn take(
        store: &Store,
        job: MprJobId,
        runner: &str,
        length: Duration,
    ) -> Result<Self, MprError> {
        let now = OffsetDateTime::now_utc();
        let current = store.job(job).await?.ok_or(MprError::NoSuchJob(job))?;
        let steal = current
            .runner
            .as_deref()
            .filter(|holder| is_dead_local_runner(holder));
        if !store
            .take_lease(job, runner, now, now + length, steal)
            .await?
        {
            return Err(MprError::Busy {
                job,
                runner: current.runner.unwrap_or_else(|| "another process".into()),
            });
        }
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = {
            let (store, runner, lost) = (store.clone(), runner.to_owned(), lost.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(length / 3).await;
                    let now = OffsetDateTime::now_utc();
                    match store
                        .take_lease(job, &runner, now, now + length, None)
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // The database may be back before the lease ends; try again.
                        Err(e) => {
                            tracing::warn!(job = %job, error = %e, "could not renew the run's lease")
                        }
                    }
                }
            })
        };
        Ok(Self {
            job,
            runner: runner.to_owned(),
            lost,
            renewer,
        })
    }

    /// Another process took the run over.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops renewing and gives the lease back.
    pub async fn release(self, store: &Store) -> Result<(), MprError> {
        self.renewer.abort();
        store.release_lease(self.job, &self.runner).await?;
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runners_are_unique_and_dead_ones_recognised() {
        let (a, b) = (runner_name(), runner_name());
        assert_ne!(a, b);
        assert!(!is_dead_local_runner(&a), "this process is alive");
        let host = host_name();
        // PIDs above the kernel's maximum never exist.
        assert!(is_dead_local_runner(&format!("{host}:4294967/3")));
        assert!(is_dead_local_runner(&format!("{host}:4294967")));
        assert!(
            !is_dead_local_runner("other-host:4294967/1"),
            "other hosts are not judged"
        );
        assert!(!is_dead_local_runner("garbage"));
    }
}
