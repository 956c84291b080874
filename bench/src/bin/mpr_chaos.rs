//! kill -9 chaos for the mass password reset: the process running the reset is killed with
//! SIGKILL at seeded random moments, again and again, then resumed to completion; afterwards
//! every account must bind with the password its vault item holds.
//!
//! ```sh
//! cargo build --release -p latchkey            # the binary under test
//! cargo run --release -p latchkey-bench --bin mpr_chaos -- --kills 50 --users 2000 --seed 7
//! cargo run --release -p latchkey-bench --bin mpr_chaos -- --database postgres
//! ```
//!
//! Options: `--kills K` (50), `--users N` (2000), `--seed S` (1), `--database sqlite|postgres`,
//! `--batch B` (accounts per batch, 50), `--max-delay-ms M` (a kill comes 20..=M ms after the
//! process started; by default M is how long the onboarding took), `--latchkey PATH` (else `$LATCHKEY_BIN`, else the `latchkey` next to
//! this binary — `target/release/latchkey` — which must be built first).
//!
//! The world is what an installation has on disk: a store (SQLite file or PostgreSQL database)
//! with the directory's people, the directory as a discovered target, an operator in
//! `MPR_ADMINS` with the `mass_password_reset` privilege, `MASS_PASSWORD_RESET TARGETS`, a
//! master key file and a `latchkey.toml`. The accounts are onboarded with `latchkey mpr
//! onboard`. Then, until K kills have happened: if a reset run is unfinished, `latchkey mpr
//! resume RUN` works on it, else `latchkey mpr reset --yes` starts one; either is killed after
//! a seeded delay unless it finished first (then the next child starts a new run). A final
//! `resume` runs without a kill. This is the spec's fault test: a kill lands before the run is
//! stored, between a password's journal commit and the directory, between the directory and
//! the vault, during verification — and the journal must make every case whole.
//!
//! The check binds every account directly to slapd with the password opened from its vault
//! item (the master key and `latchkey_vault::Envelope`, as the vault page would). The table
//! reports kills (and how many caught accounts mid-flight), mismatches, orphaned and failed
//! accounts over all reset runs, and the time. Any generated password found in what the
//! children printed is an error too.
#![allow(clippy::print_stdout)]

