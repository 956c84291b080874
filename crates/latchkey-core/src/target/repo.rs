//! What the targets need from storage: their definitions, sealed service credentials,
//! discovery runs, and batch writes of accounts. Implemented by `latchkey-store`.

use super::definition::TargetDef;
use crate::account::Account;
use crate::ids::{AccountId, ProfileId, TargetId};
use crate::repo::RepoResult;
use std::future::Future;
use time::OffsetDateTime;

/// The purpose of the master key's box that seals service-account passwords.
pub const BOX_PURPOSE: &str = "targets";

/// The associated data a service password is sealed with: it opens only for this target.
pub fn secret_aad(id: &TargetId) -> Vec<u8> {
    format!("target:{id}").into_bytes()
}

/// A stored target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTarget {
    /// The definition.
    pub def: TargetDef,
    /// The service account's password, sealed with the master key's [`BOX_PURPOSE`] box and
    /// [`secret_aad`] (the text form of a `Sealed` value).
    pub sealed_secret: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// One discovery run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryRecord {
    /// Which target.
    pub target: TargetId,
    /// Started.
    pub started_at: OffsetDateTime,
    /// Finished.
    pub finished_at: OffsetDateTime,
    /// Whether it completed.
    pub ok: bool,
    /// The mark for the next incremental run (see `ListRequest::changed_since`).
    pub high_water: Option<String>,
    /// The report (JSON), or the error when it failed.
    pub report: String,
}

/// Storage for targets.
pub trait TargetRepo {
    /// Creates a target; a taken id is a conflict.
    fn create_target(&self, target: &StoredTarget) -> impl Future<Output = RepoResult<()>> + Send;
    /// Replaces a target's definition and secret.
    fn update_target(&self, target: &StoredTarget) -> impl Future<Output = RepoResult<()>> + Send;
    /// One target.
    fn target(
        &self,
        id: &TargetId,
    ) -> impl Future<Output = RepoResult<Option<StoredTarget>>> + Send;
    /// Every target, by id.
    fn list_targets(&self) -> impl Future<Output = RepoResult<Vec<StoredTarget>>> + Send;
    /// Deletes a target, its accounts and its runs; false when absent.
    fn delete_target(&self, id: &TargetId) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Inserts or updates (by target and account name) many accounts in one transaction,
    /// keeping the id and owner of those already stored; returns them as stored, in order.
    fn upsert_accounts(
        &self,
        accounts: &[Account],
    ) -> impl Future<Output = RepoResult<Vec<Account>>> + Send;
    /// Sets the owners of many accounts in one transaction.
    fn set_owners(
        &self,
        owners: &[(AccountId, Option<ProfileId>)],
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// Takes the discovery lease of a target until `until`, if nobody holds it at `now`.
    /// Exactly one of several nodes asking at once gets true.
    fn claim_discovery(
        &self,
        id: &TargetId,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;
    /// Records a finished run and releases the lease.
    fn record_discovery(
        &self,
        record: &DiscoveryRecord,
    ) -> impl Future<Output = RepoResult<()>> + Send;
    /// The newest run of a target (`ok_only`: the newest successful one).
    fn last_discovery(
        &self,
        id: &TargetId,
        ok_only: bool,
    ) -> impl Future<Output = RepoResult<Option<DiscoveryRecord>>> + Send;
}
