//! Scenario components (seed 003): installable bundles of chains, selector rules and settings
//! rows, with declared dependencies and conflicts.
//!
//! [`install`] and [`uninstall`] are pure: they take the current configuration and return the
//! whole new configuration (chains, rules) plus the settings rows to add and remove, which the
//! store applies in one transaction. Installing pulls in dependencies first and refuses
//! conflicts; what a component adds is recognisable afterwards — its chains by id, its rules by
//! their `owner`, its settings by namespace and name, its offers (chain ids it added to a
//! selector's `available` list) from the catalogue — so uninstalling removes exactly that.
//! Installing modifies an enabled built-in selector (DEFAULT_LOGIN's `available` list); that is
//! the point of a component and happens in one transaction, unlike a hand edit.

pub mod catalogue;

use crate::chain::model::SUCCESS_CHAIN;
use crate::chain::selector::SelectorRule;
use crate::chain::{CfgId, ChainDef, ChainId, ModuleType, builtin, chain_list};
use crate::settings::SettingRow;
use std::collections::BTreeSet;

/// The settings namespace that records installed components (one row per component).
pub const NS_SCENARIO: &str = "SCENARIO";
/// The setting within it.
pub const INSTALLED: &str = "INSTALLED";

/// One component.
#[derive(Debug, Clone)]
pub struct Component {
    /// Name used on the command line.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Components installed first.
    pub depends: &'static [&'static str],
    /// Components that cannot be installed together with it.
    pub conflicts: &'static [&'static str],
    /// Only for demonstrations: `config check` warns when it is installed.
    pub demo_only: bool,
    /// Chains it adds.
    pub chains: Vec<ChainDef>,
    /// Selector rules it adds (owner = its name).
    pub rules: Vec<SelectorRule>,
    /// Settings rows it adds.
    pub settings: Vec<SettingRow>,
    /// Chains it makes available to existing selectors.
    pub offers: Vec<(CfgId, ChainId)>,
}

/// The configuration a plan starts from.
#[derive(Debug, Clone, Default)]
pub struct Current {
    /// Stored chains.
    pub chains: Vec<ChainDef>,
    /// Stored rules.
    pub rules: Vec<SelectorRule>,
    /// Installed components.
    pub installed: BTreeSet<String>,
}

/// What to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The complete new chain set.
    pub chains: Vec<ChainDef>,
    /// The complete new rule table.
    pub rules: Vec<SelectorRule>,
    /// Settings rows to add.
    pub add_settings: Vec<SettingRow>,
    /// Settings (namespace, setting) to remove entirely.
    pub remove_settings: Vec<(String, String)>,
    /// Single rows to remove (the component's own `SCENARIO INSTALLED` marker).
    pub remove_rows: Vec<SettingRow>,
    /// Components installed (in order) or removed by this change.
    pub components: Vec<String>,
    /// Notes for the operator (e.g. demo-only warnings).
    pub notes: Vec<String>,
}

/// A refused install or uninstall.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// No such component.
    #[error("there is no component {0:?} (see `latchkey scenario list`)")]
    Unknown(String),
    /// Two components conflict.
    #[error("{0} conflicts with {1}, which is installed or being installed: uninstall one first")]
    Conflict(String, String),
    /// A chain the component adds exists already.
    #[error("{component} adds chain {chain}, which already exists")]
    ChainExists {
        /// Component.
        component: String,
        /// Chain.
        chain: ChainId,
    },
    /// A rule position is taken.
    #[error("{component} adds selector rule {stage}/{rule}, but that position is taken")]
    RuleTaken {
        /// Component.
        component: String,
        /// Stage.
        stage: u32,
        /// Rule.
        rule: u32,
    },
    /// The selector a component offers a chain to does not exist.
    #[error("{component} needs the selector module {cfg_id}, which no chain has")]
    NoSelector {
        /// Component.
        component: String,
        /// Selector CfgId.
        cfg_id: CfgId,
    },
    /// Already installed.
    #[error("{0} is already installed")]
    AlreadyInstalled(String),
    /// Not installed.
    #[error("{0} is not installed")]
    NotInstalled(String),
    /// Other installed components need it.
    #[error("{0} is needed by {1}: uninstall those first")]
    Needed(String, String),
}

/// A component by name.
pub fn find(name: &str) -> Result<Component, ScenarioError> {
    catalogue::all()
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| ScenarioError::Unknown(name.to_owned()))
}

/// Dependencies first, each once, skipping installed ones.
fn resolve(
    name: &str,
    installed: &BTreeSet<String>,
    order: &mut Vec<Component>,
    seen: &mut BTreeSet<String>,
) -> Result<(), ScenarioError> {
    if installed.contains(name) || !seen.insert(name.to_owned()) {
        return Ok(());
    }
    let component = find(name)?;
    for dep in component.depends {
        resolve(dep, installed, order, seen)?;
    }
    order.push(component);
    Ok(())
}

fn stored_or_shipped(chains: &[ChainDef], id: &ChainId) -> Option<ChainDef> {
    chains
        .iter()
        .find(|c| &c.id == id)
        .cloned()
        .or_else(|| builtin::shipped(id))
}

