//! Whole runs: onboarding, then resets, every account checked by binding with its vault
//! password; idempotence; no password in the report.

use crate::common::{Db, OsRng, World, on_both, rows_of};
use latchkey_core::mpr::job::{JobKind, JobStatus};
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_core::mpr::report::{Outcome, Phase, to_csv, to_html};
use latchkey_core::repo::{AuditRepo, ProfileRepo, SessionRecord, SessionRepo};
use latchkey_core::token::TokenSecret;
use latchkey_core::vault::{FIELD_ASSOCIATION, VaultRepo};
use latchkey_mpr::{RunOptions, control, run, start};
use latchkey_testkit::Slapd;
use time::OffsetDateTime;

async fn onboard_then_reset(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 25, false).await;
    let (job, plan) = start(&w.store, w.request(JobKind::Onboard), "admin", &mut OsRng).await?;
    assert_eq!(plan.planned(), 25);
    let summary = run(
        &w.store,
        &w.master,
        job.unwrap(),
        OsRng,
        &RunOptions::default(),
    )
    .await?;
    assert_eq!(summary.status, JobStatus::Finished);
    assert_eq!(summary.counts.get(EntryState::Verified), 25);
    assert!(w.mismatches().await.is_empty());
    let onboarded = w.vault_passwords().await;
    // Every item names its owner by login id.
    let accounts: Vec<_> = plan.entries.iter().map(|e| e.account).collect();
    let items = w.store.items_for_accounts(&accounts).await?;
    assert_eq!(items.len(), 25);
    for item in items {
        let owner = w.store.profile_by_id(item.owner.unwrap()).await?.unwrap();
        assert_eq!(
            item.fields.get(FIELD_ASSOCIATION).map(String::as_str),
            Some(owner.login_id.as_str())
        );
    }
    // Nobody's password is the one the directory was seeded with.
    let dn = Slapd::user_dn(3);
    assert_ne!(onboarded[&dn].expose(), Slapd::initial_password(3));

    // Onboarding again creates nothing twice.
    let (again, plan) = start(&w.store, w.request(JobKind::Onboard), "admin", &mut OsRng).await?;
    assert_eq!(plan.planned(), 0);
    assert_eq!(plan.skipped(), 25);
    let s = run(
        &w.store,
        &w.master,
        again.unwrap(),
        OsRng,
        &RunOptions::default(),
    )
    .await?;
    assert_eq!(s.counts.get(EntryState::Skipped), 25);

    // A session of an owner ends with the reset.
    let owner = w
        .store
        .items_for_accounts(&[plan.entries[0].account])
        .await?[0]
        .owner
        .unwrap();
    let session = TokenSecret::generate(&mut OsRng).hash();
    let now = OffsetDateTime::now_utc();
    w.store
        .create_session(&SessionRecord {
            hash: session.clone(),
            profile: owner,
            created_at: now,
            expires_at: now + time::Duration::hours(1),
            user_agent: "test".into(),
        })
        .await?;

    let (reset, _) = start(&w.store, w.request(JobKind::Reset), "admin", &mut OsRng).await?;
    let reset = reset.unwrap();
    let summary = run(&w.store, &w.master, reset, OsRng, &RunOptions::default()).await?;
    assert_eq!(summary.counts.get(EntryState::Verified), 25);
    assert!(w.mismatches().await.is_empty());
    let after = w.vault_passwords().await;
    for (account, pw) in &after {
        assert_ne!(
            pw.expose(),
            onboarded[account].expose(),
            "{account} kept its password"
        );
    }
    let item = &w
        .store
        .items_for_accounts(&[plan.entries[0].account])
        .await?[0];
    assert_eq!(
        w.store.history(item.id).await?.len(),
        1,
        "the onboarding password is history"
    );
    assert!(
        w.store
            .session(&session, OffsetDateTime::now_utc())
            .await?
            .is_none()
    );

    // The report: every phase of every account, and not one password anywhere in it.
    let rows = control::report(&w.store, reset).await?;
    let one = rows_of(&rows, &dn);
    let phases: Vec<Phase> = one.iter().map(|r| r.phase).collect();
    assert_eq!(
        phases,
        [
            Phase::Generate,
            Phase::Apply,
            Phase::VaultCommit,
            Phase::Verify
        ]
    );
    assert!(
        one.iter()
            .all(|r| r.outcome == Outcome::Ok && r.owner.as_deref() == Some("p3"))
    );
    let mut csv = Vec::new();
    to_csv(&rows, &mut csv)?;
    let csv = String::from_utf8(csv)?;
    let html = to_html("run", &rows, OffsetDateTime::now_utc());
    for pw in after.values().chain(onboarded.values()) {
        assert!(!csv.contains(pw.expose()) && !html.contains(pw.expose()));
    }
    let jobs = w.store.jobs(10).await?;
    assert_eq!(jobs.len(), 3);
    let audit = w.store.recent_audit(100).await?;
    let starts: Vec<_> = audit.iter().filter(|e| e.action == "mpr.start").collect();
    assert_eq!(starts.len(), 3);
    assert!(starts.iter().all(|e| {
        e.subject
            .as_deref()
            .is_some_and(|s| s.ends_with("by admin"))
    }));
    assert!(
        starts[0].detail.contains("\"planned\":25"),
        "{}",
        starts[0].detail
    );
    Ok(())
}
on_both!(
    onboard_then_reset_binds_every_account_with_its_vault_password,
    onboard_then_reset
);

