//! Mass password reset at directory speed: our whole reset next to the directory's own rate for
//! the same work, in the same run, on the same slapd.
//!
//! ```sh
//! cargo run --release -p latchkey-bench --bin mpr                      # 10,000 accounts
//! cargo run --release -p latchkey-bench --bin mpr -- --users 100000    # the big run
//! cargo run --release -p latchkey-bench --bin mpr -- --db sqlite       # one store only
//! cargo run --release -p latchkey-bench --bin mpr -- ad                # also Samba AD (root)
//! ```
//!
//! Other knobs: `--batch N` (accounts per batch, 500 as the settings default),
//! `--batches-in-flight N` (the runner's default, 3), `--dbnosync` (slapd without fsync: the
//! directory gets out of the way and the runner's own ceiling shows), `--split-cores` (slapd
//! alone on one core, the raw client, the runner and the store's server on the other, as when
//! the directory has its own machine; see `latchkey_bench::cores`), `--threads` (after each
//! run, on standard error: planning time, CPU per account by kind of thread, context switches
//! per account next to the raw client's, and PostgreSQL's log per account and the upkeep that
//! finished during the run), `--only IN_FLIGHT:yes|no:TIMES` (after onboarding, only that
//! reset).
//!
//! The spec's goal is that the directory, not Latchkey, is the bottleneck. The directory's rate
//! is measured first over every account once: administrator resets with the Password Modify
//! extended operation through `latchkey-targets`, one at a time and eight in flight (slapd with
//! ppolicy, mdb with fsync on), and simple binds, because our run binds each account once more
//! to verify its new password. A shared machine's disk and CPU drift, so each of our runs is
//! also compared with the same directory work done raw at its own concurrency right before and
//! right after it (on the first accounts, at most 5,000): a reset per account, and for a
//! verified run a reset then a bind per account, as the run does. The `% of raw` column divides
//! by their mean.
//!
//! Our runs: onboarding (timed on its own row), then full `reset` runs with one and eight
//! changes in flight, with and without verification. A run is everything the runner does: the
//! plan stored as the journal, new passwords sealed and committed before the directory sees
//! them, the exop, the vault items' new secrets, the owners' sessions and reset links revoked,
//! the report rows, and (with verification) a bind per account. The runner works in this
//! process, so the peak resident memory of the process during a run is what the server needs
//! for it (on PostgreSQL the database server's own memory is not included). Afterwards a sample
//! of accounts is bound with its vault password, as a check.
//!
//! `ad` adds Samba AD over LDAPS with 100 accounts (root only: the DC needs ports 389/636):
//! our connector's `unicodePwd` reset rate next to full runs, on SQLite.
#![allow(clippy::print_stdout)]

/// The server binary's allocator, so the memory figures are the server's (glibc's malloc keeps
/// freed blocks and would report more).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use latchkey_bench::breakdown::Breakdown;
use latchkey_bench::cores;
use latchkey_bench::usage::{PeakRss, context_switches, cpu_secs, status_kib, tree_cpu_secs};
use latchkey_bench::world::{Db, Person, World};
use latchkey_bench::{BenchResult, flag, per_second, rate, reset_rate, slapd_def, slapd_target};
use latchkey_core::ids::TargetId;
use latchkey_core::mpr::job::JobKind;
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::secret::Password;
use latchkey_core::target::{TargetConnector, TargetDef, TargetKind};
use latchkey_mpr::RunOptions;
use latchkey_targets::LdapTarget;
use latchkey_testkit::{AD_ADMIN, AD_ADMIN_PASSWORD, AD_USERS_DN, SERVICE_PASSWORD, SambaDc};
use latchkey_testkit::{Slapd, SlapdOptions};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const DEFAULT_USERS: usize = 10_000;
const DEFAULT_BATCH: u32 = 500;
const AD_USERS: usize = 100;
/// Accounts reset raw right before and after each run.
const RAW_SAMPLE: usize = 5_000;
/// Accounts bound with their vault password after a store's runs, as a check.
const SPOT_CHECK: usize = 500;

