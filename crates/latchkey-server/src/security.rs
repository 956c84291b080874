//! Request hardening: security headers on every answer, CSRF checks on every form.
//!
//! CSRF uses a double-submit token: a random value in a `SameSite=Lax`, `HttpOnly` cookie and
//! the same value in a hidden form field, compared in constant time. A request whose `Origin`
//! header names another origin is refused before that.

use crate::cookies::{CookieKind, CookiePolicy};
use crate::error::PageError;
use crate::os::OsRandom;
use axum::extract::Request;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use latchkey_core::token::{TokenSecret, constant_time_eq};

/// Adds the headers every answer carries.
pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    response
}

/// The CSRF token for a form page: the request's cookie value, or a new one to set.
pub fn csrf_token(cookies: &CookiePolicy, headers: &HeaderMap) -> (String, Option<String>) {
    match cookies.get(headers, CookieKind::Csrf) {
        Some(existing) if existing.len() == 43 => (existing, None),
        _ => {
            let fresh = TokenSecret::generate(&mut OsRandom).expose().to_owned();
            let cookie = cookies.set(CookieKind::Csrf, &fresh, None);
            (fresh, Some(cookie))
        }
    }
}

/// Checks a form post: same origin (when the browser says), and the form's token equals the
/// cookie's.
pub fn check_form(
    cookies: &CookiePolicy,
    public_origin: &str,
    headers: &HeaderMap,
    form_token: &str,
) -> Result<(), PageError> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        // Browsers send `Origin: null` for a same-site form on a page whose Referrer-Policy is
        // `no-referrer` (the pages that carry a token in their address). Such a request proves
        // nothing either way, so the CSRF token below decides, as for a request without Origin.
        if origin != public_origin && origin != "null" {
            return Err(PageError::Forbidden(
                "This form was sent from another site and was refused.".into(),
            ));
        }
    }
    let cookie = cookies.get(headers, CookieKind::Csrf).unwrap_or_default();
    if cookie.is_empty() || !constant_time_eq(&cookie, form_token) {
        return Err(PageError::Forbidden(
            "This form has expired. Go back, reload the page and try again.".into(),
        ));
    }
    Ok(())
}
