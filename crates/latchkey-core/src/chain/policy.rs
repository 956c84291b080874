//! Security policies merged from user classes (spec §6, seed 002), as pure functions.
//!
//! A [`SecurityPolicy`] holds sequences (chains, as [`ChainDef`]) and [`CredentialSettings`].
//! The global policy applies to everyone. A policy attached to a user class acts as that
//! class's *organization* or *archetype* policy for its members. The edge loads the policies,
//! asks [`policies_for`] which ones apply to a user (from the membership cache), then computes
//! [`effective`] = `merge(archetype, merge(organization, global))` and hands
//! [`SecurityPolicy::chains`] to the flow engine. [`explain::explain_merge`] says where each
//! part came from (`latchkey chain explain`).
//!
//! # Merge rules ([`merge`]`(specific, generic)`, the specific side winning)
//! - **Sequences** match by chain id. A matched pair keeps the specific sequence's header
//!   (enabled, abort on failure, cache, purpose). A blank description falls back to the
//!   generic one. A built-in chain stays built in. The specific policy's sequences come first,
//!   in its order (merged where matched), then the unmatched generic ones, in theirs.
//! - **Modules** match by [`CfgId`]. A specific module replaces the generic module with the
//!   same CfgId *entirely*: no field is inherited. Other generic modules are added. We match on
//!   the CfgId and not on a second, policy-only name because the CfgId already is the module's
//!   stable identifier (spec §3): it survives export and import, and every module has one.
//!   Selector rules are scoped by it too. An archetype that overrides a `select_chain` module
//!   keeps its CfgId and so keeps its rules; an override under another name would silently
//!   lose them. midPoint matches on an optional `identifier`, so its modules without one are
//!   always appended and can be duplicated (research M4). With CfgIds that cannot happen:
//!   two modules with different CfgIds are simply two modules. To override a module, copy it
//!   with its CfgId into the more specific policy.
//! - **Run order** is by `order`, stable. [`ORDER_UNSET`] (`u32::MAX`) means "no order" and
//!   sorts after every set order. On equal order the specific module comes first, because the
//!   merged list puts specific modules before the generic ones it adds. [`SecurityPolicy::chains`]
//!   renumbers the merged modules 10, 20, … so the chains it returns have unique orders.
//! - **Credential settings** (password, nonce, security questions, reset) come whole per kind
//!   from the most specific policy that has them. Settings are never merged field by field,
//!   and a present but empty object still counts.
//! - **List settings** are unions without duplicates (specific items first). midPoint repeats
//!   the specific items (its `ignoredLocalPath` bug, research M9) and does not union some
//!   lists (M8). Ours are always sets.
//! - The merged policy keeps the specific policy's id and attachment, or the generic one's
//!   when the specific side has none. So an empty policy is a neutral element on both sides.
//!
//! # One organization, one archetype
//! midPoint takes the first organization policy it finds in a breadth-first walk of the org
//! tree. That is a guess that depends on the order of the walk. [`policies_for`] refuses
//! instead: a user in two classes that carry organization policies (or two archetype
//! policies) gets [`PolicyError::Ambiguous`], which names the classes and policies. The caller
//! denies the login; the fix is to make those classes exclusive.

pub mod explain;
pub mod reset;
#[cfg(test)]
mod tests;

pub use explain::{MergeExplanation, explain_merge};

use super::model::{CfgId, ChainDef, ChainId, ModuleDef};
use crate::ids::UserClassId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The `order` of a module whose policy gives it none: it runs after every ordered module.
pub const ORDER_UNSET: u32 = u32::MAX;

/// The role a user class plays for the policy attached to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyRole {
    /// Where the user works; more specific than the global policy.
    Organization,
    /// What kind of user this is; the most specific.
    Archetype,
}

impl fmt::Display for PolicyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyRole::Organization => "organization",
            PolicyRole::Archetype => "archetype",
        })
    }
}

/// The settings of one credential kind, taken whole.
pub type Settings = BTreeMap<String, String>;

/// A credential kind whose settings are taken whole from one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredentialKind {
    /// Password rules.
    Password,
    /// One-time codes and links (PIN, mailed nonce).
    Nonce,
    /// Security questions.
    SecurityQuestions,
    /// Self-service reset.
    Reset,
}

impl CredentialKind {
    /// Every kind.
    pub const ALL: [CredentialKind; 4] = [
        CredentialKind::Password,
        CredentialKind::Nonce,
        CredentialKind::SecurityQuestions,
        CredentialKind::Reset,
    ];

