//! PostgreSQL: the shared cluster, per-test databases, stop/start, teardown.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use latchkey_testkit::{PgCluster, free_port};

use crate::TestResult;

/// Runs `sql` through `psql` given only a database URL, as an outside client would.
fn psql_url(pg: &PgCluster, url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new(pg.bin_dir().join("psql"))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or_default()
}

#[test]
fn shared_cluster_gives_distinct_databases_that_accept_connections() -> TestResult {
    let started = Instant::now();
    let pg = PgCluster::shared()?;
    eprintln!("shared PgCluster ready after {:?}", started.elapsed());
    assert!(
        std::ptr::eq(pg, PgCluster::shared()?),
        "shared() must return the same cluster every time"
    );

    let first = pg.create_database()?;
    let second = pg.create_database()?;
    assert_ne!(first, second);
    let prefix = format!("postgres://postgres@127.0.0.1:{}/", pg.port());
    assert!(first.starts_with(&prefix), "unexpected URL {first}");

    for url in [&first, &second] {
        assert_eq!(psql_url(pg, url, "select 1")?, "1");
        assert_eq!(
            psql_url(pg, url, "select current_database()")?,
            database_name(url),
            "the URL must lead to the database it names"
        );
    }
    // Isolation: a table in one database is not visible in the other.
    psql_url(pg, &first, "create table only_here (id int)")?;
    assert!(psql_url(pg, &second, "select * from only_here").is_err());
    Ok(())
}

#[test]
fn stop_refuses_connections_and_start_again_keeps_the_data() -> TestResult {
    let started = Instant::now();
    let pg = PgCluster::start()?;
    eprintln!("PgCluster::start took {:?}", started.elapsed());
    let url = pg.create_database()?;
    psql_url(
        &pg,
        &url,
        "create table t (v text); insert into t values ('kept')",
    )?;
    let port = pg.port();

    pg.stop()?;
    assert!(!pg.is_running());
    assert!(pg.pid().is_none());
    let refused = psql_url(&pg, &url, "select 1");
    assert!(refused.is_err(), "a stopped cluster answered: {refused:?}");

    let restarted = Instant::now();
    pg.start_again()?;
    eprintln!("PgCluster::start_again took {:?}", restarted.elapsed());
    assert_eq!(pg.port(), port);
    assert_eq!(psql_url(&pg, &url, "select v from t")?, "kept");
    Ok(())
}

#[test]
fn dropping_a_cluster_stops_postgres_and_removes_its_directory() -> TestResult {
    let pg = PgCluster::start()?;
    let pid = pg.pid().ok_or("a started cluster has no pid")?;
    let dir = pg.dir().to_path_buf();
    let log = pg.log_path().to_path_buf();
    assert!(pg.data_dir().join("PG_VERSION").is_file());
    assert!(std::fs::read_to_string(&log)?.contains("database system is ready"));
    drop(pg);
    assert!(!dir.exists(), "{} was left behind", dir.display());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "postgres (pid {pid}) still runs"
    );
    Ok(())
}

#[test]
fn free_port_gives_distinct_ports_that_can_be_bound() -> TestResult {
    let ports: BTreeSet<u16> = (0..20).map(|_| free_port()).collect::<Result<_, _>>()?;
    assert_eq!(ports.len(), 20, "free_port handed out a port twice");
    for port in ports {
        TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    }
    Ok(())
}
