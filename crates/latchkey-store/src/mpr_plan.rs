//! Storing a confirmed run and its plan ([`MprRepo::create_job`]) and moving the rest of the plan
//! into the journal ([`MprRepo::move_plan_part`]).
//!
//! One transaction stores the run, its first batch of planned entries as journal entries, and the
//! rest of the plan as parts (migration 12): JSON arrays of entries in account order, of
//! four batches' entries each, with how many of them are planned and skipped. The run's first
//! batch can start as soon as that commits; the runner moves the next part in, each in its own
//! transaction (the part deleted, its entries inserted), when the journal ahead of it holds less
//! than a batch. Every confirmed
//! account is in a part or in the journal at every moment, and [`MprRepo::state_counts`] counts
//! both.
//!
//! [`MprRepo::create_job`]: latchkey_core::mpr::repo::MprRepo::create_job
//! [`MprRepo::move_plan_part`]: latchkey_core::mpr::repo::MprRepo::move_plan_part
//! [`MprRepo::state_counts`]: latchkey_core::mpr::repo::MprRepo::state_counts

use crate::json_rows::{self, Col};
use crate::mpr::ENTRY_COLUMNS;
use crate::vault::write_tx;
use crate::{Dialect, Store, db_err, ms};
use latchkey_core::mpr::job::MprJob;
use latchkey_core::mpr::journal::{Entry, EntryState};
use latchkey_core::repo::{RepoError, RepoResult};
use sqlx::AssertSqlSafe;
use std::collections::BTreeSet;

/// Entries inserted per statement (a few MB of JSON).
const PLAN_ROWS: usize = 5_000;

/// Planned entries in the journal when a run is stored, and entries per part: one batch, so the
/// transaction that stores a run stays short and its first batch can start at once; four
/// batches, so each part moves in a transaction about as long as a batch's.
fn first_and_part_rows(job: &MprJob) -> (usize, usize) {
    let batch = usize::try_from(job.request.batch_size)
        .unwrap_or(PLAN_ROWS)
        .clamp(1, PLAN_ROWS);
    (batch, batch.saturating_mul(4).min(PLAN_ROWS))
}

/// A new journal entry, as the JSON row the insert reads.
#[derive(serde::Serialize)]
struct PlannedRow<'a> {
    account: String,
    target: &'a str,
    account_name: &'a str,
    owner: Option<String>,
    vault_item: Option<String>,
    state: &'static str,
    pending: Option<String>,
    sends: i64,
    attempts: i64,
    refusals: i64,
    message: &'a Option<String>,
    at: i64,
}

impl<'a> From<&'a Entry> for PlannedRow<'a> {
    fn from(e: &'a Entry) -> Self {
        Self {
            account: e.account.to_string(),
            target: e.target.as_str(),
            account_name: &e.account_name,
            owner: e.owner.map(|o| o.to_string()),
            vault_item: e.vault_item.map(|v| v.to_string()),
            state: e.state.as_str(),
            pending: e.pending.as_ref().map(ToString::to_string),
            sends: i64::from(e.sends),
            attempts: i64::from(e.attempts),
            refusals: i64::from(e.refusals),
            message: &e.message,
            at: ms(e.updated_at),
        }
    }
}

const PLANNED: [(&str, Col); 12] = [
    ("account", Col::Text),
    ("target", Col::Text),
    ("account_name", Col::Text),
    ("owner", Col::Text),
    ("vault_item", Col::Text),
    ("state", Col::Text),
    ("pending", Col::Text),
    ("sends", Col::Int),
    ("attempts", Col::Int),
    ("refusals", Col::Int),
    ("message", Col::Text),
    ("at", Col::Int),
];

