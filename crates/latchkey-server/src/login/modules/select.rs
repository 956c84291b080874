//! `select_chain`: the rule table picks the chains this login may use.

use super::{Context, Step, error, fail};
use crate::error::PageError;
use crate::login::facts;
use crate::login::state::LoginState;
use latchkey_core::chain::selector;
use latchkey_core::chain::{ChainId, ModuleDef, ModuleResult, Resolved, chain_list};
use std::collections::BTreeMap;

/// Runs the selector's rules and enters, offers or refuses.
pub async fn select(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
) -> Result<Step, PageError> {
    let (available, initial) = match (
        chain_list(module.settings.get("available").map(String::as_str)),
        chain_list(module.settings.get("initial").map(String::as_str)),
    ) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(e), _) | (_, Err(e)) => return Ok(error(e.to_string())),
    };
    let mut state_facts = BTreeMap::new();
    if state.user.is_some() {
        state_facts.insert("IDENTIFIED".to_owned(), "1".to_owned());
    }
    if state.recognised_browser {
        state_facts.insert("FINGERPRINT".to_owned(), "recognised".to_owned());
    }
    let facts = facts::gather(&ctx.app.store, &state.request, state.user, state_facts).await?;
    let selection = match selector::select(ctx.rules, module.cfg_id, &initial, &available, &facts) {
        Ok(s) => s,
        Err(e) => return Ok(error(e.to_string())),
    };
    let chains: Vec<ChainId> = selection
        .chains
        .into_iter()
        .filter(|c| ctx.chains.is_available(c))
        .collect();
    if let Some(asked) = state.param("PSF_EXT").and_then(|p| ChainId::new(p).ok())
        && available.contains(&asked)
    {
        return Ok(if chains.contains(&asked) {
            Step::Done(ModuleResult::Enter(asked))
        } else {
            fail("the requested sign-in method is not available")
        });
    }
    Ok(match chains.as_slice() {
        [] => Step::Done(ModuleResult::Outcome(Resolved::Fail(
            selection
                .error_msg
                .unwrap_or_else(|| "no sign-in method is available".into()),
        ))),
        [one] => Step::Done(ModuleResult::Enter(one.clone())),
        _ => Step::Done(ModuleResult::Offer(chains)),
    })
}
