//! `latchkey scenario list | install | uninstall`: scenario components (seed 003).
//!
//! The plan is computed by `latchkey_core::scenario` from the stored configuration and applied
//! in one transaction; a refusal (unknown name, conflict, a component still needed) changes
//! nothing and exits with status 2.

use crate::cli::ScenarioCommand;
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::outln;
use latchkey_core::chain::lint::{Severity, lint};
use latchkey_core::repo::{AuthConfigRepo, SettingsRepo};
use latchkey_core::scenario::{self, Current, INSTALLED, NS_SCENARIO, catalogue};
use std::path::Path;

/// Runs a `scenario` subcommand.
pub async fn run(command: ScenarioCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open_auth(config_flag).await?;
    let current = Current {
        chains: ctx.store.chains().await?,
        rules: ctx.store.selector_rules().await?,
        installed: ctx
            .store
            .settings()
            .await?
            .values(NS_SCENARIO, INSTALLED)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    match command {
        ScenarioCommand::List => {
            for c in catalogue::all() {
                let mark = if current.installed.contains(c.name) {
                    "installed"
                } else {
                    "-"
                };
                outln!("{:<18} {:<10} {}", c.name, mark, c.description)?;
                if !c.depends.is_empty() {
                    outln!("{:<18} {:<10} needs: {}", "", "", c.depends.join(", "))?;
                }
                if !c.conflicts.is_empty() {
                    outln!(
                        "{:<18} {:<10} conflicts with: {}",
                        "",
                        "",
                        c.conflicts.join(", ")
                    )?;
                }
            }
            Ok(())
        }
        ScenarioCommand::Install { name } => {
            let change =
                scenario::install(&name, &current).map_err(|e| BadInput::error(e.to_string()))?;
            let errors: Vec<String> = lint(&change.chains, &change.rules)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.to_string())
                .collect();
            if !errors.is_empty() {
                return Err(BadInput::error(format!(
                    "installing {name} would leave the configuration broken, so nothing was changed:\n{}",
                    errors.join("\n")
                )));
            }
            ctx.store.apply_component_change(&change).await?;
            outln!("installed: {}", change.components.join(", "))?;
            for note in &change.notes {
                outln!("warning: {note}")?;
            }
            Ok(())
        }
        ScenarioCommand::Uninstall { name } => {
            let change =
                scenario::uninstall(&name, &current).map_err(|e| BadInput::error(e.to_string()))?;
            ctx.store.apply_component_change(&change).await?;
            outln!("uninstalled: {name}")?;
            Ok(())
        }
    }
}
