//! `at_least`: the menu of verification methods. The counting and the decisions are
//! [`latchkey_core::chain::at_least`] and the flow; this file only turns them into pages.
//!
//! The first evaluation offers every configured method (the same menu for everyone: whether a
//! person enrolled for a method is not looked at — a method they cannot use simply fails, the
//! way the modules' decoys do). Each pick runs as a sub-chain; when it ends, the flow counts it
//! and either decides or offers the methods left. Inside a method, a "Use another method"
//! button ([`ANOTHER`]) leaves it as not passed.

use super::{Input, Step, error, fail};
use crate::login::prompt::{Button, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::at_least::{AtLeast, Decision, TOO_FEW_LEFT, decide};
use latchkey_core::chain::{Chains, ModuleDef, ModuleResult};

/// The form name of "Use another method".
pub const ANOTHER: &str = "another_method";
/// Its label.
const ANOTHER_LABEL: &str = "Use another method";

/// Evaluates `at_least`: the menu of every method.
pub fn at_least(module: &ModuleDef) -> Step {
    match AtLeast::from_module(module).map(|c| decide(&c, &[])) {
        Err(e) => error(e),
        Ok(Decision::Offer(methods)) => Step::Done(ModuleResult::Offer(methods)),
        // A valid configuration never decides before a method ran.
        Ok(Decision::Succeed { .. }) => error("at_least decided before any method ran"),
        Ok(Decision::Fail) => fail(TOO_FEW_LEFT),
    }
}

/// "Use another method" was pressed inside a method: leave it (the posted input goes nowhere).
/// Pressed anywhere else, the button is ignored like any unknown field.
pub fn leave_if_asked(state: &mut LoginState, chains: &Chains, input: &mut Option<Input>) {
    let asked = input.as_ref().is_some_and(|i| i.field(ANOTHER).is_some());
    if !asked || !state.flow.can_leave_method() {
        return;
    }
    match state.flow.leave_method(chains) {
        Ok(()) => *input = None,
        Err(e) => tracing::warn!(error = %e, "could not leave a verification method"),
    }
}

/// Adds "Use another method" to a method's page (when the page has no second button yet).
pub fn offer_another(state: &LoginState, prompt: &mut Prompt) {
    if prompt.secondary.is_none() && state.flow.can_leave_method() {
        prompt.secondary = Some(Button {
            name: ANOTHER.into(),
            label: ANOTHER_LABEL.into(),
        });
    }
}
