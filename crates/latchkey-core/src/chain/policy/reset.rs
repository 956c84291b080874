//! Self-service reset settings ("credentialsReset", seed 002) of a security policy, pure.
//!
//! The `reset` credential settings of a policy are a string map with three keys:
//!
//! | key | value | meaning |
//! |---|---|---|
//! | `sequence` | a chain id | the chain `/forgot` runs instead of `PASSWORD_RESET` |
//! | `force_change` | `true`/`false` (default false) | the new password must be changed at the next sign-in |
//! | `authorization` | a user class id | only its members may reset; everyone else walks the unknown user's decoy path |
//!
//! Enabling is global, as in midPoint: the reset *sequence* comes from **the global policy**,
//! the one stored policy attached to no user class ([`global_policy`]). There is at most one,
//! and it carries no sequences (the global sequences are the stored chains). Per person,
//! `force_change` and `authorization` come from their effective policy's `reset` settings,
//! taken whole from the most specific policy that has them ([`super::merge`]), see
//! [`effective_reset`].
//!
//! [`parse`] checks the keys and values; [`check`] adds what needs the stored configuration
//! (the chain and the class exist). `latchkey policy import` refuses a policy on any error.

use super::super::lint::Finding;
use super::super::model::{ChainDef, ChainId};
use super::{SecurityPolicy, Settings, effective, policies_for};
use crate::ids::UserClassId;
use std::collections::BTreeSet;

/// The keys a `reset` settings map may have.
pub const KEYS: [&str; 3] = ["sequence", "force_change", "authorization"];

/// Reset settings, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetSettings {
    /// The chain `/forgot` runs; None: the built-in `PASSWORD_RESET` (and the forgotten-password
    /// profiles' chains).
    pub sequence: Option<ChainId>,
    /// After a reset the password is marked must-change.
    pub force_change: bool,
    /// Only members of this class may reset.
    pub authorization: Option<UserClassId>,
}

impl ResetSettings {
    /// May a person in `classes` reset?
    pub fn authorizes(&self, classes: &BTreeSet<UserClassId>) -> bool {
        self.authorization
            .as_ref()
            .is_none_or(|class| classes.contains(class))
    }
}

/// A reset setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetError {
    /// A key this build does not know.
    #[error("reset setting {0:?} is unknown: use sequence, force_change or authorization")]
    UnknownKey(String),
    /// `force_change` is not a boolean.
    #[error("reset setting force_change = {0:?}: use true or false")]
    BadBoolean(String),
    /// `sequence` is not a chain id.
    #[error("reset setting sequence = {0:?} is not a chain id")]
    BadSequence(String),
    /// `authorization` is not a user class id.
    #[error("reset setting authorization = {0:?} is not a user class id")]
    BadClass(String),
    /// `sequence` names no stored chain.
    #[error("reset setting sequence: chain {0} does not exist")]
    UnknownSequence(ChainId),
    /// `authorization` names no user class.
    #[error("reset setting authorization: user class {0} does not exist")]
    UnknownClass(UserClassId),
    /// Two policies attached to no class.
    #[error(
        "policy {new} is not attached to a user class, but {existing} already is the global \
         policy: there is one global policy; import {existing} with the changes instead, or \
         attach {new} to a user class"
    )]
    SecondGlobal {
        /// The policy being imported.
        new: String,
        /// The stored global policy.
        existing: String,
    },
    /// The global policy has sequences.
    #[error(
        "policy {0} is the global policy (attached to no user class) and must not have \
         sequences: the global sequences are the chains (`latchkey chain`)"
    )]
    GlobalSequences(String),
}