/// The insert of `$2`'s JSON rows as entries of run `$1`. Moving a part skips entries already
/// in the journal (only a second runner moving the same part at once could find any).
fn insert_entries(d: Dialect, skip_existing: bool) -> String {
    format!(
        "{}INSERT INTO mpr_entries ({ENTRY_COLUMNS}) SELECT $1, x.account, x.target, \
         x.account_name, x.owner, x.vault_item, x.state, x.pending, x.sends, x.attempts, \
         x.refusals, x.message, x.at FROM x{}",
        json_rows::with_rows(d, 2, &PLANNED),
        if skip_existing {
            " WHERE true ON CONFLICT (job_id, account_id) DO NOTHING"
        } else {
            ""
        }
    )
}

/// A part of the plan, ready to store.
struct Part {
    planned: i64,
    skipped: i64,
    rows: String,
}

/// Entries as the JSON rows the insert reads.
fn rows_json(entries: &[&Entry]) -> RepoResult<String> {
    let rows: Vec<PlannedRow<'_>> = entries.iter().map(|e| PlannedRow::from(*e)).collect();
    json_rows::encode(&rows)
}

/// A part of planned and skipped entries.
fn part(entries: &[&Entry]) -> RepoResult<Part> {
    let skipped = entries
        .iter()
        .filter(|e| e.state == EntryState::Skipped)
        .count();
    let planned = entries.len().saturating_sub(skipped);
    Ok(Part {
        planned: i64::try_from(planned).unwrap_or(i64::MAX),
        skipped: i64::try_from(skipped).unwrap_or(i64::MAX),
        rows: rows_json(entries)?,
    })
}

/// Splits a plan, in account order, into the entries stored at once and the parts after them:
/// the planned and skipped entries up to the `first_open`-th planned one, and any entry in
/// another state (a plan has none, but the journal takes any), are stored at once; the planned
/// and skipped entries after them make the parts, of `part_len` entries each.
fn split<'a>(
    entries: &[&'a Entry],
    first_open: usize,
    part_len: usize,
) -> (Vec<&'a Entry>, Vec<Vec<&'a Entry>>) {
    let (plan, other): (Vec<&Entry>, Vec<&Entry>) = entries
        .iter()
        .partition(|e| matches!(e.state, EntryState::Planned | EntryState::Skipped));
    let cut = plan
        .iter()
        .enumerate()
        .filter(|(_, e)| e.state == EntryState::Planned)
        .nth(first_open.saturating_sub(1))
        .map_or(plan.len(), |(i, _)| i + 1);
    let (now, later) = plan.split_at(cut);
    let parts = later
        .chunks(part_len.max(1))
        .map(<[&Entry]>::to_vec)
        .collect();
    (
        other.into_iter().chain(now.iter().copied()).collect(),
        parts,
    )
}

