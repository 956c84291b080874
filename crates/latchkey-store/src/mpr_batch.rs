//! One batch of a mass password run, written in one transaction ([`MprRepo::write_batch`]) of
//! a fixed number of statements, however many accounts the batch holds.
//!
//! In order (on PostgreSQL after [`KEY_PROBES`]): the check that this runner still holds the
//! run's lease (held until the commit), the vault writes (the same statements as
//! [`VaultRepo::write_item`], through [`write_vaults`]), the journal entries (one `UPDATE … FROM`
//! over the rows; `PendingWrite::Keep` leaves the sealed pending password as it is), the report
//! rows (one record holding them all), the revocations of the owners (sessions deleted,
//! outstanding reset tokens spent), and the account locks given back — each one statement over
//! the rows of a JSON parameter ([`json_rows`](crate::json_rows)). Any failure — a vault item
//! whose version moved, an entry that is not in the run — rolls the whole batch back, so a crash
//! or a conflict never leaves the vault and the journal disagreeing.
//!
//! [`MprRepo::write_batch`]: latchkey_core::mpr::repo::MprRepo::write_batch
//! [`VaultRepo::write_item`]: latchkey_core::vault::VaultRepo::write_item

use crate::json_rows::{self, Col};
use crate::mpr_report::{REPORT_CHUNK_ROWS, StoredReportRow};
use crate::vault::write_tx;
use crate::vault_batch::write_vaults;
use crate::{Dialect, Store, db_err, ms};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::repo::{BatchWrite, PendingWrite};
use latchkey_core::repo::{RepoError, RepoResult};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What the trait's batch carries, encoded for binding: JSON rows and lists.
struct Encoded {
    job: String,
    /// The entry updates, one per account (the last one given wins).
    entries: String,
    entry_count: u64,
    /// The report rows, as JSON arrays of up to [`REPORT_CHUNK_ROWS`] rows: a record each.
    report: Vec<String>,
    /// The owners whose sessions and reset links end.
    owners: Option<String>,
    release: Option<String>,
    /// When the owners' tokens are spent (see [`revocation_time`]).
    now: i64,
}

/// A journal entry's new state, as the JSON row the `UPDATE` reads.
#[derive(Serialize)]
struct EntryRow<'a> {
    /// The run, in every row: see [`Statements::new`].
    job: &'a str,
    account: String,
    state: &'static str,
    /// Set or Clear: `pending` replaces the stored value (null clears it); Keep: untouched.
    replace_pending: bool,
    pending: Option<String>,
    sends: i64,
    attempts: i64,
    refusals: i64,
    message: Option<String>,
    vault_item: Option<String>,
    at: i64,
}

const ENTRY: [(&str, Col); 11] = [
    ("job", Col::Text),
    ("account", Col::Text),
    ("state", Col::Text),
    ("replace_pending", Col::Bool),
    ("pending", Col::Text),
    ("sends", Col::Int),
    ("attempts", Col::Int),
    ("refusals", Col::Int),
    ("message", Col::Text),
    ("vault_item", Col::Text),
    ("at", Col::Int),
];

/// The batch has no clock of its own: tokens are spent as of its latest entry or report time
/// (the runner's "now"), or the wall clock for a batch with neither.
fn revocation_time(batch: &BatchWrite) -> OffsetDateTime {
    batch
        .entries
        .iter()
        .map(|e| e.at)
        .chain(batch.report.iter().map(|r| r.at))
        .max()
        .unwrap_or_else(OffsetDateTime::now_utc)
}

fn encode(job: MprJobId, batch: &BatchWrite) -> RepoResult<Encoded> {
    let job = job.to_string();
    let entries: BTreeMap<String, EntryRow<'_>> = batch
        .entries
        .iter()
        .map(|e| {
            let (replace_pending, pending) = match &e.pending {
                PendingWrite::Keep => (false, None),
                PendingWrite::Set(sealed) => (true, Some(sealed.to_string())),
                PendingWrite::Clear => (true, None),
            };
            let account = e.account.to_string();
            let row = EntryRow {
                job: &job,
                account: account.clone(),
                state: e.state.as_str(),
                replace_pending,
                pending,
                sends: i64::from(e.sends),
                attempts: i64::from(e.attempts),
                refusals: i64::from(e.refusals),
                message: e.message.clone(),
                vault_item: e.vault_item.map(|v| v.to_string()),
                at: ms(e.at),
            };
            (account, row)
        })
        .collect();
    let report = batch
        .report
        .chunks(REPORT_CHUNK_ROWS)
        .map(|chunk| {
            let rows: Vec<StoredReportRow<'_>> = chunk.iter().map(StoredReportRow::from).collect();
            json_rows::encode(&rows)
        })
        .collect::<RepoResult<Vec<String>>>()?;
    let rows: Vec<&EntryRow<'_>> = entries.values().collect();
    let entries = json_rows::encode(&rows)?;
    let entry_count = rows.len() as u64;
    Ok(Encoded {
        job,
        entries,
        entry_count,
        report,
        owners: json_rows::ids(&batch.revoke_owners)?,
        release: json_rows::ids(&batch.release_locks)?,
        now: ms(revocation_time(batch)),
    })
}

