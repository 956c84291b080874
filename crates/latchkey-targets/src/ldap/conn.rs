//! Connections to a directory, and the mapping of LDAP failures onto [`TargetError`].

use latchkey_core::target::{TargetError, TargetResult, ad, ppolicy};
use ldap3::controls::RawControl;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, LdapResult};
use std::sync::Arc;
use std::time::Duration;

/// Which directory dialect a connector speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// OpenLDAP with slapo-ppolicy.
    OpenLdap,
    /// Active Directory / Samba AD DC.
    ActiveDirectory,
}

/// How to reach the directory.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) starttls: bool,
    /// A client configuration trusting the target's CA; the system roots when `None`.
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
    pub(crate) connect_timeout: Duration,
    pub(crate) op_timeout: Duration,
}

impl Endpoint {
    /// Whether the connection is encrypted.
    pub(crate) fn encrypted(&self) -> bool {
        self.starttls || self.url.to_ascii_lowercase().starts_with("ldaps://")
    }

    /// Opens a connection (TCP, then TLS or StartTLS as configured) within the connect
    /// timeout, and starts the task that drives it.
    pub(crate) async fn connect(&self) -> TargetResult<Ldap> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(self.connect_timeout)
            .set_starttls(self.starttls);
        if let Some(config) = &self.tls {
            settings = settings.set_config(Arc::clone(config));
        }
        let opened = tokio::time::timeout(
            self.connect_timeout,
            LdapConnAsync::with_settings(settings, &self.url),
        )
        .await
        .map_err(|_| TargetError::Timeout)?;
        let (conn, ldap) = opened.map_err(|e| classify(Flavor::OpenLdap, e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "directory connection ended");
            }
        });
        Ok(ldap)
    }
}

/// The password-policy request control (OpenLDAP): asks the server to say why.
pub(crate) fn ppolicy_request() -> RawControl {
    RawControl {
        ctype: ppolicy::REQUEST_OID.to_owned(),
        crit: false,
        val: None,
    }
}

/// AD's policy-hints control under `oid` (current or deprecated): an administrator's reset
/// honours the password history. Critical, so a server that does not know it refuses the
/// whole modify instead of applying it without the check.
pub(crate) fn policy_hints(oid: &str) -> RawControl {
    RawControl {
        ctype: oid.to_owned(),
        crit: true,
        val: Some(ad::POLICY_HINTS_VALUE.to_vec()),
    }
}

/// The decoded password-policy response control of a result, if there is one.
pub(crate) fn policy_response(result: &LdapResult) -> Option<ppolicy::PolicyResponse> {
    result
        .ctrls
        .iter()
        .find(|c| c.1.ctype == ppolicy::REQUEST_OID)
        .and_then(|c| c.1.val.as_deref())
        .and_then(ppolicy::decode_response)
}

/// Classifies a failed LDAP result.
pub(crate) fn classify_result(flavor: Flavor, result: &LdapResult) -> TargetError {
    let specific = match flavor {
        Flavor::OpenLdap => ppolicy::classify(result.rc, &result.text, policy_response(result)),
        Flavor::ActiveDirectory => ad::password_error(result.rc, &result.text),
    };
    if let Some(e) = specific {
        return e;
    }
    let text = if result.text.trim().is_empty() {
        format!("LDAP result code {}", result.rc)
    } else {
        format!("{} (LDAP result code {})", result.text.trim(), result.rc)
    };
    match result.rc {
        49 => TargetError::BadCredentials,
        32 => TargetError::NoSuchAccount(result.matched.clone()),
        3 => TargetError::Timeout,
        // busy, unavailable, other, server down (client side codes 80+ too)
        51 | 52 | 80..=91 => TargetError::Unreachable(text),
        8 | 13 => TargetError::Config(format!(
            "the directory requires an encrypted connection or stronger authentication: {text}"
        )),
        50 => TargetError::PermissionDenied(text),
        53 => TargetError::PermissionDenied(text),
        _ => TargetError::Unknown(text),
    }
}

/// Classifies any ldap3 failure.
pub(crate) fn classify(flavor: Flavor, error: LdapError) -> TargetError {
    match error {
        LdapError::LdapResult { result } => classify_result(flavor, &result),
        LdapError::Timeout { .. } => TargetError::Timeout,
        LdapError::Io { source } if source.kind() == std::io::ErrorKind::TimedOut => {
            TargetError::Timeout
        }
        LdapError::Io { source } => TargetError::Unreachable(source.to_string()),
        LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. }
        | LdapError::EndOfStream => {
            TargetError::Unreachable("the connection to the directory was closed".into())
        }
        LdapError::Rustls { source } => TargetError::Unreachable(format!("TLS: {source}")),
        LdapError::DNSName { source } => TargetError::Config(format!("TLS server name: {source}")),
        LdapError::UrlParsing { .. }
        | LdapError::UnknownScheme(_)
        | LdapError::EmptyUnixPath
        | LdapError::PortInUnixPath
        | LdapError::InvalidScopeString(_)
        | LdapError::UnrecognizedCriticalExtension(_) => {
            TargetError::Config(format!("URL: {error}"))
        }
        other => TargetError::Unknown(other.to_string()),
    }
}

/// Turns a result into `Ok` when its code is success.
pub(crate) fn check(flavor: Flavor, result: LdapResult) -> TargetResult<LdapResult> {
    if result.rc == 0 {
        Ok(result)
    } else {
        Err(classify_result(flavor, &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.into(),
            refs: vec![],
            ctrls: vec![],
        }
    }

    #[test]
    fn generic_codes_are_classified() {
        let f = Flavor::OpenLdap;
        assert_eq!(
            classify_result(f, &result(49, "")),
            TargetError::BadCredentials
        );
        assert!(matches!(
            classify_result(f, &result(52, "")),
            TargetError::Unreachable(_)
        ));
        assert!(matches!(
            classify_result(f, &result(50, "no write access")),
            TargetError::PermissionDenied(t) if t.contains("no write access")
        ));
        let ad = "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563";
        assert_eq!(
            classify_result(Flavor::ActiveDirectory, &result(49, ad)),
            TargetError::Disabled
        );
    }
}
