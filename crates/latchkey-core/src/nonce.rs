//! Mailed links: the mail-nonce module and the forgot-password link.
//!
//! **Token.** 256 bits ([`TokenSecret`]), sent only inside the link, stored only as its SHA-256
//! ([`TokenHash`]) in two places: the flow state of the browser that asked for it
//! ([`IssuedNonce`]) and the store's one-time tokens (purpose [`TOKEN_PURPOSE`], via
//! [`IssuedNonce::new_token`]).
//!
//! **Redemption** works only in the browser that started the flow and only once:
//!
//! 1. The edge loads the flow named by the browser's flow cookie and asks
//!    [`IssuedNonce::check_link`] with the token from the link, that flow's id and the user the
//!    flow has identified now. A browser without the cookie (another device, a mail scanner
//!    that pre-fetches links) finds no matching nonce and is refused **without consuming** the
//!    token, so a scanner cannot burn it.
//! 2. On [`LinkCheck::Redeem`] the edge calls `consume_token(hash, TOKEN_PURPOSE, now)`:
//!    exactly one of two concurrent clicks gets the token. [`redeemed`] turns that answer into
//!    the module outcome, checking once more that the consumed token is this user's and flow's.
//!
//! **Lifetime.** `max_age` is 60 minutes unless configured and never more than 24 hours: a
//! longer setting is cut to 24 h and reported as [`MaxAgeClamped`] for the config report.
//!
//! **Lockout** after failed redemptions ([`NonceLockout`]), per user across flows so that
//! starting new flows does not buy new attempts:
//!
//! ```text
//! Open(n, since) ──fail, within window, n + 1 < max──▶ Open(n + 1, since)
//! Open(n, since) ──fail, window over──────────────────▶ Open(1, now)   (or Locked if max = 1)
//! Open(n, since) ──fail, within window, n + 1 = max──▶ Locked(now + lockout_duration)
//! Locked(until)  ──now ≥ until────────────────────────▶ Open(0)
//! any            ──success────────────────────────────▶ Open(0)
//! ```
//!
//! The edge keeps the [`FailureState`] with the profile and saves it with a compare-and-set, so
//! two nodes cannot both count from the same old state.
//!
//! **Links** come from the configured public URL and a fixed path ([`link`]), never from a
//! `Host` or `X-Forwarded-*` header: a forged header cannot point a reset mail at another site.

use crate::chain::tally::Resolved;
use crate::ids::{FlowId, ProfileId};
use crate::random::RandomSource;
use crate::repo::{ConsumedToken, NewToken};
use crate::token::{TokenHash, TokenSecret, constant_time_eq};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use url::Url;

/// Lifetime unless configured.
pub const DEFAULT_MAX_AGE: Duration = Duration::minutes(60);
/// Longest lifetime ever used.
pub const MAX_MAX_AGE: Duration = Duration::hours(24);
/// Purpose of the one-time token in the store.
pub const TOKEN_PURPOSE: &str = "mail_nonce";
/// Query parameter that carries the token in the link.
pub const TOKEN_PARAM: &str = "token";

/// Settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NonceSettingsError {
    /// `max_age` not positive.
    #[error("link max age must be positive")]
    MaxAge,
    /// Lockout needs at least one failure and positive durations.
    #[error("lockout needs max failures >= 1 and positive window and duration")]
    Lockout,
}

/// The configured `max_age` was over 24 h and was cut to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxAgeClamped {
    /// What was configured.
    pub requested: Duration,
    /// What is used.
    pub used: Duration,
}

/// Failed-redemption lockout (midPoint's `lockoutMaxFailedAttempts`,
/// `lockoutFailedAttemptsDuration`, `lockoutDuration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceLockout {
    /// Failures within the window that lock.
    pub max_failures: u32,
    /// How long failures are remembered.
    pub failure_window: Duration,
    /// How long a lock lasts.
    pub lockout_duration: Duration,
}

impl Default for NonceLockout {
    fn default() -> Self {
        Self {
            max_failures: 3,
            failure_window: Duration::minutes(3),
            lockout_duration: Duration::minutes(15),
        }
    }
}

