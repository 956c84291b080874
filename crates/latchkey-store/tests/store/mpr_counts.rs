//! A finished run keeps its counts per state (migration 11): they are read from the run, not
//! recounted from its entries, until its status changes again.

use crate::common::{now, on_both};
use crate::mpr::{entry, job, plan, update};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::JobStatus;
use latchkey_core::mpr::journal::Entry;
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::{BatchWrite, MprRepo, PendingWrite};
use latchkey_store::Store;

/// Moves `entry` of run `job` to verified.
async fn verify(store: &Store, job: MprJobId, entry: &Entry) {
    let write = BatchWrite {
        entries: vec![update(entry, EntryState::Verified, PendingWrite::Keep)],
        ..BatchWrite::default()
    };
    store.write_batch(job, &write).await.unwrap();
}

on_both!(
    a_finished_run_keeps_its_counts_until_it_changes_status,
    |store| {
        let (j, entries) = plan(store, 30).await;
        let counted = store.state_counts(j.id).await.unwrap();
        assert_eq!(counted.total(), 30);
        assert_eq!(counted.get(EntryState::Failed), 10);

        assert!(
            store
                .set_job_status(j.id, &[JobStatus::Running], JobStatus::Finished, now())
                .await
                .unwrap()
        );
        assert_eq!(store.state_counts(j.id).await.unwrap(), counted);

        // An entry written behind a finished run's back (nothing does that; resuming changes the
        // status right after) is not seen: the stored counts are what a finished run reports.
        let failed = entries
            .iter()
            .find(|e| e.state == EntryState::Failed)
            .unwrap();
        verify(store, j.id, failed).await;
        assert_eq!(store.state_counts(j.id).await.unwrap(), counted);

        // Running again: counted from the entries.
        assert!(
            store
                .set_job_status(j.id, &[JobStatus::Finished], JobStatus::Running, now())
                .await
                .unwrap()
        );
        let recounted = store.state_counts(j.id).await.unwrap();
        assert_eq!(recounted.get(EntryState::Failed), 9);
        assert_eq!(recounted.get(EntryState::Verified), 1);

        // A status change that does not happen stores nothing.
        assert!(
            !store
                .set_job_status(j.id, &[JobStatus::Paused], JobStatus::Finished, now())
                .await
                .unwrap()
        );
        assert_eq!(store.state_counts(j.id).await.unwrap(), recounted);

        // Cancelled runs may still finish accounts in flight: counted, not stored.
        assert!(
            store
                .set_job_status(j.id, &[JobStatus::Running], JobStatus::Cancelled, now())
                .await
                .unwrap()
        );
        let second = entries
            .iter()
            .filter(|e| e.state == EntryState::Failed)
            .nth(1)
            .unwrap();
        verify(store, j.id, second).await;
        assert_eq!(
            store
                .state_counts(j.id)
                .await
                .unwrap()
                .get(EntryState::Verified),
            2
        );
    }
);

on_both!(
    a_run_finished_with_parts_left_stores_every_planned_entry,
    |store| {
        // 1,000 planned: a batch of 200 in the journal, 800 in a part.
        let j = job();
        let entries: Vec<Entry> = (0..1_000)
            .map(|i| entry(j.id, i, EntryState::Planned))
            .collect();
        store.create_job(&j, &entries).await.unwrap();
        let counted = store.state_counts(j.id).await.unwrap();
        assert_eq!(counted.get(EntryState::Planned), 1_000);
        assert!(
            store
                .set_job_status(j.id, &[JobStatus::Running], JobStatus::Finished, now())
                .await
                .unwrap()
        );
        assert_eq!(store.state_counts(j.id).await.unwrap(), counted);
    }
);
