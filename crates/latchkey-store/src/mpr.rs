//! Mass password runs ([`MprRepo`]): the jobs with their runner lease, the per-account journal,
//! the per-account locks and the report. The batch write, which touches all of these and the
//! vault in one transaction, is in `mpr_batch.rs`.
//!
//! A run and its plan are stored in one transaction, the first entries in the journal and the
//! rest as parts the runner moves there (`mpr_plan.rs`). Journal entries are read in pages by
//! primary key `(job_id, account_id)`, skipping the states not asked for. On PostgreSQL no index
//! covers `state`, so a state change stays on its page; SQLite keeps `(job_id, state,
//! account_id)` for counting a run's entries by state (see migration 9).
//!
//! **Locks.** [`MprRepo::lock_accounts`] inserts `(account, run)` rows that already-taken
//! accounts skip (`ON CONFLICT DO NOTHING`), then reads back which of the accounts the run holds.
//! The accounts are inserted in sorted order, so two runs locking overlapping sets on PostgreSQL
//! wait for each other's rows in the same order and cannot deadlock on each other.

use crate::json_rows;
use crate::vault::{in_params, write_tx};
use crate::{Store, count, db_err, from_ms, ms, on_pool, parse_id};
use latchkey_core::ids::{AccountId, MprJobId, ProfileId, TargetId, VaultItemId};
use latchkey_core::mpr::job::{JobStatus, MprJob, MprRequest};
use latchkey_core::mpr::journal::{Entry, EntryState};
use latchkey_core::mpr::repo::{BatchWrite, MprRepo, StateCounts};
use latchkey_core::mpr::report::ReportRow;
use latchkey_core::repo::{RepoError, RepoResult};
use latchkey_core::secretbox::Sealed;
use sqlx::AssertSqlSafe;
use std::collections::BTreeMap;
use time::OffsetDateTime;

type JobRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

type EntryRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    Option<String>,
    i64,
);

const SELECT_JOB: &str = "SELECT id, status, requested_by, request, created_at, updated_at, \
     finished_at, runner, lease_until FROM mpr_jobs";

pub(crate) const ENTRY_COLUMNS: &str = "job_id, account_id, target_id, account_name, owner_id, \
     vault_item_id, state, pending, sends, attempts, refusals, message, updated_at";

/// A run's entries per state, with the planned and skipped ones of the parts of its plan not in
/// the journal yet (a state may come more than once).
const COUNT_BY_STATE: &str = "SELECT state, COUNT(*) FROM mpr_entries WHERE job_id = $1 GROUP BY state \
     UNION ALL SELECT 'planned', CAST(SUM(planned) AS BIGINT) FROM mpr_plan_parts WHERE job_id = $1 \
     HAVING SUM(planned) > 0 \
     UNION ALL SELECT 'skipped', CAST(SUM(skipped) AS BIGINT) FROM mpr_plan_parts WHERE job_id = $1 \
     HAVING SUM(skipped) > 0";

/// Counts per state as a finished run stores them: `{"verified": 9998, "skipped": 2}` (a state
/// counted twice, in the journal and in the plan's parts, adds up).
fn counts_json(rows: &[(String, i64)]) -> RepoResult<String> {
    let mut map: BTreeMap<&str, i64> = BTreeMap::new();
    for (state, n) in rows {
        *map.entry(state.as_str()).or_default() += n;
    }
    json_rows::encode(&map)
}

fn counts_from_json(text: &str) -> RepoResult<StateCounts> {
    let map: BTreeMap<String, i64> = serde_json::from_str(text)
        .map_err(|e| RepoError::Corrupt(format!("a finished run's counts: {e}")))?;
    counts_from_rows(map)
}

/// `(state name, count)` pairs, counted or stored, as counts (a state given twice adds up).
fn counts_from_rows(rows: impl IntoIterator<Item = (String, i64)>) -> RepoResult<StateCounts> {
    let mut counts = StateCounts::default();
    for (state, n) in rows {
        *counts.0.entry(parse_state(&state)?).or_default() += count(n);
    }
    Ok(counts)
}

/// A stored state name back to its state.
fn parse_state(v: &str) -> RepoResult<EntryState> {
    v.parse()
        .map_err(|e: String| RepoError::Corrupt(format!("journal entry: {e}")))
}

