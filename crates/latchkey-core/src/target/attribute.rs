//! Attribute names a write to a target may carry (a post action's attribute write, say).
//!
//! [`is_attribute_description`] accepts what RFC 4512 calls an attribute's `oid`: a `descr`
//! (a letter, then letters, digits and hyphens) or a `numericoid` (`2.5.4.13`). Options
//! (`;lang-fr`) are not taken: one attribute, one value.
//!
//! [`is_password_attribute`] names the attributes only the password operations of the port
//! change (reset, change, unlock, expire): the password itself, its history, its policy state
//! and the account-control flags. A generic attribute write refuses them, so nothing configured
//! as "write an attribute" can set a password, lift a lockout or re-enable an account.

/// Password, lockout and account-control attributes, lower-case (OpenLDAP and Active
/// Directory). Anything starting with `pwd` is refused too, see [`is_password_attribute`].
const PASSWORD_ATTRIBUTES: &[&str] = &[
    "userpassword",
    "authpassword",
    "unicodepwd",
    "dbcspwd",
    "ntpwdhistory",
    "lmpwdhistory",
    "supplementalcredentials",
    "sambantpassword",
    "sambalmpassword",
    "lockouttime",
    "badpwdcount",
    "badpasswordtime",
    "useraccountcontrol",
    "msds-user-account-control-computed",
];

/// The same attributes by OID, so writing the number is no way around the names.
const PASSWORD_OIDS: &[&str] = &[
    "2.5.4.35",                // userPassword
    "1.3.6.1.4.1.4203.1.3.4",  // authPassword
    "1.2.840.113556.1.4.90",   // unicodePwd
    "1.2.840.113556.1.4.55",   // dBCSPwd
    "1.2.840.113556.1.4.94",   // ntPwdHistory
    "1.2.840.113556.1.4.160",  // lmPwdHistory
    "1.2.840.113556.1.4.125",  // supplementalCredentials
    "1.2.840.113556.1.4.662",  // lockoutTime
    "1.2.840.113556.1.4.12",   // badPwdCount
    "1.2.840.113556.1.4.49",   // badPasswordTime
    "1.2.840.113556.1.4.8",    // userAccountControl
    "1.2.840.113556.1.4.96",   // pwdLastSet
    "1.2.840.113556.1.4.1460", // msDS-User-Account-Control-Computed
    "1.3.6.1.4.1.7165.2.1.25", // sambaNTPassword
    "1.3.6.1.4.1.7165.2.1.24", // sambaLMPassword
];

/// The OID arc of the password-policy attributes (draft-behera-ldap-password-policy).
const PPOLICY_ARC: &str = "1.3.6.1.4.1.42.2.27.8.1.";

/// Is `name` an RFC 4512 `descr` or `numericoid`?
pub fn is_attribute_description(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => chars.all(|c| c.is_ascii_alphanumeric() || c == '-'),
        Some(c) if c.is_ascii_digit() => is_numeric_oid(name),
        _ => false,
    }
}

/// `number 1*( "." number )`, where a number has no leading zero.
fn is_numeric_oid(name: &str) -> bool {
    let mut arcs = 0;
    for arc in name.split('.') {
        let digits = !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit());
        if !digits || (arc.len() > 1 && arc.starts_with('0')) {
            return false;
        }
        arcs += 1;
    }
    arcs >= 2
}

/// Is `name` (any case) an attribute only the password operations may change?
pub fn is_password_attribute(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("pwd")
        || PASSWORD_ATTRIBUTES.contains(&lower.as_str())
        || PASSWORD_OIDS.contains(&lower.as_str())
        || lower.starts_with(PPOLICY_ARC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_descr_or_numeric_oids() {
        for good in [
            "description",
            "cn",
            "x-Custom-2",
            "2.5.4.13",
            "1.3.6.1.4.1.99999.1",
        ] {
            assert!(is_attribute_description(good), "{good}");
        }
        for bad in [
            "",
            "2desc",
            "-x",
            "desc ription",
            "description;lang-fr",
            "under_score",
            "1",
            "1..2",
            "1.02",
            "2.5.4.",
            "déscription",
            "a=b",
        ] {
            assert!(!is_attribute_description(bad), "{bad}");
        }
    }

    #[test]
    fn password_and_policy_attributes_are_recognised_in_any_case() {
        for name in [
            "userPassword",
            "USERPASSWORD",
            "unicodePwd",
            "pwdAccountLockedTime",
            "pwdReset",
            "pwdLastSet",
            "pwdChangedTime",
            "PwdAnythingNew",
            "lockoutTime",
            "userAccountControl",
            "2.5.4.35",
            "1.3.6.1.4.1.42.2.27.8.1.17",
        ] {
            assert!(is_password_attribute(name), "{name}");
        }
        for name in [
            "description",
            "mail",
            "telephoneNumber",
            "2.5.4.13",
            "passwordHint",
        ] {
            assert!(!is_password_attribute(name), "{name}");
        }
    }
}
