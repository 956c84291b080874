//! The registry of known settings: every namespace / setting the product reads, with its
//! value kind, default and one line of help. `latchkey settings` validates against it and
//! suggests the nearest name for a typo.

use super::{KnownSetting, ValueKind};

const fn known(
    namespace: &'static str,
    setting: &'static str,
    repeatable: bool,
    kind: ValueKind,
    default: Option<&'static str>,
    help: &'static str,
) -> KnownSetting {
    KnownSetting {
        namespace,
        setting,
        repeatable,
        kind,
        default,
        help,
    }
}

/// Namespace of authentication settings.
pub const NS_AUTH: &str = "AUTH";
/// Namespace of mass onboarding settings.
pub const NS_ONBOARD: &str = "MASS_PASSWORD_ONBOARD";
/// Namespace of mass reset settings.
pub const NS_RESET: &str = "MASS_PASSWORD_RESET";
/// Namespace of the password policy (see [`crate::password_policy::config`]).
pub const NS_PASSWORD_POLICY: &str = "PASSWORD_POLICY";

const BATCH: ValueKind = ValueKind::UInt {
    min: 1,
    max: 100_000,
};

/// Per-kind minimums of the password policy.
const COMPOSITION: ValueKind = ValueKind::UInt { min: 0, max: 1024 };

