//! What the question modules need from storage: the catalogue, each person's enrolment (hashes
//! only) and each person's latest [`Sample`].
//!
//! Two writes are decided by the database, in one statement each, so they hold across nodes:
//! - [`QuestionRepo::offer_sample`] stores a new draw only if the stored sample is still the one
//!   the caller saw (or there is none yet). Of two logins that both found no young sample and
//!   both drew, exactly one draw is kept; the other login loads it and asks the same questions.
//!   Without this a person could open many logins at once and see a different draw in each.
//! - [`QuestionRepo::rehash_enrolment`] replaces the stored hashes only if the enrolment was not
//!   changed since it was read, so a re-hash after a login never undoes a re-enrolment.

use super::catalogue::{Catalogue, QuestionSet, SetId};
use super::enrol::Enrolment;
use super::sample::Sample;
use crate::ids::ProfileId;
use crate::repo::RepoResult;
use std::future::Future;
use time::OffsetDateTime;

/// A person's enrolment as stored, with the version compare-and-set updates name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEnrolment {
    /// The answers (hashes only).
    pub enrolment: Enrolment,
    /// Starts at 1; every write adds one.
    pub version: u64,
    /// When the person last enrolled (a re-hash does not change it).
    pub enrolled_at: OffsetDateTime,
}

/// A person's latest sample as stored, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSample {
    /// The questions drawn, and when.
    pub sample: Sample,
    /// Starts at 1; every replacement adds one.
    pub version: u64,
}

/// Question sets, enrolments and samples.
pub trait QuestionRepo {
    /// Every question set, in the order people see them, validated as a whole. A stored
    /// catalogue that does not validate is `Corrupt`.
    fn question_catalogue(&self) -> impl Future<Output = RepoResult<Catalogue>> + Send;

    /// Creates a set (placed last) or replaces the set with its id (keeping its place). Callers
    /// validate the catalogue the set would make ([`Catalogue::new`]) first.
    fn save_question_set(
        &self,
        set: &QuestionSet,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;

    /// Deletes a set; false when absent. Enrolled answers to it are kept but never asked.
    fn delete_question_set(&self, id: &SetId) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Stores `sets` (in order) only when no set exists yet: what a first start installs. True
    /// when it did; two nodes starting together install them once.
    fn install_question_sets(
        &self,
        sets: &[QuestionSet],
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// The person's enrolment, if they have one.
    fn enrolment(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<StoredEnrolment>>> + Send;

    /// Replaces the person's whole enrolment (a new enrolment).
    fn save_enrolment(
        &self,
        profile: ProfileId,
        enrolment: &Enrolment,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<()>> + Send;

    /// Stores re-hashed answers if the enrolment is still at `expected_version`; false when it
    /// changed (or is gone) meanwhile, and nothing was written.
    fn rehash_enrolment(
        &self,
        profile: ProfileId,
        expected_version: u64,
        enrolment: &Enrolment,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// The person's latest sample, if any.
    fn question_sample(
        &self,
        profile: ProfileId,
    ) -> impl Future<Output = RepoResult<Option<StoredSample>>> + Send;

    /// Stores `sample` as the person's latest, first writer wins: with `replaces: None` only when
    /// the person has no sample; with `Some(version)` only when the stored one is still at that
    /// version. False when another writer got there first (load the sample and use it).
    fn offer_sample(
        &self,
        profile: ProfileId,
        sample: &Sample,
        replaces: Option<u64>,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Forgets the person's enrolment and sample; false when there was neither.
    fn forget_questions(&self, profile: ProfileId)
    -> impl Future<Output = RepoResult<bool>> + Send;
}
