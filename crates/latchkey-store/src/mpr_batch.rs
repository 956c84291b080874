//! One batch of a mass password run, written in one transaction ([`MprRepo::write_batch`]).
//!
//! In order: the vault writes (the same statements as [`VaultRepo::write_item`], through
//! [`write_vault`]), the journal entries (one `UPDATE` each; `PendingWrite::Keep` leaves the
//! sealed pending password as it is), the report rows (multi-row `INSERT`), the revocations of
//! the owners (the statements of `SessionRepo::delete_sessions_of` and
//! `TokenRepo::revoke_tokens_of`), and the account locks given back. Any failure — a vault item
//! whose version moved, an entry that is not in the run — rolls the whole batch back, so a crash
//! or a conflict never leaves the vault and the journal disagreeing.
//!
//! [`MprRepo::write_batch`]: latchkey_core::mpr::repo::MprRepo::write_batch
//! [`VaultRepo::write_item`]: latchkey_core::vault::VaultRepo::write_item

use crate::atomic::REVOKE_TOKENS_OF;
use crate::sessions::DELETE_SESSIONS_OF;
use crate::vault::{in_params, rows_per_statement, values_params, write_tx, write_vault};
use crate::{Store, db_err, ms};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::repo::{BatchWrite, PendingWrite};
use latchkey_core::repo::{RepoError, RepoResult};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

/// What the trait's batch carries, encoded for binding.
struct Encoded {
    job: String,
    /// The entry updates, in the batch's order.
    entries: Vec<EntryParams>,
    /// Sorted: two batches revoking the same owner lock its rows in the same order.
    owners: Vec<String>,
    release: Vec<String>,
    /// When the owners' tokens are spent (see [`revocation_time`]).
    now: i64,
}

struct EntryParams {
    account: String,
    state: &'static str,
    /// Set or Clear: `pending` replaces the stored value (NULL clears it); Keep: untouched.
    replace_pending: bool,
    pending: Option<String>,
    sends: i64,
    attempts: i64,
    refusals: i64,
    message: Option<String>,
    vault_item: Option<String>,
    at: i64,
}

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

fn encode(job: MprJobId, batch: &BatchWrite) -> Encoded {
    let entries = batch
        .entries
        .iter()
        .map(|e| {
            let (replace_pending, pending) = match &e.pending {
                PendingWrite::Keep => (false, None),
                PendingWrite::Set(sealed) => (true, Some(sealed.to_string())),
                PendingWrite::Clear => (true, None),
            };
            EntryParams {
                account: e.account.to_string(),
                state: e.state.as_str(),
                replace_pending,
                pending,
                sends: i64::from(e.sends),
                attempts: i64::from(e.attempts),
                refusals: i64::from(e.refusals),
                message: e.message.clone(),
                vault_item: e.vault_item.map(|v| v.to_string()),
                at: ms(e.at),
            }
        })
        .collect();
    let mut owners: Vec<String> = batch
        .revoke_owners
        .iter()
        .map(ToString::to_string)
        .collect();
    owners.sort_unstable();
    owners.dedup();
    let mut release: Vec<String> = batch
        .release_locks
        .iter()
        .map(ToString::to_string)
        .collect();
    release.sort_unstable();
    release.dedup();
    Encoded {
        job: job.to_string(),
        entries,
        owners,
        release,
        now: ms(revocation_time(batch)),
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
    let e = encode(job, batch);
    write_tx!(store, |tx| {
        if let Some(runner) = &batch.runner {
            let held =
                sqlx::query("UPDATE mpr_jobs SET runner = runner WHERE id = $1 AND runner = $2")
                    .bind(&e.job)
                    .bind(runner)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
            if held == 0 {
                return Err(RepoError::Conflict(format!(
                    "a runner other than {runner} holding run {job}"
                )));
            }
        }
        for write in &batch.vault {
            write_vault(&mut *tx, write).await?;
        }
        for entry in &e.entries {
            let changed = sqlx::query(
                "UPDATE mpr_entries SET state = $3, \
                 pending = CASE WHEN $4 THEN $5 ELSE pending END, \
                 sends = $6, attempts = $7, refusals = $8, message = $9, \
                 vault_item_id = COALESCE($10, vault_item_id), updated_at = $11 \
                 WHERE job_id = $1 AND account_id = $2",
            )
            .bind(&e.job)
            .bind(&entry.account)
            .bind(entry.state)
            .bind(entry.replace_pending)
            .bind(&entry.pending)
            .bind(entry.sends)
            .bind(entry.attempts)
            .bind(entry.refusals)
            .bind(&entry.message)
            .bind(&entry.vault_item)
            .bind(entry.at)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
            if changed == 0 {
                return Err(RepoError::NotFound(format!(
                    "the journal entry of account {} in run {job}",
                    entry.account
                )));
            }
        }
        for chunk in batch.report.chunks(rows_per_statement(store.dialect(), 8)) {
            let sql = format!(
                "INSERT INTO mpr_report (job_id, at, account, target, owner, phase, outcome, \
                 message) VALUES {}",
                values_params(1, chunk.len(), 8)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                q = q
                    .bind(&e.job)
                    .bind(ms(row.at))
                    .bind(&row.account)
                    .bind(&row.target)
                    .bind(&row.owner)
                    .bind(row.phase.as_str())
                    .bind(row.outcome.as_str())
                    .bind(&row.message);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
        for owner in &e.owners {
            // An empty string never equals a stored session hash: every session ends.
            sqlx::query(DELETE_SESSIONS_OF)
                .bind(owner)
                .bind("")
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query(REVOKE_TOKENS_OF)
                .bind(owner)
                .bind(e.now)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
        }
        for chunk in e.release.chunks(rows_per_statement(store.dialect(), 1)) {
            let sql = format!(
                "DELETE FROM mpr_account_locks WHERE job_id = $1 AND account_id IN ({})",
                in_params(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(&e.job);
            for account in chunk {
                q = q.bind(account);
            }
            q.execute(&mut *tx).await.map_err(db_err)?;
        }
    });
    Ok(())
}
