//! The mass-reset batch: one transaction for the vault, the journal, the report, the owners'
//! revocations and the locks; all of it or nothing. Also its timings next to a large plan.

use crate::common::{now, on_both, profile, rng};
use crate::mpr::{all_entries, entry, job, move_all, plan, report_row, update};
use crate::vault::{item, seal};
use latchkey_core::mpr::job::MprJob;
use latchkey_core::mpr::journal::{Entry, EntryState};
use latchkey_core::mpr::repo::{BatchWrite, EntryUpdate, MprRepo, PendingWrite};
use latchkey_core::mpr::report::ReportRow;
use latchkey_core::repo::*;
use latchkey_core::secretbox::Sealed;
use latchkey_core::token::{TokenHash, TokenSecret};
use latchkey_core::vault::{VaultItem, VaultRepo, VaultWrite};
use latchkey_store::Store;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

/// A run of three generated entries (each with its own pending password, sorted by account)
/// with their accounts locked, and a vault item for the first.
async fn batch_fixture(store: &Store) -> (MprJob, Vec<Entry>, VaultItem) {
    let j = job();
    let mut entries: Vec<Entry> = (0..3)
        .map(|i| Entry {
            pending: Some(seal(&format!("pending {i}"))),
            ..entry(j.id, i, EntryState::Generated)
        })
        .collect();
    entries.sort_by_key(|e| e.account);
    store.create_job(&j, &entries).await.unwrap();
    let accounts: Vec<_> = entries.iter().map(|e| e.account).collect();
    assert_eq!(store.lock_accounts(j.id, &accounts).await.unwrap().len(), 3);
    let it = item("ann", entries[0].owner, Some(entries[0].account));
    store
        .write_item(&VaultWrite::Create(it.clone()))
        .await
        .unwrap();
    (j, entries, it)
}

fn commit_batch(entries: &[Entry], it: &VaultItem, version: i64) -> BatchWrite {
    BatchWrite {
        entries: vec![
            update(&entries[0], EntryState::Committed, PendingWrite::Clear),
            update(
                &entries[1],
                EntryState::Generated,
                PendingWrite::Set(seal("fresh")),
            ),
            update(&entries[2], EntryState::Retryable, PendingWrite::Keep),
        ],
        vault: vec![VaultWrite::SetSecret {
            id: it.id,
            expected_version: version,
            wrapped_key: it.wrapped_key.clone().unwrap(),
            secret: seal("new password"),
            changed_at: now(),
        }],
        report: vec![report_row(0), report_row(1)],
        revoke_owners: Vec::new(),
        release_locks: vec![entries[0].account, entries[2].account],
        runner: None,
    }
}

