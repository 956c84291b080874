//! The mass-reset store: plans of many accounts, per-account locks between runs, the runner's
//! lease and the run's status. The batch write is tested in `mpr_batch.rs`.

use crate::common::{now, on_both, rng};
use crate::vault::seal;
use latchkey_core::ids::{AccountId, MprJobId, ProfileId, TargetId, VaultItemId};
use latchkey_core::mpr::job::{JobKind, JobStatus, MprJob, MprRequest, Scope, VaultMapping};
use latchkey_core::mpr::journal::{Entry, EntryState};
use latchkey_core::mpr::repo::{BatchWrite, EntryUpdate, MprRepo, PendingWrite};
use latchkey_core::mpr::report::{Outcome, Phase, ReportRow};
use latchkey_core::repo::*;
use latchkey_store::Store;
use std::collections::BTreeSet;
use std::sync::Arc;
use time::Duration;

pub fn job() -> MprJob {
    let t = now();
    MprJob {
        id: MprJobId::generate(t, &mut rng()),
        status: JobStatus::Running,
        requested_by: "admin".into(),
        request: MprRequest {
            kind: JobKind::Reset,
            targets: vec![TargetId::new("ldap-main").unwrap()],
            scope: Scope {
                user_classes: Vec::new(),
                accounts: vec!["ann".into()],
            },
            batch_size: 200,
            concurrency: 8,
            rate_per_second: Some(100),
            retry_budget: 5,
            refusal_budget: 3,
            verify: true,
            dry_run: false,
            report: true,
            vault: VaultMapping::default(),
        },
        created_at: t,
        updated_at: t,
        finished_at: None,
        runner: None,
        lease_until: None,
    }
}

pub fn entry(job: MprJobId, n: usize, state: EntryState) -> Entry {
    Entry {
        job,
        account: AccountId::generate(now(), &mut rng()),
        target: TargetId::new("ldap-main").unwrap(),
        account_name: format!("uid=user{n},ou=people"),
        owner: Some(ProfileId::generate(now(), &mut rng())),
        vault_item: None,
        state,
        pending: state.holds_pending().then(|| seal("pending")),
        sends: if state == EntryState::Planned { 0 } else { 1 },
        attempts: (n % 3) as u32,
        refusals: 0,
        message: n.is_multiple_of(2).then(|| format!("message {n}")),
        updated_at: now(),
    }
}

fn state_of(n: usize) -> EntryState {
    [
        EntryState::Planned,
        EntryState::Generated,
        EntryState::Failed,
    ][n % 3]
}

pub async fn plan(store: &Store, n: usize) -> (MprJob, Vec<Entry>) {
    let j = job();
    let entries: Vec<Entry> = (0..n).map(|i| entry(j.id, i, state_of(i))).collect();
    store.create_job(&j, &entries).await.unwrap();
    (j, entries)
}

pub fn update(e: &Entry, state: EntryState, pending: PendingWrite) -> EntryUpdate {
    EntryUpdate {
        account: e.account,
        state,
        pending,
        sends: e.sends + 1,
        attempts: e.attempts,
        refusals: 1,
        message: Some("done".into()),
        vault_item: Some(VaultItemId::generate(now(), &mut rng())),
        at: now(),
    }
}

pub fn report_row(n: usize) -> ReportRow {
    ReportRow {
        at: now(),
        account: format!("user{n}"),
        target: "ldap-main".into(),
        owner: n.is_multiple_of(2).then(|| "ann".into()),
        phase: Phase::VaultCommit,
        outcome: if n.is_multiple_of(5) {
            Outcome::Failed
        } else {
            Outcome::Ok
        },
        message: format!("row {n}"),
    }
}

/// Moves every part of the run's plan into its journal; how many there were.
pub async fn move_all(store: &Store, job: MprJobId) -> usize {
    let mut parts = 0;
    while store.move_plan_part(job).await.unwrap() {
        parts += 1;
    }
    parts
}

pub async fn all_entries(store: &Store, job: MprJobId) -> Vec<Entry> {
    store
        .entries(job, &EntryState::ALL, None, 1_000_000)
        .await
        .unwrap()
}

