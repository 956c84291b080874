//! Mass password onboarding and reset: the crash-safe job runner.
//!
//! An administrator confirms a request ([`start`]: the plan is stored as the run's journal),
//! then a runner works on it ([`run`]) — in `latchkey mpr`, or in the server — until every
//! account is final. The decisions are in `latchkey_core::mpr` (the per-account state machine,
//! password generation, the report); this crate does the IO around them: the store (one
//! transaction per batch step), the targets (bounded concurrency, an optional global rate), and
//! the vault (`latchkey-vault` prepares the sealed items the batch writes).
//!
//! Never losing a password rests on three things here: a batch's new passwords are committed
//! to the journal before any target sees them ([`batch`]), an uncertain target answer is
//! confirmed by binding before anything is decided ([`target_io`]), and one runner at a time
//! holds a run ([`lease`]), while per-account locks in the store keep two runs off one account.
//!
//! Modules: [`plan`] (who is in a run), [`run`] (passes, batches in flight, backoff), [`batch`]
//! (one batch, step by step), [`context`] (what batches share), [`target_io`], [`lease`],
//! [`control`] (pause, resume, cancel, progress, report), [`pickup`] (any node continues a run
//! whose runner died).

mod audit;
pub mod batch;
pub mod context;
pub mod control;
mod error;
pub mod lease;
pub mod pickup;
pub mod plan;
pub mod run;
pub mod target_io;

pub use error::MprError;
pub use run::{RunOptions, RunSummary, confirm, prepare, run, start};
