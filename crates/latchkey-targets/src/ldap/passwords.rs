//! Writes: administrator resets, user changes, unlock and expire, for both flavors.
//!
//! Each is one LDAP request (one modify, or one Password Modify exop), so the directory applies
//! it whole or not at all. None is retried: a request whose answer was lost is reported as
//! unreachable, and the caller decides (a mass reset re-verifies before trying again).

use super::conn::{Flavor, check, classify, policy_hints, ppolicy_request};
use super::{LdapTarget, Pooled};
use latchkey_core::secret::Password;
use latchkey_core::target::{PasswordMethod, TargetError, TargetResult, ad};
use ldap3::exop::PasswordModify;
use ldap3::{Ldap, LdapResult, Mod};
use std::collections::HashSet;

type Mods = Vec<Mod<Vec<u8>>>;

fn one(value: &[u8]) -> HashSet<Vec<u8>> {
    HashSet::from([value.to_vec()])
}

fn attr(name: &str) -> Vec<u8> {
    name.as_bytes().to_vec()
}

fn ldap_of(conn: &mut Pooled<Ldap>) -> TargetResult<&mut Ldap> {
    conn.conn()
        .ok_or_else(|| TargetError::Unknown("no connection".into()))
}

/// Runs one modify (with the flavor's controls) on `conn`.
async fn modify(
    target: &LdapTarget,
    conn: &mut Pooled<Ldap>,
    dn: &str,
    mods: Mods,
    hints: Option<&str>,
) -> TargetResult<LdapResult> {
    let ldap = ldap_of(conn)?;
    match target.flavor {
        Flavor::OpenLdap => {
            ldap.with_controls(ppolicy_request());
        }
        Flavor::ActiveDirectory => {
            if let Some(oid) = hints {
                ldap.with_controls(policy_hints(oid));
            }
        }
    }
    let result = ldap
        .with_timeout(target.timeout())
        .modify(dn, mods)
        .await
        .map_err(|e| classify(target.flavor, e))?;
    check(target.flavor, result)
}

/// The Password Modify exop on `conn` (`old` only for a user's own change).
async fn exop(
    target: &LdapTarget,
    conn: &mut Pooled<Ldap>,
    dn: &str,
    old: Option<&Password>,
    new: &Password,
) -> TargetResult<()> {
    let ldap = ldap_of(conn)?;
    let request = PasswordModify {
        user_id: Some(dn),
        old_pass: old.map(Password::expose),
        new_pass: Some(new.expose()),
    };
    let answer = ldap
        .with_controls(ppolicy_request())
        .with_timeout(target.timeout())
        .extended(request)
        .await
        .map_err(|e| classify(target.flavor, e))?;
    check(target.flavor, answer.1).map(drop)
}

fn refuse_empty(account: &str, new: &Password) -> TargetResult<()> {
    if account.trim().is_empty() {
        return Err(TargetError::NoSuchAccount(String::new()));
    }
    if new.is_empty() {
        return Err(TargetError::Refused(latchkey_core::target::Refusal::new(
            latchkey_core::target::RefusalKind::TooShort,
            "empty password",
        )));
    }
    Ok(())
}

/// An administrator's reset through the service account.
pub(super) async fn set_password(
    target: &LdapTarget,
    account: &str,
    new: &Password,
) -> TargetResult<()> {
    refuse_empty(account, new)?;
    let mut conn = target.service_conn().await?;
    let result = match (target.flavor, target.def.password_method) {
        (Flavor::OpenLdap, PasswordMethod::Exop) => {
            exop(target, &mut conn, account, None, new).await
        }
        (Flavor::OpenLdap, PasswordMethod::Replace) => {
            let mods = vec![Mod::Replace(
                attr("userPassword"),
                one(new.expose().as_bytes()),
            )];
            modify(target, &mut conn, account, mods, None)
                .await
                .map(drop)
        }
        (Flavor::ActiveDirectory, _) => {
            let value = ad::unicode_pwd(new);
            let mods = || vec![Mod::Replace(attr("unicodePwd"), one(&value))];
            if target.def.enforce_history_on_reset {
                reset_with_hints(target, &mut conn, account, mods).await
            } else {
                modify(target, &mut conn, account, mods(), None)
                    .await
                    .map(drop)
            }
        }
    };
    LdapTarget::settle(conn, result)
}

