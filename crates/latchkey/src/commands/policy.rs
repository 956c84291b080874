//! `latchkey policy list | show | import | rm`: security policies attached to user classes
//! (spec §6). A policy is checked whole before it is stored: it must parse, name an existing
//! user class, be internally consistent, and leave the merged configuration without lint
//! errors; otherwise nothing is stored (exit status 2).
//!
//! The policy attached to no user class is *the global policy*: there is one, it has no
//! sequences (the global sequences are the chains), and its `reset` settings enable the
//! password reset "the midPoint way" ([`reset`]). A reset sequence that shows a hint or
//! security questions before the mailed code is stored with a warning (account enumeration).

use crate::cli::PolicyCommand;
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::{errln, out, outln};
use anyhow::Context as _;
use latchkey_core::chain::lint::{Finding, Severity, lint};
use latchkey_core::chain::policy::{self, SecurityPolicy, reset};
use latchkey_core::chain::{ChainDef, ChainId, builtin};
use latchkey_core::ids::UserClassId;
use latchkey_core::repo::{AuthConfigRepo, UserClassRepo};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs a `policy` subcommand.
pub async fn run(command: PolicyCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open_auth(config_flag).await?;
    let store = &ctx.store;
    match command {
        PolicyCommand::List => {
            let policies = store.policies().await?;
            if policies.is_empty() {
                outln!("no policies are stored: every user runs the global chains")?;
            }
            for p in policies {
                let attached = p
                    .attached_to
                    .as_ref()
                    .map(|(class, role)| format!("{role} of {class}"))
                    .unwrap_or_else(|| "the global policy".into());
                let sequences: Vec<&str> = p.sequences.iter().map(|s| s.id.as_str()).collect();
                outln!(
                    "{:<20} {:<36} sequences: {}",
                    p.id,
                    attached,
                    sequences.join(", ")
                )?;
            }
            Ok(())
        }
        PolicyCommand::Show { id } => {
            let policy = store
                .policies()
                .await?
                .into_iter()
                .find(|p| p.id == id)
                .ok_or_else(|| BadInput::error(format!("there is no policy {id:?}")))?;
            out!(
                "{}",
                toml::to_string_pretty(&policy).context("cannot write the policy as TOML")?
            )?;
            Ok(())
        }
        PolicyCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| BadInput::error(format!("cannot read {}: {e}", file.display())))?;
            let policy: SecurityPolicy = toml::from_str(&text)
                .map_err(|e| BadInput::error(format!("{}: {e}", file.display())))?;
            let mut problems: Vec<String> =
                policy.validate().iter().map(ToString::to_string).collect();
            if policy.id.trim().is_empty() {
                problems.push("the policy needs an id".into());
            }
            if let Some((class, _)) = &policy.attached_to
                && store.user_class(class).await?.is_none()
            {
                problems.push(format!("user class {class} does not exist"));
            }
            let stored_chains = store.chains().await?;
            let stored_policies = store.policies().await?;
            let known = Known {
                chains: stored_chains.iter().map(|c| c.id.clone()).collect(),
                classes: store
                    .list_user_classes()
                    .await?
                    .into_iter()
                    .map(|c| c.id)
                    .collect(),
            };
            problems.extend(
                reset::check(&policy, &stored_policies, &known)
                    .iter()
                    .map(ToString::to_string),
            );
            let global = SecurityPolicy {
                id: "global".into(),
                sequences: stored_chains,
                ..SecurityPolicy::default()
            };
            let merged = policy::effective(&global, None, Some(&policy)).chains();
            let rules = store.selector_rules().await?;
            problems.extend(
                lint(&merged, &rules)
                    .into_iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| format!("merged over the global chains: {f}")),
            );
            if !problems.is_empty() {
                return Err(BadInput::error(format!(
                    "{} was not imported:\n{}",
                    file.display(),
                    problems.join("\n")
                )));
            }
            for warning in reset_warnings(&policy, &stored_policies, &merged) {
                errln!("{}: {warning}", file.display());
            }
            store.save_policy(&policy).await?;
            outln!("stored policy {}", policy.id)?;
            Ok(())
        }
        PolicyCommand::Rm { id } => {
            if !store.delete_policy(&id).await? {
                return Err(BadInput::error(format!("there is no policy {id:?}")));
            }
            outln!("deleted policy {id}")?;
            Ok(())
        }
    }
}

/// The stored configuration that reset settings may name.
struct Known {
    chains: BTreeSet<ChainId>,
    classes: BTreeSet<UserClassId>,
}

impl reset::Known for Known {
    fn chain(&self, id: &ChainId) -> bool {
        self.chains.contains(id) || builtin::IDS.contains(&id.as_str())
    }
    fn class(&self, id: &UserClassId) -> bool {
        self.classes.contains(id)
    }
}

/// Enumeration warnings for the reset sequence this policy leads to: its own (a global policy
/// naming a sequence) or, for a class policy, the global sequence merged with it.
fn reset_warnings(
    policy: &SecurityPolicy,
    stored: &[SecurityPolicy],
    merged: &[ChainDef],
) -> Vec<Finding> {
    let global = if policy.attached_to.is_none() {
        policy.credentials.reset.as_ref()
    } else {
        reset::global_reset(stored)
    };
    let Some(sequence) = global
        .and_then(|s| reset::parse(s).ok())
        .and_then(|s| s.sequence)
    else {
        return Vec::new();
    };
    merged
        .iter()
        .filter(|c| c.id == sequence)
        .flat_map(reset::sequence_warnings)
        .collect()
}
