//! Enumeration: does any anonymous endpoint answer a known user differently from an unknown
//! one?
//!
//! Starts the server in-process (`latchkey_testkit::TestServer`, SQLite by default,
//! `--postgres` for PostgreSQL) with a few known users and, unless `--cheap-hash`, the shipped
//! Argon2id parameters — the cost that would show in the timing. For each anonymous endpoint it
//! sends `--n` (default 200) pairs of requests, each on a fresh flow in a fresh browser,
//! alternating which of known and unknown goes first, and compares status and body (with the
//! hidden `csrf` and `version` values, script nonces and the echoed user id taken out). Only
//! the request under test is timed; the steps before it are not.
//!
//! Endpoints: `GET /login?USERID=` (identification from the address), the identification step
//! `POST /login` (user id), the password step (known user with a wrong password vs unknown user
//! with any password), the same for a known user who is locked out, and — when the server has
//! the forgotten-password page — `POST /forgot` (user id) and its code step (a wrong code). Prints a Markdown table; exits non-zero if a status or a body
//! differs.
#![allow(clippy::print_stdout)]

mod client;
mod stats;

use anyhow::{Context, Result, anyhow};
use client::{Answer, Browser, normalise};
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{CounterRepo, ProfileRepo};
use latchkey_testkit::{Database, TestServer};
use std::process::ExitCode;

const KNOWN: [&str; 4] = ["known01", "known02", "known03", "known04"];
const LOCKED: [&str; 4] = ["locked1", "locked2", "locked3", "locked4"];
const UNKNOWN: [&str; 4] = ["ghost01", "ghost02", "ghost03", "ghost04"];
const PASSWORD: &str = "the right password 1";
const WRONG: &str = "a wrong password 22";
const WARM_UP: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    LoginWithUserId,
    Identify,
    Password,
    PasswordLocked,
    Forgot,
    ForgotCode,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::LoginWithUserId => "`GET /login?USERID=`",
            Endpoint::Identify => "`POST /login` user id",
            Endpoint::Password => "`POST /login` password (known: wrong password)",
            Endpoint::PasswordLocked => "`POST /login` password (known: locked out)",
            Endpoint::Forgot => "`POST /forgot` user id",
            Endpoint::ForgotCode => "`POST /forgot` code (wrong code)",
        }
    }
}

struct Bench {
    server: TestServer,
    http: reqwest::Client,
    known: Vec<ProfileId>,
}

impl Bench {
    /// One timed request for `user` at `endpoint`, on a fresh flow.
    async fn probe(&self, endpoint: Endpoint, user: &str) -> Result<Answer> {
        let mut b = Browser::new(&self.server.url, &self.http);
        match endpoint {
            Endpoint::LoginWithUserId => b.get(&format!("/login?USERID={user}")).await,
            Endpoint::Identify => {
                let first = b.get("/login").await?;
                b.step("/login", &first, &[("user", user)]).await
            }
            Endpoint::Password | Endpoint::PasswordLocked => {
                let first = b.get("/login").await?;
                let second = b.step("/login", &first, &[("user", user)]).await?;
                b.step("/login", &second, &[("password", WRONG)]).await
            }
            Endpoint::Forgot => {
                let first = b.get("/forgot").await?;
                b.step("/forgot", &first, &[("user", user)]).await
            }
            Endpoint::ForgotCode => {
                let first = b.get("/forgot").await?;
                let second = b.step("/forgot", &first, &[("user", user)]).await?;
                b.step("/forgot", &second, &[("pin", "00000000")]).await
            }
        }
    }

    /// Clears the failure counters of the known users (between requests, untimed), so the
    /// wrong-password row measures a wrong password and not a lockout.
    async fn unlock_counters(&self) -> Result<()> {
        for id in &self.known {
            self.server
                .store
                .reset_counter(&LockoutPolicy::counter_key(*id))
                .await?;
        }
        Ok(())
    }

