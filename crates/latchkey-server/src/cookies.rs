//! Reading and writing the cookies Latchkey sets: the session, the CSRF token, the sign-in flow
//! the device cookie of a recognised browser and the page language.
//!
//! All are `HttpOnly; SameSite=Lax; Path=/` and, whenever the public URL is https or a
//! loopback address (which browsers treat as secure), `Secure` with the `__Host-` prefix, so a
//! sibling domain or a plain-http page cannot plant or read them.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// Cookie names and attributes for this node.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    secure: bool,
}

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieKind {
    /// The login session.
    Session,
    /// Double-submit CSRF token.
    Csrf,
    /// A sign-in flow in progress.
    Flow,
    /// A browser that signed in before (signed; see `latchkey_core::device`).
    Device,
    /// The page language chosen with `?LANG=` or taken from `LASTLANG` (see `crate::i18n`).
    Lang,
}

impl CookiePolicy {
    /// Secure cookies for https and for loopback http (the demo).
    pub fn for_public_url(url: &url::Url) -> Self {
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        Self {
            secure: url.scheme() == "https" || loopback,
        }
    }

    /// The cookie's name.
    pub fn name(&self, kind: CookieKind) -> &'static str {
        match (kind, self.secure) {
            (CookieKind::Session, true) => "__Host-latchkey_session",
            (CookieKind::Session, false) => "latchkey_session",
            (CookieKind::Csrf, true) => "__Host-latchkey_csrf",
            (CookieKind::Csrf, false) => "latchkey_csrf",
            (CookieKind::Flow, true) => "__Host-latchkey_flow",
            (CookieKind::Flow, false) => "latchkey_flow",
            (CookieKind::Device, true) => "__Host-latchkey_device",
            (CookieKind::Device, false) => "latchkey_device",
            (CookieKind::Lang, true) => "__Host-latchkey_lang",
            (CookieKind::Lang, false) => "latchkey_lang",
        }
    }

    /// A `Set-Cookie` value; `max_age` None makes a browser-session cookie.
    pub fn set(&self, kind: CookieKind, value: &str, max_age: Option<i64>) -> String {
        let mut out = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax",
            self.name(kind)
        );
        if self.secure {
            out.push_str("; Secure");
        }
        if let Some(age) = max_age {
            out.push_str(&format!("; Max-Age={age}"));
        }
        out
    }

    /// A `Set-Cookie` value that deletes the cookie.
    pub fn clear(&self, kind: CookieKind) -> String {
        self.set(kind, "", Some(0))
    }

    /// The cookie's value in a request, if present.
    pub fn get(&self, headers: &HeaderMap, kind: CookieKind) -> Option<String> {
        let name = self.name(kind);
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn secure_prefix_on_https_and_loopback_only() {
        for (url, secure) in [
            ("https://sso.example.org/", true),
            ("http://127.0.0.1:8080/", true),
            ("http://localhost:8080/", true),
            ("http://[::1]:8080/", true),
            ("http://sso.example.org/", false),
        ] {
            let p = CookiePolicy::for_public_url(&url::Url::parse(url).unwrap());
            assert_eq!(
                p.name(CookieKind::Session).starts_with("__Host-"),
                secure,
                "{url}"
            );
            assert_eq!(
                p.set(CookieKind::Csrf, "v", None).contains("; Secure"),
                secure
            );
        }
    }

    #[test]
    fn reads_the_right_cookie() {
        let p = CookiePolicy::for_public_url(&url::Url::parse("https://x.example/").unwrap());
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("a=1; __Host-latchkey_session=abc"),
        );
        h.append(
            COOKIE,
            HeaderValue::from_static("__Host-latchkey_csrf=; other=2"),
        );
        assert_eq!(p.get(&h, CookieKind::Session).as_deref(), Some("abc"));
        assert_eq!(p.get(&h, CookieKind::Csrf), None);
        assert!(p.clear(CookieKind::Session).contains("Max-Age=0"));
    }
}