/// Adds (or with `remove`, takes away) `chain` from the `available` list of the selector with
/// `cfg_id` in `chains` (the shipped built-in is stored if it was not).
fn edit_offer(chains: &mut Vec<ChainDef>, cfg_id: CfgId, chain: &ChainId, remove: bool) -> bool {
    let owner = chains
        .iter()
        .find(|c| c.module(cfg_id).is_some())
        .map(|c| c.id.clone())
        .or_else(|| {
            builtin::all()
                .into_iter()
                .find(|c| c.module(cfg_id).is_some())
                .map(|c| c.id)
        });
    let Some(owner) = owner else { return false };
    let Some(mut def) = stored_or_shipped(chains, &owner) else {
        return false;
    };
    let Some(module) = def
        .modules
        .iter_mut()
        .find(|m| m.cfg_id == cfg_id && m.kind == ModuleType::SelectChain)
    else {
        return false;
    };
    let mut list =
        chain_list(module.settings.get("available").map(String::as_str)).unwrap_or_default();
    if remove {
        list.retain(|c| c != chain);
    } else if !list.contains(chain) {
        list.push(chain.clone());
    }
    module.settings.insert(
        "available".into(),
        list.iter()
            .map(ChainId::as_str)
            .collect::<Vec<_>>()
            .join(","),
    );
    chains.retain(|c| c.id != owner);
    chains.push(def);
    true
}

/// Plans installing `name` and whatever it depends on.
pub fn install(name: &str, current: &Current) -> Result<Change, ScenarioError> {
    if current.installed.contains(name) {
        return Err(ScenarioError::AlreadyInstalled(name.to_owned()));
    }
    let mut order = Vec::new();
    resolve(name, &current.installed, &mut order, &mut BTreeSet::new())?;
    let incoming: BTreeSet<&str> = order.iter().map(|c| c.name).collect();
    for c in &order {
        for other in c.conflicts {
            if current.installed.contains(*other) || incoming.contains(other) {
                return Err(ScenarioError::Conflict(
                    c.name.to_owned(),
                    (*other).to_owned(),
                ));
            }
        }
    }
    for existing in current.installed.iter().filter_map(|i| find(i).ok()) {
        if let Some(c) = order.iter().find(|c| existing.conflicts.contains(&c.name)) {
            return Err(ScenarioError::Conflict(
                c.name.to_owned(),
                existing.name.to_owned(),
            ));
        }
    }
    let mut change = Change {
        chains: current.chains.clone(),
        rules: current.rules.clone(),
        ..Change::default()
    };
    for c in &order {
        for chain in &c.chains {
            if change.chains.iter().any(|x| x.id == chain.id)
                || builtin::shipped(&chain.id).is_some()
                || chain.id.as_str() == SUCCESS_CHAIN
            {
                return Err(ScenarioError::ChainExists {
                    component: c.name.into(),
                    chain: chain.id.clone(),
                });
            }
            change.chains.push(chain.clone());
        }
        for r in &c.rules {
            if change
                .rules
                .iter()
                .any(|x| (x.cfg_id, x.stage, x.rule) == (r.cfg_id, r.stage, r.rule))
            {
                return Err(ScenarioError::RuleTaken {
                    component: c.name.into(),
                    stage: r.stage,
                    rule: r.rule,
                });
            }
            change.rules.push(r.clone());
        }
        for (cfg_id, chain) in &c.offers {
            if !edit_offer(&mut change.chains, *cfg_id, chain, false) {
                return Err(ScenarioError::NoSelector {
                    component: c.name.into(),
                    cfg_id: *cfg_id,
                });
            }
        }
        change.add_settings.extend(c.settings.iter().cloned());
        change.add_settings.push(SettingRow {
            namespace: NS_SCENARIO.into(),
            setting: INSTALLED.into(),
            value: c.name.into(),
        });
        if c.demo_only {
            change.notes.push(format!(
                "{} is for demonstrations only: never install it on a server others can reach",
                c.name
            ));
        }
        change.components.push(c.name.to_owned());
    }
    change.chains.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(change)
}

/// Plans removing exactly what `name` added.
pub fn uninstall(name: &str, current: &Current) -> Result<Change, ScenarioError> {
    let component = find(name)?;
    if !current.installed.contains(name) {
        return Err(ScenarioError::NotInstalled(name.to_owned()));
    }
    let needed_by: Vec<&str> = current
        .installed
        .iter()
        .filter_map(|i| find(i).ok())
        .filter(|c| c.depends.contains(&name))
        .map(|c| c.name)
        .collect();
    if !needed_by.is_empty() {
        return Err(ScenarioError::Needed(name.to_owned(), needed_by.join(", ")));
    }
    let mut change = Change {
        chains: current.chains.clone(),
        rules: current.rules.clone(),
        ..Change::default()
    };
    let ids: BTreeSet<&ChainId> = component.chains.iter().map(|c| &c.id).collect();
    change.chains.retain(|c| !ids.contains(&c.id));
    change.rules.retain(|r| r.owner != component.name);
    for (cfg_id, chain) in &component.offers {
        edit_offer(&mut change.chains, *cfg_id, chain, true);
    }
    let mut removed: BTreeSet<(String, String)> = component
        .settings
        .iter()
        .map(|r| (r.namespace.clone(), r.setting.clone()))
        .collect();
    // Settings another installed component also declares stay.
    for other in current
        .installed
        .iter()
        .filter(|i| i.as_str() != name)
        .filter_map(|i| find(i).ok())
    {
        for r in &other.settings {
            removed.remove(&(r.namespace.clone(), r.setting.clone()));
        }
    }
    change.remove_settings = removed.into_iter().collect();
    change.remove_rows.push(SettingRow {
        namespace: NS_SCENARIO.into(),
        setting: INSTALLED.into(),
        value: name.into(),
    });
    change.components.push(name.to_owned());
    change.chains.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(change)
}

#[cfg(test)]
mod tests;
