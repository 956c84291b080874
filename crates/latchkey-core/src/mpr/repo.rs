//! What a mass password run needs from the store.
//!
//! The runner works in batches and writes each batch's outcome in **one transaction**
//! ([`MprRepo::write_batch`]): the journal entries' new states, the vault items that took their
//! passwords, the report rows, the owners whose sessions and reset links are revoked, and the
//! account locks given back. A crash therefore leaves every account either before or after a
//! batch's write, never between the vault and the journal.

use super::job::{JobStatus, MprJob};
use super::journal::{Entry, EntryState};
use super::report::ReportRow;
use crate::ids::{AccountId, MprJobId, ProfileId, VaultItemId};
use crate::repo::RepoResult;
use crate::secretbox::Sealed;
use crate::vault::VaultWrite;
use std::collections::BTreeMap;
use std::future::Future;
use time::OffsetDateTime;

/// What happens to an entry's sealed pending password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingWrite {
    /// Unchanged.
    Keep,
    /// A new one (generated).
    Set(Sealed),
    /// Removed (committed to the vault, or proven refused).
    Clear,
}

/// A journal entry's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryUpdate {
    /// The account.
    pub account: AccountId,
    /// Its new state.
    pub state: EntryState,
    /// Its pending password.
    pub pending: PendingWrite,
    /// Sends so far.
    pub sends: u32,
    /// Transient failures so far.
    pub attempts: u32,
    /// Refusals so far.
    pub refusals: u32,
    /// The target's last message.
    pub message: Option<String>,
    /// Its vault item, once known (onboarding creates it).
    pub vault_item: Option<VaultItemId>,
    /// Now.
    pub at: OffsetDateTime,
}

/// Everything one batch writes, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchWrite {
    /// Journal entries.
    pub entries: Vec<EntryUpdate>,
    /// Vault items created or given a new secret.
    pub vault: Vec<VaultWrite>,
    /// Report rows (written only when the run keeps a report).
    pub report: Vec<ReportRow>,
    /// Owners whose sessions end and whose outstanding tokens die.
    pub revoke_owners: Vec<ProfileId>,
    /// Accounts whose lock this run gives back (their entries reached a final state).
    pub release_locks: Vec<AccountId>,
    /// The runner that must still hold the run's lease for the write to apply (`Conflict`
    /// otherwise, and nothing is written): a runner that lost its lease to another process
    /// cannot write behind the new one's back. `None` for writes outside a runner (planning,
    /// an operator's resume).
    pub runner: Option<String>,
}

impl BatchWrite {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
            && self.vault.is_empty()
            && self.report.is_empty()
            && self.revoke_owners.is_empty()
            && self.release_locks.is_empty()
    }
}

/// How many entries of a run are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateCounts(pub BTreeMap<EntryState, u64>);

impl StateCounts {
    /// Entries in `state`.
    pub fn get(&self, state: EntryState) -> u64 {
        self.0.get(&state).copied().unwrap_or(0)
    }

    /// Every entry.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// Entries in a final state.
    pub fn finished(&self) -> u64 {
        self.0
            .iter()
            .filter(|(state, _)| state.is_final())
            .map(|(_, n)| n)
            .sum()
    }
}

/// The store of mass password runs.
pub trait MprRepo {
    /// Stores a confirmed run and its plan, in one transaction: the first entries in the
    /// journal, the rest as parts that [`move_plan_part`](Self::move_plan_part) moves there.
    /// An account listed twice is `Conflict`, and nothing is stored.
    fn create_job(
        &self,
        job: &MprJob,
        entries: &[Entry],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Moves the first part of the run's plan not in its journal yet there, in one transaction;
    /// whether there was one. A run is over only when none is left.
    fn move_plan_part(&self, job: MprJobId) -> impl Future<Output = RepoResult<bool>> + Send;
    /// A run by id.
    fn job(&self, id: MprJobId) -> impl Future<Output = RepoResult<Option<MprJob>>> + Send;
    /// Runs, newest first.
    fn jobs(&self, limit: u32) -> impl Future<Output = RepoResult<Vec<MprJob>>> + Send;
    /// Moves a run from one of `from` to `to` (compare-and-set); returns whether it moved.
    /// `finished_at` is set when `to` is final.
    fn set_job_status(
        &self,
        id: MprJobId,
        from: &[JobStatus],
        to: JobStatus,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Takes or renews the run's lease for `runner` until `until`. Granted when nobody holds it,
    /// `runner` holds it, the lease ended before `now`, or the holder is `steal_from` (a runner
    /// proven dead). Returns whether `runner` holds it now.
    fn take_lease(
        &self,
        id: MprJobId,
        runner: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
        steal_from: Option<&str>,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Gives the lease back (only if `runner` holds it).
    fn release_lease(
        &self,
        id: MprJobId,
        runner: &str,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Up to `limit` entries of the run in one of `states`, by account id, after `after`.
    fn entries(
        &self,
        job: MprJobId,
        states: &[EntryState],
        after: Option<AccountId>,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<Entry>>> + Send;
    /// Takes the per-account lock for the run on each account free or already its own; returns
    /// the accounts the run holds now (the others belong to another run).
    fn lock_accounts(
        &self,
        job: MprJobId,
        accounts: &[AccountId],
    ) -> impl Future<Output = RepoResult<Vec<AccountId>>> + Send;
    /// Writes one batch in one transaction.
    fn write_batch(
        &self,
        job: MprJobId,
        batch: &BatchWrite,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Entries per state, those of the plan's parts not in the journal yet included.
    fn state_counts(&self, job: MprJobId) -> impl Future<Output = RepoResult<StateCounts>> + Send;
    /// Report rows in the order written, after row id `after` (0 for the start), with their ids.
    fn report_rows(
        &self,
        job: MprJobId,
        after: i64,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<(i64, ReportRow)>>> + Send;
}