/// What the command line chose.
#[derive(Debug)]
struct Knobs {
    users: usize,
    batch: u32,
    batches_in_flight: usize,
    dbs: Vec<Db>,
    /// slapd without fsync: the directory gets out of the way, so the runner's own ceiling shows.
    dbnosync: bool,
    /// slapd on core 0, this process and the store's server on core 1 ([`cores`]).
    split_cores: bool,
    /// After each run, the CPU each kind of thread of this process used for it.
    threads: bool,
    /// After onboarding, only resets at this many in flight, with or without verification,
    /// this many times (`--only 8:no:3`), for profiling one kind of run.
    only: Option<(u32, bool, usize)>,
}

/// `IN_FLIGHT:VERIFY:TIMES` (`8:no:3`).
fn parse_only(text: &str) -> BenchResult<(u32, bool, usize)> {
    let parts: Vec<&str> = text.split(':').collect();
    let [n, verify, times] = parts.as_slice() else {
        return Err(format!("--only {text}: expected IN_FLIGHT:yes|no:TIMES").into());
    };
    Ok((n.parse()?, *verify == "yes", times.parse()?))
}

/// The directory measured through our connector: one connection, and `many` in flight.
struct Directory {
    one: LdapTarget,
    many: LdapTarget,
    many_at: u32,
    accounts: Arc<Vec<String>>,
    /// The accounts reset raw around each run (never the spot-checked ones).
    sample: Arc<Vec<String>>,
    rounds: AtomicUsize,
    /// The directory server's process, for its CPU time.
    pid: Option<u32>,
    /// How an administrator reset is made there (`exop`, `unicodePwd`).
    how: &'static str,
}

