//! Settings that are allowed but risky. The binary logs these at startup: each one is legitimate
//! somewhere (a laptop demo, a relay on the same host), so refusing to start would be wrong, but
//! in production each one exposes passwords or sessions.

use url::Host;

use crate::model::{Config, SmtpSecurity};
use crate::values::is_loopback_host;

impl Config {
    /// Human-readable warnings about risky but valid settings; empty when there is nothing to
    /// say.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let http = self.public_url.scheme() == "http";
        let public_is_local = self.public_url.host().is_some_and(|h| is_loopback_host(&h));
        if http && !public_is_local {
            warnings.push(format!(
                "public_url {} uses http:// on a non-loopback host: cookies will not be \
                 Secure-only in browsers and passwords cross the network unencrypted; use https",
                self.public_url
            ));
        }
        if http && !self.listen.ip().is_loopback() {
            warnings.push(format!(
                "listen {} accepts connections from other machines while public_url is http://: \
                 put a TLS-terminating proxy in front and set an https:// public_url",
                self.listen
            ));
        }
        if let Some(smtp) = &self.smtp {
            let local = Host::parse(&smtp.host).is_ok_and(|host| is_loopback_host(&host));
            if smtp.security == SmtpSecurity::Plaintext && !local && smtp.password.is_some() {
                warnings.push(format!(
                    "smtp.security is \"none\" and smtp.host {} is not loopback: the SMTP password \
                     is sent unencrypted; use starttls or tls",
                    smtp.host
                ));
            }
        }
        if let Some(outbox) = &self.outbox {
            warnings.push(format!(
                "outbox is set: mail is appended to {} instead of being sent; use this for demos \
                 only",
                outbox.display()
            ));
        }
        warnings
    }
}
