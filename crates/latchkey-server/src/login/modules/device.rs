//! The device cookie at the HTTP edge, and the `fingerprint` module that reads it.
//!
//! - [`presented`]: when a flow starts, the browser's device cookie is checked (signature and
//!   age, `latchkey_core::device`) and the profile it names kept in the request facts; a bad or
//!   expired cookie is simply not there.
//! - At identification, the browser counts as recognised only if that profile is the one just
//!   identified (`state.recognised_browser`, the `FINGERPRINT` state fact of selector rules).
//! - [`issue`]: every successful sign-in gives the browser a fresh cookie for that profile.
//!
//! Without a master key there are no device cookies: none is issued and none is recognised.

use super::{IGNORE, SUCCESS, Step, error, fail};
use crate::cookies::CookieKind;
use crate::login::state::LoginState;
use crate::os::OsRandom;
use crate::state::AppState;
use axum::http::HeaderMap;
use latchkey_core::chain::ModuleDef;
use latchkey_core::device::{DeviceKey, KEY_LABEL, LIFETIME};
use latchkey_core::ids::ProfileId;
use time::OffsetDateTime;

fn key(app: &AppState) -> Option<DeviceKey> {
    app.master_key
        .as_ref()
        .map(|master| DeviceKey::new(master.derive(KEY_LABEL)))
}

/// The profile named by a valid device cookie in this request, if any.
pub fn presented(app: &AppState, headers: &HeaderMap) -> Option<ProfileId> {
    let value = app.cookies.get(headers, CookieKind::Device)?;
    match key(app)?.verify(&value, OffsetDateTime::now_utc()) {
        Ok(claim) => Some(claim.profile),
        Err(e) => {
            tracing::debug!(reason = %e, "device cookie not recognised");
            None
        }
    }
}

/// The `Set-Cookie` value remembering this browser for `profile` (None without a master key).
pub fn issue(app: &AppState, profile: ProfileId) -> Option<String> {
    let value = key(app)?.issue(profile, OffsetDateTime::now_utc(), &mut OsRandom);
    Some(
        app.cookies
            .set(CookieKind::Device, &value, Some(LIFETIME.whole_seconds())),
    )
}

/// `fingerprint`: succeeds (weakly) for a recognised browser; otherwise fails, or is ignored
/// with `missing = ignore`.
pub fn fingerprint(state: &LoginState, module: &ModuleDef) -> Step {
    let missing = match super::simple::ignore_missing(module) {
        Ok(m) => m,
        Err(e) => return error(e),
    };
    if state.user.is_some() && state.recognised_browser {
        SUCCESS
    } else if missing {
        IGNORE
    } else {
        fail("browser not recognised")
    }
}
