//! Reading accounts: which attributes to ask for, how an entry becomes an [`AccountEntry`], and
//! paged listings.

use super::conn::{Flavor, classify, classify_result};
use crate::pool::Pooled;
use latchkey_core::profile::Attributes;
use latchkey_core::target::{
    AccountEntry, AccountPages, AccountState, TargetDef, TargetError, TargetResult, ad,
};
use ldap3::adapters::PagedResults;
use ldap3::{Ldap, Scope, SearchEntry, SearchStream};
use std::time::Duration;

/// Password attributes: never read into Latchkey, even when the ACL would allow it.
const SECRET_ATTRIBUTES: &[&str] = &["userpassword", "unicodepwd", "pwdhistory", "ntpwdhistory"];

/// The attributes that carry an account's state.
pub(crate) fn state_attributes(flavor: Flavor) -> &'static [&'static str] {
    match flavor {
        Flavor::OpenLdap => &["pwdAccountLockedTime", "pwdReset"],
        Flavor::ActiveDirectory => &[
            "userAccountControl",
            "msDS-User-Account-Control-Computed",
            "pwdLastSet",
            "lockoutTime",
        ],
    }
}

/// The attribute whose highest value marks how far an incremental listing got.
pub(crate) fn high_water_attribute(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::OpenLdap => "modifyTimestamp",
        Flavor::ActiveDirectory => "uSNChanged",
    }
}

/// What to ask the directory for: the definition's attributes (all user attributes when it
/// names none), those discovery needs, and the state and high-water attributes.
pub(crate) fn requested(def: &TargetDef, flavor: Flavor) -> Vec<String> {
    let mut out: Vec<String> = if def.attributes.is_empty() {
        vec!["*".to_owned()]
    } else {
        def.attributes.clone()
    };
    if !def.attributes.is_empty() {
        out.extend(def.association_attribute.iter().cloned());
        if let Some(src) = &def.profile_source {
            out.push(src.login_attribute.clone());
            out.push(src.display_name_attribute.clone());
            out.extend(src.email_attribute.iter().cloned());
        }
    }
    out.extend(state_attributes(flavor).iter().map(|a| (*a).to_owned()));
    out.push(high_water_attribute(flavor).to_owned());
    out.dedup();
    out
}

/// An entry as Latchkey sees it: attributes (without secrets and without the state and
/// high-water attributes the definition did not ask for) and the account's state.
pub(crate) fn to_account(def: &TargetDef, flavor: Flavor, entry: SearchEntry) -> AccountEntry {
    let first = |name: &str| -> Option<&str> {
        entry
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    };
    let state = match flavor {
        Flavor::OpenLdap => {
            let locked_at = first("pwdAccountLockedTime");
            AccountState {
                // "000001010000Z" is slapd's mark for a lock only an administrator lifts.
                disabled: locked_at == Some("000001010000Z"),
                locked: locked_at.is_some(),
                must_change: first("pwdReset").is_some_and(|v| v.eq_ignore_ascii_case("TRUE")),
                expired: false,
            }
        }
        Flavor::ActiveDirectory => {
            let flags = ad::account_flags(
                first("userAccountControl"),
                first("msDS-User-Account-Control-Computed"),
                first("pwdLastSet"),
                first("lockoutTime"),
            );
            AccountState {
                locked: flags.locked,
                disabled: flags.disabled,
                must_change: flags.must_change,
                expired: false,
            }
        }
    };
    let wanted = |name: &str| {
        def.attributes.iter().any(|a| a.eq_ignore_ascii_case(name))
            || def
                .association_attribute
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
    };
    let mut attributes = Attributes::new();
    for (name, values) in entry.attrs {
        let lower = name.to_ascii_lowercase();
        let bookkeeping = state_attributes(flavor)
            .iter()
            .chain(std::iter::once(&high_water_attribute(flavor)))
            .any(|a| a.eq_ignore_ascii_case(&lower));
        if SECRET_ATTRIBUTES.contains(&lower.as_str()) || (bookkeeping && !wanted(&lower)) {
            continue;
        }
        // Options such as `;binary` or `;range=` make names Latchkey does not model; skip.
        let _ = attributes.set(&name, values);
    }
    AccountEntry {
        name: entry.dn,
        attributes,
        state,
    }
}

/// The listing filter: the definition's, narrowed to entries changed since `since` when given.
pub(crate) fn listing_filter(
    def: &TargetDef,
    flavor: Flavor,
    since: Option<&str>,
) -> TargetResult<String> {
    let base = def.filter();
    let Some(mark) = since else {
        return Ok(base.to_owned());
    };
    // The mark comes from our own store, but it goes into a filter: accept only its shape.
    let ok = match flavor {
        Flavor::OpenLdap => mark
            .chars()
            .all(|c| c.is_ascii_digit() || c == 'Z' || c == '.'),
        Flavor::ActiveDirectory => mark.chars().all(|c| c.is_ascii_digit()),
    };
    if mark.is_empty() || !ok {
        return Err(TargetError::Config(format!(
            "the incremental mark {mark:?} is not valid for this directory"
        )));
    }
    Ok(format!(
        "(&{base}({}>={mark}))",
        high_water_attribute(flavor)
    ))
}

/// Higher of two marks (generalized times of one format compare as text; USNs as numbers).
fn later(flavor: Flavor, a: Option<String>, b: &str) -> Option<String> {
    let b_wins = match (&a, flavor) {
        (None, _) => true,
        (Some(a), Flavor::OpenLdap) => b > a.as_str(),
        (Some(a), Flavor::ActiveDirectory) => {
            b.parse::<u64>().unwrap_or(0) > a.parse::<u64>().unwrap_or(0)
        }
    };
    if b_wins { Some(b.to_owned()) } else { a }
}

