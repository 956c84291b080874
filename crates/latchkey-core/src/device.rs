//! The device cookie: how a browser that signed in before is recognised (the `FINGERPRINT`
//! state fact of selector rules, and the `fingerprint` module).
//!
//! After a successful sign-in the edge gives the browser a cookie naming the profile, a random
//! device id and the time it was issued, signed with HMAC-SHA256 under a key derived from the
//! master key (label [`KEY_LABEL`]). Nothing is stored on the server: the signature is the
//! proof. At identification a cookie counts only if its signature is right, it has not expired
//! ([`LIFETIME`]) and it names the profile just identified; anything else is ignored, never an
//! error (a stale or foreign cookie must not stop anyone signing in).
//!
//! Format (ASCII, cookie-safe): `v1.<profile id>.<device id>.<issued, unix seconds>.<mac>`,
//! device id and mac in unpadded base64url. The mac covers a fixed context string and the four
//! fields before it, so a value signed for another purpose with the same key cannot pass.
//!
//! A recognised browser is a weak factor: it proves possession of a cookie this server issued,
//! which anyone who copies the cookie also has. Revoking every cookie at once means changing
//! the master key; a single device cannot be revoked (no server-side list), which is why the
//! shipped chains use it only as a second factor after a password.

use crate::ids::ProfileId;
use crate::random::RandomSource;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// The label of the derived signing key (`MasterKey::derive`).
pub const KEY_LABEL: &str = "device-cookie";
/// How long a device stays recognised.
pub const LIFETIME: Duration = Duration::days(365);
/// How far in the future an issue time may be (clocks of nodes disagree a little).
const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Longer values are refused before any parsing.
const MAX_LEN: usize = 256;
/// Bytes of the random device id (128 bits).
const DEVICE_ID_BYTES: usize = 16;
const VERSION: &str = "v1";
const CONTEXT: &[u8] = b"latchkey device cookie\0";

/// What a valid cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceClaim {
    /// The profile that signed in on this browser.
    pub profile: ProfileId,
    /// The random id of this browser's cookie (for logs; not secret, not stored).
    pub device_id: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
}

/// Why a cookie is not recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeviceCookieError {
    /// Not in the cookie's format.
    #[error("the device cookie is malformed")]
    Malformed,
    /// The signature does not match (tampered, or signed with another key).
    #[error("the device cookie's signature is not valid")]
    BadSignature,
    /// Older than [`LIFETIME`], or issued in the future.
    #[error("the device cookie has expired")]
    Expired,
}

/// The signing key, derived from the master key.
pub struct DeviceKey(Zeroizing<[u8; 32]>);

impl DeviceKey {
    /// From the derived key bytes (`master_key.derive(KEY_LABEL)`).
    pub fn new(key: Zeroizing<[u8; 32]>) -> Self {
        Self(key)
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail; a fresh zero-key MAC would only
        // make every cookie unrecognised.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_slice())
            .unwrap_or_else(|_| Hmac::<Sha256>::new(&Default::default()));
        mac.update(CONTEXT);
        mac.update(body.as_bytes());
        mac
    }