fn counter(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A run is over in these statuses (`finished_at` is set). A cancelled run may still finish
/// accounts that were in flight; its end is when it was cancelled.
fn is_final(status: JobStatus) -> bool {
    matches!(status, JobStatus::Finished | JobStatus::Cancelled)
}

fn job_from_row(row: JobRow) -> RepoResult<MprJob> {
    let (id, status, requested_by, request, created, updated, finished, runner, lease) = row;
    Ok(MprJob {
        status: status
            .parse()
            .map_err(|e: String| RepoError::Corrupt(format!("run {id}: {e}")))?,
        request: serde_json::from_str::<MprRequest>(&request)
            .map_err(|e| RepoError::Corrupt(format!("request of run {id}: {e}")))?,
        id: parse_id("run id", &id)?,
        requested_by,
        created_at: from_ms(created)?,
        updated_at: from_ms(updated)?,
        finished_at: finished.map(from_ms).transpose()?,
        runner,
        lease_until: lease.map(from_ms).transpose()?,
    })
}

fn entry_from_row(row: EntryRow) -> RepoResult<Entry> {
    let (job, account, target, account_name, owner, vault_item, state, pending) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
    Ok(Entry {
        job: parse_id::<MprJobId>("run id", &job)?,
        target: parse_id::<TargetId>("target id", &target)?,
        owner: owner
            .map(|o| parse_id::<ProfileId>("entry owner", &o))
            .transpose()?,
        vault_item: vault_item
            .map(|v| parse_id::<VaultItemId>("entry vault item", &v))
            .transpose()?,
        state: parse_state(&state)?,
        pending: pending
            .map(|p| {
                Sealed::parse(&p).map_err(|e| {
                    RepoError::Corrupt(format!("pending password of account {account}: {e}"))
                })
            })
            .transpose()?,
        account: parse_id("account id", &account)?,
        account_name,
        sends: counter(row.8),
        attempts: counter(row.9),
        refusals: counter(row.10),
        message: row.11,
        updated_at: from_ms(row.12)?,
    })
}

impl MprRepo for Store {
    async fn create_job(&self, job: &MprJob, entries: &[Entry]) -> RepoResult<()> {
        crate::mpr_plan::create_job(self, job, entries).await
    }

    async fn move_plan_part(&self, job: MprJobId) -> RepoResult<bool> {
        crate::mpr_plan::move_part(self, &job.to_string()).await
    }

    async fn job(&self, id: MprJobId) -> RepoResult<Option<MprJob>> {
        let sql = format!("{SELECT_JOB} WHERE id = $1");
        let row: Option<JobRow> = on_pool!(self, |pool| {
            sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(id.to_string())
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        row.map(job_from_row).transpose()
    }

    async fn jobs(&self, limit: u32) -> RepoResult<Vec<MprJob>> {
        let sql = format!("{SELECT_JOB} ORDER BY created_at DESC, id DESC LIMIT $1");
        let rows: Vec<JobRow> = on_pool!(self, |pool| {
            sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        rows.into_iter().map(job_from_row).collect()
    }

    async fn set_job_status(
        &self,
        id: MprJobId,
        from: &[JobStatus],
        to: JobStatus,
        now: OffsetDateTime,
    ) -> RepoResult<bool> {
        if from.is_empty() {
            return Ok(false);
        }
        // Any change clears the stored counts; finishing stores them (migration 11).
        let sql = format!(
            "UPDATE mpr_jobs SET status = $2, updated_at = $3, finished_at = $4, \
             final_counts = NULL WHERE id = $1 AND status IN ({})",
            in_params(5, from.len())
        );
        let job = id.to_string();
        let changed = write_tx!(self, |tx| {
            let mut q = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(&job)
                .bind(to.as_str())
                .bind(ms(now))
                .bind(is_final(to).then(|| ms(now)));
            for status in from {
                q = q.bind(status.as_str());
            }
            let changed = q.execute(&mut *tx).await.map_err(db_err)?.rows_affected() == 1;
            if changed && to == JobStatus::Finished {
                let rows: Vec<(String, i64)> = sqlx::query_as(COUNT_BY_STATE)
                    .bind(&job)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db_err)?;
                sqlx::query("UPDATE mpr_jobs SET final_counts = $2 WHERE id = $1")
                    .bind(&job)
                    .bind(counts_json(&rows)?)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            changed
        });
        Ok(changed)
    }

    async fn take_lease(
        &self,
        id: MprJobId,
        runner: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        steal_from: Option<&str>,
    ) -> RepoResult<bool> {
        // `runner = NULL` is never true, so without `steal_from` the last test drops out.
        let changed = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE mpr_jobs SET runner = $2, lease_until = $3, updated_at = $4 \
                 WHERE id = $1 AND (runner IS NULL OR runner = $2 OR lease_until IS NULL \
                 OR lease_until < $4 OR runner = $5)",
            )
            .bind(id.to_string())
            .bind(runner)
            .bind(ms(until))
            .bind(ms(now))
            .bind(steal_from)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(changed == 1)
    }

    async fn release_lease(&self, id: MprJobId, runner: &str) -> RepoResult<()> {
        on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE mpr_jobs SET runner = NULL, lease_until = NULL WHERE id = $1 AND runner = $2",
            )
            .bind(id.to_string())
            .bind(runner)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(db_err)?;
        Ok(())
    }

    async fn entries(
        &self,
        job: MprJobId,
        states: &[EntryState],
        after: Option<AccountId>,
        limit: u32,
    ) -> RepoResult<Vec<Entry>> {
        if states.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM mpr_entries WHERE job_id = $1 AND account_id > $2 \
             AND state IN ({}) ORDER BY account_id LIMIT $3",
            in_params(4, states.len())
        );
        // Every stored id is longer than the empty string.
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        let rows: Vec<EntryRow> = on_pool!(self, |pool| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone()))
                .bind(job.to_string())
                .bind(&after)
                .bind(i64::from(limit));
            for state in states {
                q = q.bind(state.as_str());
            }
            q.fetch_all(pool).await
        })
        .map_err(db_err)?;
        rows.into_iter().map(entry_from_row).collect()
    }

    async fn lock_accounts(
        &self,
        job: MprJobId,
        accounts: &[AccountId],
    ) -> RepoResult<Vec<AccountId>> {
        let Some(list) = json_rows::ids(accounts)? else {
            return Ok(Vec::new());
        };
        let job_id = job.to_string();
        // One statement: the accounts nobody holds are locked, those this run holds already
        // are "updated" to the same run, and both come back; the others' locks stay as they are.
        // Every account is one key probe (the conflict check): no plan to go wrong, where a
        // separate read of the run's locks among these accounts was planned from statistics
        // and scanned the lock table when they said it was empty.
        // `WHERE true` tells SQLite's parser that `ON CONFLICT` is not a join's `ON`.
        let lock = format!(
            "INSERT INTO mpr_account_locks (account_id, job_id) SELECT l.v, $1 FROM ({}) AS l \
             WHERE true ON CONFLICT (account_id) DO UPDATE SET job_id = excluded.job_id \
             WHERE mpr_account_locks.job_id = excluded.job_id RETURNING account_id",
            json_rows::list(self.dialect(), 2)
        );
        let held: Vec<String> = write_tx!(self, |tx| {
            sqlx::query_scalar(AssertSqlSafe(lock.as_str()))
                .bind(&job_id)
                .bind(&list)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?
        });
        let mut held = held
            .iter()
            .map(|id| parse_id::<AccountId>("locked account", id))
            .collect::<RepoResult<Vec<_>>>()?;
        held.sort_unstable();
        Ok(held)
    }

    async fn write_batch(&self, job: MprJobId, batch: &BatchWrite) -> RepoResult<()> {
        crate::mpr_batch::write_batch(self, job, batch).await
    }

    async fn state_counts(&self, job: MprJobId) -> RepoResult<StateCounts> {
        let id = job.to_string();
        let stored: Option<(String, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT status, final_counts FROM mpr_jobs WHERE id = $1")
                .bind(&id)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_err)?;
        if let Some((status, Some(text))) = &stored
            && status == JobStatus::Finished.as_str()
        {
            return counts_from_json(text);
        }
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(COUNT_BY_STATE)
                .bind(&id)
                .fetch_all(pool)
                .await
        })
        .map_err(db_err)?;
        counts_from_rows(rows)
    }

    async fn report_rows(
        &self,
        job: MprJobId,
        after: i64,
        limit: u32,
    ) -> RepoResult<Vec<(i64, ReportRow)>> {
        crate::mpr_report::rows(self, job, after, limit).await
    }
}
