//! Active Directory's ways, as pure functions: the `unicodePwd` value, the password-policy
//! hints control, the account-state flags, and the error codes hidden in diagnostic texts.
//!
//! AD (and Samba as an AD DC) reports *why* a bind failed only inside the diagnostic text of an
//! "invalid credentials" result: `80090308: LdapErr: DSID-…, comment: AcceptSecurityContext
//! error, data 775, v4563`. The hex number after `data` is a Windows error code; [`bind_error`]
//! maps the ones that matter. Password changes refused by policy come back as a constraint
//! violation whose text starts with a Windows error in eight hex digits (`0000052D:` is
//! ERROR_PASSWORD_RESTRICTION); Samba adds the reason in words, real AD does not.

use super::error::{Refusal, RefusalKind, Restriction, TargetError};
use crate::secret::Password;
use zeroize::Zeroizing;

/// `LDAP_SERVER_POLICY_HINTS_OID`: an administrator's reset sent with this control is checked
/// against the password history like a user's change (Windows Server 2012 and later).
pub const POLICY_HINTS_OID: &str = "1.2.840.113556.1.4.2239";
/// The deprecated OID of the same control, understood by Windows Server 2008 R2.
pub const POLICY_HINTS_DEPRECATED_OID: &str = "1.2.840.113556.1.4.2066";

/// The control's value, `SEQUENCE { Flags INTEGER (1) }`: enforce the history.
pub const POLICY_HINTS_VALUE: [u8; 5] = [0x30, 0x03, 0x02, 0x01, 0x01];

/// `userAccountControl`: the account is disabled.
pub const UF_ACCOUNTDISABLE: u32 = 0x0002;
/// `userAccountControl` / `msDS-User-Account-Control-Computed`: locked out.
pub const UF_LOCKOUT: u32 = 0x0010;
/// `msDS-User-Account-Control-Computed`: the password has expired.
pub const UF_PASSWORD_EXPIRED: u32 = 0x0080_0000;

/// The `unicodePwd` value for `password`: the password in double quotes, as UTF-16LE.
/// The buffer is wiped when dropped.
pub fn unicode_pwd(password: &Password) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(2 * (password.expose().len() + 2)));
    for unit in "\"".encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    for unit in password.expose().encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    for unit in "\"".encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// The Windows error code after `data ` in a diagnostic text.
pub fn data_code(text: &str) -> Option<u32> {
    let at = text.find("data ")?;
    let hex: String = text
        .get(at + 5..)?
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    u32::from_str_radix(&hex, 16).ok()
}

/// The Windows error code a diagnostic text starts with (`0000052D: Constraint violation…`).
pub fn leading_code(text: &str) -> Option<u32> {
    let head = text.trim_start().get(..9)?;
    let hex = head.strip_suffix(':')?;
    u32::from_str_radix(hex, 16).ok()
}

/// What a bind's `data NNN` code means. `None` for codes that are not about the account.
pub fn bind_error(code: u32) -> Option<TargetError> {
    Some(match code {
        // 525 no such user and 52e wrong password: one answer, so neither tells which.
        0x525 | 0x52e => TargetError::BadCredentials,
        0x530 => TargetError::Restricted(Restriction::LogonHours),
        0x531 => TargetError::Restricted(Restriction::Workstation),
        // 532 password expired, 773 must change at next logon: the password was right.
        0x532 | 0x773 => TargetError::MustChange,
        0x533 => TargetError::Disabled,
        0x701 => TargetError::Expired,
        0x775 => TargetError::Locked,
        _ => return None,
    })
}

/// Samba's reasons in words, for a constraint violation on `unicodePwd`.
const TEXTS: &[(&str, RefusalKind)] = &[
    ("in history", RefusalKind::InHistory),
    ("too short", RefusalKind::TooShort),
    ("too long", RefusalKind::TooLong),
    ("complexity", RefusalKind::Quality),
    ("too young", RefusalKind::TooYoung),
];

/// Classifies a failed password modify (result code `rc`, diagnostic `text`).
pub fn password_error(rc: u32, text: &str) -> Option<TargetError> {
    if let Some(code) = data_code(text)
        && rc == 49
    {
        return bind_error(code);
    }
    match leading_code(text) {
        // ERROR_INVALID_PASSWORD (86) / ERROR_WRONG_PASSWORD (1386): the old password in a
        // user's change did not match.
        Some(0x56 | 0x56A) => return Some(TargetError::BadCredentials),
        // ERROR_PASSWORD_RESTRICTION: the policy said no.
        Some(0x52D) => {
            let lower = text.to_ascii_lowercase();
            let kind = TEXTS
                .iter()
                .find(|(needle, _)| lower.contains(needle))
                .map_or(RefusalKind::Policy, |(_, kind)| *kind);
            return Some(TargetError::Refused(Refusal::new(kind, text)));
        }
        _ => {}
    }
    None
}

