//! `latchkey mpr` against a real slapd: who may run it, the plan, whole runs checked by binding
//! every account with its vault password, status and reports without a password in them, and
//! the spec's fault test in small: the process running a reset killed with SIGKILL at seeded
//! moments, resumed, and not one password lost (`bench/src/bin/mpr_chaos.rs` is the big one).

mod world;

use crate::util::{Sandbox, finish};
use latchkey_core::mpr::job::{JobKind, JobStatus};
use latchkey_core::mpr::journal::EntryState;
use latchkey_testkit::{SERVICE_PASSWORD, Slapd};
use std::time::{Duration, Instant};
use world::{ADMIN_PASSWORD, OTHER_PASSWORD, REFUSED, World};

#[test]
fn mpr_help_explains_each_command_and_never_shows_a_password() {
    let sb = Sandbox::new();
    let help = sb.run(&["mpr", "--help"]).expect_code(0);
    for command in [
        "onboard", "reset", "status", "resume", "pause", "cancel", "report",
    ] {
        assert!(help.stdout.contains(command), "{command}:\n{}", help.stdout);
    }
    let reset = sb.run(&["mpr", "reset", "--help"]).expect_code(0).stdout;
    assert!(
        reset.contains("--password-stdin") && reset.contains("MPR_ADMINS"),
        "{reset}"
    );
    assert!(
        reset.contains("latchkey mpr resume RUN") && reset.contains("--dry-run"),
        "{reset}"
    );
    let report = sb.run(&["mpr", "report", "--help"]).expect_code(0).stdout;
    assert!(
        report.contains("never a password") && report.contains("--html"),
        "{report}"
    );
    let status = sb.run(&["mpr", "status"]).expect_code(0).stdout;
    assert!(status.contains("No runs yet"), "{status}");
}

#[test]
fn refused_operators_exit_2_and_nothing_is_stored() {
    let w = World::new(5);
    let cases: [(&str, &str, &[&str]); 5] = [
        ("nobody", ADMIN_PASSWORD, &["--password-stdin"]),
        ("admin", "wrong-password", &["--password-stdin"]),
        ("helper", OTHER_PASSWORD, &["--password-stdin"]),
        ("outsider", OTHER_PASSWORD, &["--password-stdin"]),
        // No terminal and no --password-stdin: the password cannot be asked for.
        ("admin", ADMIN_PASSWORD, &[]),
    ];
    for (who, password, how) in cases {
        for kind in ["onboard", "reset"] {
            let args = [&["mpr", kind, "--as", who, "--yes"][..], how].concat();
            let run = w.run(&args, password).expect_code(2);
            let why = if how.is_empty() {
                "--password-stdin"
            } else {
                REFUSED
            };
            assert!(run.stderr.contains(why), "{who}: {}", run.stderr);
            assert!(!run.stdout.contains("stored"), "{}", run.stdout);
        }
    }
    let pause = [
        "mpr",
        "pause",
        "0193a000-0000-7000-8000-000000000000",
        "--as",
        "helper",
        "--password-stdin",
    ];
    assert!(
        w.run(&pause, OTHER_PASSWORD)
            .expect_code(2)
            .stderr
            .contains(REFUSED)
    );
    assert!(w.runs().is_empty());
    assert!(w.vault().is_empty());
    let status = w.run(&["mpr", "status"], "").expect_code(0);
    assert!(status.stdout.contains("No runs yet"), "{}", status.stdout);
}