/// PostgreSQL, for the rest of a batch's transaction: no hash or merge joins and no reading of
/// whole tables where an index leads to the rows.
///
/// Every statement of a batch reaches a few hundred rows by their keys, so a key probe per row
/// is always the right plan, however large the tables. The planner costs plans from statistics
/// that may predate the run (a journal that grows by a part of the plan at a time, a lock table
/// that was empty when last analyzed) and, estimating a small table, reads it whole: a journal
/// update of 500 rows then took 30-200 ms instead of about 4, and at 100,000 accounts the server's
/// CPU per account doubled (0.25 instead of 0.13 ms in an onboarding).
const KEY_PROBES: &str = "SELECT set_config('enable_seqscan', 'off', true), \
     set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)";

/// The statements of a batch, for a dialect.
struct Statements {
    /// PostgreSQL: the planner's choices for the rest of the transaction (see [`KEY_PROBES`]).
    planner: Option<&'static str>,
    lease: String,
    entries: String,
    report: String,
    sessions: String,
    tokens: String,
    release: String,
}

impl Statements {
    fn new(d: Dialect) -> Self {
        Self {
            planner: match d {
                Dialect::Postgres => Some(KEY_PROBES),
                Dialect::Sqlite => None,
            },
            // The lease holds for the whole transaction: PostgreSQL's share lock keeps another
            // runner from taking the run over until it commits, while the run's other batches
            // (share locks too) go on; SQLite's writers already run one at a time. An update of
            // the job's row instead would make every batch of the run wait for the one before.
            lease: format!(
                "SELECT id FROM mpr_jobs WHERE id = $1 AND runner = $2{}",
                match d {
                    Dialect::Postgres => " FOR SHARE",
                    Dialect::Sqlite => "",
                }
            ),
            // Each row names its run, and the rows are joined to the journal on both key
            // columns and nothing else, so each row is one key probe. Given the run on its own
            // (`job_id = $1`, or a one-row table of it), PostgreSQL's planner estimates how many
            // entries the run has from statistics that may predate it, and when that estimate is
            // small it reads all of the run's entries for every batch.
            entries: format!(
                "{} UPDATE mpr_entries SET state = x.state, \
                 pending = CASE WHEN x.replace_pending THEN x.pending ELSE mpr_entries.pending END, \
                 sends = x.sends, attempts = x.attempts, refusals = x.refusals, \
                 message = x.message, \
                 vault_item_id = COALESCE(x.vault_item, mpr_entries.vault_item_id), \
                 updated_at = x.at \
                 FROM x WHERE mpr_entries.job_id = x.job AND mpr_entries.account_id = x.account",
                json_rows::with_rows(d, 1, &ENTRY).trim_end()
            ),
            report: "INSERT INTO mpr_report_chunks (job_id, rows_json) VALUES ($1, $2)".into(),
            // Every session of the owners ends (the runner has none to keep).
            sessions: format!(
                "DELETE FROM sessions WHERE profile_id {}",
                json_rows::among(d, 1)
            ),
            tokens: format!(
                "UPDATE one_time_tokens SET consumed_at = $2 WHERE subject {} \
                 AND consumed_at IS NULL AND expires_at > $2",
                json_rows::among(d, 1)
            ),
            release: format!(
                "DELETE FROM mpr_account_locks WHERE job_id = $1 AND account_id {}",
                json_rows::among(d, 2)
            ),
        }
    }
}