    /// Name in files and explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::Nonce => "nonce",
            CredentialKind::SecurityQuestions => "security_questions",
            CredentialKind::Reset => "reset",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Credential settings of a policy. `None` means "this policy says nothing about the kind".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialSettings {
    /// Password rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Settings>,
    /// One-time codes and links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Settings>,
    /// Security questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_questions: Option<Settings>,
    /// Self-service reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Settings>,
    /// Named list settings (e.g. `ignored_paths`), merged as unions without duplicates.
    /// Items are compared exactly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<String>>,
}

impl CredentialSettings {
    /// The settings of one kind, if this policy has them.
    pub fn get(&self, kind: CredentialKind) -> Option<&Settings> {
        match kind {
            CredentialKind::Password => self.password.as_ref(),
            CredentialKind::Nonce => self.nonce.as_ref(),
            CredentialKind::SecurityQuestions => self.security_questions.as_ref(),
            CredentialKind::Reset => self.reset.as_ref(),
        }
    }
}

/// A security policy: sequences and credential settings, global or attached to a user class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPolicy {
    /// Name shown to administrators.
    pub id: String,
    /// The class whose members it applies to, and the role it plays; `None` for the global
    /// policy.
    #[serde(default)]
    pub attached_to: Option<(UserClassId, PolicyRole)>,
    /// Sequences: chains whose modules merge by CfgId (see the module docs).
    #[serde(default)]
    pub sequences: Vec<ChainDef>,
    /// Credential settings.
    #[serde(default)]
    pub credentials: CredentialSettings,
}

impl SecurityPolicy {
    /// The sequence with this id.
    pub fn sequence(&self, id: &ChainId) -> Option<&ChainDef> {
        self.sequences.iter().find(|s| s.id == *id)
    }

    /// The same policy in the shape [`merge`] produces: modules in run order (stable, unset
    /// last), list settings without duplicates. Merging with an empty policy gives this.
    pub fn normalised(&self) -> SecurityPolicy {
        let mut out = self.clone();
        for s in &mut out.sequences {
            sort_run_order(&mut s.modules);
        }
        for items in out.credentials.lists.values_mut() {
            *items = union(items, &[]);
        }
        out
    }

    /// The sequences as chains for the flow engine: modules in run order, renumbered 10, 20,
    /// … so order numbers are unique (equal and unset orders become consecutive positions).
    pub fn chains(&self) -> Vec<ChainDef> {
        self.normalised()
            .sequences
            .into_iter()
            .map(|mut chain| {
                for (position, module) in (1u32..).zip(chain.modules.iter_mut()) {
                    module.order = position.saturating_mul(10);
                }
                chain
            })
            .collect()
    }

    /// Structural problems of this policy alone: a sequence id used twice, a CfgId used twice
    /// in one sequence. (Merging assumes neither.)
    pub fn validate(&self) -> Vec<PolicyError> {
        let mut errors = Vec::new();
        let mut seen = BTreeSet::new();
        for s in &self.sequences {
            if !seen.insert(&s.id) {
                errors.push(PolicyError::DuplicateSequence {
                    policy: self.id.clone(),
                    sequence: s.id.clone(),
                });
            }
            let mut cfg_ids = BTreeSet::new();
            for m in &s.modules {
                if !cfg_ids.insert(m.cfg_id) {
                    errors.push(PolicyError::DuplicateModule {
                        policy: self.id.clone(),
                        sequence: s.id.clone(),
                        cfg_id: m.cfg_id,
                    });
                }
            }
        }
        errors
    }
}

/// Which policies apply cannot be decided, or a policy is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The user belongs to several classes that carry a policy of the same role. We do not
    /// pick one; the login is denied until the classes are made exclusive.
    #[error(
        "the user's {role} policy is ambiguous: {}; attach {role} policies to classes that do not overlap",
        describe_candidates(.candidates)
    )]
    Ambiguous {
        /// The role with several candidates.
        role: PolicyRole,
        /// Each candidate: the class and the policy it carries.
        candidates: Vec<(UserClassId, String)>,
    },
    /// Two sequences of one policy have the same id.
    #[error("policy {policy}: sequence {sequence} is defined twice")]
    DuplicateSequence {
        /// Which policy.
        policy: String,
        /// Which sequence.
        sequence: ChainId,
    },
    /// Two modules of one sequence have the same CfgId.
    #[error("policy {policy}, sequence {sequence}: CfgId {cfg_id} is used by two modules")]
    DuplicateModule {
        /// Which policy.
        policy: String,
        /// Which sequence.
        sequence: ChainId,
        /// The CfgId.
        cfg_id: CfgId,
    },
}

