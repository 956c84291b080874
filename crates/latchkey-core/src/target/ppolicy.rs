//! OpenLDAP's password policy (slapo-ppolicy, draft-behera-ldap-password-policy): the response
//! control and the diagnostic texts, turned into [`TargetError`]s.
//!
//! A client that sends the request control ([`REQUEST_OID`], no value) with a bind, a modify or
//! a Password Modify operation gets back a response control whose value is
//!
//! ```text
//! PasswordPolicyResponseValue ::= SEQUENCE {
//!     warning [0] CHOICE { timeBeforeExpiration [0] INTEGER, graceAuthNsRemaining [1] INTEGER } OPTIONAL,
//!     error   [1] ENUMERATED { passwordExpired(0), accountLocked(1), changeAfterReset(2), … } OPTIONAL }
//! ```
//!
//! The control says precisely why a bind or a change failed — a locked account binds with the
//! same "invalid credentials" result code as a wrong password, and a too-short password fails
//! with the same "fails quality checking" text as a weak one — so connectors decode it with
//! [`decode_response`] and classify with [`classify`]. When a server sends no control, the
//! diagnostic text is matched instead.

use super::ber::Reader;
use super::error::{Refusal, RefusalKind, TargetError};

/// OID of the password policy request and response controls.
pub const REQUEST_OID: &str = "1.3.6.1.4.1.42.2.27.8.5.1";

/// The `error` field of the response control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    /// The password has expired (no grace logins left).
    PasswordExpired,
    /// The account is locked.
    AccountLocked,
    /// The password was reset by an administrator and must be changed first.
    ChangeAfterReset,
    /// The user may not change their password.
    PasswordModNotAllowed,
    /// The old password must be supplied with the new one.
    MustSupplyOldPassword,
    /// The new password fails the quality checks.
    InsufficientPasswordQuality,
    /// The new password is too short.
    PasswordTooShort,
    /// The password was changed too recently.
    PasswordTooYoung,
    /// The new password is in the history.
    PasswordInHistory,
    /// The new password is too long.
    PasswordTooLong,
}

impl PolicyError {
    fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::PasswordExpired,
            1 => Self::AccountLocked,
            2 => Self::ChangeAfterReset,
            3 => Self::PasswordModNotAllowed,
            4 => Self::MustSupplyOldPassword,
            5 => Self::InsufficientPasswordQuality,
            6 => Self::PasswordTooShort,
            7 => Self::PasswordTooYoung,
            8 => Self::PasswordInHistory,
            9 => Self::PasswordTooLong,
            _ => return None,
        })
    }
}

/// The `warning` field of the response control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyWarning {
    /// Seconds until the password expires.
    TimeBeforeExpiration(i64),
    /// Grace logins left after expiry.
    GraceAuthNsRemaining(i64),
}

/// A decoded response control.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyResponse {
    /// A warning, if any.
    pub warning: Option<PolicyWarning>,
    /// An error, if any.
    pub error: Option<PolicyError>,
}

/// Decodes the value of the response control; `None` when it is not valid BER of that shape.
pub fn decode_response(value: &[u8]) -> Option<PolicyResponse> {
    let mut outer = Reader::new(value);
    let (tag, body) = outer.next()?;
    if tag != 0x30 || !outer.is_empty() {
        return None;
    }
    let mut fields = Reader::new(body);
    let mut response = PolicyResponse::default();
    while !fields.is_empty() {
        match fields.next()? {
            (0xA0, choice) => {
                let mut inner = Reader::new(choice);
                let (tag, int) = inner.next()?;
                let n = super::ber::integer(int)?;
                response.warning = Some(match tag {
                    0x80 => PolicyWarning::TimeBeforeExpiration(n),
                    0x81 => PolicyWarning::GraceAuthNsRemaining(n),
                    _ => return None,
                });
            }
            (0x81, code) => {
                response.error = Some(PolicyError::from_code(super::ber::integer(code)?)?);
            }
            _ => return None,
        }
    }
    Some(response)
}

