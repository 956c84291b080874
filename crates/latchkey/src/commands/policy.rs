//! `latchkey policy list | show | import | rm`: security policies attached to user classes
//! (spec §6). A policy is checked whole before it is stored: it must parse, name an existing
//! user class, be internally consistent, and leave the merged configuration without lint
//! errors; otherwise nothing is stored (exit status 2).

use crate::cli::PolicyCommand;
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::{out, outln};
use anyhow::Context as _;
use latchkey_core::chain::lint::{Severity, lint};
use latchkey_core::chain::policy::{self, SecurityPolicy};
use latchkey_core::repo::{AuthConfigRepo, UserClassRepo};
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
                    .unwrap_or_else(|| "not attached".into());
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
            let global = SecurityPolicy {
                id: "global".into(),
                sequences: store.chains().await?,
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
