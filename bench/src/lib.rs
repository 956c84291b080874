//! What the benchmark binaries share: a connector to the test directory, the loop that measures
//! operations per second, the OS random source, memory and CPU use ([`usage`]) and the world a
//! mass password run needs ([`world`]: a directory's people as profiles, the directory as a
//! discovered target, a store on SQLite or PostgreSQL).
//!
//! Each binary in `src/bin/` prints a Markdown table; see `bench/README.md`.

pub mod breakdown;
pub mod cores;
pub mod usage;
pub mod world;

use latchkey_core::ids::TargetId;
use latchkey_core::random::RandomSource;
use latchkey_core::secret::Password;
use latchkey_core::target::{TargetConnector, TargetDef, TargetKind};
use latchkey_targets::LdapTarget;
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Any error a benchmark stops on.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;
/// A benchmark step's result.
pub type BenchResult<T = ()> = Result<T, BenchError>;

/// The OS CSPRNG, as production passes it to the runner.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRng;

impl RandomSource for OsRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // getrandom fails only when the OS has no entropy source; nothing safe to fall back to.
        #[allow(clippy::panic)]
        if let Err(e) = getrandom::fill(dest) {
            panic!("the operating system's random number generator failed: {e}");
        }
    }
}

/// The definition of a testkit slapd's people as an LDAP target bound as its service account:
/// Password Modify exop, association by `mail`, `pool` connections per pool.
pub fn slapd_def(id: &str, url: &str, pool: u32) -> BenchResult<TargetDef> {
    let mut def = TargetDef::new(TargetId::new(id)?, TargetKind::Ldap, url, SERVICE_DN);
    def.base_dn = PEOPLE_DN.into();
    def.pool_size = pool;
    def.association_attribute = Some("mail".into());
    Ok(def)
}

/// A connector to a testkit slapd's people, bound as its service account.
pub fn slapd_target(url: &str, pool: u32) -> BenchResult<LdapTarget> {
    let def = slapd_def("BENCH", url, pool)?;
    Ok(LdapTarget::new(def, Some(Password::new(SERVICE_PASSWORD)))?)
}

/// Runs operations `0..ops` spread over `tasks` concurrent tasks (task `t` takes `t`,
/// `t + tasks`, …); returns operations per second. The first failure stops the measurement.
pub async fn rate<F, Fut>(ops: usize, tasks: usize, op: F) -> BenchResult<f64>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = BenchResult> + Send,
{
    let op = Arc::new(op);
    let tasks = tasks.max(1);
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let op = Arc::clone(&op);
        handles.push(tokio::spawn(async move {
            let mut i = t;
            while i < ops {
                op(i).await?;
                i += tasks;
            }
            Ok::<(), BenchError>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(per_second(ops, started.elapsed().as_secs_f64()))
}

/// Administrator resets (`set_password` as the service account) of `accounts`, each once,
/// `tasks` in flight, each followed by a bind with the new password when `then_bind` (what a
/// verified run asks of the directory); accounts per second. The passwords (`Bench-TAG-I-Aa1!`) pass an AD
/// complexity policy.
pub async fn reset_rate<C>(
    target: &C,
    accounts: &Arc<Vec<String>>,
    (tasks, then_bind): (usize, bool),
    tag: &str,
) -> BenchResult<f64>
where
    C: TargetConnector + Clone + Send + Sync + 'static,
{
    let (target, accounts, tag) = (target.clone(), Arc::clone(accounts), tag.to_owned());
    let n = accounts.len();
    rate(n, tasks, move |i| {
        let (target, accounts) = (target.clone(), Arc::clone(&accounts));
        let password = Password::new(format!("Bench-{tag}-{i}-Aa1!"));
        async move {
            let dn = accounts.get(i).ok_or("account index out of range")?;
            target.set_password(dn, &password).await?;
            if then_bind {
                target.verify_password(dn, &password).await?;
            }
            Ok(())
        }
    })
    .await
}

/// `count` per `secs` seconds (0 for no time at all).
#[allow(clippy::cast_precision_loss)]
pub fn per_second(count: usize, secs: f64) -> f64 {
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// A small seeded generator (SplitMix64) for reproducible random choices in benchmarks — never
/// for secrets.
#[derive(Debug, Clone)]
pub struct Seeded(u64);

impl Seeded {
    /// Starts from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        let span = high.saturating_sub(low).saturating_add(1);
        low + self.next_u64() % span
    }
}

/// The value after `--name` in `args`, parsed.
pub fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> BenchResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let Some(at) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    let raw = args
        .get(at + 1)
        .ok_or_else(|| format!("{name} needs a value"))?;
    raw.parse()
        .map(Some)
        .map_err(|e| format!("{name} {raw}: {e}").into())
}
