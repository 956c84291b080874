//! What can go wrong on a target system, classified so every caller can answer well.
//!
//! Connectors turn whatever their protocol reports (an LDAP result code with a diagnostic text,
//! an Active Directory `data NNN` code, a SQLSTATE) into one [`TargetError`]. The classes are the
//! ones a person or an operator acts on differently: the password was refused by the directory's
//! policy ([`TargetError::Refused`], with the reason in plain words), the credentials are wrong,
//! the account is locked or disabled, the target cannot be reached or did not answer in time.
//!
//! A [`Refusal`] keeps the directory's own text for the log and the administrator, and says in
//! plain words what the person should do ([`Refusal::plain`]). The `Display` text of every
//! variant is safe to show: it never carries a password (connectors never put one in an error).

use std::fmt;

/// Why a target's password policy refused a new password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// Shorter than the policy's minimum.
    TooShort,
    /// Longer than the policy's maximum.
    TooLong,
    /// One of the last passwords of this account.
    InHistory,
    /// Fails the complexity or quality rules.
    Quality,
    /// The password was changed too recently (minimum age).
    TooYoung,
    /// The new password is the current one.
    Unchanged,
    /// The user may not change their own password.
    ChangeNotAllowed,
    /// The policy refused it without saying which rule (Active Directory's generic
    /// "password restriction" error).
    Policy,
}

impl RefusalKind {
    /// A short stable name (`too_short`, `in_history`, …), as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::InHistory => "in_history",
            Self::Quality => "quality",
            Self::TooYoung => "too_young",
            Self::Unchanged => "unchanged",
            Self::ChangeNotAllowed => "change_not_allowed",
            Self::Policy => "policy",
        }
    }

    /// The reason in plain words, finishing "the directory refused this password: …".
    pub fn plain(self) -> &'static str {
        match self {
            Self::TooShort => "it is too short",
            Self::TooLong => "it is too long",
            Self::InHistory => "it was used before; choose one you have not used recently",
            Self::Quality => "it does not meet the complexity rules",
            Self::TooYoung => "the password was changed too recently; try again later",
            Self::Unchanged => "it is the current password",
            Self::ChangeNotAllowed => "this account may not change its own password",
            Self::Policy => "it does not meet the password policy (length, complexity or history)",
        }
    }
}

/// A password refused by the target's policy: what rule, and what the directory said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Which rule.
    pub kind: RefusalKind,
    /// The directory's own diagnostic text (trimmed; never contains the password).
    pub directory_message: String,
}

impl Refusal {
    /// A refusal with the directory's text, cut to a sane length.
    pub fn new(kind: RefusalKind, directory_message: &str) -> Self {
        Self {
            kind,
            directory_message: clip(directory_message),
        }
    }

    /// The sentence a person reads.
    pub fn plain(&self) -> String {
        format!("the directory refused this password: {}", self.kind.plain())
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

/// Why an account may not log in now, besides its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// Outside the permitted logon hours (AD 530).
    LogonHours,
    /// Not from this workstation (AD 531).
    Workstation,
}

/// A classified failure of a target operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The target's password policy refused the new password.
    #[error("{0}")]
    Refused(Refusal),
    /// Wrong account name or password.
    #[error("the account name or password is wrong")]
    BadCredentials,
    /// Locked after failed logins (or by an administrator).
    #[error("the account is locked")]
    Locked,
    /// Disabled by an administrator.
    #[error("the account is disabled")]
    Disabled,
    /// The account itself has expired (AD `accountExpires`, PostgreSQL `VALID UNTIL`).
    #[error("the account has expired")]
    Expired,
    /// The password is right but must be changed before anything else works.
    #[error("the password must be changed before the account can be used")]
    MustChange,
    /// Logon refused by a restriction other than the password.
    #[error("{}", match .0 {
        Restriction::LogonHours => "the account may not log in at this time",
        Restriction::Workstation => "the account may not log in from here",
    })]
    Restricted(Restriction),
    /// No such account on the target.
    #[error("no account {0:?} on the target")]
    NoSuchAccount(String),
    /// The service account lacks the right to do this.
    #[error("the target refused the operation: {0}")]
    PermissionDenied(String),
    /// The target cannot be reached (connection refused or dropped, TLS failure).
    #[error("the target cannot be reached: {0}")]
    Unreachable(String),
    /// The target did not answer in time.
    #[error("the target did not answer in time")]
    Timeout,
    /// The target does not support this operation.
    #[error("not supported by this target: {0}")]
    Unsupported(String),
    /// The target definition is wrong (bad URL, unreadable CA file, missing credential).
    #[error("the target is not configured correctly: {0}")]
    Config(String),
    /// Anything else, with the target's text.
    #[error("the target reported an error: {0}")]
    Unknown(String),
}

impl TargetError {
    /// A short stable name for logs, metrics and reports.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Refused(_) => "refused",
            Self::BadCredentials => "bad_credentials",
            Self::Locked => "locked",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::MustChange => "must_change",
            Self::Restricted(_) => "restricted",
            Self::NoSuchAccount(_) => "no_such_account",
            Self::PermissionDenied(_) => "permission_denied",
            Self::Unreachable(_) => "unreachable",
            Self::Timeout => "timeout",
            Self::Unsupported(_) => "unsupported",
            Self::Config(_) => "config",
            Self::Unknown(_) => "unknown",
        }
    }

    /// Whether trying again later may succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::Timeout)
    }
}

/// Result of a target operation.
pub type TargetResult<T> = Result<T, TargetError>;

/// Keeps diagnostic texts short and on one line.
pub(crate) fn clip(text: &str) -> String {
    let one_line: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 300 {
        let mut cut: String = one_line.chars().take(300).collect();
        cut.push('…');
        cut
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_plainly_and_keep_the_directory_text() {
        let r = Refusal::new(
            RefusalKind::InHistory,
            "  Password is in history of old passwords\n",
        );
        assert_eq!(
            r.to_string(),
            "the directory refused this password: it was used before; choose one you have not used recently"
        );
        assert_eq!(
            r.directory_message,
            "Password is in history of old passwords"
        );
        let e = TargetError::Refused(r);
        assert_eq!(e.class(), "refused");
        assert!(!e.is_transient());
        assert!(TargetError::Timeout.is_transient());
        assert_eq!(
            TargetError::Restricted(Restriction::Workstation).to_string(),
            "the account may not log in from here"
        );
    }

    #[test]
    fn long_texts_are_clipped() {
        let r = Refusal::new(RefusalKind::Policy, &"x".repeat(1000));
        assert_eq!(r.directory_message.chars().count(), 301);
    }
}
