//! Attribute writes (a post action's `replace ATTRIBUTE`), for both flavors.
//!
//! One modify with one `replace` through the service account, so the directory applies it whole
//! or not at all; not retried here (see the module docs of [`super`]). Password, lockout and
//! account-control attributes are refused before anything is sent: only the password
//! operations change those. The directory's schema refusals (unknown attribute type, a value of
//! the wrong syntax, an attribute the entry's object classes do not allow) come back as
//! [`TargetError::Unsupported`] naming the attribute and what to fix; nothing was changed then.

use super::LdapTarget;
use super::conn::{Flavor, classify, classify_result};
use latchkey_core::target::attribute::{is_attribute_description, is_password_attribute};
use latchkey_core::target::{TargetError, TargetResult};
use ldap3::{LdapResult, Mod};
use std::collections::HashSet;

/// Replaces every value of `attribute` on `account` with `value` (empty: removes it).
pub(super) async fn replace(
    target: &LdapTarget,
    account: &str,
    attribute: &str,
    value: &str,
) -> TargetResult<()> {
    if !is_attribute_description(attribute) {
        return Err(TargetError::Unsupported(format!(
            "{attribute:?} is not an LDAP attribute name; nothing was changed"
        )));
    }
    if is_password_attribute(attribute) {
        return Err(TargetError::Unsupported(format!(
            "{attribute} is a password or password-policy attribute: only the password \
             operations change it; nothing was changed"
        )));
    }
    if account.trim().is_empty() {
        return Err(TargetError::NoSuchAccount(String::new()));
    }
    let values: HashSet<Vec<u8>> = if value.is_empty() {
        HashSet::new()
    } else {
        HashSet::from([value.as_bytes().to_vec()])
    };
    let mods = vec![Mod::Replace(attribute.as_bytes().to_vec(), values)];
    let mut conn = target.service_conn().await?;
    let result = async {
        let ldap = conn
            .conn()
            .ok_or_else(|| TargetError::Unknown("no connection".into()))?;
        let answer = ldap
            .with_timeout(target.timeout())
            .modify(account, mods)
            .await
            .map_err(|e| match e {
                ldap3::LdapError::LdapResult { result } => {
                    refusal(target.flavor, attribute, &result)
                }
                other => classify(target.flavor, other),
            })?;
        if answer.rc == 0 {
            Ok(())
        } else {
            Err(refusal(target.flavor, attribute, &answer))
        }
    }
    .await;
    LdapTarget::settle(conn, result)
}

/// Classifies a failed attribute write: the schema's refusals in plain words, the rest as any
/// other LDAP result.
fn refusal(flavor: Flavor, attribute: &str, result: &LdapResult) -> TargetError {
    let why = match result.rc {
        17 => "the directory has no such attribute type (check the name in its schema)",
        18 => "the attribute's matching rules do not allow this",
        19 => "the value breaks a constraint of the attribute (size, single value, uniqueness)",
        20 => "the value is already there",
        21 => "the value does not fit the attribute's syntax",
        64 | 65 => "the account's object classes do not allow this attribute",
        67 => "the attribute names the entry (it is part of its DN) and cannot be replaced",
        69 => "the directory does not allow this change of the entry",
        _ => return classify_result(flavor, result),
    };
    let text = result.text.trim();
    let detail = if text.is_empty() {
        format!("LDAP result code {}", result.rc)
    } else {
        format!("{text}, LDAP result code {}", result.rc)
    };
    TargetError::Unsupported(format!(
        "the directory refused to write {attribute}: {why} ({detail}); nothing was changed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.into(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    #[test]
    fn schema_refusals_name_the_attribute_and_the_reason() {
        let e = refusal(
            Flavor::OpenLdap,
            "fooBar",
            &result(17, "fooBar: attribute type undefined"),
        );
        let TargetError::Unsupported(text) = &e else {
            panic!("{e:?}");
        };
        assert!(
            text.contains("fooBar") && text.contains("no such attribute type"),
            "{text}"
        );
        assert!(text.contains("result code 17") && text.contains("nothing was changed"));
        let e = refusal(Flavor::ActiveDirectory, "mail", &result(21, ""));
        assert!(
            matches!(&e, TargetError::Unsupported(t) if t.contains("syntax")),
            "{e:?}"
        );
        // A password-sounding constraint text is no password refusal here.
        let e = refusal(Flavor::OpenLdap, "description", &result(19, "password"));
        assert!(matches!(e, TargetError::Unsupported(_)), "{e:?}");
        // Everything else goes the usual way.
        assert!(matches!(
            refusal(
                Flavor::OpenLdap,
                "description",
                &result(50, "no write access")
            ),
            TargetError::PermissionDenied(_)
        ));
        assert!(matches!(
            refusal(Flavor::OpenLdap, "description", &result(32, "")),
            TargetError::NoSuchAccount(_)
        ));
    }
}