on_both!(a_plan_of_ten_thousand_reads_back_in_pages, |store| {
    let (j, mut entries) = plan(store, 10_000).await;
    assert_eq!(store.job(j.id).await.unwrap(), Some(j.clone()));
    assert_eq!(
        store
            .job(MprJobId::generate(now(), &mut rng()))
            .await
            .unwrap(),
        None
    );
    let err = store.create_job(&j, &[]).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");

    // The first 200 planned entries (a batch) and every entry in another state are in the
    // journal; the other planned ones wait in parts of 800 (four batches), counted all the same.
    let counts = store.state_counts(j.id).await.unwrap();
    assert_eq!(counts.total(), 10_000);
    assert_eq!(counts.get(EntryState::Planned), 3_334);
    assert_eq!(counts.get(EntryState::Generated), 3_333);
    assert_eq!(counts.finished(), 3_333);
    let journal = all_entries(store, j.id).await;
    assert_eq!(journal.len(), 200 + 6_666);
    let first: Vec<&Entry> = journal
        .iter()
        .filter(|e| e.state == EntryState::Planned)
        .collect();
    assert_eq!(first.len(), 200);
    let mut planned: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.state == EntryState::Planned)
        .collect();
    planned.sort_by_key(|e| e.account.to_string());
    assert_eq!(
        first,
        planned[..200],
        "the first planned accounts, in account order"
    );
    assert_eq!(move_all(store, j.id).await, 4, "3,134 more in parts of 800");
    assert!(!store.move_plan_part(j.id).await.unwrap());
    assert_eq!(store.state_counts(j.id).await.unwrap(), counts);

    // Pages of 700 over two states, by account id, `after` exclusive.
    let wanted = [EntryState::Generated, EntryState::Planned];
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.entries(j.id, &wanted, after, 700).await.unwrap();
        assert!(page.len() <= 700);
        let Some(last) = page.last() else { break };
        after = Some(last.account);
        pages.extend(page);
    }
    entries.retain(|e| wanted.contains(&e.state));
    entries.sort_by_key(|e| e.account);
    assert_eq!(pages.len(), 6_667);
    assert_eq!(pages, entries);
    assert!(store.entries(j.id, &[], None, 10).await.unwrap().is_empty());

    let newer = job();
    store.create_job(&newer, &[]).await.unwrap();
    let listed: Vec<_> = store
        .jobs(10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(listed, vec![newer.id, j.id]);
    assert_eq!(store.jobs(1).await.unwrap().len(), 1);
});

on_both!(
    an_account_locked_by_one_run_is_not_given_to_another,
    |store| {
        let (a, _) = plan(store, 0).await;
        let (b, _) = plan(store, 0).await;
        let accounts: Vec<AccountId> = (0..10)
            .map(|_| AccountId::generate(now(), &mut rng()))
            .collect();
        let mut sorted = accounts.clone();
        sorted.sort();
        assert_eq!(store.lock_accounts(a.id, &accounts[..6]).await.unwrap(), {
            let mut s = accounts[..6].to_vec();
            s.sort();
            s
        });
        // B gets only the four A does not hold; A's are still A's (taking them again is a no-op).
        let mut free = accounts[6..].to_vec();
        free.sort();
        assert_eq!(store.lock_accounts(b.id, &accounts).await.unwrap(), free);
        assert_eq!(store.lock_accounts(a.id, &accounts).await.unwrap().len(), 6);
        // A gives two back in a batch; B can take them now.
        let back = vec![accounts[0], accounts[1]];
        let batch = BatchWrite {
            release_locks: back.clone(),
            ..BatchWrite::default()
        };
        store.write_batch(a.id, &batch).await.unwrap();
        // Releasing someone else's lock does nothing.
        let foreign = BatchWrite {
            release_locks: accounts[6..].to_vec(),
            ..BatchWrite::default()
        };
        store.write_batch(a.id, &foreign).await.unwrap();
        assert_eq!(store.lock_accounts(b.id, &accounts).await.unwrap().len(), 6);
        assert_eq!(store.lock_accounts(a.id, &accounts).await.unwrap().len(), 4);
    }
);

