//! The rules for changing chains (seed 004): a chain must be disabled to be modified (only
//! the enabled switch may change while it runs); only disabled chains can be deleted; built-in
//! chains cannot be deleted; order numbers and CfgIds are unique; custom ids use letters,
//! digits and `_`.

use super::model::{ChainDef, ChainId};
use std::collections::BTreeSet;

/// A change that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// Modifying an enabled chain.
    #[error("chain {0} is enabled: disable it before changing it")]
    Enabled(ChainId),
    /// Deleting a built-in chain.
    #[error(
        "chain {0} is built in and cannot be deleted (disable it to fall back to its shipped behaviour)"
    )]
    BuiltIn(ChainId),
    /// The definition is not valid.
    #[error("chain {chain}: {message}")]
    Invalid {
        /// Which chain.
        chain: ChainId,
        /// What is wrong.
        message: String,
    },
}

/// Structural checks of one definition.
pub fn validate(def: &ChainDef) -> Vec<AdminError> {
    let invalid = |message: String| AdminError::Invalid {
        chain: def.id.clone(),
        message,
    };
    let mut errors = Vec::new();
    if !def.builtin && ChainId::new_custom(def.id.as_str()).is_err() {
        errors.push(invalid(
            "custom chain ids may contain only letters, digits and '_'".into(),
        ));
    }
    let mut orders = BTreeSet::new();
    let mut cfg_ids = BTreeSet::new();
    for m in &def.modules {
        if !orders.insert(m.order) {
            errors.push(invalid(format!("two modules have order {}", m.order)));
        }
        if !cfg_ids.insert(m.cfg_id) {
            errors.push(invalid(format!("two modules have CfgId {}", m.cfg_id)));
        }
    }
    errors
}

/// May `old` be replaced by `new`?
pub fn check_update(old: Option<&ChainDef>, new: &ChainDef) -> Result<(), Vec<AdminError>> {
    let mut errors = validate(new);
    if let Some(old) = old {
        let only_switch = ChainDef {
            enabled: old.enabled,
            ..new.clone()
        } == *old;
        if old.enabled && !only_switch {
            errors.push(AdminError::Enabled(old.id.clone()));
        }
        if old.builtin && !new.builtin {
            errors.push(AdminError::Invalid {
                chain: old.id.clone(),
                message: "a built-in chain stays built in".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// May `def` be deleted?
pub fn check_delete(def: &ChainDef) -> Result<(), AdminError> {
    if def.builtin {
        return Err(AdminError::BuiltIn(def.id.clone()));
    }
    if def.enabled {
        return Err(AdminError::Enabled(def.id.clone()));
    }
    Ok(())
}