/// Stores `job` and its plan `entries` (see the module docs).
pub(crate) async fn create_job(store: &Store, job: &MprJob, entries: &[Entry]) -> RepoResult<()> {
    if let Some(e) = entries.iter().find(|e| e.job != job.id) {
        return Err(RepoError::Database(format!(
            "the entry of account {} belongs to run {}, not to run {}",
            e.account, e.job, job.id
        )));
    }
    let mut seen = BTreeSet::new();
    if let Some(e) = entries.iter().find(|e| !seen.insert(e.account)) {
        return Err(RepoError::Conflict(format!(
            "account {} listed twice in run {}",
            e.account_name, job.id
        )));
    }
    let mut ordered: Vec<(String, &Entry)> =
        entries.iter().map(|e| (e.account.to_string(), e)).collect();
    ordered.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let ordered: Vec<&Entry> = ordered.into_iter().map(|(_, e)| e).collect();
    let (first_open, part_len) = first_and_part_rows(job);
    let (now, later) = split(&ordered, first_open, part_len);
    let first: Vec<String> = now
        .chunks(PLAN_ROWS)
        .map(rows_json)
        .collect::<RepoResult<_>>()?;
    let parts: Vec<Part> = later.iter().map(|p| part(p)).collect::<RepoResult<_>>()?;
    let request =
        serde_json::to_string(&job.request).map_err(|e| RepoError::Database(e.to_string()))?;
    let job_id = job.id.to_string();
    let insert = insert_entries(store.dialect(), false);
    write_tx!(store, |tx| {
        sqlx::query(
            "INSERT INTO mpr_jobs (id, status, requested_by, request, created_at, updated_at, \
             finished_at, runner, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&job_id)
        .bind(job.status.as_str())
        .bind(&job.requested_by)
        .bind(&request)
        .bind(ms(job.created_at))
        .bind(ms(job.updated_at))
        .bind(job.finished_at.map(ms))
        .bind(&job.runner)
        .bind(job.lease_until.map(ms))
        .execute(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict(format!("run {}", job.id)),
            other => other,
        })?;
        for rows in &first {
            sqlx::query(AssertSqlSafe(insert.as_str()))
                .bind(&job_id)
                .bind(rows)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for (seq, p) in parts.iter().enumerate() {
            sqlx::query(
                "INSERT INTO mpr_plan_parts (job_id, seq, planned, skipped, rows_json) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&job_id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(p.planned)
            .bind(p.skipped)
            .bind(&p.rows)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
    });

    Ok(())
}

/// Moves the first part of run `job`'s plan left into its journal; whether there was one.
pub(crate) async fn move_part(store: &Store, job: &str) -> RepoResult<bool> {
    let insert = insert_entries(store.dialect(), true);
    let moved = write_tx!(store, |tx| {
        let part: Option<(String,)> = sqlx::query_as(
            "DELETE FROM mpr_plan_parts WHERE job_id = $1 AND seq = \
             (SELECT MIN(seq) FROM mpr_plan_parts WHERE job_id = $1) RETURNING rows_json",
        )
        .bind(job)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        if let Some((rows,)) = &part {
            sqlx::query(AssertSqlSafe(insert.as_str()))
                .bind(job)
                .bind(rows)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        part.is_some()
    });
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::ids::{AccountId, MprJobId, TargetId};
    use latchkey_core::random::SeededRandom;
    use time::OffsetDateTime;

    fn entry(job: MprJobId, n: u64, skipped: bool) -> Entry {
        let now = OffsetDateTime::now_utc();
        Entry {
            job,
            account: AccountId::generate(now, &mut SeededRandom::new(n)),
            target: TargetId::new("t").unwrap(),
            owner: None,
            vault_item: None,
            state: if skipped {
                EntryState::Skipped
            } else {
                EntryState::Planned
            },
            pending: None,
            sends: 0,
            attempts: 0,
            refusals: 0,
            message: None,
            updated_at: now,
            account_name: "a".into(),
        }
    }

    #[test]
    fn the_first_entries_hold_the_wanted_number_of_open_ones() {
        let job = MprJobId::generate(OffsetDateTime::now_utc(), &mut SeededRandom::new(7));
        // planned, skipped, planned, skipped, planned, …
        let all: Vec<Entry> = (0..10).map(|i| entry(job, i, i % 2 == 1)).collect();
        let refs: Vec<&Entry> = all.iter().collect();
        let (now, later) = split(&refs, 3, 4);
        assert_eq!(
            now.len(),
            5,
            "three planned entries and the two skipped between them"
        );
        let later: Vec<usize> = later.iter().map(Vec::len).collect();
        assert_eq!(later, vec![4, 1]);
        let (now, later) = split(&refs, 20, 4);
        assert_eq!(
            (now.len(), later.len()),
            (10, 0),
            "fewer planned entries than asked"
        );
        let p = part(&refs[..4]).unwrap();
        assert_eq!((p.planned, p.skipped), (2, 2));
        // An entry in another state is stored at once, wherever it is.
        let mut mixed = all.clone();
        if let Some(e) = mixed.last_mut() {
            e.state = EntryState::Generated;
        }
        let refs: Vec<&Entry> = mixed.iter().collect();
        let (now, later) = split(&refs, 1, 4);
        assert_eq!(now.len(), 2);
        assert!(now.iter().any(|e| e.state == EntryState::Generated));
        assert_eq!(later.iter().map(Vec::len).sum::<usize>(), 8);
    }
}