/// A paged listing in progress on one pooled connection.
pub struct LdapPages {
    pub(crate) def: std::sync::Arc<TargetDef>,
    pub(crate) flavor: Flavor,
    pub(crate) stream: Option<SearchStream<'static, String, Vec<String>>>,
    pub(crate) conn: Option<Pooled<Ldap>>,
    pub(crate) page_size: usize,
    pub(crate) timeout: Duration,
    pub(crate) high_water: Option<String>,
}

impl std::fmt::Debug for LdapPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapPages")
            .field("target", &self.def.id)
            .field("done", &self.stream.is_none())
            .finish()
    }
}

impl LdapPages {
    /// Starts the paged search on `conn`.
    pub(crate) async fn start(
        mut conn: Pooled<Ldap>,
        def: std::sync::Arc<TargetDef>,
        flavor: Flavor,
        filter: String,
        page_size: u32,
        timeout: Duration,
    ) -> TargetResult<Self> {
        let attrs = requested(&def, flavor);
        let size = i32::try_from(page_size.clamp(1, 10_000)).unwrap_or(500);
        let ldap = conn
            .conn()
            .ok_or_else(|| TargetError::Unknown("no connection".into()))?;
        let started = tokio::time::timeout(
            timeout,
            ldap.streaming_search_with(
                PagedResults::new(size),
                &def.base_dn,
                Scope::Subtree,
                &filter,
                attrs,
            ),
        )
        .await;
        let stream = match started {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                conn.discard();
                return Err(classify(flavor, e));
            }
            Err(_) => {
                conn.discard();
                return Err(TargetError::Timeout);
            }
        };
        Ok(Self {
            def,
            flavor,
            stream: Some(stream),
            conn: Some(conn),
            page_size: usize::try_from(page_size.max(1)).unwrap_or(500),
            timeout,
            high_water: None,
        })
    }

    fn fail(&mut self, error: TargetError) -> TargetError {
        self.stream = None;
        if let Some(conn) = self.conn.take() {
            conn.discard();
        }
        error
    }
}

impl AccountPages for LdapPages {
    async fn next_page(&mut self) -> TargetResult<Option<Vec<AccountEntry>>> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(None);
        };
        let mut page = Vec::with_capacity(self.page_size);
        let hw_attr = high_water_attribute(self.flavor);
        while page.len() < self.page_size {
            let next = match tokio::time::timeout(self.timeout, stream.next()).await {
                Ok(Ok(next)) => next,
                Ok(Err(e)) => return Err(self.fail(classify(self.flavor, e))),
                Err(_) => return Err(self.fail(TargetError::Timeout)),
            };
            let Some(raw) = next else {
                let result = stream.finish().await;
                self.stream = None;
                self.conn = None;
                if result.rc != 0 {
                    return Err(classify_result(self.flavor, &result));
                }
                break;
            };
            if raw.is_ref() || raw.is_intermediate() {
                continue;
            }
            let entry = SearchEntry::construct(raw);
            if let Some(mark) = entry
                .attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(hw_attr))
                .and_then(|(_, v)| v.first())
            {
                self.high_water = later(self.flavor, self.high_water.take(), mark);
            }
            page.push(to_account(&self.def, self.flavor, entry));
        }
        Ok(if page.is_empty() && self.stream.is_none() {
            None
        } else {
            Some(page)
        })
    }

    fn high_water(&self) -> Option<String> {
        self.high_water.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::ids::TargetId;
    use latchkey_core::target::TargetKind;
    use std::collections::HashMap;

    fn def() -> TargetDef {
        let mut d = TargetDef::new(
            TargetId::new("L").unwrap(),
            TargetKind::Ldap,
            "ldap://127.0.0.1",
            "cn=svc",
        );
        d.base_dn = "dc=example,dc=org".into();
        d
    }

    #[test]
    fn secrets_and_bookkeeping_stay_out_of_attributes() {
        let entry = SearchEntry {
            dn: "uid=a,dc=example,dc=org".into(),
            attrs: HashMap::from([
                ("uid".to_owned(), vec!["a".to_owned()]),
                ("userPassword".to_owned(), vec!["{SSHA}x".to_owned()]),
                ("pwdReset".to_owned(), vec!["TRUE".to_owned()]),
                (
                    "pwdAccountLockedTime".to_owned(),
                    vec!["20250101000000Z".to_owned()],
                ),
                (
                    "modifyTimestamp".to_owned(),
                    vec!["20250101000000Z".to_owned()],
                ),
            ]),
            bin_attrs: HashMap::new(),
        };
        let a = to_account(&def(), Flavor::OpenLdap, entry);
        assert_eq!(a.attributes.len(), 1, "{:?}", a.attributes);
        assert!(a.state.must_change && a.state.locked && !a.state.disabled);
    }

    #[test]
    fn incremental_filters_accept_only_marks() {
        let d = def();
        assert_eq!(
            listing_filter(&d, Flavor::OpenLdap, Some("20250101000000Z")).unwrap(),
            "(&(objectClass=inetOrgPerson)(modifyTimestamp>=20250101000000Z))"
        );
        assert!(listing_filter(&d, Flavor::OpenLdap, Some("1)(uid=*")).is_err());
        assert!(listing_filter(&d, Flavor::ActiveDirectory, Some("12Z")).is_err());
        assert_eq!(
            later(Flavor::ActiveDirectory, Some("99".into()), "100"),
            Some("100".into())
        );
        assert_eq!(
            later(
                Flavor::OpenLdap,
                Some("20250102000000Z".into()),
                "20250101000000Z"
            ),
            Some("20250102000000Z".into())
        );
    }
}
