//! The PostgreSQL roles connector against a real cluster.
//!
//! The test kit's cluster trusts every local login; these tests make it ask for passwords
//! (SCRAM) from every role except the `postgres` superuser the kit itself uses, so verifying a
//! password by connecting means something.

use crate::util::{TestResult, pw};
use latchkey_core::ids::TargetId;
use latchkey_core::target::{
    AccountPages, ListRequest, TargetConnector, TargetDef, TargetError, TargetKind, Verified,
};
use latchkey_targets::PgTarget;
use latchkey_testkit::PgCluster;
use std::sync::OnceLock;

const SERVICE: &str = "latchkey_svc";
const SERVICE_PASSWORD: &str = "Svc-Passw0rd";

const HBA: &str = "\
local all postgres trust
host all postgres 127.0.0.1/32 trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
";

/// Makes `cluster` ask every role but `postgres` for a SCRAM password, and creates the
/// service role (allowed to manage other roles).
fn require_passwords(cluster: &PgCluster) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::write(cluster.data_dir().join("pg_hba.conf"), HBA)?;
    cluster.psql("postgres", "SELECT pg_reload_conf()")?;
    cluster.psql(
        "postgres",
        &format!(
            "CREATE ROLE {SERVICE} LOGIN CREATEROLE PASSWORD '{SERVICE_PASSWORD}'; \
             ALTER ROLE {SERVICE} SET log_statement = 'all'"
        ),
    )?;
    // The postmaster re-reads pg_hba.conf asynchronously after the signal.
    std::thread::sleep(std::time::Duration::from_millis(300));
    Ok(())
}

/// The shared cluster, set up once for this process.
fn cluster() -> Result<&'static PgCluster, String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    let cluster = PgCluster::shared().map_err(|e| e.to_string())?;
    READY
        .get_or_init(|| require_passwords(cluster).map_err(|e| e.to_string()))
        .clone()?;
    Ok(cluster)
}

fn target_for(cluster: &PgCluster) -> PgTarget {
    let mut def = TargetDef::new(
        TargetId::new("PG").unwrap(),
        TargetKind::Postgres,
        &format!("postgres://127.0.0.1:{}/postgres", cluster.port()),
        SERVICE,
    );
    def.connect_timeout_ms = 3_000;
    PgTarget::new(def, Some(pw(SERVICE_PASSWORD))).unwrap()
}

/// A login role without a password, named after the test.
fn role(cluster: &PgCluster, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    cluster.psql("postgres", &format!("CREATE ROLE {name} LOGIN"))?;
    Ok(name.to_owned())
}

#[tokio::test]
async fn verify_and_admin_reset_with_a_scram_verifier_made_here() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    let r = role(cluster, "lk_alice")?;
    t.set_password(&r, &pw("First-Passw0rd")).await?;
    assert_eq!(
        t.verify_password(&r, &pw("First-Passw0rd")).await,
        Ok(Verified { must_change: false })
    );
    assert_eq!(
        t.verify_password(&r, &pw("wrong")).await,
        Err(TargetError::BadCredentials)
    );
    assert_eq!(
        t.verify_password("lk_nobody", &pw("x")).await,
        Err(TargetError::BadCredentials)
    );
    t.set_password(&r, &pw("Second-Passw0rd")).await?;
    t.verify_password(&r, &pw("Second-Passw0rd")).await?;
    assert_eq!(
        t.verify_password(&r, &pw("First-Passw0rd")).await,
        Err(TargetError::BadCredentials)
    );
    let stored = cluster.psql(
        "postgres",
        &format!("SELECT rolpassword FROM pg_authid WHERE rolname = '{r}'"),
    )?;
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
    // The service role's statements are logged (log_statement = all): the ALTER ROLE is there,
    // with the verifier, and the clear password is nowhere in the server's log.
    let log = std::fs::read_to_string(cluster.log_path())?;
    assert!(
        log.contains(&format!("ALTER ROLE \"{r}\" PASSWORD 'SCRAM-SHA-256$")),
        "statement not logged"
    );
    assert!(!log.contains("Second-Passw0rd") && !log.contains("First-Passw0rd"));
    assert!(t.test_connection().await?.server.starts_with("PostgreSQL"));
    Ok(())
}