/// An account's state from `userAccountControl`, `msDS-User-Account-Control-Computed` and
/// `pwdLastSet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdFlags {
    /// Disabled by an administrator.
    pub disabled: bool,
    /// Locked out by failed logons.
    pub locked: bool,
    /// Must set a new password at next logon (`pwdLastSet` 0) or the password expired.
    pub must_change: bool,
}

/// Decodes the state attributes (each as the text LDAP returns; absent ones as `None`).
pub fn account_flags(
    user_account_control: Option<&str>,
    computed: Option<&str>,
    pwd_last_set: Option<&str>,
    lockout_time: Option<&str>,
) -> AdFlags {
    let num = |v: Option<&str>| v.and_then(|s| s.trim().parse::<i64>().ok());
    let uac = num(user_account_control).unwrap_or(0);
    let computed = num(computed);
    let bit = |v: i64, flag: u32| v & i64::from(flag) != 0;
    let locked = match computed {
        Some(c) => bit(c, UF_LOCKOUT),
        // Without the computed attribute, a non-zero lockoutTime is the best evidence.
        None => num(lockout_time).is_some_and(|t| t != 0) || bit(uac, UF_LOCKOUT),
    };
    AdFlags {
        disabled: bit(uac, UF_ACCOUNTDISABLE),
        locked,
        must_change: num(pwd_last_set) == Some(0)
            || computed.is_some_and(|c| bit(c, UF_PASSWORD_EXPIRED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        let v = unicode_pwd(&Password::new("aé"));
        assert_eq!(v.as_slice(), &[0x22, 0, 0x61, 0, 0xE9, 0, 0x22, 0]);
    }

    #[test]
    fn bind_codes_are_read_from_the_text() {
        let text = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563";
        assert_eq!(data_code(text), Some(0x775));
        assert_eq!(password_error(49, text), Some(TargetError::Locked));
        for (code, want) in [
            ("52e", TargetError::BadCredentials),
            ("525", TargetError::BadCredentials),
            ("530", TargetError::Restricted(Restriction::LogonHours)),
            ("531", TargetError::Restricted(Restriction::Workstation)),
            ("532", TargetError::MustChange),
            ("533", TargetError::Disabled),
            ("701", TargetError::Expired),
            ("773", TargetError::MustChange),
        ] {
            let text = format!("AcceptSecurityContext error, data {code}, v1db1");
            assert_eq!(password_error(49, &text), Some(want), "{code}");
        }
        assert_eq!(data_code("no code here"), None);
        assert_eq!(bind_error(0x1234), None);
    }

    #[test]
    fn constraint_violations_become_refusals() {
        let samba = "0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!";
        assert!(matches!(password_error(19, samba),
            Some(TargetError::Refused(r)) if r.kind == RefusalKind::InHistory));
        let samba_short = "0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!";
        assert!(matches!(password_error(19, samba_short),
            Some(TargetError::Refused(r)) if r.kind == RefusalKind::TooShort));
        let windows = "0000052D: Constraint violation - 0000052D: AtrErr: DSID-03191083, #1:";
        assert!(matches!(password_error(19, windows),
            Some(TargetError::Refused(r)) if r.kind == RefusalKind::Policy));
        let wrong_old = "00000056: AtrErr: DSID-03190F80, #1:";
        assert_eq!(
            password_error(19, wrong_old),
            Some(TargetError::BadCredentials)
        );
        assert_eq!(password_error(50, "00002098: SecErr"), None);
    }

    #[test]
    fn flags_are_decoded() {
        let f = account_flags(Some("514"), Some("16"), Some("0"), None);
        assert_eq!(
            f,
            AdFlags {
                disabled: true,
                locked: true,
                must_change: true
            }
        );
        let f = account_flags(Some("512"), None, Some("133000000000000000"), Some("0"));
        assert!(!f.disabled && !f.locked && !f.must_change);
        let f = account_flags(Some("512"), None, None, Some("133000000000000000"));
        assert!(f.locked);
    }
}