impl Directory {
    fn new(
        (one, many): (LdapTarget, LdapTarget),
        many_at: u32,
        accounts: Vec<String>,
        (pid, how): (Option<u32>, &'static str),
    ) -> Self {
        let sample = accounts
            .iter()
            .take(RAW_SAMPLE.min(accounts.len() / 2).max(1))
            .cloned()
            .collect();
        Self {
            one,
            many,
            many_at,
            accounts: Arc::new(accounts),
            sample: Arc::new(sample),
            rounds: AtomicUsize::new(0),
            pid,
            how,
        }
    }

    fn target(&self, concurrency: u32) -> &LdapTarget {
        if concurrency <= 1 {
            &self.one
        } else {
            &self.many
        }
    }

    /// Raw resets of the sample at `concurrency` (each followed by a bind when `verify`: the
    /// same directory work as a verified run), accounts per second.
    async fn exop(&self, concurrency: u32, verify: bool) -> BenchResult<f64> {
        let tag = format!("r{}", self.rounds.fetch_add(1, Ordering::Relaxed));
        let target = self.target(concurrency);
        reset_rate(target, &self.sample, (concurrency as usize, verify), &tag).await
    }

    /// CPU ms per account of this process and the directory since `(ours, theirs)`.
    fn cpu_since(&self, (ours, theirs): (f64, f64), n: usize) -> String {
        cpu_column(
            (cpu_secs(None) - ours, None, cpu_secs(self.pid) - theirs),
            n,
            self.pid,
        )
    }

    /// Every account reset once at 1 and `many` in flight, then bound once with it: rows.
    async fn full_rows(&self) -> BenchResult {
        let n = self.accounts.len();
        for concurrency in [1, self.many_at] {
            let tag = format!("f{}", self.rounds.fetch_add(1, Ordering::Relaxed));
            let target = self.target(concurrency);
            let cpu = (cpu_secs(None), cpu_secs(self.pid));
            let per_s =
                reset_rate(target, &self.accounts, (concurrency as usize, false), &tag).await?;
            let what = format!("raw reset ({}), latchkey-targets", self.how);
            raw_row(&what, (concurrency, n, per_s), self.cpu_since(cpu, n));
            let (t, a) = (target.clone(), Arc::clone(&self.accounts));
            let cpu = (cpu_secs(None), cpu_secs(self.pid));
            let binds = rate(n, concurrency as usize, move |i| {
                let (t, a) = (t.clone(), Arc::clone(&a));
                let pw = Password::new(format!("Bench-{tag}-{i}-Aa1!"));
                async move {
                    let dn = a.get(i).ok_or("account index out of range")?;
                    t.verify_password(dn, &pw).await?;
                    Ok(())
                }
            })
            .await?;
            raw_row(
                "raw bind, latchkey-targets",
                (concurrency, n, binds),
                self.cpu_since(cpu, n),
            );
        }
        Ok(())
    }
}

fn header() {
    println!(
        "| store | run | in flight | verify | accounts | seconds | accounts/s | raw rate around it (exop; + bind when verifying) | % of raw | directory had changes in flight · how many on average | CPU ms/account: ours · store server · directory | peak RSS MiB (before) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
}

#[allow(clippy::cast_precision_loss)]
fn raw_row(what: &str, (tasks, n, per_s): (u32, usize, f64), cpu: String) {
    let secs = if per_s > 0.0 { n as f64 / per_s } else { 0.0 };
    println!("| – | {what} | {tasks} | – | {n} | {secs:.1} | {per_s:.0} | | | | {cpu} | – |");
}

/// "ours · store server · directory" CPU milliseconds per account, from CPU seconds over `n`
/// accounts ("–" where there is no such process: SQLite runs inside ours).
#[allow(clippy::cast_precision_loss)]
fn cpu_column(
    (ours, store, theirs): (f64, Option<f64>, f64),
    n: usize,
    pid: Option<u32>,
) -> String {
    let per_account = |cpu: f64| format!("{:.2}", 1000.0 * cpu / n.max(1) as f64);
    let store = store.map_or_else(|| "–".to_owned(), per_account);
    let theirs = pid.map_or_else(|| "–".to_owned(), |_| per_account(theirs));
    format!("{} · {store} · {theirs}", per_account(ours))
}

/// One store's runs against one directory.
struct Runs<'a> {
    world: &'a World,
    store: &'static str,
    directory: &'a Directory,
    knobs: &'a Knobs,
}

impl Runs<'_> {
    /// Times one run of `kind` between two raw measurements; prints its row.
    async fn timed(&self, kind: JobKind, concurrency: u32, verify: bool) -> BenchResult {
        // Reading every thread's counters is not free: only for `--threads`.
        let switches = self.knobs.threads.then(context_switches);
        let raw_before = self.directory.exop(concurrency, verify).await?;
        #[allow(clippy::cast_precision_loss)]
        let raw_switches = switches.map_or(0.0, |before| {
            context_switches().saturating_sub(before) as f64
                / self.directory.sample.len().max(1) as f64
        });
        let request = self
            .world
            .request(kind, concurrency, verify, self.knobs.batch);
        let options = RunOptions {
            batches_in_flight: self.knobs.batches_in_flight,
            ..RunOptions::default()
        };
        let pid = self.directory.pid;
        let (ours, theirs) = (cpu_secs(None), cpu_secs(pid));
        let store_pid = self.world.store_server_pid();
        let store_cpu = store_pid.map(tree_cpu_secs);
        // Per-thread CPU and the store's log and upkeep only when asked: reading them is not free.
        let breakdown = self.knobs.threads.then(|| Breakdown::start(self.world));
        let rss = PeakRss::start();
        let started = Instant::now();
        let (_, summary, planned) = self.world.run(request, &options).await?;
        let secs = started.elapsed().as_secs_f64();
        let (before, peak) = rss.stop();
        let (ours, theirs) = (cpu_secs(None) - ours, cpu_secs(pid) - theirs);
        let store_cpu = store_pid
            .zip(store_cpu)
            .map(|(pid, before)| tree_cpu_secs(pid) - before);
        if let Some(breakdown) = breakdown {
            eprintln!("    planned in {:.3} s", planned.as_secs_f64());
            breakdown.print(self.world, self.directory.accounts.len(), raw_switches);
        }
        let raw = (raw_before + self.directory.exop(concurrency, verify).await?) / 2.0;
        let (store, expected) = (self.store, self.directory.accounts.len());
        let done = summary.counts.get(EntryState::Verified);
        if done != expected as u64 {
            return Err(format!(
                "{kind} on {store}: {done} of {expected} accounts verified ({:?})",
                summary.counts
            )
            .into());
        }
        let per_s = per_second(expected, secs);
        let (busy, changes) = summary.directory.values().fold((0.0, 0.0), |(b, c), l| {
            (b + l.busy.as_secs_f64(), c + l.change_time.as_secs_f64())
        });
        let depth = changes / busy.max(f64::MIN_POSITIVE);
        let busy = 100.0 * busy / secs.max(f64::MIN_POSITIVE);
        let share = 100.0 * per_s / raw.max(f64::MIN_POSITIVE);
        let cpu = cpu_column((ours, store_cpu, theirs), expected, pid);
        println!(
            "| {store} | {kind} | {concurrency} | {} | {expected} | {secs:.1} | {per_s:.0} | {raw:.0} | {share:.0} % | {busy:.0} % · {depth:.1} | {cpu} | {peak:.0} ({before:.0}) |",
            if verify { "yes" } else { "no" },
        );
        Ok(())
    }