on_both!(a_conflicting_batch_writes_nothing, |store| {
    let (j, entries, it) = batch_fixture(store).await;
    let (other, _) = plan(store, 0).await;
    let before = all_entries(store, j.id).await;
    let err = store
        .write_batch(j.id, &commit_batch(&entries, &it, 7))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(all_entries(store, j.id).await, before);
    assert!(store.report_rows(j.id, 0, 100).await.unwrap().is_empty());
    let accounts: Vec<_> = entries.iter().map(|e| e.account).collect();
    assert!(
        store
            .lock_accounts(other.id, &accounts)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.item(it.id).await.unwrap(), Some(it.clone()));
    assert!(store.history(it.id).await.unwrap().is_empty());

    // A runner that no longer holds the run writes nothing, even a batch that would apply.
    let t = now();
    assert!(
        store
            .take_lease(j.id, "new-runner", t, t + time::Duration::minutes(1), None)
            .await
            .unwrap()
    );
    let mut stale = commit_batch(&entries, &it, 1);
    stale.runner = Some("old-runner".into());
    let err = store.write_batch(j.id, &stale).await.unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(all_entries(store, j.id).await, before);
    assert_eq!(store.item(it.id).await.unwrap(), Some(it.clone()));
    store.release_lease(j.id, "new-runner").await.unwrap();

    // An entry that is not in the run also rolls the batch back (after the vault write).
    let mut stray = commit_batch(&entries, &it, 1);
    stray.entries.push(update(
        &entry(j.id, 9, EntryState::Planned),
        EntryState::Applied,
        PendingWrite::Keep,
    ));
    let err = store.write_batch(j.id, &stray).await.unwrap_err();
    assert!(matches!(err, RepoError::NotFound(_)), "{err:?}");
    assert_eq!(store.item(it.id).await.unwrap(), Some(it.clone()));
    assert_eq!(all_entries(store, j.id).await, before);

    // A failure after the vault write and the entries (report rows of a run that does not
    // exist) rolls those back too.
    let mut orphan = commit_batch(&entries, &it, 1);
    orphan.entries.clear();
    let missing = latchkey_core::ids::MprJobId::generate(now(), &mut rng());
    assert!(store.write_batch(missing, &orphan).await.is_err());
    assert_eq!(store.item(it.id).await.unwrap(), Some(it.clone()));
    assert!(store.history(it.id).await.unwrap().is_empty());

    // The right version: everything lands.
    let batch = commit_batch(&entries, &it, 1);
    store.write_batch(j.id, &batch).await.unwrap();
    let after = all_entries(store, j.id).await;
    for (e, u) in after.iter().zip(&batch.entries) {
        assert_eq!(
            (e.account, e.state, e.sends, e.refusals),
            (u.account, u.state, u.sends, u.refusals)
        );
        assert_eq!(
            (e.vault_item, e.message.as_deref(), e.updated_at),
            (u.vault_item, Some("done"), u.at)
        );
    }
    assert_eq!(after[0].pending, None);
    assert_eq!(
        after[1].pending,
        Some(match &batch.entries[1].pending {
            PendingWrite::Set(s) => s.clone(),
            other => panic!("{other:?}"),
        })
    );
    // Keep: the retryable entry's pending password stays as it was.
    assert!(before[2].pending.is_some());
    assert_eq!(after[2].pending, before[2].pending);
    let stored = store.item(it.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.version, stored.secret.as_ref()),
        (2, Some(&seal_of(&batch)))
    );
    assert_eq!(
        store.history(it.id).await.unwrap()[0].secret,
        it.secret.clone().unwrap()
    );
    let rows: Vec<_> = store
        .report_rows(j.id, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(rows, batch.report);
    let mut released = vec![entries[0].account, entries[2].account];
    released.sort();
    assert_eq!(
        store.lock_accounts(other.id, &accounts).await.unwrap(),
        released
    );
    let counts = store.state_counts(j.id).await.unwrap();
    assert_eq!(
        (
            counts.get(EntryState::Committed),
            counts.get(EntryState::Generated)
        ),
        (1, 1)
    );
    assert_eq!((counts.get(EntryState::Retryable), counts.total()), (1, 3));
});

fn seal_of(batch: &BatchWrite) -> Sealed {
    match &batch.vault[0] {
        VaultWrite::SetSecret { secret, .. } => secret.clone(),
        VaultWrite::Create(i) => i.secret.clone().unwrap(),
    }
}

on_both!(a_batch_revokes_the_owners_sessions_and_tokens, |store| {
    let (j, _) = plan(store, 0).await;
    let t = now();
    let mut people = Vec::new();
    for login in ["owner1", "owner2", "bystander"] {
        let p = profile(login, None);
        store.create_profile(&p, None).await.unwrap();
        let session = TokenHash::of(&format!("session of {login}"));
        store
            .create_session(&SessionRecord {
                hash: session.clone(),
                profile: p.id,
                created_at: t,
                expires_at: t + Duration::hours(1),
                user_agent: "test".into(),
            })
            .await
            .unwrap();
        let token = TokenSecret::generate(&mut rng()).hash();
        store
            .store_token(&NewToken {
                hash: token.clone(),
                purpose: "reset_link".into(),
                subject: p.id,
                flow: None,
                created_at: t,
                expires_at: t + Duration::minutes(10),
            })
            .await
            .unwrap();
        people.push((p.id, session, token));
    }
    let batch = BatchWrite {
        revoke_owners: vec![people[0].0, people[1].0, people[0].0],
        report: vec![report_row(1)],
        ..BatchWrite::default()
    };
    store.write_batch(j.id, &batch).await.unwrap();
    for (n, (_, session, token)) in people.iter().enumerate() {
        let alive = n == 2;
        assert_eq!(
            store.session(session, t).await.unwrap().is_some(),
            alive,
            "{n}"
        );
        assert_eq!(
            store
                .consume_token(token, "reset_link", t)
                .await
                .unwrap()
                .is_some(),
            alive,
            "{n}"
        );
    }
});