use latchkey_bench::world::{Db, Person, World};
use latchkey_bench::{BenchResult, Seeded, flag, slapd_def, slapd_target};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::{JobKind, JobStatus};
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_testkit::{SERVICE_PASSWORD, Slapd, SlapdOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const OPERATOR: &str = "mpr.operator";
const OPERATOR_PASSWORD: &str = "Chaos-operator-Passw0rd";
const MIN_DELAY_MS: u64 = 20;

/// The `latchkey` binary and where the children run.
struct Cli {
    bin: PathBuf,
    config: PathBuf,
    logs: PathBuf,
    spawned: usize,
}

impl Cli {
    /// Starts `latchkey --config … ARGS` with the operator's password on standard input and
    /// its output in `logs/child-N.{out,err}`.
    fn spawn(&mut self, args: &[&str]) -> BenchResult<Child> {
        self.spawned += 1;
        let out = std::fs::File::create(self.logs.join(format!("child-{}.out", self.spawned)))?;
        let err = std::fs::File::create(self.logs.join(format!("child-{}.err", self.spawned)))?;
        let mut child = Command::new(&self.bin)
            .env_clear()
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        let mut stdin = child.stdin.take().ok_or("no standard input")?;
        // A child that stops before reading closes the pipe; its exit status tells why.
        let _ = stdin.write_all(OPERATOR_PASSWORD.as_bytes());
        drop(stdin);
        Ok(child)
    }

    /// What child `n` wrote to standard error.
    fn stderr_of(&self, n: usize) -> String {
        std::fs::read_to_string(self.logs.join(format!("child-{n}.err"))).unwrap_or_default()
    }

    /// Runs `args` to the end; an error quoting its standard error unless it succeeded.
    fn run(&mut self, args: &[&str]) -> BenchResult {
        let status = self.spawn(args)?.wait()?;
        if !status.success() {
            return Err(format!(
                "latchkey {args:?} ended with {status}:\n{}",
                self.stderr_of(self.spawned)
            )
            .into());
        }
        Ok(())
    }
}

fn latchkey_bin(args: &[String]) -> BenchResult<PathBuf> {
    let bin = match flag::<PathBuf>(args, "--latchkey")? {
        Some(path) => path,
        None => match std::env::var_os("LATCHKEY_BIN") {
            Some(path) => PathBuf::from(path),
            None => std::env::current_exe()?.with_file_name("latchkey"),
        },
    };
    if !bin.is_file() {
        return Err(format!(
            "no latchkey binary at {}: build it with `cargo build --release -p latchkey`, or \
             name one with --latchkey PATH or LATCHKEY_BIN",
            bin.display()
        )
        .into());
    }
    Ok(bin)
}

/// The newest reset run that is still running (unfinished), if any.
async fn open_reset(world: &World) -> BenchResult<Option<MprJobId>> {
    Ok(world
        .store
        .jobs(20)
        .await?
        .into_iter()
        .find(|j| j.request.kind == JobKind::Reset && j.status == JobStatus::Running)
        .map(|j| j.id))
}

/// Accounts of `job` between "planned" and a final state.
async fn in_flight(world: &World, job: MprJobId) -> BenchResult<u64> {
    let counts = world.store.state_counts(job).await?;
    Ok([
        EntryState::Generated,
        EntryState::Applied,
        EntryState::Committed,
        EntryState::Retryable,
    ]
    .iter()
    .map(|s| counts.get(*s))
    .sum())
}

/// What the kills did.
#[derive(Debug, Default)]
struct Tally {
    kills: usize,
    /// Kills after which some account of the run was between planned and final.
    mid_flight: usize,
    /// Kills before the run was stored.
    before_run: usize,
    children: usize,
    runs_finished: usize,
}

/// Starts or resumes the reset, killing children, until `kills` kills have happened.
async fn chaos(
    world: &World,
    cli: &mut Cli,
    kills: usize,
    rng: &mut Seeded,
    max_delay: u64,
) -> BenchResult<Tally> {
    let mut tally = Tally::default();
    let op = ["--as", OPERATOR, "--password-stdin", "--no-progress"];
    while tally.kills < kills {
        let open = open_reset(world).await?;
        let resume_args;
        let args: Vec<&str> = match &open {
            Some(job) => {
                resume_args = job.to_string();
                ["mpr", "resume", resume_args.as_str()]
                    .into_iter()
                    .chain(op)
                    .collect()
            }
            None => ["mpr", "reset", "--yes"].into_iter().chain(op).collect(),
        };
        let delay = Duration::from_millis(rng.between(MIN_DELAY_MS, max_delay));
        let started = Instant::now();
        let mut child = cli.spawn(&args)?;
        tally.children += 1;
        let exited = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if started.elapsed() >= delay {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        match exited {
            Some(status) if status.success() => tally.runs_finished += 1,
            Some(status) => {
                return Err(format!(
                    "latchkey {args:?} ended with {status}:\n{}",
                    cli.stderr_of(cli.spawned)
                )
                .into());
            }
            None => {
                // SIGKILL; then reap it, so /proc no longer shows the dead runner.
                child.kill()?;
                child.wait()?;
                tally.kills += 1;
                match open_reset(world).await? {
                    None => tally.before_run += usize::from(open.is_none()),
                    Some(job) if in_flight(world, job).await? > 0 => tally.mid_flight += 1,
                    Some(_) => {}
                }
            }
        }
    }
    Ok(tally)
}

/// Entries in `state` over every reset run.
async fn over_resets(world: &World, state: EntryState) -> BenchResult<u64> {
    let mut n = 0;
    for job in world.store.jobs(10_000).await? {
        if job.request.kind == JobKind::Reset {
            n += world.store.state_counts(job.id).await?.get(state);
        }
    }
    Ok(n)
}

/// Finished reset runs that did not take every account to a final state: none may lose an
/// account of its plan, whether in the journal or in a part not moved into it yet.
async fn short_runs(world: &World, users: usize) -> BenchResult<Vec<String>> {
    let mut short = Vec::new();
    for job in world.store.jobs(10_000).await? {
        if job.request.kind != JobKind::Reset || job.status != JobStatus::Finished {
            continue;
        }
        let counts = world.store.state_counts(job.id).await?;
        if counts.total() != users as u64 || counts.finished() != users as u64 {
            short.push(format!("{}: {counts:?}", job.id));
        }
    }
    Ok(short)
}

/// Children's output files that contain one of the vault's passwords.
fn leaks(logs: &Path, passwords: &[String]) -> BenchResult<Vec<String>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(logs)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if passwords.iter().any(|p| text.contains(p.as_str())) {
            found.push(path.display().to_string());
        }
    }
    Ok(found)
}