/// The registry of known settings.
pub const KNOWN: &[KnownSetting] = &[
    known(
        NS_AUTH,
        "MAX_USERAUTH_FAILURE",
        false,
        ValueKind::UInt { min: 1, max: 1000 },
        Some("5"),
        "failed authentications before a user gets one last attempt and is then locked out",
    ),
    known(
        NS_ONBOARD,
        "VAULT_USER_TARGET",
        false,
        ValueKind::Name,
        None,
        "where vault users come from",
    ),
    known(
        NS_ONBOARD,
        "VAULT_TARGET_ASSOCIATION_ATTRIBUTE",
        false,
        ValueKind::Name,
        Some("assocID"),
        "vault item field that links an item to its owner",
    ),
    known(
        NS_ONBOARD,
        "VAULT_TARGET_GROUP_ATTRIBUTE",
        false,
        ValueKind::Name,
        Some("collectionIds"),
        "vault item field naming its collection",
    ),
    known(
        NS_ONBOARD,
        "VAULT_TARGET_TEMPLATE_ID",
        false,
        ValueKind::Name,
        None,
        "template vault item cloned for new items",
    ),
    known(
        NS_ONBOARD,
        "VAULT_TARGET_USERNAME_ATTRIBUTE",
        false,
        ValueKind::Name,
        Some("username"),
        "vault item field holding the account name",
    ),
    known(
        NS_ONBOARD,
        "BATCH_SIZE",
        false,
        BATCH,
        Some("500"),
        "accounts per onboarding batch",
    ),
    known(
        NS_ONBOARD,
        "REPORT",
        false,
        ValueKind::Bool,
        Some("true"),
        "write an onboarding report",
    ),
    known(
        NS_RESET,
        "TARGETS",
        true,
        ValueKind::Name,
        None,
        "a target system whose accounts a mass reset covers (one row per target)",
    ),
    known(
        NS_RESET,
        "VAULT_TARGET",
        false,
        ValueKind::Name,
        None,
        "the vault that receives new passwords",
    ),
    known(
        NS_RESET,
        "VAULT_LINK_ATTRIBUTE",
        false,
        ValueKind::Name,
        Some("AccountLink"),
        "vault item field naming the account",
    ),
    known(
        NS_RESET,
        "BATCH_SIZE",
        false,
        BATCH,
        Some("500"),
        "accounts per reset batch",
    ),
    known(
        NS_RESET,
        "REPORT",
        false,
        ValueKind::Bool,
        Some("true"),
        "write a mass reset report",
    ),
    known(
        NS_ONBOARD,
        "CONCURRENCY",
        false,
        ValueKind::UInt { min: 1, max: 256 },
        Some("8"),
        "password changes in flight per target",
    ),
    known(
        NS_ONBOARD,
        "RATE_PER_SECOND",
        false,
        ValueKind::UInt {
            min: 0,
            max: 1_000_000,
        },
        Some("0"),
        "at most this many password changes per second over all targets (0: no limit)",
    ),
    known(
        NS_ONBOARD,
        "RETRY_BUDGET",
        false,
        ValueKind::UInt { min: 0, max: 1000 },
        Some("5"),
        "transient failures of an account before it waits for an operator (orphaned)",
    ),
    known(
        NS_ONBOARD,
        "REFUSAL_BUDGET",
        false,
        ValueKind::UInt { min: 1, max: 100 },
        Some("3"),
        "policy refusals of an account, each with a fresh password, before it fails",
    ),
    known(
        NS_ONBOARD,
        "VERIFY",
        false,
        ValueKind::Bool,
        Some("true"),
        "bind with each new password after it is stored in the vault",
    ),
    known(
        NS_RESET,
        "CONCURRENCY",
        false,
        ValueKind::UInt { min: 1, max: 256 },
        Some("8"),
        "password changes in flight per target",
    ),
    known(
        NS_RESET,
        "RATE_PER_SECOND",
        false,
        ValueKind::UInt {
            min: 0,
            max: 1_000_000,
        },
        Some("0"),
        "at most this many password changes per second over all targets (0: no limit)",
    ),
    known(
        NS_RESET,
        "RETRY_BUDGET",
        false,
        ValueKind::UInt { min: 0, max: 1000 },
        Some("5"),
        "transient failures of an account before it waits for an operator (orphaned)",
    ),
    known(
        NS_RESET,
        "REFUSAL_BUDGET",
        false,
        ValueKind::UInt { min: 1, max: 100 },
        Some("3"),
        "policy refusals of an account, each with a fresh password, before it fails",
    ),
    known(
        NS_RESET,
        "VERIFY",
        false,
        ValueKind::Bool,
        Some("true"),
        "bind with each new password after it is stored in the vault",
    ),
    known(
        crate::enrolment::NS_ENROLMENT,
        "TOTP",
        false,
        ValueKind::OneOf(crate::enrolment::MODES),
        Some("offer"),
        "authenticator-app enrolment: off, offer, force (after sign-in until done) or force_allow_skip",
    ),
    known(
        crate::enrolment::NS_ENROLMENT,
        "QUESTIONS",
        false,
        ValueKind::OneOf(crate::enrolment::MODES),
        Some("offer"),
        "security-question enrolment: off, offer, force (after sign-in until done) or force_allow_skip",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_LENGTH",
        false,
        ValueKind::UInt { min: 8, max: 1024 },
        Some("8"),
        "fewest characters of a new password (after NFKC)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MAX_LENGTH",
        false,
        ValueKind::UInt { min: 64, max: 1024 },
        Some("128"),
        "most characters of a new password; a longer one is refused, never cut",
    ),
    known(
        NS_PASSWORD_POLICY,
        "HISTORY",
        false,
        ValueKind::UInt { min: 0, max: 24 },
        Some("5"),
        "how many previous passwords may not be used again (0: no history rule)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_LOWER",
        false,
        COMPOSITION,
        Some("0"),
        "fewest lower-case letters (composition rules are off by default)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_UPPER",
        false,
        COMPOSITION,
        Some("0"),
        "fewest upper-case letters",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_DIGITS",
        false,
        COMPOSITION,
        Some("0"),
        "fewest digits",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_SYMBOLS",
        false,
        COMPOSITION,
        Some("0"),
        "fewest symbols (neither letter nor digit)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_CLASSES",
        false,
        ValueKind::UInt { min: 0, max: 5 },
        Some("0"),
        "fewest kinds of character out of five (Active Directory complexity is 3)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "MIN_STRENGTH",
        false,
        ValueKind::UInt { min: 0, max: 4 },
        Some("2"),
        "lowest strength score (zxcvbn, 0-4) accepted (0: no strength rule)",
    ),
    known(
        NS_PASSWORD_POLICY,
        "CHECK_USER_ATTRIBUTES",
        false,
        ValueKind::Bool,
        Some("true"),
        "refuse passwords containing the login id, name or mail local part",
    ),
    known(
        NS_PASSWORD_POLICY,
        "BLOCKLIST_FILE",
        false,
        ValueKind::Text,
        None,
        "a file of extra blocked passwords, one per line, added to the shipped list at start-up",
    ),
];
