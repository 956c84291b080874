//! The fault tests of spec/mass-reset.md, each injected at an exact point with a real slapd.

use crate::common::{Db, OsRng, World, on_both, rows_of};
use latchkey_core::mpr::job::{JobKind, JobStatus};
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::report::{Outcome, Phase, ReportRow};
use latchkey_mpr::{RunOptions, control, run, start};
use latchkey_testkit::{Fault, Op, Slapd};
use std::time::Duration;

fn count(rows: &[&ReportRow], phase: Phase, outcome: Outcome) -> usize {
    rows.iter()
        .filter(|r| r.phase == phase && r.outcome == outcome)
        .count()
}

/// Onboards through the proxy with `fault` armed before the first password change; returns the
/// report and the account the fault hit (the first one changed).
async fn onboard_with(w: &World, fault: Fault) -> Vec<ReportRow> {
    w.proxy.as_ref().unwrap().arm(fault);
    let mut request = w.request(JobKind::Onboard);
    request.concurrency = 1;
    let (job, _) = start(&w.store, request, "admin", &mut OsRng).await.unwrap();
    let job = job.unwrap();
    let summary = run(&w.store, &w.master, job, OsRng, &RunOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.status, JobStatus::Finished);
    assert_eq!(summary.counts.get(EntryState::Verified), w.users as u64);
    assert_eq!(w.proxy.as_ref().unwrap().fired(), 1, "the fault fired");
    assert!(w.mismatches().await.is_empty());
    control::report(&w.store, job).await.unwrap()
}

/// The account whose apply was not a plain success.
fn hit(rows: &[ReportRow]) -> String {
    rows.iter()
        .find(|r| r.phase == Phase::Apply && r.outcome != Outcome::Ok)
        .map(|r| r.account.clone())
        .expect("one account was hit")
}

async fn timeout_after_apply(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 5, true).await;
    let rows = onboard_with(
        &w,
        Fault::HangAfterApply {
            op: Op::PasswordModify,
        },
    )
    .await;
    let one = rows_of(&rows, &hit(&rows));
    // No new password: the same one was confirmed by binding and committed.
    assert_eq!(count(&one, Phase::Generate, Outcome::Ok), 1, "{one:#?}");
    assert_eq!(count(&one, Phase::Apply, Outcome::Retried), 1);
    assert!(
        one.iter()
            .any(|r| r.message.contains("confirmed by binding")),
        "{one:#?}"
    );
    Ok(())
}
on_both!(
    a_timeout_after_the_directory_applied_is_confirmed_not_regenerated,
    timeout_after_apply
);

async fn dropped_after_apply(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 5, true).await;
    let rows = onboard_with(
        &w,
        Fault::DropResponseAfterApply {
            op: Op::PasswordModify,
        },
    )
    .await;
    let one = rows_of(&rows, &hit(&rows));
    assert_eq!(count(&one, Phase::Generate, Outcome::Ok), 1, "{one:#?}");
    assert!(
        one.iter()
            .any(|r| r.message.contains("confirmed by binding")),
        "{one:#?}"
    );
    Ok(())
}
on_both!(
    a_connection_lost_after_the_directory_applied_is_confirmed,
    dropped_after_apply
);

async fn refused(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 5, true).await;
    let rows = onboard_with(
        &w,
        Fault::RefuseBeforeApply {
            op: Op::PasswordModify,
            diagnostic: "Password fails quality checking policy".into(),
        },
    )
    .await;
    let one = rows_of(&rows, &hit(&rows));
    // One failure and one success, with a fresh password for the second attempt.
    assert_eq!(count(&one, Phase::Apply, Outcome::Failed), 1, "{one:#?}");
    assert_eq!(count(&one, Phase::Apply, Outcome::Ok), 1);
    assert_eq!(count(&one, Phase::Generate, Outcome::Ok), 2);
    assert!(one.iter().any(|r| r.message.contains("policy")));
    Ok(())
}
on_both!(a_policy_refusal_gets_a_fresh_password, refused);