    /// Onboarding, then resets at 1 and many in flight, with and without verification.
    async fn all(&self) -> BenchResult {
        let many = self.directory.many_at;
        self.timed(JobKind::Onboard, many, true).await?;
        if let Some((concurrency, verify, times)) = self.knobs.only {
            for _ in 0..times {
                self.timed(JobKind::Reset, concurrency, verify).await?;
            }
            return Ok(());
        }
        for (concurrency, verify) in [(1, true), (many, true), (1, false), (many, false)] {
            self.timed(JobKind::Reset, concurrency, verify).await?;
        }
        Ok(())
    }

    /// Binds accounts outside the raw sample with their vault passwords.
    async fn check(&self) -> BenchResult {
        let d = self.directory;
        let step = (d.accounts.len() / SPOT_CHECK).max(1);
        let checked: Vec<String> = d
            .accounts
            .iter()
            .skip(d.sample.len())
            .step_by(step)
            .cloned()
            .collect();
        let bad = self.world.mismatches(&d.one, &checked).await?;
        if !bad.is_empty() {
            let n = bad.len();
            return Err(
                format!("{n} accounts do not bind with their vault password: {bad:?}").into(),
            );
        }
        Ok(())
    }
}

async fn openldap(knobs: &Knobs) -> BenchResult {
    let users = knobs.users;
    let slapd = Slapd::start(SlapdOptions {
        users,
        dbnosync: knobs.dbnosync,
        log_level: "none".into(),
        ..SlapdOptions::default()
    })?;
    if knobs.split_cores {
        let pid = slapd.pid().ok_or("slapd has no process id")?;
        cores::pin(pid, cores::DIRECTORY)?;
    }
    let url = slapd.url();
    let people: Vec<Person> = (0..users)
        .map(|i| Person {
            login: format!("p{i}"),
            mail: Slapd::user_mail(i),
        })
        .collect();
    let accounts = (0..users).map(Slapd::user_dn).collect();
    let targets = (slapd_target(&url, 1)?, slapd_target(&url, 8)?);
    let directory = Directory::new(targets, 8, accounts, (slapd.pid(), "exop"));
    println!(
        "\n### OpenLDAP (slapd, ppolicy, mdb {}), {users} accounts, batches of {}, {} batches in flight{}\n",
        if knobs.dbnosync {
            "WITHOUT fsync"
        } else {
            "with fsync"
        },
        knobs.batch,
        knobs.batches_in_flight,
        if knobs.split_cores {
            "; slapd alone on core 0, the bench and the store on core 1"
        } else {
            ""
        }
    );
    header();
    directory.full_rows().await?;
    for db in &knobs.dbs {
        let setup = Instant::now();
        let def = slapd_def("LDAP", &url, 8)?;
        let world = World::build(*db, &people, def, SERVICE_PASSWORD).await?;
        // Measured as production runs it: every commit synced before it returns.
        let durability = world.store.durability().await?;
        if !durability.is_durable() {
            return Err(format!(
                "the {} store does not sync commits: {}",
                db.name(),
                durability.settings
            )
            .into());
        }
        eprintln!(
            "{}: profiles, target and discovery in {:.1} s ({})",
            db.name(),
            setup.elapsed().as_secs_f64(),
            durability.settings
        );
        let runs = Runs {
            world: &world,
            store: db.name(),
            directory: &directory,
            knobs,
        };
        runs.all().await?;
        runs.check().await?;
        world.store.close().await;
    }
    #[allow(clippy::cast_precision_loss)]
    let hwm = status_kib("VmHWM") as f64 / 1024.0;
    println!(
        "\nPeak resident memory of this process over the whole benchmark (VmHWM): {hwm:.0} MiB."
    );
    Ok(())
}