async fn dry_run_and_scope(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 6, false).await;
    let mut request = w.request(JobKind::Onboard);
    request.dry_run = true;
    let (job, plan) = start(&w.store, request, "admin", &mut OsRng).await?;
    assert!(job.is_none());
    assert_eq!(plan.planned(), 6);
    assert!(
        w.store.jobs(10).await?.is_empty(),
        "a dry run stores nothing"
    );
    assert!(w.vault_passwords().await.is_empty());

    let mut request = w.request(JobKind::Onboard);
    request.scope.accounts = vec![Slapd::user_dn(1), Slapd::user_dn(4).to_uppercase()];
    let (job, plan) = start(&w.store, request, "admin", &mut OsRng).await?;
    assert_eq!(plan.entries.len(), 2);
    run(
        &w.store,
        &w.master,
        job.unwrap(),
        OsRng,
        &RunOptions::default(),
    )
    .await?;
    let vault = w.vault_passwords().await;
    assert_eq!(vault.len(), 2);
    assert!(vault.contains_key(&Slapd::user_dn(4)));
    // A reset only touches what is in the vault.
    let (_, plan) = start(&w.store, w.request(JobKind::Reset), "admin", &mut OsRng).await?;
    assert_eq!((plan.planned(), plan.skipped()), (2, 4));
    Ok(())
}
on_both!(
    a_dry_run_stores_nothing_and_scope_narrows,
    dry_run_and_scope
);

async fn pause_cancel_resume(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 30, false).await;
    let (job, _) = start(&w.store, w.request(JobKind::Onboard), "admin", &mut OsRng).await?;
    let job = job.unwrap();
    control::pause(&w.store, job, "admin").await?;
    let s = run(&w.store, &w.master, job, OsRng, &RunOptions::default()).await?;
    assert_eq!(s.status, JobStatus::Paused);
    assert_eq!(
        s.counts.get(EntryState::Planned),
        30,
        "a paused run does nothing"
    );
    assert!(control::pause(&w.store, job, "admin").await.is_err());
    control::resume(&w.store, job, "admin").await?;
    control::cancel(&w.store, job, "admin").await?;
    let s = run(&w.store, &w.master, job, OsRng, &RunOptions::default()).await?;
    assert_eq!(s.status, JobStatus::Cancelled);
    assert_eq!(s.counts.get(EntryState::Skipped), 30);
    assert!(w.vault_passwords().await.is_empty());
    assert!(control::resume(&w.store, job, "admin").await.is_err());
    Ok(())
}
on_both!(
    pause_cancel_and_resume_change_only_the_status,
    pause_cancel_resume
);

/// A run whose runner died is found by any node; one with a live runner is not.
async fn abandoned_runs(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 3, false).await;
    let (job, _) = start(&w.store, w.request(JobKind::Onboard), "admin", &mut OsRng).await?;
    let job = job.unwrap();
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        latchkey_mpr::pickup::abandoned(&w.store, now).await?,
        [job],
        "never taken"
    );
    let later = now + time::Duration::seconds(60);
    assert!(
        w.store
            .take_lease(job, "elsewhere:1", now, later, None)
            .await?
    );
    assert!(
        latchkey_mpr::pickup::abandoned(&w.store, now)
            .await?
            .is_empty(),
        "held"
    );
    assert_eq!(
        latchkey_mpr::pickup::abandoned(&w.store, later + time::Duration::seconds(1)).await?,
        [job],
        "the lease ran out"
    );
    run(&w.store, &w.master, job, OsRng, &RunOptions::default())
        .await
        .unwrap_err();
    w.store.release_lease(job, "elsewhere:1").await?;
    let s = run(&w.store, &w.master, job, OsRng, &RunOptions::default()).await?;
    assert_eq!(s.status, JobStatus::Finished);
    assert!(
        latchkey_mpr::pickup::abandoned(&w.store, later)
            .await?
            .is_empty(),
        "finished"
    );
    Ok(())
}
on_both!(
    abandoned_runs_are_found_and_live_ones_left_alone,
    abandoned_runs
);

/// A pause takes effect at the next batch: the batches in flight finish (no account is left
/// between the target and the vault), the rest waits, and resuming completes the run.
async fn pause_mid_run(db: Db) -> crate::common::TestResult {
    let w = World::new(db, 150, false).await;
    let mut request = w.request(JobKind::Onboard);
    request.rate_per_second = Some(100);
    request.batch_size = 10;
    let (job, _) = start(&w.store, request, "admin", &mut OsRng).await?;
    let job = job.unwrap();
    let (store, master) = (w.store.clone(), w.master.clone());
    let runner =
        tokio::spawn(async move { run(&store, &master, job, OsRng, &RunOptions::default()).await });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    control::pause(&w.store, job, "admin").await?;
    let paused = runner.await??;
    assert_eq!(paused.status, JobStatus::Paused);
    let c = &paused.counts;
    assert!(c.get(EntryState::Verified) > 0, "{c:?}");
    assert!(c.get(EntryState::Planned) > 0, "{c:?}");
    for mid in [
        EntryState::Generated,
        EntryState::Applied,
        EntryState::Committed,
    ] {
        assert_eq!(c.get(mid), 0, "{mid} left behind: {c:?}");
    }
    control::resume(&w.store, job, "admin").await?;
    let done = run(&w.store, &w.master, job, OsRng, &RunOptions::default()).await?;
    assert_eq!(done.counts.get(EntryState::Verified), 150);
    assert!(w.mismatches().await.is_empty());
    Ok(())
}
on_both!(a_pause_lets_the_batches_in_flight_finish, pause_mid_run);
