//! `send_method = choice` at `/forgot`: the PIN module's choice page in this service's words,
//! and the same page for a decoy (an identification that matched nobody), whose options are
//! decoy masks stable for the typed user ID. A decoy moves on to the code page once it picked
//! an option, exactly when a known person's flow would.

use super::flow::ResetState;
use super::{TITLE, after_identification};
use crate::login::modules::pin_page;
use crate::login::prompt::{Field, Prompt};
use crate::state::AppState;
use latchkey_core::chain::{ChainDef, ModuleType};
use latchkey_core::send_method::SendMethod;

/// The choice page's sentence (`send_method = choice`), the same for everyone.
const CHOOSE: &str = "Choose where we send a one-time code. If the user ID you gave belongs \
                      to an account, the code goes there.";

/// Does the flow's chain, as it started, verify by a mailed link? (Read once, at the start:
/// a decided run no longer holds its definition.)
pub(super) fn chain_mails_link(state: &ResetState) -> bool {
    state
        .login
        .flow
        .frames
        .first()
        .and_then(|f| f.def.as_ref())
        .is_some_and(|def| def.modules.iter().any(|m| m.kind == ModuleType::MailNonce))
}

/// Does the flow's chain, as it started, let the person choose where the code goes?
pub(super) fn chain_offers_choice(state: &ResetState) -> bool {
    state
        .login
        .flow
        .frames
        .first()
        .and_then(|f| f.def.as_ref())
        .is_some_and(|def| {
            def.modules.iter().any(|m| {
                m.kind == ModuleType::EmailSmsPin
                    && ChainDef::setting(m, "send_method")
                        .is_some_and(|v| SendMethod::parse(v) == Ok(SendMethod::Choice))
            })
        })
}

/// The choice page with `fields` (the PIN module's radio options, or a decoy's).
pub(super) fn choice_prompt(fields: Vec<Field>) -> Prompt {
    Prompt {
        title: TITLE.into(),
        intro: CHOOSE.into(),
        fields,
        submit: "Send the code".into(),
        ..Prompt::default()
    }
}

/// A decoy's page: the choice page until it chose (when the chain asks), then
/// [`after_identification`].
pub(super) fn decoy_page(app: &AppState, state: &ResetState) -> Prompt {
    if state.pin_choice && !state.chosen {
        choice_prompt(pin_page::decoy_choice_fields(app, &state.login.typed))
    } else {
        after_identification(state)
    }
}
