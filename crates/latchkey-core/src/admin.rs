//! Product administrators and their privileges.
//!
//! Authorization is by type: code that performs a privileged action takes an [`Authorized`]
//! value, and the only way to get one is [`Administrator::authorize`]. A mass reset can then not
//! be reached by a code path that forgot to check.

use crate::ids::ProfileId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// What an administrator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// Edit chains, rules, policies, user classes and settings.
    ManagePolicies,
    /// Add, change and test target systems.
    ManageTargets,
    /// Verify callers and reset or unlock their accounts (help desk).
    HelpUsers,
    /// Run mass password onboarding and reset.
    MassPasswordReset,
    /// Read the audit log.
    ViewAudit,
    /// Manage the vault (templates, collections, key rotation) — never read others' items.
    ManageVault,
}

impl Privilege {
    /// Every privilege.
    pub const ALL: [Privilege; 6] = [
        Privilege::ManagePolicies,
        Privilege::ManageTargets,
        Privilege::HelpUsers,
        Privilege::MassPasswordReset,
        Privilege::ViewAudit,
        Privilege::ManageVault,
    ];

    /// The stored and typed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::ManagePolicies => "manage_policies",
            Privilege::ManageTargets => "manage_targets",
            Privilege::HelpUsers => "help_users",
            Privilege::MassPasswordReset => "mass_password_reset",
            Privilege::ViewAudit => "view_audit",
            Privilege::ManageVault => "manage_vault",
        }
    }
}

/// An unknown privilege name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown privilege {0:?}: use one of manage_policies, manage_targets, help_users, mass_password_reset, view_audit, manage_vault"
)]
pub struct UnknownPrivilege(pub String);

impl FromStr for Privilege {
    type Err = UnknownPrivilege;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase().replace('-', "_");
        Privilege::ALL
            .into_iter()
            .find(|p| p.as_str() == want)
            .ok_or_else(|| UnknownPrivilege(s.to_owned()))
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A profile that holds product-administration privileges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    /// The administrator's own profile (they log in like anyone else).
    pub profile_id: ProfileId,
    /// What they may do.
    pub privileges: BTreeSet<Privilege>,
}

/// Proof that an administrator holds `privilege`. Only [`Administrator::authorize`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorized {
    admin: ProfileId,
    privilege: Privilege,
}

impl Authorized {
    /// Who was authorized.
    pub fn admin(&self) -> ProfileId {
        self.admin
    }
    /// For what.
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }
}

/// The administrator lacks a privilege.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this needs the {0} privilege")]
pub struct Forbidden(pub Privilege);

impl Administrator {
    /// An administrator with every privilege (the demo's and a fresh install's first admin).
    pub fn with_all(profile_id: ProfileId) -> Self {
        Self {
            profile_id,
            privileges: Privilege::ALL.into_iter().collect(),
        }
    }

    /// Checks a privilege and returns the proof.
    pub fn authorize(&self, privilege: Privilege) -> Result<Authorized, Forbidden> {
        if self.privileges.contains(&privilege) {
            Ok(Authorized {
                admin: self.profile_id,
                privilege,
            })
        } else {
            Err(Forbidden(privilege))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_needs_the_privilege() {
        let id = ProfileId(uuid::Uuid::nil());
        let helpdesk = Administrator {
            profile_id: id,
            privileges: [Privilege::HelpUsers].into_iter().collect(),
        };
        assert!(helpdesk.authorize(Privilege::HelpUsers).is_ok());
        assert_eq!(
            helpdesk.authorize(Privilege::MassPasswordReset),
            Err(Forbidden(Privilege::MassPasswordReset))
        );
        let all = Administrator::with_all(id);
        for p in Privilege::ALL {
            assert_eq!(all.authorize(p).map(|a| a.privilege()), Ok(p));
            assert_eq!(p.as_str().parse::<Privilege>(), Ok(p));
        }
        assert!("root".parse::<Privilege>().is_err());
    }
}