    async fn run(&self, endpoint: Endpoint, n: usize) -> Result<stats::Row> {
        let mut row = stats::Row::new(endpoint.name());
        for i in 0..n + WARM_UP {
            let known_user = match endpoint {
                Endpoint::PasswordLocked => LOCKED.get(i % LOCKED.len()),
                _ => KNOWN.get(i % KNOWN.len()),
            }
            .ok_or_else(|| anyhow!("no user"))?;
            let unknown_user = UNKNOWN
                .get(i % UNKNOWN.len())
                .ok_or_else(|| anyhow!("no user"))?;
            if endpoint == Endpoint::Password {
                self.unlock_counters().await?;
            }
            let (known, unknown) = if i % 2 == 0 {
                let k = self.probe(endpoint, known_user).await?;
                (k, self.probe(endpoint, unknown_user).await?)
            } else {
                let u = self.probe(endpoint, unknown_user).await?;
                (self.probe(endpoint, known_user).await?, u)
            };
            if i < WARM_UP {
                continue;
            }
            row.add(
                (
                    known.status,
                    normalise(&known.body, known_user),
                    known.elapsed,
                ),
                (
                    unknown.status,
                    normalise(&unknown.body, unknown_user),
                    unknown.elapsed,
                ),
            );
        }
        Ok(row)
    }
}

struct Options {
    n: usize,
    db: Database,
    cheap: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        n: 200,
        db: Database::Sqlite,
        cheap: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--n" => o.n = args.next().context("--n N")?.parse().context("--n N")?,
            "--postgres" => o.db = Database::Postgres,
            "--cheap-hash" => o.cheap = true,
            other => {
                return Err(anyhow!(
                    "unknown argument {other} (--n N, --postgres, --cheap-hash)"
                ));
            }
        }
    }
    Ok(o)
}

async fn setup(o: &Options) -> Result<Bench> {
    let server = if o.cheap {
        TestServer::start(o.db).await?
    } else {
        // The shipped Argon2id parameters: the cost a wrong password really has.
        TestServer::start_with(o.db, "").await?
    };
    let mut known = Vec::new();
    for login in KNOWN {
        known.push(server.add_user(login, PASSWORD).await?.id);
    }
    for login in LOCKED {
        server.add_user(login, PASSWORD).await?;
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let bench = Bench {
        server,
        http,
        known,
    };
    // Lock the LOCKED users out the way an attacker would: wrong passwords until refused.
    for login in LOCKED {
        for _ in 0..=latchkey_core::chain::lockout::DEFAULT_MAX_FAILURES {
            bench.probe(Endpoint::PasswordLocked, login).await?;
        }
        let id = LoginId::new(login).map_err(|e| anyhow!("{e}"))?;
        let profile = bench.server.store.profile_by_login(&id).await?;
        if !profile.is_some_and(|p| p.locked) {
            return Err(anyhow!(
                "{login} is not locked out after too many wrong passwords"
            ));
        }
    }
    Ok(bench)
}

async fn main_async() -> Result<bool> {
    let o = options()?;
    let bench = setup(&o).await?;
    let mut endpoints = vec![
        Endpoint::LoginWithUserId,
        Endpoint::Identify,
        Endpoint::Password,
        Endpoint::PasswordLocked,
    ];
    let forgot = Browser::new(&bench.server.url, &bench.http)
        .get("/forgot")
        .await?;
    let forgot_served = forgot.status == 200 && forgot.hidden("version").is_some();
    if forgot_served {
        endpoints.extend([Endpoint::Forgot, Endpoint::ForgotCode]);
    }
    let mut rows = Vec::new();
    for e in endpoints {
        rows.push(bench.run(e, o.n).await?);
    }
    println!(
        "Enumeration, known vs unknown user: {} build, {}, Argon2id {} KiB × {}, {} interleaved pairs per endpoint (fresh flow each), {WARM_UP} warm-up pairs not counted.\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        match o.db {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        },
        bench.server.config.password_hash.memory_kib,
        bench.server.config.password_hash.time_cost,
        o.n,
    );
    let same = stats::print(&rows);
    if !forgot_served {
        println!(
            "\n`/forgot` is not served by this build (GET answered {}): not measured.",
            forgot.status
        );
    }
    bench.server.stop().await;
    Ok(same)
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("enumeration: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main_async()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("enumeration: a known and an unknown user got different answers");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("enumeration: {e:#}");
            ExitCode::from(2)
        }
    }
}
