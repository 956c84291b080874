//! Where each part of an effective policy came from (`latchkey chain explain`).
//!
//! The explanation is computed from the merge rules, not recorded during the merge. A module
//! with CfgId X in sequence S comes from the most specific policy whose sequence S has X. It
//! replaced the same module in every less specific policy that has it. A credential kind comes
//! from the most specific policy that has it; a list item from the most specific policy that
//! lists it. A test checks that this agrees with [`super::effective`] module for module.

use super::{CredentialKind, ORDER_UNSET, SecurityPolicy, effective};
use crate::chain::model::{CfgId, ChainId, Control, ModuleType};
use std::fmt;

/// Which of the merged policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The archetype policy (most specific).
    Archetype,
    /// The organization policy.
    Organization,
    /// The global policy.
    Global,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Archetype => "archetype",
            Level::Organization => "organization",
            Level::Global => "global",
        })
    }
}

/// A policy at its level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The level.
    pub level: Level,
    /// The policy's id.
    pub policy: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.level, self.policy)
    }
}

/// One module of an effective sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleOrigin {
    /// Its CfgId.
    pub cfg_id: CfgId,
    /// What it does.
    pub kind: ModuleType,
    /// How its outcome counts.
    pub control: Control,
    /// Its order in the policy ([`ORDER_UNSET`] when unset).
    pub order: u32,
    /// The policy it was taken from.
    pub from: Origin,
    /// Less specific policies whose module with the same CfgId it replaced.
    pub replaces: Vec<Origin>,
}

/// One effective sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOrigin {
    /// The chain id.
    pub id: ChainId,
    /// The policies that define it, most specific first.
    pub defined_by: Vec<Origin>,
    /// Its modules in run order.
    pub modules: Vec<ModuleOrigin>,
}

/// Which policy a credential kind was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialOrigin {
    /// The kind.
    pub kind: CredentialKind,
    /// The policy it was taken from (`None`: no policy sets it).
    pub from: Option<Origin>,
    /// Less specific policies whose settings of this kind were not used.
    pub shadowed: Vec<Origin>,
}

/// One list setting, with the policy each item came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOrigin {
    /// The setting's name.
    pub name: String,
    /// Each item and the most specific policy that lists it.
    pub items: Vec<(String, Origin)>,
}

/// The effective policy and where each part of it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeExplanation {
    /// The policies merged, most specific first.
    pub merged: Vec<Origin>,
    /// The result of [`effective`].
    pub policy: SecurityPolicy,
    /// Per sequence, which module came from which policy.
    pub sequences: Vec<SequenceOrigin>,
    /// Per credential kind, which policy it came from.
    pub credentials: Vec<CredentialOrigin>,
    /// Per list setting, which policy each item came from.
    pub lists: Vec<ListOrigin>,
}

/// Merges like [`effective`] and says where each sequence, module, credential kind and list
/// item came from.
pub fn explain_merge(
    global: &SecurityPolicy,
    organization: Option<&SecurityPolicy>,
    archetype: Option<&SecurityPolicy>,
) -> MergeExplanation {
    let levels: Vec<(Origin, &SecurityPolicy)> = [
        (Level::Archetype, archetype),
        (Level::Organization, organization),
        (Level::Global, Some(global)),
    ]
    .into_iter()
    .filter_map(|(level, p)| {
        p.map(|p| {
            let origin = Origin {
                level,
                policy: p.id.clone(),
            };
            (origin, p)
        })
    })
    .collect();
    let holders = |has: &dyn Fn(&SecurityPolicy) -> bool| -> Vec<Origin> {
        levels
            .iter()
            .filter(|(_, p)| has(p))
            .map(|(o, _)| o.clone())
            .collect()
    };
    let policy = effective(global, organization, archetype);

    let sequences = policy
        .sequences
        .iter()
        .map(|seq| {
            let modules = seq
                .modules
                .iter()
                .filter_map(|m| {
                    let found = holders(&|p| {
                        p.sequence(&seq.id)
                            .is_some_and(|s| s.module(m.cfg_id).is_some())
                    });
                    let (from, replaces) = found.split_first()?;
                    Some(ModuleOrigin {
                        cfg_id: m.cfg_id,
                        kind: m.kind,
                        control: m.control,
                        order: m.order,
                        from: from.clone(),
                        replaces: replaces.to_vec(),
                    })
                })
                .collect();
            SequenceOrigin {
                id: seq.id.clone(),
                defined_by: holders(&|p| p.sequence(&seq.id).is_some()),
                modules,
            }
        })
        .collect();

    let credentials = CredentialKind::ALL
        .into_iter()
        .map(|kind| {
            let found = holders(&|p| p.credentials.get(kind).is_some());
            let (from, shadowed) = match found.split_first() {
                Some((from, rest)) => (Some(from.clone()), rest.to_vec()),
                None => (None, Vec::new()),
            };
            CredentialOrigin {
                kind,
                from,
                shadowed,
            }
        })
        .collect();

    let lists = policy
        .credentials
        .lists
        .iter()
        .map(|(name, items)| ListOrigin {
            name: name.clone(),
            items: items
                .iter()
                .filter_map(|item| {
                    let found = holders(&|p| {
                        p.credentials
                            .lists
                            .get(name)
                            .is_some_and(|l| l.contains(item))
                    });
                    Some((item.clone(), found.first()?.clone()))
                })
                .collect(),
        })
        .collect();

    MergeExplanation {
        merged: levels.into_iter().map(|(o, _)| o).collect(),
        policy,
        sequences,
        credentials,
        lists,
    }
}

fn join(origins: &[Origin]) -> String {
    origins
        .iter()
        .map(Origin::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl MergeExplanation {
    /// The explanation as lines for a terminal.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("effective policy from {}", join(&self.merged))];
        for seq in &self.sequences {
            out.push(format!(
                "sequence {} (defined by {})",
                seq.id,
                join(&seq.defined_by)
            ));
            for m in &seq.modules {
                let order = if m.order == ORDER_UNSET {
                    "unset".to_owned()
                } else {
                    m.order.to_string()
                };
                let mut line = format!(
                    "  {order:>5}  {:<12} {:<10} {}  from {}",
                    m.kind, m.control, m.cfg_id, m.from
                );
                if !m.replaces.is_empty() {
                    line.push_str(&format!(", replacing {}", join(&m.replaces)));
                }
                out.push(line);
            }
        }
        for c in &self.credentials {
            let mut line = match &c.from {
                Some(from) => format!("credentials {}: from {from}", c.kind),
                None => format!("credentials {}: not set by any policy", c.kind),
            };
            if !c.shadowed.is_empty() {
                line.push_str(&format!(" (not used: {})", join(&c.shadowed)));
            }
            out.push(line);
        }
        for list in &self.lists {
            let items: Vec<String> = list
                .items
                .iter()
                .map(|(item, from)| format!("{item} ({from})"))
                .collect();
            out.push(format!("list {}: {}", list.name, items.join(", ")));
        }
        out
    }
}

impl fmt::Display for MergeExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.lines() {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
