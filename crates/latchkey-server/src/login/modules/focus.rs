//! `focus_identification`: finds the user by attributes they type (an email address and an
//! employee number, say), each compared with its matching rule. Exactly one profile must match
//! every attribute; none or several fail the same way, without saying which.
//!
//! In a `/forgot` reset sequence the person was already found by this module once (see
//! `login::forgot::sequence`): the restarted sequence takes them as found.
//!
//! Settings: `attributes` — `name[:rule], …` with rules exact, case_insensitive, normalised
//! (default); `label:<name>` — the field's label (default: the attribute name).

use super::{Context, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::attributes_check::{MatchRule, matches, parse_requested};
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::fold_attribute;
use latchkey_core::repo::ProfileRepo;
use std::collections::BTreeSet;

fn field_name(attribute: &str) -> String {
    format!("attr_{attribute}")
}

/// Evaluates the module.
pub async fn focus_identification(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    if let Some(found) = state.preidentified.take() {
        // `/forgot` identified this person with this very module and started the reset
        // sequence over with their policies merged in: they are not asked twice.
        state.flow.bypass.clear();
        return Ok(match ctx.app.store.profile_by_id(found).await? {
            Some(p) => {
                state.user = Some(p.id);
                state.typed = p.login_id.to_string();
                SUCCESS
            }
            None => {
                state.user = None;
                fail(reason::UNKNOWN_USER)
            }
        });
    }
    let requested = match parse_requested(
        ChainDef::setting(module, "attributes").unwrap_or(""),
        MatchRule::Normalised,
    ) {
        Ok(r) => r,
        Err(e) => return Ok(error(e.to_string())),
    };
    let typed: Vec<(usize, String)> = requested
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            input
                .and_then(|inp| inp.field(&field_name(&r.attribute)))
                .map(|v| (i, v.chars().take(256).collect()))
        })
        .collect();
    if typed.len() != requested.len() {
        return Ok(Step::Ask(Prompt {
            title: "Who are you?".into(),
            intro: "Enter the details we know you by.".into(),
            fields: requested
                .iter()
                .map(|r| {
                    let label = module
                        .settings
                        .get(&format!("label:{}", r.attribute))
                        .cloned()
                        .unwrap_or_else(|| r.attribute.clone());
                    Field::text(&field_name(&r.attribute), &label, "off", "")
                })
                .collect(),
            submit: "Continue".into(),
            ..Prompt::default()
        }));
    }
    // Candidates for every attribute (by the folded value the store indexes), intersected,
    // then confirmed with each attribute's own rule.
    let mut candidates: Option<BTreeSet<ProfileId>> = None;
    for (i, value) in &typed {
        let Some(r) = requested.get(*i) else { continue };
        let found: BTreeSet<ProfileId> = ctx
            .app
            .store
            .profiles_with_attribute(&r.attribute, &fold_attribute(value))
            .await?
            .into_iter()
            .collect();
        candidates = Some(match candidates {
            None => found,
            Some(before) => before.intersection(&found).copied().collect(),
        });
    }
    let mut confirmed = Vec::new();
    for id in candidates.unwrap_or_default() {
        let Some(profile) = ctx.app.store.profile_by_id(id).await? else {
            continue;
        };
        let all = typed.iter().all(|(i, value)| {
            requested
                .get(*i)
                .is_some_and(|r| matches(r.rule, profile.attributes.get(&r.attribute), value))
        });
        if all {
            confirmed.push(profile);
        }
    }
    state.flow.bypass.clear();
    Ok(match confirmed.as_slice() {
        [one] => {
            state.user = Some(one.id);
            state.typed = one.login_id.to_string();
            SUCCESS
        }
        _ => {
            state.user = None;
            fail(reason::UNKNOWN_USER)
        }
    })
}