    /// A new cookie value for `profile`, with a fresh device id.
    pub fn issue(
        &self,
        profile: ProfileId,
        now: OffsetDateTime,
        rng: &mut dyn RandomSource,
    ) -> String {
        let mut id = [0u8; DEVICE_ID_BYTES];
        rng.fill_bytes(&mut id);
        let body = format!(
            "{VERSION}.{profile}.{}.{}",
            URL_SAFE_NO_PAD.encode(id),
            now.unix_timestamp()
        );
        let tag = self.mac(&body).finalize().into_bytes();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks a cookie value at `now`: signature first (in constant time), then expiry.
    pub fn verify(
        &self,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<DeviceClaim, DeviceCookieError> {
        if value.len() > MAX_LEN || !value.is_ascii() {
            return Err(DeviceCookieError::Malformed);
        }
        let (body, tag) = value.rsplit_once('.').ok_or(DeviceCookieError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| DeviceCookieError::Malformed)?;
        self.mac(body)
            .verify_slice(&tag)
            .map_err(|_| DeviceCookieError::BadSignature)?;
        let mut parts = body.split('.');
        let (Some(VERSION), Some(profile), Some(device_id), Some(issued), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(DeviceCookieError::Malformed);
        };
        let profile: ProfileId = profile.parse().map_err(|_| DeviceCookieError::Malformed)?;
        let issued_at = issued
            .parse::<i64>()
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .ok_or(DeviceCookieError::Malformed)?;
        if issued_at > now + CLOCK_SKEW || now >= issued_at + LIFETIME {
            return Err(DeviceCookieError::Expired);
        }
        Ok(DeviceClaim {
            profile,
            device_id: device_id.to_owned(),
            issued_at,
        })
    }

    /// Does `value` recognise this browser for `profile` at `now`? Every failure is a no.
    pub fn recognises(&self, value: &str, profile: ProfileId, now: OffsetDateTime) -> bool {
        self.verify(value, now)
            .is_ok_and(|claim| claim.profile == profile)
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKey([redacted])")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;
    use crate::random::SeededRandom;

    fn key(seed: u64) -> DeviceKey {
        DeviceKey::new(MasterKey::generate(&mut SeededRandom::new(seed)).derive(KEY_LABEL))
    }

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn profile(n: u64) -> ProfileId {
        ProfileId::generate(at(1_700_000_000), &mut SeededRandom::new(n))
    }

    #[test]
    fn a_fresh_cookie_is_recognised_for_its_profile_only() {
        let k = key(1);
        let (alice, bob) = (profile(1), profile(2));
        let now = at(1_800_000_000);
        let cookie = k.issue(alice, now, &mut SeededRandom::new(9));
        let claim = k.verify(&cookie, now).unwrap();
        assert_eq!(claim.profile, alice);
        assert_eq!(claim.issued_at, now);
        assert_eq!(claim.device_id.len(), 22, "128-bit device id");
        assert!(k.recognises(&cookie, alice, now));
        assert!(!k.recognises(&cookie, bob, now));
        // Each sign-in gets its own device id.
        let again = k.issue(alice, now, &mut SeededRandom::new(10));
        assert_ne!(k.verify(&again, now).unwrap().device_id, claim.device_id);
        assert!(
            cookie
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        );
    }

    #[test]
    fn tampering_and_other_keys_are_refused() {
        let k = key(1);
        let (alice, bob) = (profile(1), profile(2));
        let now = at(1_800_000_000);
        let cookie = k.issue(alice, now, &mut SeededRandom::new(9));
        // Another deployment's key.
        assert_eq!(
            key(2).verify(&cookie, now),
            Err(DeviceCookieError::BadSignature)
        );
        // The profile swapped for another, signature kept.
        let swapped = cookie.replace(&alice.to_string(), &bob.to_string());
        assert_eq!(
            k.verify(&swapped, now),
            Err(DeviceCookieError::BadSignature)
        );
        // Issue time moved (to stretch the lifetime).
        let issued = now.unix_timestamp().to_string();
        let later = cookie.replace(&issued, &(now.unix_timestamp() + 1).to_string());
        assert_eq!(k.verify(&later, now), Err(DeviceCookieError::BadSignature));
        // One character of the mac flipped.
        let mut chars: Vec<char> = cookie.chars().collect();
        let last = chars.len() - 1;
        chars[last] = if chars[last] == 'A' { 'B' } else { 'A' };
        let flipped: String = chars.into_iter().collect();
        assert!(k.verify(&flipped, now).is_err());
        for junk in [
            "",
            "v1",
            "v1.a.b.c.d",
            "....",
            &"x".repeat(300),
            "v1.é.x.1.y",
        ] {
            assert!(k.verify(junk, now).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn cookies_expire_after_a_year() {
        let k = key(3);
        let alice = profile(1);
        let issued = at(1_800_000_000);
        let cookie = k.issue(alice, issued, &mut SeededRandom::new(1));
        assert!(k.recognises(&cookie, alice, issued + LIFETIME - Duration::seconds(1)));
        assert_eq!(
            k.verify(&cookie, issued + LIFETIME),
            Err(DeviceCookieError::Expired)
        );
        // Issued more than the allowed skew in the future (a node's clock far ahead).
        assert_eq!(
            k.verify(&cookie, issued - Duration::minutes(10)),
            Err(DeviceCookieError::Expired)
        );
        assert!(k.recognises(&cookie, alice, issued - Duration::minutes(1)));
    }
}