#[test]
fn a_dry_run_prints_the_plan_and_stores_nothing() {
    let w = World::new(12);
    let args = [
        "mpr",
        "onboard",
        "--as",
        "admin",
        "--password-stdin",
        "--dry-run",
    ];
    let plan = w.run(&args, ADMIN_PASSWORD).expect_code(0);
    assert!(plan.stdout.contains("LDAP"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("12 of 12 accounts get a new password (onboarding)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("Dry run: nothing was changed."),
        "{}",
        plan.stdout
    );
    let args = [
        "mpr",
        "reset",
        "--as",
        "admin",
        "--password-stdin",
        "--dry-run",
    ];
    let reset = w.run(&args, ADMIN_PASSWORD).expect_code(0);
    assert!(
        reset.stdout.contains("0 of 12 accounts"),
        "{}",
        reset.stdout
    );
    assert!(
        reset.stdout.contains("not in the vault: onboard it first"),
        "{}",
        reset.stdout
    );
    // Without --yes and without a terminal to confirm at, nothing starts either.
    let args = ["mpr", "onboard", "--as", "admin", "--password-stdin"];
    let unconfirmed = w.run(&args, ADMIN_PASSWORD).expect_code(2);
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );
    assert!(w.runs().is_empty() && w.vault().is_empty());
    assert_eq!(
        w.mismatches().len(),
        12,
        "no account has a vault password yet"
    );
}

#[test]
fn onboard_then_reset_binds_every_account_and_no_output_holds_a_password() {
    let w = World::new(30);
    let onboard = w.start("onboard").expect_code(0);
    assert!(
        onboard
            .stdout
            .contains("is finished: 30 done, 0 failed or orphaned, 0 remaining"),
        "{}",
        onboard.stdout
    );
    assert!(w.mismatches().is_empty());
    let onboarded = w.vault();
    assert_eq!(onboarded.len(), 30);
    let reset = w.start("reset").expect_code(0);
    assert!(
        reset.stdout.contains("is finished: 30 done"),
        "{}",
        reset.stdout
    );
    assert!(w.mismatches().is_empty());
    let after = w.vault();
    for (dn, pw) in &after {
        assert_ne!(pw, &onboarded[dn], "{dn} kept its password");
    }
    let runs = w.runs();
    assert_eq!(runs.len(), 2);
    let (reset_id, kind, status) = runs[0];
    assert_eq!((kind, status), (JobKind::Reset, JobStatus::Finished));

    let mut outputs = vec![onboard, reset];
    let all = w.run(&["mpr", "status"], "").expect_code(0);
    assert!(
        all.stdout.contains("onboard")
            && all.stdout.contains("reset")
            && all.stdout.contains("finished"),
        "{}",
        all.stdout
    );
    let id = reset_id.to_string();
    let one = w.run(&["mpr", "status", &id], "").expect_code(0);
    assert!(
        one.stdout.contains(&id) && one.stdout.contains("30"),
        "{}",
        one.stdout
    );
    let csv = w.run(&["mpr", "report", &id], "").expect_code(0);
    let dn = Slapd::user_dn(7);
    let rows = csv.stdout.lines().filter(|l| l.contains(&dn)).count();
    assert_eq!(
        rows, 4,
        "generate, apply, vault commit, verify:\n{}",
        csv.stdout
    );
    let files = [
        "mpr",
        "report",
        &id,
        "--html",
        "report.html",
        "--csv",
        "report.csv",
    ];
    outputs.extend([all, one, csv, w.run(&files, "").expect_code(0)]);
    let mut texts: Vec<String> = outputs
        .into_iter()
        .flat_map(|r| [r.stdout, r.stderr])
        .collect();
    texts.push(w.sb.read("report.html"));
    texts.push(w.sb.read("report.csv"));
    assert!(texts[texts.len() - 1].lines().count() > 120);
    let secrets = onboarded.values().chain(after.values()).map(String::as_str);
    for secret in secrets.chain([ADMIN_PASSWORD, SERVICE_PASSWORD]) {
        assert!(
            !texts.iter().any(|t| t.contains(secret)),
            "a password was printed"
        );
    }
}

/// SplitMix64: reproducible kill delays.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn kill_9_during_a_reset_loses_no_password() {
    const KILLS: usize = 5;
    let w = World::new(300);
    for ns in ["MASS_PASSWORD_ONBOARD", "MASS_PASSWORD_RESET"] {
        w.run(&["settings", "set", ns, "BATCH_SIZE", "20"], "")
            .expect_code(0);
    }
    let started = Instant::now();
    w.start("onboard").expect_code(0);
    // A reset takes about as long as the onboarding: kill somewhere in there.
    let span = u64::try_from(started.elapsed().as_millis())
        .unwrap()
        .max(200);
    let mut seed = 20_241_123_u64;
    let (mut kills, mut mid_flight, mut children) = (0, 0, 0);
    let op = ["--as", "admin", "--password-stdin", "--no-progress"];
    while kills < KILLS {
        children += 1;
        assert!(children < 40, "the reset kept finishing before a kill");
        let id = w.open_reset().map(|id| id.to_string()).unwrap_or_default();
        let args: Vec<&str> = if id.is_empty() {
            [&["mpr", "reset", "--yes"][..], &op[..]].concat()
        } else {
            [&["mpr", "resume", id.as_str()][..], &op[..]].concat()
        };
        let mut child = w.spawn(&args, ADMIN_PASSWORD);
        let delay = Duration::from_millis(span / 10 + next(&mut seed) % span);
        let t0 = Instant::now();
        while t0.elapsed() < delay && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            // SIGKILL, then reap: the next runner finds the dead pid gone and takes over.
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
            mid_flight += usize::from(w.open_reset().is_some_and(|job| w.in_flight(job) > 0));
        } else {
            finish(child.wait_with_output().unwrap()).expect_code(0);
        }
    }
    if let Some(id) = w.open_reset() {
        let id = id.to_string();
        let args = [&["mpr", "resume", id.as_str()][..], &op[..]].concat();
        w.run(&args, ADMIN_PASSWORD).expect_code(0);
    }
    eprintln!("{kills} kills ({mid_flight} with accounts mid-flight) over {children} processes");
    assert!(
        mid_flight > 0,
        "no kill caught an account between planned and final"
    );
    assert!(
        w.runs().iter().all(|r| r.2 == JobStatus::Finished),
        "{:?}",
        w.runs()
    );
    assert_eq!(w.mismatches(), Vec::<String>::new());
    assert_eq!(
        w.count(EntryState::Orphaned) + w.count(EntryState::Failed),
        0
    );
    assert_eq!(w.vault().len(), 300);
}
