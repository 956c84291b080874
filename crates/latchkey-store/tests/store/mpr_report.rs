//! The report as stored in records (migration 10): read back in order, in pages, from any row;
//! rows stored one per table row before it are moved into records in their order.

use crate::common::{on_both, postgres, sqlite};
use crate::mpr::{plan, report_row};
use latchkey_core::mpr::repo::{BatchWrite, MprRepo};
use latchkey_core::mpr::report::{Outcome, Phase, ReportRow};
use latchkey_store::{Store, StoreOptions};
use sqlx::{AssertSqlSafe, Connection};
use time::OffsetDateTime;

/// Every row of `job` in pages of `limit`, checking that ids increase.
async fn read_all(store: &Store, job: latchkey_core::ids::MprJobId, limit: u32) -> Vec<ReportRow> {
    let mut read = Vec::new();
    let mut after = 0;
    loop {
        let page = store.report_rows(job, after, limit).await.unwrap();
        assert!(page.len() <= limit as usize);
        let Some((last, _)) = page.last() else { break };
        let mut previous = after;
        for (id, _) in &page {
            assert!(*id > previous, "{id} after {previous}");
            previous = *id;
        }
        after = *last;
        read.extend(page.into_iter().map(|(_, r)| r));
    }
    read
}

on_both!(a_write_larger_than_a_record_reads_back_in_order, |store| {
    let (j, _) = plan(store, 0).await;
    let (other, _) = plan(store, 0).await;
    let rows: Vec<ReportRow> = (0..12_001).map(report_row).collect();
    let batch = BatchWrite {
        report: rows.clone(),
        ..BatchWrite::default()
    };
    store.write_batch(j.id, &batch).await.unwrap();
    store
        .write_batch(
            other.id,
            &BatchWrite {
                report: rows[..3].to_vec(),
                ..BatchWrite::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(read_all(store, j.id, 4_999).await, rows);
    assert_eq!(read_all(store, j.id, 20_000).await, rows);
    assert_eq!(read_all(store, other.id, 2).await, rows[..3]);
    // Resuming after any row gives the rows after it.
    let all = store.report_rows(j.id, 0, 20_000).await.unwrap();
    for at in [0, 4_998, 4_999, 5_000, 9_999, 12_000] {
        let (after, _) = all[at];
        let next = store.report_rows(j.id, after, 3).await.unwrap();
        let expected: Vec<&ReportRow> = rows.iter().skip(at + 1).take(3).collect();
        assert_eq!(
            next.iter().map(|(_, r)| r).collect::<Vec<_>>(),
            expected,
            "after row {at}"
        );
    }
});

/// Runs `sql` on the database at `url` outside the store.
async fn exec(url: &str, sql: &str) {
    if url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    }
}

/// Rows `from..=to` of run `job` as version 9 stored them, one table row each.
fn legacy_rows(job: &str, from: u32, to: u32) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {to}) \
         INSERT INTO mpr_report (job_id, at, account, target, owner, phase, outcome, message) \
         SELECT '{job}', 1000 + i, 'user' || i, 'ldap-main', \
         CASE WHEN i % 2 = 0 THEN 'ann' END, 'apply', 'ok', 'row ' || i FROM n;"
    )
}

fn legacy_row(i: u32) -> ReportRow {
    ReportRow {
        at: OffsetDateTime::from_unix_timestamp_nanos((1000 + i128::from(i)) * 1_000_000).unwrap(),
        account: format!("user{i}"),
        target: "ldap-main".into(),
        owner: i.is_multiple_of(2).then(|| "ann".into()),
        phase: Phase::Apply,
        outcome: Outcome::Ok,
        message: format!("row {i}"),
    }
}

/// A database at version 9 (what migrations 10 to 12 added is taken away) with report rows of two runs, interleaved, one run's more than a
/// record holds: after migration 10 each run reads the same rows in the same order.
async fn legacy_rows_are_moved_into_records(store: &Store, url: &str) {
    let (a, _) = plan(store, 0).await;
    let (b, _) = plan(store, 0).await;
    let auto_id = if url.starts_with("sqlite") {
        "INTEGER PRIMARY KEY"
    } else {
        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    };
    let (a_id, b_id) = (a.id.to_string(), b.id.to_string());
    exec(
        url,
        &format!(
            "DROP TABLE mpr_report_chunks; DROP TABLE mpr_plan_parts; \
             ALTER TABLE mpr_jobs DROP COLUMN final_counts; \
             CREATE TABLE mpr_report (id {auto_id}, \
             job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE, at BIGINT NOT NULL, \
             account TEXT NOT NULL, target TEXT NOT NULL, owner TEXT, phase TEXT NOT NULL, \
             outcome TEXT NOT NULL, message TEXT NOT NULL); \
             {} {} {} \
             DELETE FROM latchkey_schema_history WHERE version >= 10;",
            legacy_rows(&a_id, 1, 5_003),
            legacy_rows(&b_id, 1, 3),
            legacy_rows(&a_id, 5_004, 5_005),
        ),
    )
    .await;
    let migrated = Store::open(url, StoreOptions::default()).await.unwrap();
    assert_eq!(
        migrated.schema_version().await.unwrap(),
        Store::latest_schema_version()
    );
    let expected: Vec<ReportRow> = (1..=5_005).map(legacy_row).collect();
    assert_eq!(read_all(&migrated, a.id, 1_000).await, expected);
    let expected: Vec<ReportRow> = (1..=3).map(legacy_row).collect();
    assert_eq!(read_all(&migrated, b.id, 1_000).await, expected);
}

#[tokio::test]
async fn sqlite_report_rows_of_version_9_are_moved_into_records() {
    let t = sqlite().await;
    legacy_rows_are_moved_into_records(&t.store, &t.url).await;
}

#[tokio::test]
async fn postgres_report_rows_of_version_9_are_moved_into_records() {
    let t = postgres().await;
    legacy_rows_are_moved_into_records(&t.store, &t.url).await;
}