on_both!(concurrent_runs_each_hold_an_account_alone, |store| {
    let (a, _) = plan(store, 0).await;
    let (b, _) = plan(store, 0).await;
    let accounts: Vec<AccountId> = (0..200)
        .map(|_| AccountId::generate(now(), &mut rng()))
        .collect();
    let accounts = Arc::new(accounts);
    let store = Arc::new(store.clone());
    let mut tasks = Vec::new();
    // Four tasks per run, each locking overlapping slices in its own order.
    for (k, run) in [a.id, b.id, a.id, b.id, a.id, b.id, a.id, b.id]
        .into_iter()
        .enumerate()
    {
        let (s, acc) = (store.clone(), accounts.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<AccountId> = acc
                .iter()
                .copied()
                .skip(k * 20)
                .chain(acc.iter().copied())
                .collect();
            if k % 2 == 0 {
                mine.reverse();
            }
            let mut held = BTreeSet::new();
            for chunk in mine.chunks(60) {
                held.extend(s.lock_accounts(run, chunk).await.unwrap());
            }
            (run, held)
        }));
    }
    let (mut held_a, mut held_b) = (BTreeSet::new(), BTreeSet::new());
    for t in tasks {
        let (run, held) = t.await.unwrap();
        if run == a.id {
            held_a.extend(held)
        } else {
            held_b.extend(held)
        }
    }
    assert!(held_a.is_disjoint(&held_b));
    assert_eq!(held_a.len() + held_b.len(), 200);
    // What each run was told is what the table says.
    let again_a: BTreeSet<_> = store
        .lock_accounts(a.id, &accounts)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let again_b: BTreeSet<_> = store
        .lock_accounts(b.id, &accounts)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!((again_a, again_b), (held_a, held_b));
});

on_both!(the_lease_is_taken_renewed_refused_and_stolen, |store| {
    let (j, _) = plan(store, 0).await;
    let t = now();
    let lease = |s: i64| t + Duration::seconds(s);
    assert!(
        store
            .take_lease(j.id, "n1:1", t, lease(30), None)
            .await
            .unwrap()
    );
    assert!(
        store
            .take_lease(j.id, "n1:1", lease(10), lease(40), None)
            .await
            .unwrap()
    );
    // Another runner: refused while the lease runs, even at its last moment.
    assert!(
        !store
            .take_lease(j.id, "n2:2", lease(20), lease(50), None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_lease(j.id, "n2:2", lease(40), lease(70), None)
            .await
            .unwrap()
    );
    let stored = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.runner.as_deref(), stored.lease_until),
        (Some("n1:1"), Some(lease(40)))
    );
    // Granted once it ended.
    assert!(
        store
            .take_lease(j.id, "n2:2", lease(41), lease(71), None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_lease(j.id, "n1:1", lease(42), lease(72), None)
            .await
            .unwrap()
    );
    // Stealing names the holder; naming someone else steals nothing.
    assert!(
        !store
            .take_lease(j.id, "n3:3", lease(43), lease(73), Some("n1:1"))
            .await
            .unwrap()
    );
    assert!(
        store
            .take_lease(j.id, "n3:3", lease(43), lease(73), Some("n2:2"))
            .await
            .unwrap()
    );
    // Release: only by the holder.
    store.release_lease(j.id, "n2:2").await.unwrap();
    assert_eq!(
        store.job(j.id).await.unwrap().unwrap().runner.as_deref(),
        Some("n3:3")
    );
    store.release_lease(j.id, "n3:3").await.unwrap();
    let stored = store.job(j.id).await.unwrap().unwrap();
    assert_eq!((stored.runner, stored.lease_until), (None, None));
    assert!(
        store
            .take_lease(j.id, "n1:1", lease(44), lease(74), None)
            .await
            .unwrap()
    );
    let missing = MprJobId::generate(now(), &mut rng());
    assert!(
        !store
            .take_lease(missing, "n1:1", t, lease(1), None)
            .await
            .unwrap()
    );
});