fn describe_candidates(candidates: &[(UserClassId, String)]) -> String {
    candidates
        .iter()
        .map(|(class, policy)| format!("class {class} carries policy {policy}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The organization and archetype policies of a user in `classes`, from every policy there
/// is. Unattached policies (the global one) are ignored here. Several candidates for one role
/// is an error, never a guess.
pub fn policies_for<'a>(
    classes: &BTreeSet<UserClassId>,
    all: &'a [SecurityPolicy],
) -> Result<(Option<&'a SecurityPolicy>, Option<&'a SecurityPolicy>), PolicyError> {
    let pick = |role: PolicyRole| -> Result<Option<&'a SecurityPolicy>, PolicyError> {
        let found: Vec<(&UserClassId, &'a SecurityPolicy)> = all
            .iter()
            .filter_map(|p| match &p.attached_to {
                Some((class, r)) if *r == role && classes.contains(class) => Some((class, p)),
                _ => None,
            })
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [(_, one)] => Ok(Some(*one)),
            many => Err(PolicyError::Ambiguous {
                role,
                candidates: many
                    .iter()
                    .map(|(class, p)| ((*class).clone(), p.id.clone()))
                    .collect(),
            }),
        }
    };
    Ok((
        pick(PolicyRole::Organization)?,
        pick(PolicyRole::Archetype)?,
    ))
}

/// A user's effective policy: `merge(archetype, merge(organization, global))`.
pub fn effective(
    global: &SecurityPolicy,
    organization: Option<&SecurityPolicy>,
    archetype: Option<&SecurityPolicy>,
) -> SecurityPolicy {
    let base = match organization {
        Some(org) => merge(org, global),
        None => global.normalised(),
    };
    match archetype {
        Some(arch) => merge(arch, &base),
        None => base,
    }
}

/// Merges two policies, `specific` winning (rules in the module docs).
pub fn merge(specific: &SecurityPolicy, generic: &SecurityPolicy) -> SecurityPolicy {
    let mut sequences: Vec<ChainDef> = specific
        .sequences
        .iter()
        .map(|s| match generic.sequence(&s.id) {
            Some(g) => merge_sequence(s, g),
            None => s.clone(),
        })
        .collect();
    sequences.extend(
        generic
            .sequences
            .iter()
            .filter(|g| specific.sequence(&g.id).is_none())
            .cloned(),
    );
    for s in &mut sequences {
        sort_run_order(&mut s.modules);
    }
    SecurityPolicy {
        id: if specific.id.trim().is_empty() {
            generic.id.clone()
        } else {
            specific.id.clone()
        },
        attached_to: specific
            .attached_to
            .clone()
            .or_else(|| generic.attached_to.clone()),
        sequences,
        credentials: merge_credentials(&specific.credentials, &generic.credentials),
    }
}

fn merge_sequence(specific: &ChainDef, generic: &ChainDef) -> ChainDef {
    let mut modules: Vec<ModuleDef> = specific.modules.clone();
    modules.extend(
        generic
            .modules
            .iter()
            .filter(|g| !specific.modules.iter().any(|s| s.cfg_id == g.cfg_id))
            .cloned(),
    );
    ChainDef {
        description: if specific.description.trim().is_empty() {
            generic.description.clone()
        } else {
            specific.description.clone()
        },
        builtin: specific.builtin || generic.builtin,
        modules,
        ..specific.clone()
    }
}

/// Stable sort by order; [`ORDER_UNSET`] is the largest value, so unset orders come last.
fn sort_run_order(modules: &mut [ModuleDef]) {
    modules.sort_by_key(|m| m.order);
}

fn merge_credentials(
    specific: &CredentialSettings,
    generic: &CredentialSettings,
) -> CredentialSettings {
    let whole = |s: &Option<Settings>, g: &Option<Settings>| s.clone().or_else(|| g.clone());
    let names: BTreeSet<&String> = specific.lists.keys().chain(generic.lists.keys()).collect();
    let lists = names
        .into_iter()
        .map(|name| {
            let s = specific.lists.get(name).map(Vec::as_slice).unwrap_or(&[]);
            let g = generic.lists.get(name).map(Vec::as_slice).unwrap_or(&[]);
            (name.clone(), union(s, g))
        })
        .collect();
    CredentialSettings {
        password: whole(&specific.password, &generic.password),
        nonce: whole(&specific.nonce, &generic.nonce),
        security_questions: whole(&specific.security_questions, &generic.security_questions),
        reset: whole(&specific.reset, &generic.reset),
        lists,
    }
}

/// `first` then `second`, each item once, in first-seen order.
fn union(first: &[String], second: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(first.len() + second.len());
    for item in first.iter().chain(second) {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}