/// Validated settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceSettings {
    max_age: Duration,
    lockout: NonceLockout,
}

impl Default for NonceSettings {
    fn default() -> Self {
        Self {
            max_age: DEFAULT_MAX_AGE,
            lockout: NonceLockout::default(),
        }
    }
}

impl NonceSettings {
    /// Validates; a `max_age` over 24 h is cut to 24 h and reported.
    pub fn new(
        max_age: Duration,
        lockout: NonceLockout,
    ) -> Result<(Self, Option<MaxAgeClamped>), NonceSettingsError> {
        if !max_age.is_positive() {
            return Err(NonceSettingsError::MaxAge);
        }
        if lockout.max_failures == 0
            || !lockout.failure_window.is_positive()
            || !lockout.lockout_duration.is_positive()
        {
            return Err(NonceSettingsError::Lockout);
        }
        let clamped = (max_age > MAX_MAX_AGE).then_some(MaxAgeClamped {
            requested: max_age,
            used: MAX_MAX_AGE,
        });
        let max_age = max_age.min(MAX_MAX_AGE);
        Ok((Self { max_age, lockout }, clamped))
    }

    /// Lifetime of a link.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Lockout policy.
    pub fn lockout(&self) -> NonceLockout {
        self.lockout
    }
}

/// A link that was mailed: what the flow state keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedNonce {
    /// SHA-256 of the token.
    #[serde(with = "hash_text")]
    pub hash: TokenHash,
    /// Whom it was sent to.
    pub subject: ProfileId,
    /// The flow (and so the browser) it belongs to.
    pub flow: FlowId,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// Not valid from this time on.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Makes a token for `subject` in `flow`; the clear token goes into the link only.
pub fn issue(
    settings: &NonceSettings,
    subject: ProfileId,
    flow: FlowId,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> (TokenSecret, IssuedNonce) {
    let token = TokenSecret::generate(rng);
    let issued = IssuedNonce {
        hash: token.hash(),
        subject,
        flow,
        issued_at: now,
        expires_at: now.saturating_add(settings.max_age),
    };
    (token, issued)
}

/// The decision before consuming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCheck {
    /// Consume the token now (`consume_token(hash, TOKEN_PURPOSE, now)`).
    Redeem,
    /// The link is too old.
    Expired,
    /// Not this flow's link, or the flow now stands for another user: refuse, do not consume.
    Mismatch,
}

impl IssuedNonce {
    /// The one-time token row for the store.
    pub fn new_token(&self) -> NewToken {
        NewToken {
            hash: self.hash.clone(),
            purpose: TOKEN_PURPOSE.to_owned(),
            subject: self.subject,
            flow: Some(self.flow),
            created_at: self.issued_at,
            expires_at: self.expires_at,
        }
    }

    /// Checks a clicked link against this flow's nonce. `cookie_flow` is the flow named by the
    /// browser's cookie and `subject` the user that flow identifies now.
    pub fn check_link(
        &self,
        token: &TokenSecret,
        cookie_flow: FlowId,
        subject: ProfileId,
        now: OffsetDateTime,
    ) -> LinkCheck {
        let same_token = constant_time_eq(token.hash().as_str(), self.hash.as_str());
        if !same_token || self.flow != cookie_flow || self.subject != subject {
            LinkCheck::Mismatch
        } else if now >= self.expires_at {
            LinkCheck::Expired
        } else {
            LinkCheck::Redeem
        }
    }
}

/// The module outcome after `consume_token`: success only when this caller consumed the token
/// and it was issued to this user in this flow.
pub fn redeemed(issued: &IssuedNonce, consumed: Option<&ConsumedToken>) -> Resolved {
    match consumed {
        Some(t) if t.subject == issued.subject && t.flow == Some(issued.flow) => Resolved::Success,
        Some(_) => Resolved::Fail("nonce.mismatch".to_owned()),
        None => Resolved::Fail("nonce.used_or_expired".to_owned()),
    }
}