async fn directory_restarts(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 200, false).await;
    let mut request = w.request(JobKind::Onboard);
    request.rate_per_second = Some(100);
    request.batch_size = 20;
    let (job, _) = start(&w.store, request, "admin", &mut OsRng).await?;
    let job = job.unwrap();
    let (store, master) = (w.store.clone(), w.master.clone());
    let runner =
        tokio::spawn(async move { run(&store, &master, job, OsRng, &RunOptions::default()).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    w.slapd.stop()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    w.slapd.start_again()?;
    let summary = runner.await??;
    assert_eq!(summary.status, JobStatus::Finished);
    assert_eq!(summary.counts.get(EntryState::Verified), 200, "{summary:?}");
    assert!(w.mismatches().await.is_empty());
    let rows = control::report(&w.store, job).await?;
    assert!(
        rows.iter().any(|r| r.outcome == Outcome::Retried),
        "the outage was retried"
    );
    Ok(())
}
on_both!(
    the_directory_stopped_mid_run_and_started_again,
    directory_restarts
);

/// The runner stopped dead at seeded random moments (its task aborted mid-flight, as a crash
/// leaves the store), then resumed: nothing is lost.
async fn aborted(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 120, false).await;
    let mut request = w.request(JobKind::Onboard);
    request.batch_size = 10;
    let (job, _) = start(&w.store, request, "admin", &mut OsRng).await?;
    let job = job.unwrap();
    let mut seed: u64 = 0x5eed;
    for _ in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(20 + seed % 180);
        let (store, master) = (w.store.clone(), w.master.clone());
        let options = RunOptions {
            runner: format!("test:{seed}"),
            lease: Duration::from_millis(300),
            ..RunOptions::default()
        };
        let task = tokio::spawn(async move { run(&store, &master, job, OsRng, &options).await });
        tokio::time::sleep(after).await;
        task.abort();
        let _ = task.await;
        // The dead runner's lease runs out before the next one starts.
        tokio::time::sleep(Duration::from_millis(350)).await;
    }
    let summary = run(&w.store, &w.master, job, OsRng, &RunOptions::default()).await?;
    assert_eq!(summary.counts.get(EntryState::Verified), 120, "{summary:?}");
    assert!(w.mismatches().await.is_empty());
    Ok(())
}
on_both!(
    a_runner_stopped_dead_at_random_points_loses_nothing,
    aborted
);

/// Two runs over the same accounts at once: the per-account lock keeps them apart, both finish,
/// and the vault ends with what the directory holds.
async fn overlapping(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 40, false).await;
    let (onboard, _) = start(&w.store, w.request(JobKind::Onboard), "admin", &mut OsRng).await?;
    run(
        &w.store,
        &w.master,
        onboard.unwrap(),
        OsRng,
        &RunOptions::default(),
    )
    .await?;
    let (a, _) = start(&w.store, w.request(JobKind::Reset), "admin", &mut OsRng).await?;
    let (b, _) = start(&w.store, w.request(JobKind::Reset), "admin", &mut OsRng).await?;
    let (a, b) = (a.unwrap(), b.unwrap());
    let spawn = |job, name: &str| {
        let (store, master) = (w.store.clone(), w.master.clone());
        let options = RunOptions {
            runner: name.to_owned(),
            ..RunOptions::default()
        };
        tokio::spawn(async move { run(&store, &master, job, OsRng, &options).await })
    };
    let (ra, rb) = (spawn(a, "runner-a"), spawn(b, "runner-b"));
    let (sa, sb) = (ra.await??, rb.await??);
    assert_eq!(sa.counts.get(EntryState::Verified), 40);
    assert_eq!(sb.counts.get(EntryState::Verified), 40);
    assert!(w.mismatches().await.is_empty());
    // For every account, one run's generate..verify never overlaps the other's.
    let (rows_a, rows_b) = (
        control::report(&w.store, a).await?,
        control::report(&w.store, b).await?,
    );
    for i in 0..40 {
        let dn = Slapd::user_dn(i);
        let span = |rows: &[ReportRow]| {
            let mine = rows_of(rows, &dn);
            (mine.first().unwrap().at, mine.last().unwrap().at)
        };
        let ((a0, a1), (b0, b1)) = (span(&rows_a), span(&rows_b));
        assert!(a1 <= b0 || b1 <= a0, "{dn}: {a0}..{a1} overlaps {b0}..{b1}");
    }
    Ok(())
}
on_both!(
    two_overlapping_runs_never_work_on_one_account_at_once,
    overlapping
);