on_both!(status_moves_only_from_the_expected_ones, |store| {
    let (j, _) = plan(store, 0).await;
    let t = now() + Duration::seconds(5);
    let running = [JobStatus::Running];
    assert!(
        store
            .set_job_status(j.id, &running, JobStatus::Paused, t)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_job_status(j.id, &running, JobStatus::Cancelled, t)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_job_status(j.id, &[], JobStatus::Running, t)
            .await
            .unwrap()
    );
    let stored = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.updated_at, stored.finished_at),
        (JobStatus::Paused, t, None)
    );
    let end = t + Duration::seconds(1);
    let from = [JobStatus::Running, JobStatus::Paused];
    assert!(
        store
            .set_job_status(j.id, &from, JobStatus::Finished, end)
            .await
            .unwrap()
    );
    let stored = store.job(j.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.finished_at),
        (JobStatus::Finished, Some(end))
    );
});

/// Migration 9: on PostgreSQL the journal has no index on `state` and leaves room on each page,
/// so state changes are HOT updates; SQLite keeps the index that counts a run by state. Locks
/// are found by account only.
#[tokio::test]
async fn the_journal_indexes_suit_each_database() {
    use sqlx::Connection;
    let t = crate::common::sqlite().await;
    let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
    let sqlite: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' \
         AND tbl_name IN ('mpr_entries', 'mpr_account_locks') AND sql IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(sqlite, ["mpr_entries_by_state"]);

    let t = crate::common::postgres().await;
    let mut c = sqlx::PgConnection::connect(&t.url).await.unwrap();
    let postgres: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes \
         WHERE tablename IN ('mpr_entries', 'mpr_account_locks') ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(postgres, ["mpr_account_locks_pkey", "mpr_entries_pkey"]);
    // Room on each page for the next versions of what a run updates (HOT updates).
    let options: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT relname::text, reloptions FROM pg_class \
         WHERE relname IN ('mpr_entries', 'vault_items') ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(
        options,
        [
            ("mpr_entries".into(), Some(vec!["fillfactor=50".into()])),
            ("vault_items".into(), Some(vec!["fillfactor=70".into()])),
        ]
    );
}

on_both!(a_plan_listing_an_account_twice_stores_nothing, |store| {
    let j = job();
    let mut entries: Vec<Entry> = (0..2_000)
        .map(|i| entry(j.id, i, EntryState::Planned))
        .collect();
    // The last account again, far past the entries stored at once: in a part.
    let again = Entry {
        account_name: "uid=again".into(),
        ..entries[1_999].clone()
    };
    entries.push(again);
    let err = store.create_job(&j, &entries).await.unwrap_err();
    assert!(
        matches!(&err, RepoError::Conflict(m) if m.contains("uid=again") && m.contains("twice")),
        "{err:?}"
    );
    assert_eq!(store.job(j.id).await.unwrap(), None);
    assert!(!store.move_plan_part(j.id).await.unwrap());
    assert_eq!(store.state_counts(j.id).await.unwrap().total(), 0);
});

on_both!(
    two_runners_moving_the_parts_at_once_move_each_once,
    |store| {
        let j = job();
        let entries: Vec<Entry> = (0..5_000)
            .map(|i| entry(j.id, i, EntryState::Planned))
            .collect();
        store.create_job(&j, &entries).await.unwrap();
        let store = Arc::new(store.clone());
        let movers: Vec<_> = (0..2)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { move_all(&store, j.id).await })
            })
            .collect();
        let mut moved = 0;
        for m in movers {
            moved += m.await.unwrap();
        }
        // 200 at once, 4,800 in parts of 800.
        assert_eq!(moved, 6);
        let mut stored: Vec<AccountId> = all_entries(&store, j.id)
            .await
            .into_iter()
            .map(|e| e.account)
            .collect();
        stored.sort();
        let mut planned: Vec<AccountId> = entries.iter().map(|e| e.account).collect();
        planned.sort();
        assert_eq!(stored, planned);
    }
);