on_both!(report_rows_page_by_id, |store| {
    let (j, _) = plan(store, 0).await;
    let (other, _) = plan(store, 0).await;
    let rows: Vec<ReportRow> = (0..25).map(report_row).collect();
    for part in rows.chunks(7) {
        let batch = BatchWrite {
            report: part.to_vec(),
            ..BatchWrite::default()
        };
        store.write_batch(j.id, &batch).await.unwrap();
        store.write_batch(other.id, &batch).await.unwrap();
    }
    let mut read = Vec::new();
    let mut after = 0;
    loop {
        let page = store.report_rows(j.id, after, 10).await.unwrap();
        let Some((last, _)) = page.last() else { break };
        assert!(page.iter().all(|(id, _)| *id > after));
        after = *last;
        read.extend(page.into_iter().map(|(_, r)| r));
    }
    assert_eq!(read, rows);
});

// Times a plan of 100,000 accounts and two batches of 500 (onboarding: item creations;
// reset: new secrets, revocations), each with entry updates, report rows and lock releases.
on_both!(timings_for_a_large_plan_and_full_batches, |store| {
    let j = job();
    let entries: Vec<Entry> = (0..100_000)
        .map(|i| entry(j.id, i, EntryState::Planned))
        .collect();
    let started = Instant::now();
    store.create_job(&j, &entries).await.unwrap();
    let create = started.elapsed();
    assert_eq!(store.state_counts(j.id).await.unwrap().total(), 100_000);
    let started = Instant::now();
    assert_eq!(move_all(store, j.id).await, 125, "99,800 in parts of 800");
    let moved = started.elapsed();
    assert_eq!(store.state_counts(j.id).await.unwrap().total(), 100_000);

    let part = &entries[..500];
    let accounts: Vec<_> = part.iter().map(|e| e.account).collect();
    assert_eq!(
        store.lock_accounts(j.id, &accounts).await.unwrap().len(),
        500
    );
    let items: Vec<_> = part
        .iter()
        .map(|e| item(&e.account_name, e.owner, Some(e.account)))
        .collect();
    let batch = |vault: Vec<VaultWrite>, state: EntryState, at: OffsetDateTime| BatchWrite {
        entries: part
            .iter()
            .map(|e| EntryUpdate {
                at,
                ..update(e, state, PendingWrite::Clear)
            })
            .collect(),
        vault,
        report: (0..500).map(report_row).collect(),
        revoke_owners: part.iter().filter_map(|e| e.owner).collect(),
        release_locks: accounts.clone(),
        runner: None,
    };
    let onboard = batch(
        items.iter().cloned().map(VaultWrite::Create).collect(),
        EntryState::Committed,
        now(),
    );
    let started = Instant::now();
    store.write_batch(j.id, &onboard).await.unwrap();
    let first = started.elapsed();
    let reset: Vec<_> = items
        .iter()
        .map(|i| VaultWrite::SetSecret {
            id: i.id,
            expected_version: 1,
            wrapped_key: i.wrapped_key.clone().unwrap(),
            secret: seal("reset"),
            changed_at: now(),
        })
        .collect();
    let reset = batch(reset, EntryState::Verified, now());
    let started = Instant::now();
    store.write_batch(j.id, &reset).await.unwrap();
    let second = started.elapsed();
    assert_eq!(
        store
            .state_counts(j.id)
            .await
            .unwrap()
            .get(EntryState::Verified),
        500
    );
    assert_eq!(store.history(items[0].id).await.unwrap().len(), 1);
    // The numbers for the record (`--nocapture`); the assertions above are the test.
    #[allow(clippy::print_stdout)]
    let report = || {
        println!(
            "{:?}: create_job 100,000 entries {create:?}, its parts moved in {moved:?}; \
         batch of 500 creates {first:?}; batch of 500 new secrets {second:?}",
            store.dialect()
        )
    };
    report();
});