/// libpq (psql) logs in with a non-ASCII password whose verifier we computed: both sides
/// normalise it the same way.
#[tokio::test]
async fn libpq_logs_in_with_a_non_ascii_password_set_here() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    let r = role(cluster, "lk_zoe")?;
    let password = "Zoë\u{A0}Ünïcødé-ﬁ1";
    t.set_password(&r, &pw(password)).await?;
    t.verify_password(&r, &pw(password)).await?;
    let out = std::process::Command::new(cluster.bin_dir().join("psql"))
        .env("PGPASSWORD", password)
        .args(["-X", "-A", "-t", "-h", "127.0.0.1", "-p"])
        .arg(cluster.port().to_string())
        .args(["-U", &r, "-d", "postgres", "-c", "SELECT current_user"])
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r);
    Ok(())
}

#[tokio::test]
async fn user_change_needs_the_old_password() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    let r = role(cluster, "lk_bob")?;
    t.set_password(&r, &pw("Old-Passw0rd")).await?;
    assert_eq!(
        t.change_password(&r, &pw("not-it"), &pw("New-Passw0rd"))
            .await,
        Err(TargetError::BadCredentials)
    );
    t.verify_password(&r, &pw("Old-Passw0rd")).await?;
    t.change_password(&r, &pw("Old-Passw0rd"), &pw("New-Passw0rd"))
        .await?;
    t.verify_password(&r, &pw("New-Passw0rd")).await?;
    Ok(())
}

/// PostgreSQL has no lockout after failed logins; a role an administrator locked is NOLOGIN.
#[tokio::test]
async fn unlock_gives_a_nologin_role_its_login_back() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    let r = role(cluster, "lk_carol")?;
    t.set_password(&r, &pw("Carol-Passw0rd")).await?;
    cluster.psql("postgres", &format!("ALTER ROLE {r} NOLOGIN"))?;
    assert_eq!(
        t.verify_password(&r, &pw("Carol-Passw0rd")).await,
        Err(TargetError::Locked)
    );
    assert!(t.read_account(&r).await?.state.locked);
    t.unlock(&r).await?;
    t.verify_password(&r, &pw("Carol-Passw0rd")).await?;
    assert!(!t.read_account(&r).await?.state.locked);
    Ok(())
}

#[tokio::test]
async fn expire_ends_logins_until_an_administrator_resets() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    let r = role(cluster, "lk_dave")?;
    t.set_password(&r, &pw("Dave-Passw0rd")).await?;
    t.expire(&r).await?;
    let state = t.read_account(&r).await?.state;
    assert!(state.expired && state.must_change, "{state:?}");
    assert_eq!(
        t.verify_password(&r, &pw("Dave-Passw0rd")).await,
        Err(TargetError::Expired)
    );
    t.set_password(&r, &pw("Dave-Passw0rd-2")).await?;
    t.verify_password(&r, &pw("Dave-Passw0rd-2")).await?;
    assert!(!t.read_account(&r).await?.state.expired);
    assert!(matches!(
        t.unlock("lk_no_such_role").await,
        Err(TargetError::NoSuchAccount(_))
    ));
    Ok(())
}

#[tokio::test]
async fn roles_are_listed_in_pages_without_internal_roles() -> TestResult {
    let cluster = cluster()?;
    let t = target_for(cluster);
    for i in 0..5 {
        role(cluster, &format!("lk_list_{i}"))?;
    }
    let mut pages = t
        .list_accounts(ListRequest {
            page_size: 2,
            changed_since: None,
        })
        .await?;
    let mut names = Vec::new();
    while let Some(page) = pages.next_page().await? {
        assert!(page.len() <= 2);
        names.extend(page.into_iter().map(|e| e.name));
    }
    for i in 0..5 {
        assert!(names.contains(&format!("lk_list_{i}")), "{names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("pg_read")), "{names:?}");
    Ok(())
}

/// A cluster that stops: the reset is refused as unreachable and nothing changed.
#[tokio::test]
async fn a_stopped_cluster_is_unreachable_and_nothing_is_half_done() -> TestResult {
    let own = PgCluster::start()?;
    require_passwords(&own)?;
    let t = target_for(&own);
    let r = role(&own, "lk_erin")?;
    t.set_password(&r, &pw("Erin-Passw0rd")).await?;
    own.stop()?;
    let got = t.set_password(&r, &pw("During-Outage")).await;
    assert!(matches!(got, Err(TargetError::Unreachable(_))), "{got:?}");
    let got = t.verify_password(&r, &pw("Erin-Passw0rd")).await;
    assert!(matches!(got, Err(TargetError::Unreachable(_))), "{got:?}");
    own.start_again()?;
    t.verify_password(&r, &pw("Erin-Passw0rd")).await?;
    assert_eq!(
        t.verify_password(&r, &pw("During-Outage")).await,
        Err(TargetError::BadCredentials)
    );
    t.set_password(&r, &pw("After-Outage")).await?;
    t.verify_password(&r, &pw("After-Outage")).await?;
    Ok(())
}