/// What a policy error means for a password change.
fn refusal_kind(error: PolicyError) -> Option<RefusalKind> {
    Some(match error {
        PolicyError::PasswordModNotAllowed => RefusalKind::ChangeNotAllowed,
        PolicyError::InsufficientPasswordQuality => RefusalKind::Quality,
        PolicyError::PasswordTooShort => RefusalKind::TooShort,
        PolicyError::PasswordTooYoung => RefusalKind::TooYoung,
        PolicyError::PasswordInHistory => RefusalKind::InHistory,
        PolicyError::PasswordTooLong => RefusalKind::TooLong,
        PolicyError::PasswordExpired
        | PolicyError::AccountLocked
        | PolicyError::ChangeAfterReset
        | PolicyError::MustSupplyOldPassword => return None,
    })
}

/// slapd's diagnostic texts for refusals, for servers that send no control.
const TEXTS: &[(&str, RefusalKind)] = &[
    ("in history", RefusalKind::InHistory),
    ("too young", RefusalKind::TooYoung),
    ("too short", RefusalKind::TooShort),
    ("too long", RefusalKind::TooLong),
    ("quality", RefusalKind::Quality),
    ("not being changed", RefusalKind::Unchanged),
    (
        "alteration of password is not allowed",
        RefusalKind::ChangeNotAllowed,
    ),
];

/// Classifies a failed LDAP operation on a ppolicy directory from its result code, its
/// diagnostic text and the decoded response control. `None` leaves it to the generic LDAP
/// mapping (connection errors, no such object, …).
pub fn classify(rc: u32, text: &str, control: Option<PolicyResponse>) -> Option<TargetError> {
    let policy_error = control.and_then(|c| c.error);
    if let Some(kind) = policy_error.and_then(refusal_kind) {
        return Some(TargetError::Refused(Refusal::new(kind, text)));
    }
    match policy_error {
        Some(PolicyError::AccountLocked) => return Some(TargetError::Locked),
        Some(PolicyError::PasswordExpired | PolicyError::ChangeAfterReset) if rc != 0 => {
            return Some(TargetError::MustChange);
        }
        _ => {}
    }
    // 19 constraintViolation, 53 unwillingToPerform: slapd's codes for a policy refusal.
    if rc == 19 || rc == 53 {
        let lower = text.to_ascii_lowercase();
        if let Some((_, kind)) = TEXTS.iter().find(|(needle, _)| lower.contains(needle)) {
            return Some(TargetError::Refused(Refusal::new(*kind, text)));
        }
        if lower.contains("password") {
            return Some(TargetError::Refused(Refusal::new(
                RefusalKind::Policy,
                text,
            )));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_errors_and_warnings() {
        // SEQUENCE { [1] 8 } : passwordInHistory
        assert_eq!(
            decode_response(&[0x30, 0x03, 0x81, 0x01, 0x08]),
            Some(PolicyResponse {
                warning: None,
                error: Some(PolicyError::PasswordInHistory)
            })
        );
        // SEQUENCE { [0] { [1] 2 } } : two grace logins left
        assert_eq!(
            decode_response(&[0x30, 0x05, 0xA0, 0x03, 0x81, 0x01, 0x02]),
            Some(PolicyResponse {
                warning: Some(PolicyWarning::GraceAuthNsRemaining(2)),
                error: None
            })
        );
        assert_eq!(
            decode_response(&[0x30, 0x00]),
            Some(PolicyResponse::default())
        );
        assert_eq!(decode_response(&[0x30, 0x03, 0x81, 0x01, 0x63]), None);
        assert_eq!(decode_response(&[0x30, 0x05, 0x81, 0x01]), None);
        assert_eq!(decode_response(&[]), None);
    }

    #[test]
    fn the_control_wins_over_the_text() {
        let short = PolicyResponse {
            warning: None,
            error: Some(PolicyError::PasswordTooShort),
        };
        let got = classify(19, "Password fails quality checking policy", Some(short));
        assert!(
            matches!(&got, Some(TargetError::Refused(r)) if r.kind == RefusalKind::TooShort),
            "{got:?}"
        );
        let locked = PolicyResponse {
            warning: None,
            error: Some(PolicyError::AccountLocked),
        };
        assert_eq!(classify(49, "", Some(locked)), Some(TargetError::Locked));
    }

    #[test]
    fn texts_are_understood_without_a_control() {
        let got = classify(19, "Password is in history of old passwords", None);
        assert!(matches!(&got, Some(TargetError::Refused(r)) if r.kind == RefusalKind::InHistory));
        assert_eq!(classify(32, "no such object", None), None);
        assert_eq!(classify(49, "", None), None);
    }
}