/// Failures remembered for one user (kept with the profile).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureState {
    /// Failures since `window_start`.
    pub failures: u32,
    /// First failure of the current window.
    #[serde(with = "time::serde::rfc3339::option")]
    pub window_start: Option<OffsetDateTime>,
    /// Locked until then.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
}

/// Whether a redemption may be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStatus {
    /// Yes; this many failures are left before the lock.
    Open {
        /// Failures left.
        failures_left: u32,
    },
    /// No, until then.
    Locked {
        /// End of the lock.
        until: OffsetDateTime,
    },
}

impl NonceLockout {
    /// Failures that still count at `now`, and when their window started.
    fn live(&self, state: &FailureState, now: OffsetDateTime) -> (u32, Option<OffsetDateTime>) {
        match state.window_start {
            _ if state.locked_until.is_some_and(|until| now >= until) => (0, None),
            Some(start) if now < start.saturating_add(self.failure_window) => {
                (state.failures, Some(start))
            }
            _ => (0, None),
        }
    }

    /// The status at `now`.
    pub fn status(&self, state: &FailureState, now: OffsetDateTime) -> LockStatus {
        if let Some(until) = state.locked_until.filter(|until| now < *until) {
            return LockStatus::Locked { until };
        }
        let (failures, _) = self.live(state, now);
        LockStatus::Open {
            failures_left: self.max_failures.saturating_sub(failures),
        }
    }

    /// The state after a failed redemption at `now`.
    pub fn record_failure(&self, state: &FailureState, now: OffsetDateTime) -> FailureState {
        if let LockStatus::Locked { .. } = self.status(state, now) {
            return state.clone();
        }
        let (failures, start) = self.live(state, now);
        let failures = failures.saturating_add(1);
        let locked_until =
            (failures >= self.max_failures).then(|| now.saturating_add(self.lockout_duration));
        FailureState {
            failures,
            window_start: Some(start.unwrap_or(now)),
            locked_until,
        }
    }

    /// The state after a successful redemption.
    pub fn record_success(&self) -> FailureState {
        FailureState::default()
    }
}

/// The link errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The public URL must be absolute http(s) with a host and no credentials, query or fragment.
    #[error("public URL must be http(s) with a host and no user, query or fragment")]
    PublicUrl,
    /// The path must be relative segments of `A–Z a–z 0–9 - _ . ~` (no `..`, no empty segment).
    #[error("link path {0:?} is not a plain relative path")]
    Path(String),
}

/// `<public_url>/<path>?token=<token>`. The public URL may carry a path prefix
/// (`https://sso.example/latchkey/`); `path` is appended below it. Nothing else goes in: there
/// is no way to pass a request header here.
pub fn link(public_url: &Url, path: &str, token: &TokenSecret) -> Result<Url, LinkError> {
    let scheme_ok = matches!(public_url.scheme(), "https" | "http");
    if !scheme_ok
        || public_url.host_str().is_none()
        || !public_url.username().is_empty()
        || public_url.password().is_some()
        || public_url.query().is_some()
        || public_url.fragment().is_some()
    {
        return Err(LinkError::PublicUrl);
    }
    let relative = path.strip_prefix('/').unwrap_or(path);
    let segments: Vec<&str> = relative.split('/').collect();
    let segment_ok = |s: &&str| {
        !s.is_empty()
            && *s != "."
            && *s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
    };
    if !segments.iter().all(segment_ok) {
        return Err(LinkError::Path(path.to_owned()));
    }
    let mut url = public_url.clone();
    url.path_segments_mut()
        .map_err(|()| LinkError::PublicUrl)?
        .pop_if_empty()
        .extend(segments);
    url.query_pairs_mut()
        .append_pair(TOKEN_PARAM, token.expose());
    Ok(url)
}

/// `TokenHash` as its hex text in the flow state.
mod hash_text {
    use crate::token::TokenHash;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &TokenHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(hash.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TokenHash, D::Error> {
        String::deserialize(d).map(TokenHash::from_stored)
    }
}

#[cfg(test)]
#[path = "nonce_tests.rs"]
mod tests;
