//! What can stop a run or a control command, in words an operator acts on.

use latchkey_core::ids::{MprJobId, TargetId};
use latchkey_core::mpr::job::{JobStatus, RequestError};
use latchkey_core::repo::RepoError;
use latchkey_core::target::TargetError;

/// A run could not be planned, started or controlled.
#[derive(Debug, thiserror::Error)]
pub enum MprError {
    /// The settings do not make a valid request.
    #[error("{0}")]
    Request(#[from] RequestError),
    /// A target of the request does not exist.
    #[error("target system {0} is not defined; list them with `latchkey targets list`")]
    UnknownTarget(TargetId),
    /// A target cannot be used (its definition or service password).
    #[error("target system {target}: {error}")]
    Target {
        /// Which.
        target: TargetId,
        /// What.
        error: TargetError,
    },
    /// The store failed.
    #[error("{0}")]
    Repo(#[from] RepoError),
    /// The onboarding template named in the settings does not exist.
    #[error(
        "MASS_PASSWORD_ONBOARD VAULT_TARGET_TEMPLATE_ID: there is no vault template {0:?}; create it first or unset the setting"
    )]
    NoTemplate(String),
    /// The vault and the journal need the master key.
    #[error(
        "no master key is configured (keys.master_key_file): the vault and the run's journal are sealed with it"
    )]
    NoMasterKey,
    /// No such run.
    #[error("no mass password run {0}; list them with `latchkey mpr status`")]
    NoSuchJob(MprJobId),
    /// Another process works on the run.
    #[error(
        "run {job} is being worked on by {runner}; wait for it, or stop that process (its lease then runs out)"
    )]
    Busy {
        /// The run.
        job: MprJobId,
        /// Who holds it.
        runner: String,
    },
    /// The run is not in a status that allows this.
    #[error("run {job} is {}: {what}", status.as_str())]
    Status {
        /// The run.
        job: MprJobId,
        /// Its status.
        status: JobStatus,
        /// What cannot be done.
        what: &'static str,
    },
    /// Sealing or opening a password failed (wrong master key, damaged data).
    #[error("{0}")]
    Crypto(String),
    /// The runner lost its lease to another process and stopped.
    #[error("run {0}: another process took over this run; this one stopped")]
    LeaseLost(MprJobId),
}
