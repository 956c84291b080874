//! Milliseconds per `answer_hash::verify` for every scheme at its default cost.
//!
//! Run with `cargo run --release -p latchkey-core --example answer_hash_cost`. One thread; the
//! figures size the verification semaphore and show how much slower imported schemes are.
//! With `-- --limits` it also times one verification of the most expensive value each scheme's
//! limits still accept: the worst a hostile import can make us do per attempt.

// An example reports its measurements on stdout.
#![allow(clippy::print_stdout)]

use latchkey_core::answer_hash::{self, HashCosts, Scheme};
use latchkey_core::random::SeededRandom;
use latchkey_core::secret::Password;
use std::error::Error;
use std::time::{Duration, Instant};

/// Keep each measurement to about this long (at least three runs).
const BUDGET: Duration = Duration::from_millis(1500);

fn main() -> Result<(), Box<dyn Error>> {
    let costs = HashCosts::default();
    let answer = Password::new("my first dog was called Rex");
    // Not a CSPRNG: fine for timing, never for real salts.
    let mut rng = SeededRandom::new(1);
    println!("{:<14} {:>12} {:>10}  cost", "scheme", "ms/verify", "per s");
    for scheme in Scheme::ALL {
        let stored = if scheme == Scheme::Plaintext {
            answer_hash::encode_plaintext_insecure(&answer)
        } else {
            answer_hash::hash(&answer, scheme, &costs, &mut rng)?
        };
        let start = Instant::now();
        let mut runs = 0u32;
        while runs < 3 || start.elapsed() < BUDGET {
            let v = answer_hash::verify(&answer, stored.as_str(), &costs.argon2)?;
            if !v.matches {
                return Err(format!("{scheme} did not verify").into());
            }
            runs += 1;
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
        println!(
            "{:<14} {:>12.4} {:>10.1}  {}",
            scheme.name(),
            ms,
            1000.0 / ms,
            describe(scheme, &costs)
        );
    }
    if std::env::args().any(|a| a == "--limits") {
        worst_cases(&answer, &costs)?;
    }
    Ok(())
}

fn describe(scheme: Scheme, c: &HashCosts) -> String {
    match scheme {
        Scheme::Argon2id => format!(
            "m={} KiB, t={}, p={}",
            c.argon2.memory_kib, c.argon2.time_cost, c.argon2.parallelism
        ),
        Scheme::Pbkdf2Sha1 => format!("{} iterations", c.pbkdf2_sha1_iterations),
        Scheme::Pbkdf2Sha256 => format!("{} iterations", c.pbkdf2_sha256_iterations),
        Scheme::Pbkdf2Sha512 => format!("{} iterations", c.pbkdf2_sha512_iterations),
        Scheme::Bcrypt => format!("cost {}", c.bcrypt_cost),
        Scheme::Scrypt => format!("N=2^{}, r={}, p={}", c.scrypt.log_n, c.scrypt.r, c.scrypt.p),
        Scheme::SaltedSha1 | Scheme::SaltedSha256 | Scheme::SaltedSha512 => "16-byte salt".into(),
        Scheme::Plaintext => "-".into(),
    }
}

/// One verification of a value at each scheme's limits (the digest is arbitrary, so it does not
/// match; the work is the same).
fn worst_cases(answer: &Password, costs: &HashCosts) -> Result<(), Box<dyn Error>> {
    let salt = "c29tZXNhbHRzb21lc2FsdA";
    let h32 = "A".repeat(43);
    let h64 = "A".repeat(86);
    let cases = [
        format!("$pbkdf2$i=10000000,l=20${salt}${}", "A".repeat(27)),
        format!("$pbkdf2-sha256$i=10000000,l=32${salt}${h32}"),
        format!("$pbkdf2-sha512$i=10000000,l=64${salt}${h64}"),
        "$2b$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW".to_owned(),
        format!("$scrypt$ln=20,r=8,p=1${salt}${h32}"),
        format!("$argon2id$v=19$m=1048576,t=4,p=1${salt}${h32}"),
    ];
    println!();
    println!("{:<14} {:>12}  value at the limits", "scheme", "ms/verify");
    for stored in cases {
        let scheme = answer_hash::identify(&stored)?;
        let start = Instant::now();
        answer_hash::verify(answer, &stored, &costs.argon2)?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let params = stored.split('$').nth(2).unwrap_or_default();
        println!("{:<14} {:>12.1}  {params}", scheme.name(), ms);
    }
    Ok(())
}
