//! Small helpers the mass-reset and vault pages share: times for people, and the one inline
//! script a page may carry.
//!
//! Every answer gets a Content-Security-Policy that allows scripts from this site only
//! ([`crate::security::headers`] sets it unless the handler did). A page with a small inline
//! script (the live progress of a run, the "Copy" button of a revealed secret) sets its own
//! policy instead: the same rules, plus a random nonce that only its own `<script>` carries, so
//! an injected script still does not run.

use crate::os::OsRandom;
use axum::http::header::{self, HeaderValue};
use axum::response::Response;
use latchkey_core::token::TokenSecret;
use time::{OffsetDateTime, UtcOffset};

/// `YYYY-MM-DD hh:mm:ss UTC`.
pub fn utc(at: OffsetDateTime) -> String {
    let t = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A fresh nonce for one page's inline script (256 bits from the OS, URL-safe base64).
pub fn script_nonce() -> String {
    TokenSecret::generate(&mut OsRandom).expose().to_owned()
}

/// Sets the page's policy: the site-wide one, with the inline script of `nonce` allowed.
pub fn allow_inline_script(response: &mut Response, nonce: &str) {
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; \
         object-src 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_utc() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(utc(at), "2023-11-14 22:13:20 UTC");
    }

    #[test]
    fn nonces_differ_and_fit_a_header() {
        let (a, b) = (script_nonce(), script_nonce());
        assert_ne!(a, b);
        let mut r = Response::new(axum::body::Body::empty());
        allow_inline_script(&mut r, &a);
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains(&format!("'nonce-{a}'")), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
    }
}
