//! A run's report as stored: one record per write, holding that write's rows in order as a JSON
//! array of `[at, account, target, owner, phase, outcome, message]` (migration 10 says why).
//!
//! Row ids given to readers ([`MprRepo::report_rows`]) are positions: the record's id shifted
//! left by [`POSITION_BITS`], plus the row's place in it counted from 1. They increase in the
//! order written, as the trait asks, and let a reader resume after any row.
//!
//! [`MprRepo::report_rows`]: latchkey_core::mpr::repo::MprRepo::report_rows

use crate::{Store, db_err, from_ms, ms, on_pool};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::report::ReportRow;
use latchkey_core::repo::{RepoError, RepoResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Rows in one record at most; a larger write stores several.
pub(crate) const REPORT_CHUNK_ROWS: usize = 5_000;

/// Bits of a row id that hold the row's place in its record (room for 1,048,575 rows).
const POSITION_BITS: u32 = 20;

/// Records read per query while paging.
const RECORDS_PER_READ: i64 = 4;

/// A report row as stored in its record.
#[derive(Serialize)]
pub(crate) struct StoredReportRow<'a>(
    i64,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'static str,
    &'static str,
    &'a str,
);

impl<'a> From<&'a ReportRow> for StoredReportRow<'a> {
    fn from(r: &'a ReportRow) -> Self {
        Self(
            ms(r.at),
            &r.account,
            &r.target,
            r.owner.as_deref(),
            r.phase.as_str(),
            r.outcome.as_str(),
            &r.message,
        )
    }
}

/// The same row, read back.
type ReadRow = (i64, String, String, Option<String>, String, String, String);

/// A phase or outcome name back to its value. They are written with `as_str`, which matches
/// their serde names (snake case; a test in `latchkey-core` holds the two together).
fn parse_name<T: DeserializeOwned>(what: &str, v: String) -> RepoResult<T> {
    serde_json::from_value(serde_json::Value::String(v.clone()))
        .map_err(|_| RepoError::Corrupt(format!("report {what} {v:?} is not known")))
}

fn row_from_stored(row: ReadRow) -> RepoResult<ReportRow> {
    let (at, account, target, owner, phase, outcome, message) = row;
    Ok(ReportRow {
        at: from_ms(at)?,
        account,
        target,
        owner,
        phase: parse_name("phase", phase)?,
        outcome: parse_name("outcome", outcome)?,
        message,
    })
}

/// The id of the row at `place` (from 0) in record `record`.
fn row_id(record: i64, place: usize) -> RepoResult<i64> {
    i64::try_from(place)
        .ok()
        .and_then(|p| {
            record
                .checked_shl(POSITION_BITS)?
                .checked_add(p.checked_add(1)?)
        })
        .ok_or_else(|| RepoError::Corrupt(format!("report record {record} row {place}")))
}

/// Up to `limit` rows of run `job` after row id `after` (0 for the start), with their ids.
pub(crate) async fn rows(
    store: &Store,
    job: MprJobId,
    after: i64,
    limit: u32,
) -> RepoResult<Vec<(i64, ReportRow)>> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let job = job.to_string();
    // The record to start in, and how many of its rows were read already.
    let mut record = after.max(0) >> POSITION_BITS;
    let mut read = usize::try_from(after.max(0) & ((1 << POSITION_BITS) - 1)).unwrap_or(0);
    let mut out = Vec::new();
    while out.len() < limit {
        let records: Vec<(i64, String)> = on_pool!(store, |pool| {
            sqlx::query_as(
                "SELECT id, rows_json FROM mpr_report_chunks WHERE job_id = $1 AND id >= $2 \
                 ORDER BY id LIMIT $3",
            )
            .bind(&job)
            .bind(record)
            .bind(RECORDS_PER_READ)
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)?;
        if records.is_empty() {
            break;
        }
        for (id, text) in records {
            let stored: Vec<ReadRow> = serde_json::from_str(&text)
                .map_err(|e| RepoError::Corrupt(format!("report record {id}: {e}")))?;
            let skip = if id == record { read } else { 0 };
            for (place, row) in stored.into_iter().enumerate().skip(skip) {
                if out.len() == limit {
                    return Ok(out);
                }
                out.push((row_id(id, place)?, row_from_stored(row)?));
            }
            record = id.saturating_add(1);
            read = 0;
        }
    }
    Ok(out)
}