#[tokio::main]
async fn main() -> BenchResult {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kills = flag(&args, "--kills")?.unwrap_or(50usize);
    let users = flag(&args, "--users")?.unwrap_or(2_000usize);
    let seed = flag(&args, "--seed")?.unwrap_or(1u64);
    let batch = flag(&args, "--batch")?.unwrap_or(50u32);
    let max_delay: Option<u64> = flag(&args, "--max-delay-ms")?;
    let db = flag::<Db>(&args, "--database")?.unwrap_or(Db::Sqlite);
    let bin = latchkey_bin(&args)?;

    let slapd = Slapd::start(SlapdOptions {
        users,
        dbnosync: true,
        log_level: "none".into(),
        ..SlapdOptions::default()
    })?;
    let people: Vec<Person> = (0..users)
        .map(|i| Person {
            login: format!("p{i}"),
            mail: Slapd::user_mail(i),
        })
        .collect();
    let world = World::build(
        db,
        &people,
        slapd_def("LDAP", &slapd.url(), 8)?,
        SERVICE_PASSWORD,
    )
    .await?;
    world.add_admin(OPERATOR, OPERATOR_PASSWORD).await?;
    world
        .set("MASS_PASSWORD_RESET", "TARGETS", &[world.def.id.as_str()])
        .await?;
    let batch_text = batch.to_string();
    for ns in ["MASS_PASSWORD_ONBOARD", "MASS_PASSWORD_RESET"] {
        world.set(ns, "BATCH_SIZE", &[batch_text.as_str()]).await?;
    }
    let logs = world.dir.path().join("logs");
    std::fs::create_dir(&logs)?;
    let mut cli = Cli {
        bin,
        config: world.write_config()?,
        logs: logs.clone(),
        spawned: 0,
    };
    let op = [
        "--as",
        OPERATOR,
        "--password-stdin",
        "--yes",
        "--no-progress",
    ];
    let onboarding = Instant::now();
    cli.run(&[&["mpr", "onboard"][..], &op[..]].concat())?;
    // A reset takes about as long as the onboarding: kills land anywhere in one by default.
    let onboard_ms = u64::try_from(onboarding.elapsed().as_millis())?;
    let max_delay = max_delay.unwrap_or(onboard_ms).max(MIN_DELAY_MS + 1);
    eprintln!(
        "{users} accounts onboarded in {onboard_ms} ms; {kills} kills to go, {MIN_DELAY_MS}..={max_delay} ms after each start (seed {seed})"
    );

    let started = Instant::now();
    let mut rng = Seeded::new(seed);
    let mut tally = chaos(&world, &mut cli, kills, &mut rng, max_delay).await?;
    if let Some(job) = open_reset(&world).await? {
        let id = job.to_string();
        let resume = [
            "mpr",
            "resume",
            id.as_str(),
            "--as",
            OPERATOR,
            "--password-stdin",
        ];
        cli.run(&[&resume[..], &["--no-progress"][..]].concat())?;
        tally.children += 1;
        tally.runs_finished += 1;
    }
    if let Some(job) = open_reset(&world).await? {
        return Err(format!("run {job} is still unfinished after the last resume").into());
    }
    let secs = started.elapsed().as_secs_f64();

    let accounts: Vec<String> = (0..users).map(Slapd::user_dn).collect();
    let direct = slapd_target(&slapd.url(), 4)?;
    let mismatches = world.mismatches(&direct, &accounts).await?;
    let orphaned = over_resets(&world, EntryState::Orphaned).await?;
    let failed = over_resets(&world, EntryState::Failed).await?;
    let short = short_runs(&world, users).await?;
    let vault: Vec<String> = world
        .vault_passwords()
        .await?
        .values()
        .map(|p| p.expose().to_owned())
        .collect();
    let leaked = leaks(&logs, &vault)?;

    println!(
        "## kill -9 during mass reset ({}, seed {seed}, batches of {batch})\n",
        db.name()
    );
    println!(
        "| kills | mid-flight kills | kills before the run was stored | children | runs finished | finished runs short of an account | accounts | mismatches | orphaned | failed | seconds |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {users} | {} | {orphaned} | {failed} | {secs:.0} |",
        tally.kills,
        tally.mid_flight,
        tally.before_run,
        tally.children,
        tally.runs_finished,
        short.len(),
        mismatches.len(),
    );
    if !mismatches.is_empty()
        || !leaked.is_empty()
        || !short.is_empty()
        || orphaned > 0
        || failed > 0
    {
        println!(
            "\nmismatched accounts: {mismatches:?}\noutputs with a password: {leaked:?}\nfinished runs short of an account: {short:?}"
        );
        println!(
            "world kept for inspection in {}",
            world.dir.path().display()
        );
        let kept = world.dir.keep();
        return Err(format!("chaos failed; see {}", kept.display()).into());
    }
    Ok(())
}
