//! Raw connector throughput: password verifications and administrator resets per second through
//! `latchkey-targets`, with one connection and with several, next to OpenLDAP's own command-line
//! tools doing the same work on the same server in the same run.
//!
//! ```sh
//! cargo run --release -p latchkey-bench --bin connectors            # OpenLDAP (slapd + ppolicy)
//! cargo run --release -p latchkey-bench --bin connectors -- ad      # also Samba AD (root, ports 389/636)
//! ```
//!
//! The directory is a real slapd with the password-policy overlay, fsync on (durable writes),
//! seeded with `USERS` users; resets go through the service account, so the policy applies
//! (pwdReset, history). The comparison rows:
//! - `ldapmodify`: one process, one connection, `replace userPassword` records back to back —
//!   the server's write rate with no client overhead to speak of;
//! - `ldappasswd`: one process (and connection, and bind) per reset — what a script calling the
//!   tool per account gets;
//! - `ldapwhoami`: one process and bind per verification.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use latchkey_bench::{rate, slapd_target};
use latchkey_core::ids::TargetId;
use latchkey_core::secret::Password;
use latchkey_core::target::{TargetConnector, TargetDef, TargetKind};
use latchkey_targets::LdapTarget;
use latchkey_testkit::{
    AD_ADMIN, AD_ADMIN_PASSWORD, AD_USERS_DN, SERVICE_DN, SERVICE_PASSWORD, SambaDc, Slapd,
    SlapdOptions,
};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

const USERS: usize = 2_000;
const OPS: usize = 4_000;
const CLI_OPS: usize = 300;
const CONNECTIONS: u32 = 8;

fn ldap(dir: &Slapd, pool: u32) -> LdapTarget {
    slapd_target(&dir.url(), pool).unwrap()
}

