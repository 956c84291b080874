//! Evaluating modules: the IO half of each module type the engine asks for.
//!
//! [`evaluate`] dispatches on the module type to one file per family. Each returns a [`Step`]:
//! the engine's result, or — when the module needs input — the prompt to show. Anything that
//! goes wrong while deciding (a setting that does not parse, a rule that cannot be evaluated, a
//! module type this build does not have) is an `Error` outcome, which never allows.

mod agent;
pub mod at_least;
mod delivery;
pub mod device;
mod external;
mod external_io;
mod flow_control;
mod focus;
mod lockout;
pub(crate) mod nonce;
mod password;
mod pin;
pub(crate) mod pin_page;
mod pin_settings;
mod questions;
mod scoreqna;
mod select;
mod simple;
mod totp;

use super::prompt::Prompt;
use super::state::LoginState;
use crate::error::PageError;
use crate::state::AppState;
use latchkey_core::chain::selector::SelectorRule;
use latchkey_core::chain::{Chains, ModuleDef, ModuleResult, ModuleType, Resolved};
use latchkey_core::settings::{NS_AUTH, Settings};
use std::collections::BTreeMap;

/// Reasons recorded for failures (audit log only; people see one generic message).
pub mod reason {
    /// No profile with that user ID.
    pub const UNKNOWN_USER: &str = "unknown user id";
    /// Wrong password (also what the generic failure reports).
    pub const WRONG_PASSWORD: &str = "wrong password";
    /// Out of attempts.
    pub const LOCKED_OUT: &str = "locked out";
}

/// Form fields posted for the current step.
#[derive(Debug, Default, Clone)]
pub struct Input {
    fields: BTreeMap<String, String>,
}

impl Input {
    /// From the posted fields.
    pub fn new(fields: BTreeMap<String, String>) -> Self {
        Self { fields }
    }

    /// A field's value, if posted.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// What evaluation needs besides the module.
#[derive(Debug)]
pub struct Context<'a> {
    /// Server state.
    pub app: &'a AppState,
    /// Settings table snapshot.
    pub settings: &'a Settings,
    /// Chains in effect.
    pub chains: &'a Chains,
    /// Selector rules.
    pub rules: &'a [SelectorRule],
}

/// What evaluating a module gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The module needs input: show this prompt (the module stays current).
    Ask(Prompt),
    /// A result for the engine (never `ModuleResult::Pending`; that is [`Step::Ask`]).
    Done(ModuleResult),
}

/// An Error outcome (denies).
pub fn error(reason: impl Into<String>) -> Step {
    Step::Done(ModuleResult::Outcome(Resolved::Error(reason.into())))
}

/// A Fail outcome.
pub fn fail(reason: &str) -> Step {
    Step::Done(ModuleResult::Outcome(Resolved::Fail(reason.to_owned())))
}

/// A Success outcome.
pub const SUCCESS: Step = Step::Done(ModuleResult::Outcome(Resolved::Success));
/// An Ignore outcome.
pub const IGNORE: Step = Step::Done(ModuleResult::Outcome(Resolved::Ignore));

/// Is generic login failure on (default yes)?
pub fn generic_failure_on(settings: &Settings) -> Result<bool, String> {
    settings
        .bool(NS_AUTH, "GENERIC_LOGIN_FAILURE")
        .map(|v| v.unwrap_or(true))
        .map_err(|e| e.to_string())
}

/// Evaluates `module` with the input posted for it (if any).
pub async fn evaluate(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    Ok(match module.kind {
        ModuleType::UserIdent => flow_control::identify_user(ctx, state, input).await?,
        ModuleType::FocusIdent => focus::focus_identification(ctx, state, module, input).await?,
        ModuleType::Identify => flow_control::identify(module),
        ModuleType::IdentCtrl => flow_control::ident_ctrl(ctx, state, module),
        ModuleType::GlfControl => flow_control::glf_control(ctx, state),
        ModuleType::CgiJump => flow_control::cgijump(state),
        ModuleType::SelectChain => select::select(ctx, state, module).await?,
        ModuleType::GenericFailure => password::generic_failure(ctx, state, input).await?,
        ModuleType::Password => password::password(ctx, state, module, input).await?,
        ModuleType::Agent => agent::agent(ctx, state, module, input).await?,
        ModuleType::Response => questions::response(ctx, state, module, input).await?,
        ModuleType::ScoreQna => scoreqna::scoreqna(ctx, state, module, input).await?,
        ModuleType::Totp => totp::totp(ctx, state, module, input).await?,
        ModuleType::Fingerprint => device::fingerprint(state, module),
        ModuleType::External => external::external(ctx, state, module, input).await?,
        ModuleType::LocalAuth => simple::localauth(state),
        ModuleType::Hint => simple::hint(ctx, state, module, input).await?,
        ModuleType::AttributeVerification => {
            simple::attribute_verification(ctx, state, module, input).await?
        }
        ModuleType::Pii => simple::pii(ctx, state, module, input).await?,
        ModuleType::EmailSmsPin => pin::emailsmspin(ctx, state, module, input).await?,
        ModuleType::MailNonce => nonce::mail_nonce(ctx, state, module, input).await?,
        ModuleType::AtLeast => at_least::at_least(module),
    })
}