/// Parses a `reset` settings map (keys and values only). Every problem is reported.
pub fn parse(settings: &Settings) -> Result<ResetSettings, Vec<ResetError>> {
    let mut errors = Vec::new();
    let mut out = ResetSettings::default();
    for (key, value) in settings {
        let value = value.trim();
        match key.as_str() {
            "sequence" => match ChainId::new(value) {
                Ok(id) => out.sequence = Some(id),
                Err(_) => errors.push(ResetError::BadSequence(value.to_owned())),
            },
            "force_change" => match value.to_ascii_lowercase().as_str() {
                "true" => out.force_change = true,
                "false" => out.force_change = false,
                _ => errors.push(ResetError::BadBoolean(value.to_owned())),
            },
            "authorization" => match UserClassId::new(value) {
                Ok(id) => out.authorization = Some(id),
                Err(_) => errors.push(ResetError::BadClass(value.to_owned())),
            },
            other => errors.push(ResetError::UnknownKey(other.to_owned())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What [`check`] needs to know about the stored configuration.
pub trait Known {
    /// Is there a chain with this id (stored or built in)?
    fn chain(&self, id: &ChainId) -> bool;
    /// Is there a user class with this id?
    fn class(&self, id: &UserClassId) -> bool;
}

/// Every problem of `policy`'s reset settings and of its place among the `stored` policies
/// (a second global policy, a global policy with sequences). Empty: it may be stored.
pub fn check(
    policy: &SecurityPolicy,
    stored: &[SecurityPolicy],
    known: &dyn Known,
) -> Vec<ResetError> {
    let mut errors = Vec::new();
    if policy.attached_to.is_none() {
        if let Some(existing) = stored
            .iter()
            .find(|p| p.attached_to.is_none() && p.id != policy.id)
        {
            errors.push(ResetError::SecondGlobal {
                new: policy.id.clone(),
                existing: existing.id.clone(),
            });
        }
        if !policy.sequences.is_empty() {
            errors.push(ResetError::GlobalSequences(policy.id.clone()));
        }
    }
    if let Some(settings) = &policy.credentials.reset {
        match parse(settings) {
            Err(mut e) => errors.append(&mut e),
            Ok(parsed) => {
                if let Some(id) = parsed.sequence.filter(|id| !known.chain(id)) {
                    errors.push(ResetError::UnknownSequence(id));
                }
                if let Some(id) = parsed.authorization.filter(|id| !known.class(id)) {
                    errors.push(ResetError::UnknownClass(id));
                }
            }
        }
    }
    errors
}

/// The global policy: the one policy attached to no user class (the first, should the store
/// somehow hold two).
pub fn global_policy(all: &[SecurityPolicy]) -> Option<&SecurityPolicy> {
    all.iter().find(|p| p.attached_to.is_none())
}

/// The global reset settings (from [`global_policy`]); None when nothing enables them.
pub fn global_reset(all: &[SecurityPolicy]) -> Option<&Settings> {
    global_policy(all).and_then(|p| p.credentials.reset.as_ref())
}

/// The reset settings of a person in `classes`: their effective policy's, whole (the
/// archetype's, else the organization's, else the global policy's). Err when their classes
/// carry conflicting policies.
pub fn effective_reset(
    classes: &BTreeSet<UserClassId>,
    all: &[SecurityPolicy],
) -> Result<Option<Settings>, super::PolicyError> {
    let (organization, archetype) = policies_for(classes, all)?;
    let global = SecurityPolicy {
        credentials: global_policy(all)
            .map(|p| p.credentials.clone())
            .unwrap_or_default(),
        ..SecurityPolicy::default()
    };
    Ok(effective(&global, organization, archetype)
        .credentials
        .reset)
}

/// [`sequence_warnings`] for the global policy's reset sequence among the stored `chains`
/// (none when no sequence is configured): what `latchkey config check` adds to the lint.
pub fn global_sequence_warnings(chains: &[ChainDef], policies: &[SecurityPolicy]) -> Vec<Finding> {
    let Some(id) = global_reset(policies)
        .and_then(|s| parse(s).ok())
        .and_then(|s| s.sequence)
    else {
        return Vec::new();
    };
    chains
        .iter()
        .filter(|c| c.id == id)
        .flat_map(sequence_warnings)
        .collect()
}

/// Warnings for a reset sequence: security questions that alone can reset a password, and
/// pages shown before the mailed code that tell whoever types a user ID that the account
/// exists ([`crate::chain::lint_reset`]).
pub fn sequence_warnings(sequence: &ChainDef) -> Vec<Finding> {
    let mut out: Vec<Finding> = crate::chain::lint_reset::questions_alone(sequence)
        .into_iter()
        .collect();
    out.extend(crate::chain::lint_reset::shown_before_the_code(sequence));
    out
}