/// Writes `batch` for run `job` in one transaction (see the module docs).
pub(crate) async fn write_batch(
    store: &Store,
    job: MprJobId,
    batch: &BatchWrite,
) -> RepoResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let e = encode(job, batch)?;
    let sql = Statements::new(store.dialect());
    write_tx!(store, |tx| {
        if let Some(planner) = sql.planner {
            sqlx::query(planner)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        if let Some(runner) = &batch.runner {
            let held: Option<(String,)> = sqlx::query_as(AssertSqlSafe(sql.lease.as_str()))
                .bind(&e.job)
                .bind(runner)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            if held.is_none() {
                return Err(RepoError::Conflict(format!(
                    "a runner other than {runner} holding run {job}"
                )));
            }
        }
        write_vaults(&mut *tx, &batch.vault).await?;
        if e.entry_count > 0 {
            let changed = sqlx::query(AssertSqlSafe(sql.entries.as_str()))
                .bind(&e.entries)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if changed != e.entry_count {
                return Err(RepoError::NotFound(format!(
                    "{} of the {} journal entries written are not in run {job}",
                    e.entry_count.saturating_sub(changed),
                    e.entry_count
                )));
            }
        }
        for report in &e.report {
            sqlx::query(AssertSqlSafe(sql.report.as_str()))
                .bind(&e.job)
                .bind(report)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        if let Some(owners) = &e.owners {
            sqlx::query(AssertSqlSafe(sql.sessions.as_str()))
                .bind(owners)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(AssertSqlSafe(sql.tokens.as_str()))
                .bind(owners)
                .bind(e.now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        if let Some(release) = &e.release {
            sqlx::query(AssertSqlSafe(sql.release.as_str()))
                .bind(&e.job)
                .bind(release)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    //! PostgreSQL's plan for a batch's journal update, whatever its statistics say. (SQLite reads
    //! the materialized rows first and looks each entry up by its key in any case.)
    use super::*;
    use crate::{Pool, StoreOptions};

    /// The rows that the plan's reads of `mpr_entries` gave, over all their loops, from
    /// `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)` lines such as
    /// `Index Scan using mpr_entries_pkey on mpr_entries (actual rows=1 loops=500)`.
    fn journal_rows_read(plan: &[String]) -> u64 {
        let number = |line: &str, key: &str| -> u64 {
            let rest = &line[line.find(key).unwrap() + key.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().unwrap()
        };
        plan.iter()
            .filter(|l| l.contains(" on mpr_entries (") && !l.contains("Update on"))
            .map(|l| number(l, "rows=") * number(l, "loops="))
            .sum()
    }

    /// The plan of a batch's journal update of entries `from..from + 500` of run `new`.
    async fn batch_update_plan(pool: &sqlx::PgPool, from: u32) -> Vec<String> {
        let rows: Vec<EntryRow<'_>> = (from..from + 500)
            .map(|n| EntryRow {
                job: "new",
                account: format!("{n:06}"),
                state: "generated",
                replace_pending: true,
                pending: Some("sealed".into()),
                sends: 1,
                attempts: 0,
                refusals: 0,
                message: None,
                vault_item: None,
                at: 1,
            })
            .collect();
        let rows = json_rows::encode(&rows).unwrap();
        let sql = Statements::new(Dialect::Postgres);
        let explain = format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {}", sql.entries);
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(sql.planner.unwrap())
            .execute(&mut *tx)
            .await
            .unwrap();
        let plan = sqlx::query_scalar(AssertSqlSafe(explain))
            .bind(&rows)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        plan
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_reads_only_its_own_entries_whatever_the_statistics_say() {
        let cluster = latchkey_testkit::PgCluster::shared().expect("PostgreSQL for tests");
        let url = cluster.create_database().unwrap();
        let store = Store::open(&url, StoreOptions::default()).await.unwrap();
        let Pool::Postgres(pool) = &store.pool else {
            panic!("a PostgreSQL store")
        };
        let entries = |job: &str, state: &str, from: u32, to: u32| {
            format!(
                "INSERT INTO mpr_entries (job_id, account_id, target_id, account_name, state, \
                 sends, attempts, refusals, updated_at) SELECT '{job}', to_char(n, 'FM000000'), \
                 'ldap', 'uid=a', '{state}', 0, 0, 0, 0 FROM generate_series({from}, {to}) AS n;"
            )
        };
        // The statistics were taken when the journal held a run of ten entries (autovacuum
        // would take them again at some point, or not); then a run was planned, a part at a time.
        let setup = format!(
            "ALTER TABLE mpr_entries SET (autovacuum_enabled = false); \
             INSERT INTO mpr_jobs (id, status, requested_by, request, created_at, updated_at) \
             VALUES ('seen', 'done', 'admin', '{{}}', 0, 0), \
             ('new', 'running', 'admin', '{{}}', 0, 0); {} ANALYZE mpr_entries; {}",
            entries("seen", "verified", 1, 10),
            entries("new", "planned", 1, 10_000)
        );
        cluster.psql(&url, &setup).unwrap();
        let plan = batch_update_plan(pool, 5_000).await;
        assert_eq!(journal_rows_read(&plan), 500, "{}", plan.join("\n"));

        cluster
            .psql(&url, &entries("new", "planned", 10_001, 100_000))
            .unwrap();
        let plan = batch_update_plan(pool, 50_000).await;
        assert_eq!(journal_rows_read(&plan), 500, "{}", plan.join("\n"));
    }
}
