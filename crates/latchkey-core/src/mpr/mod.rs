//! Mass password onboarding and reset, the decisions: which accounts a run covers, what each
//! account's durable state machine does next, the passwords it generates and the report it
//! writes. The IO (store, targets, vault) is driven by the job runner in `latchkey-server`.
//!
//! See `spec/mass-reset.md`: the new password is durable before a target is touched, an
//! uncertain outcome is verified by binding before anything is decided, and a pending password
//! is discarded only when the target has proven it does not hold it.

pub mod generate;
pub mod job;
pub mod journal;
pub mod repo;
pub mod report;