fn cli_rate(ops: usize, mut one: impl FnMut(usize)) -> f64 {
    let started = Instant::now();
    for i in 0..ops {
        one(i);
    }
    ops as f64 / started.elapsed().as_secs_f64()
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.env("LDAPNOINIT", "1").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ldapmodify_rate(url: &str, ops: usize, round: usize) -> f64 {
    let mut ldif = String::new();
    for i in 0..ops {
        let dn = Slapd::user_dn(i % USERS);
        ldif += &format!(
            "dn: {dn}\nchangetype: modify\nreplace: userPassword\nuserPassword: Cli-{round}-{i}\n-\n\n"
        );
    }
    let started = Instant::now();
    let mut child = Command::new("ldapmodify")
        .env("LDAPNOINIT", "1")
        .args(["-x", "-H", url, "-D", SERVICE_DN, "-w", SERVICE_PASSWORD])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ldif.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    ops as f64 / started.elapsed().as_secs_f64()
}

fn row(what: &str, how: &str, rate: f64) {
    println!("| {what} | {how} | {rate:.0} |");
}

async fn openldap() {
    let dir = Slapd::start(SlapdOptions {
        users: USERS,
        log_level: "none".into(),
        ..SlapdOptions::default()
    })
    .unwrap();
    let url = dir.url();
    println!("\n### OpenLDAP (slapd 2.5, ppolicy, mdb with fsync), {USERS} users\n");
    println!("| operation | client | per second |\n|---|---|---|");
    for (pool, tasks) in [(1, 1), (CONNECTIONS, CONNECTIONS as usize)] {
        let t = ldap(&dir, pool);
        let how = format!("latchkey-targets, {pool} connection(s)");
        let v = rate(OPS, tasks, move |i| {
            let t = t.clone();
            async move {
                let pw = Password::new(Slapd::initial_password(i % USERS));
                t.verify_password(&Slapd::user_dn(i % USERS), &pw).await?;
                Ok(())
            }
        })
        .await
        .unwrap();
        row("verify (bind)", &how, v);
    }
    let cli = cli_rate(CLI_OPS, |i| {
        run_ok(Command::new("ldapwhoami").args([
            "-x",
            "-H",
            &url,
            "-D",
            &Slapd::user_dn(i % USERS),
            "-w",
            &Slapd::initial_password(i % USERS),
        ]))
    });
    row("verify (bind)", "ldapwhoami, one process per bind", cli);
    for (round, (pool, tasks)) in [(1, 1), (CONNECTIONS, CONNECTIONS as usize)]
        .into_iter()
        .enumerate()
    {
        let t = ldap(&dir, pool);
        let how = format!("latchkey-targets exop, {pool} connection(s)");
        let r = rate(OPS, tasks, move |i| {
            let t = t.clone();
            async move {
                let pw = Password::new(format!("Bench-{round}-{i}"));
                t.set_password(&Slapd::user_dn(i % USERS), &pw).await?;
                Ok(())
            }
        })
        .await
        .unwrap();
        row("admin reset", &how, r);
    }
    row(
        "admin reset",
        "ldapmodify replace, one process and connection",
        ldapmodify_rate(&url, OPS, 9),
    );
    let cli = cli_rate(CLI_OPS, |i| {
        run_ok(Command::new("ldappasswd").args([
            "-x",
            "-H",
            &url,
            "-D",
            SERVICE_DN,
            "-w",
            SERVICE_PASSWORD,
            "-s",
            &format!("Cli-exop-{i}"),
            &Slapd::user_dn(i % USERS),
        ]))
    });
    row("admin reset", "ldappasswd exop, one process per reset", cli);
}

async fn active_directory() {
    let dc = SambaDc::start().unwrap();
    let users = 100;
    let mut dns = Vec::new();
    for i in 0..users {
        dns.push(
            dc.add_user(&format!("bench{i}"), "Init-Passw0rd!1")
                .unwrap(),
        );
    }
    let dns = Arc::new(dns);
    println!("\n### Samba 4.17 AD DC over LDAPS (test CA), {users} users\n");
    println!("| operation | client | per second |\n|---|---|---|");
    for (round, pool) in [1u32, 4].into_iter().enumerate() {
        let mut def = TargetDef::new(
            TargetId::new("AD").unwrap(),
            TargetKind::ActiveDirectory,
            dc.ldaps_url(),
            AD_ADMIN,
        );
        def.ca_file = Some(dc.ca_pem_path().to_path_buf());
        def.base_dn = AD_USERS_DN.into();
        def.pool_size = pool;
        let t = LdapTarget::new(def, Some(Password::new(AD_ADMIN_PASSWORD))).unwrap();
        let (t2, d2) = (t.clone(), Arc::clone(&dns));
        let r = rate(users, pool as usize, move |i| {
            let (t, dns) = (t2.clone(), Arc::clone(&d2));
            async move {
                let pw = Password::new(format!("Bench-{round}-{i}-Aa1!"));
                t.set_password(&dns[i], &pw).await?;
                Ok(())
            }
        })
        .await
        .unwrap();
        row(
            "admin reset (unicodePwd)",
            &format!("latchkey-targets, {pool} connection(s)"),
            r,
        );
        let d3 = Arc::clone(&dns);
        let v = rate(users * 2, pool as usize, move |i| {
            let (t, dns) = (t.clone(), Arc::clone(&d3));
            async move {
                let pw = Password::new(format!("Bench-{round}-{}-Aa1!", i % users));
                t.verify_password(&dns[i % users], &pw).await?;
                Ok(())
            }
        })
        .await
        .unwrap();
        row(
            "verify (bind)",
            &format!("latchkey-targets, {pool} connection(s)"),
            v,
        );
    }
    let mut ldif = String::new();
    for (i, dn) in dns.iter().enumerate() {
        let value: Vec<u8> = format!("\"Cli-{i}-Passw0rd!\"")
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let b64 = base64_encode(&value);
        ldif += &format!(
            "dn: {dn}\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: {b64}\n-\n\n"
        );
    }
    let started = Instant::now();
    dc.ldapmodify(&ldif).unwrap();
    let cli = users as f64 / started.elapsed().as_secs_f64();
    row(
        "admin reset (unicodePwd)",
        "ldapmodify, one process and connection",
        cli,
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "## Connector throughput ({} cores)",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    openldap().await;
    if args.iter().any(|a| a == "ad") {
        active_directory().await;
    }
}
