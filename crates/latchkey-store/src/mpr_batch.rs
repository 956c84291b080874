//! One batch of a mass password run, written in one transaction ([`MprRepo::write_batch`]) of
//! a fixed number of statements, however many accounts the batch holds.
//!
//! In order: the check that this runner still holds the run's lease (held until the commit),
//! the vault writes (the same statements as [`VaultRepo::write_item`], through
//! [`write_vaults`]), the journal entries (one `UPDATE … FROM` over the rows;
//! `PendingWrite::Keep` leaves the sealed pending password as it is), the report rows (one
//! record holding them all), the revocations of the owners (sessions deleted, outstanding reset
//! tokens spent), and the account locks given back — each one statement over the rows of a JSON
//! parameter ([`json_rows`](crate::json_rows)). Any failure — a vault item whose version moved,
//! an entry that is not in the run — rolls the whole batch back, so a crash or a conflict never
//! leaves the vault and the journal disagreeing.
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
struct EntryRow {
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

const ENTRY: [(&str, Col); 10] = [
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
    let entries: BTreeMap<String, EntryRow> = batch
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
    let rows: Vec<&EntryRow> = entries.values().collect();
    Ok(Encoded {
        job: job.to_string(),
        entries: json_rows::encode(&rows)?,
        entry_count: rows.len() as u64,
        report,
        owners: json_rows::ids(&batch.revoke_owners)?,
        release: json_rows::ids(&batch.release_locks)?,
        now: ms(revocation_time(batch)),
    })
}

/// The statements of a batch, for a dialect.
struct Statements {
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
            // The run's id comes from a one-row table, not as a constant: given `job_id = $1`,
            // PostgreSQL estimates a run its statistics have not seen yet as a few rows and
            // reads all of the run's entries for every batch (73 ms instead of 3 ms for 500 rows
            // of a 100,000-entry run); joined on both key columns, each row is one key probe.
            entries: format!(
                "{}, run AS MATERIALIZED (SELECT CAST($1 AS TEXT) AS id) \
                 UPDATE mpr_entries SET state = x.state, \
                 pending = CASE WHEN x.replace_pending THEN x.pending ELSE mpr_entries.pending END, \
                 sends = x.sends, attempts = x.attempts, refusals = x.refusals, \
                 message = x.message, \
                 vault_item_id = COALESCE(x.vault_item, mpr_entries.vault_item_id), \
                 updated_at = x.at \
                 FROM x, run WHERE mpr_entries.job_id = run.id AND mpr_entries.account_id = x.account",
                json_rows::with_rows(d, 2, &ENTRY).trim_end()
            ),
            report: "INSERT INTO mpr_report_chunks (job_id, rows_json) VALUES ($1, $2)".into(),
            // Every session of the owners ends (the runner has none to keep).
            sessions: format!(
                "DELETE FROM sessions WHERE profile_id IN ({})",
                json_rows::list(d, 1)
            ),
            tokens: format!(
                "UPDATE one_time_tokens SET consumed_at = $2 WHERE subject IN ({}) \
                 AND consumed_at IS NULL AND expires_at > $2",
                json_rows::list(d, 1)
            ),
            release: format!(
                "DELETE FROM mpr_account_locks WHERE job_id = $1 AND account_id IN ({})",
                json_rows::list(d, 2)
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
                .bind(&e.job)
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