fn ad_def(dc: &SambaDc, pool: u32) -> BenchResult<TargetDef> {
    let mut def = TargetDef::new(
        TargetId::new("AD")?,
        TargetKind::ActiveDirectory,
        dc.ldaps_url(),
        AD_ADMIN,
    );
    def.ca_file = Some(dc.ca_pem_path().to_path_buf());
    def.base_dn = AD_USERS_DN.into();
    def.pool_size = pool;
    def.association_attribute = Some("mail".into());
    Ok(def)
}

async fn active_directory(knobs: &Knobs) -> BenchResult {
    let dc = SambaDc::shared()?;
    let names: Vec<String> = (0..AD_USERS).map(|i| format!("mprbench{i}")).collect();
    let mut dns = Vec::with_capacity(AD_USERS);
    for name in &names {
        dns.push(dc.add_user(name, "Init-Passw0rd!1")?);
    }
    let people: Vec<Person> = names
        .iter()
        .map(|n| Person {
            login: n.clone(),
            mail: format!("{n}@latchkey.test"),
        })
        .collect();
    let connector = |pool| -> BenchResult<LdapTarget> {
        let password = Password::new(AD_ADMIN_PASSWORD);
        Ok(LdapTarget::new(ad_def(dc, pool)?, Some(password))?)
    };
    let targets = (connector(1)?, connector(4)?);
    let directory = Directory::new(targets, 4, dns, (None, "unicodePwd"));
    println!("\n### Samba AD DC over LDAPS, {AD_USERS} accounts, SQLite store\n");
    header();
    directory.full_rows().await?;
    let world = World::build(Db::Sqlite, &people, ad_def(dc, 4)?, AD_ADMIN_PASSWORD).await?;
    let runs = Runs {
        world: &world,
        store: "SQLite",
        directory: &directory,
        knobs,
    };
    runs.timed(JobKind::Onboard, 4, true).await?;
    for concurrency in [1, 4] {
        runs.timed(JobKind::Reset, concurrency, true).await?;
    }
    runs.check().await
}

#[tokio::main]
async fn main() -> BenchResult {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let knobs = Knobs {
        users: flag(&args, "--users")?.unwrap_or(DEFAULT_USERS),
        batch: flag(&args, "--batch")?.unwrap_or(DEFAULT_BATCH),
        batches_in_flight: flag(&args, "--batches-in-flight")?
            .unwrap_or(RunOptions::default().batches_in_flight),
        dbs: match flag::<String>(&args, "--db")?.as_deref() {
            None | Some("both") => vec![Db::Sqlite, Db::Postgres],
            Some(one) => vec![one.parse::<Db>()?],
        },
        dbnosync: args.iter().any(|a| a == "--dbnosync"),
        split_cores: args.iter().any(|a| a == "--split-cores"),
        threads: args.iter().any(|a| a == "--threads"),
        only: flag::<String>(&args, "--only")?
            .map(|o| parse_only(&o))
            .transpose()?,
    };
    if knobs.split_cores {
        cores::pin(std::process::id(), cores::OURS)?;
        if knobs.dbs.contains(&Db::Postgres)
            && let Some(pid) = latchkey_testkit::PgCluster::shared_durable()?.pid()
        {
            cores::pin(pid, cores::OURS)?;
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Tokio sizes its runtime from this variable, else one worker per core.
    let workers = std::env::var("TOKIO_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(cores);
    println!(
        "## Mass password reset vs the directory ({cores} cores; {workers} runtime worker threads \
         for the raw client and the runner alike)"
    );
    openldap(&knobs).await?;
    if args.iter().any(|a| a == "ad") {
        active_directory(&knobs).await?;
    }
    Ok(())
}
