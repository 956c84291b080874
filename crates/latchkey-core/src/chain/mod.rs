//! The authentication chain engine (spec/chains.md), pure.
//!
//! - [`model`]: chains and modules as data (ids, control types, module types, CfgIds);
//! - [`tally`]: the step table and the decision — the heart, small enough to read at once;
//! - [`run`]: one run of one chain: next module, pending/resume, retry bypass;
//! - [`flow`]: chains calling chains (identification, selectors, generic failure) as a stack
//!   of runs that the edge drives and the store persists;
//! - [`selector`]: the rule table that picks chains;
//! - [`builtin`]: the shipped chains; [`admin`]: the rules for changing chains;
//!   [`lint`]: configuration warnings and errors; [`lockout`]: the failure counter's rules.

pub mod admin;
pub mod at_least;
pub mod builtin;
pub mod explain;
pub mod flow;
pub mod lint;
pub mod lint_reset;
pub mod lockout;
pub mod model;
pub mod policy;
pub mod run;
pub mod selector;
pub mod tally;

#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod selector_tests;

pub use flow::{Action, Chains, FlowError, FlowState, ModuleResult};
pub use model::{CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType};
pub use tally::{Resolved, Verdict};

/// Module types this build can evaluate. A chain using another type denies (Error) and the
/// lint says so.
pub const AVAILABLE_MODULES: &[ModuleType] = &[
    ModuleType::UserIdent,
    ModuleType::FocusIdent,
    ModuleType::Identify,
    ModuleType::IdentCtrl,
    ModuleType::GlfControl,
    ModuleType::CgiJump,
    ModuleType::SelectChain,
    ModuleType::GenericFailure,
    ModuleType::Password,
    ModuleType::Response,
    ModuleType::ScoreQna,
    ModuleType::EmailSmsPin,
    ModuleType::MailNonce,
    ModuleType::Totp,
    ModuleType::Fingerprint,
    ModuleType::External,
    ModuleType::LocalAuth,
    ModuleType::Hint,
    ModuleType::AttributeVerification,
    ModuleType::Pii,
    ModuleType::AtLeast,
];

/// Splits a comma-separated chain list setting (`available`, `initial`).
pub fn chain_list(value: Option<&str>) -> Result<Vec<ChainId>, model::ChainIdError> {
    value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ChainId::new)
        .collect()
}