/// An AD reset that must honour the history: the policy-hints control under its current OID,
/// then under the one Windows Server 2008 R2 knows. A server that knows neither refuses the
/// (critical) control, so nothing was applied; that is reported as unsupported.
async fn reset_with_hints(
    target: &LdapTarget,
    conn: &mut Pooled<Ldap>,
    account: &str,
    mods: impl Fn() -> Mods,
) -> TargetResult<()> {
    for oid in [ad::POLICY_HINTS_OID, ad::POLICY_HINTS_DEPRECATED_OID] {
        match modify(target, conn, account, mods(), Some(oid)).await {
            Err(TargetError::Unknown(text)) if text.contains("result code 12") => continue,
            other => return other.map(drop),
        }
    }
    Err(TargetError::Unsupported(format!(
        "this directory knows neither policy-hints control ({} nor {}), so an administrator's \
         reset cannot be checked against the password history here; nothing was changed",
        ad::POLICY_HINTS_OID,
        ad::POLICY_HINTS_DEPRECATED_OID
    )))
}

/// A user's own change: bind as the user with `old`, then change on that connection, so the
/// directory checks the old password and applies its rules for user changes.
pub(super) async fn change_password(
    target: &LdapTarget,
    account: &str,
    old: &Password,
    new: &Password,
) -> TargetResult<()> {
    refuse_empty(account, new)?;
    let mut conn = target.user_conn().await?;
    let result = async {
        let bound = target.bind_as(&mut conn, account, old).await?;
        // AD will not let a user whose password must change bind to change it; only an
        // administrator's reset helps then (OpenLDAP's bind succeeds and allows the change).
        if bound.must_change && target.flavor == Flavor::ActiveDirectory {
            return Err(TargetError::MustChange);
        }
        match (target.flavor, target.def.password_method) {
            (Flavor::OpenLdap, PasswordMethod::Exop) => {
                exop(target, &mut conn, account, Some(old), new).await
            }
            (Flavor::OpenLdap, PasswordMethod::Replace) => {
                let mods = vec![Mod::Replace(
                    attr("userPassword"),
                    one(new.expose().as_bytes()),
                )];
                modify(target, &mut conn, account, mods, None)
                    .await
                    .map(drop)
            }
            (Flavor::ActiveDirectory, _) => {
                let (old_value, new_value) = (ad::unicode_pwd(old), ad::unicode_pwd(new));
                let mods = vec![
                    Mod::Delete(attr("unicodePwd"), one(&old_value)),
                    Mod::Add(attr("unicodePwd"), one(&new_value)),
                ];
                modify(target, &mut conn, account, mods, None)
                    .await
                    .map(drop)
            }
        }
    }
    .await;
    LdapTarget::settle(conn, result)
}

/// Lifts a lockout.
pub(super) async fn unlock(target: &LdapTarget, account: &str) -> TargetResult<()> {
    let mut conn = target.service_conn().await?;
    let result = match target.flavor {
        Flavor::OpenLdap => {
            let mods = vec![Mod::Delete(attr("pwdAccountLockedTime"), HashSet::new())];
            match modify(target, &mut conn, account, mods, None).await {
                Ok(_) => Ok(()),
                // noSuchAttribute: it was not locked; the outcome the caller wants holds.
                Err(TargetError::Unknown(text)) if text.contains("result code 16") => Ok(()),
                Err(e) => Err(e),
            }
        }
        Flavor::ActiveDirectory => {
            let mods = vec![Mod::Replace(attr("lockoutTime"), one(b"0"))];
            modify(target, &mut conn, account, mods, None)
                .await
                .map(drop)
        }
    };
    LdapTarget::settle(conn, result)
}

/// Makes the account change its password at the next login.
pub(super) async fn expire(target: &LdapTarget, account: &str) -> TargetResult<()> {
    let mut conn = target.service_conn().await?;
    let mods = match target.flavor {
        Flavor::OpenLdap => vec![Mod::Replace(attr("pwdReset"), one(b"TRUE"))],
        Flavor::ActiveDirectory => vec![Mod::Replace(attr("pwdLastSet"), one(b"0"))],
    };
    let result = modify(target, &mut conn, account, mods, None)
        .await
        .map(drop);
    LdapTarget::settle(conn, result)
}
