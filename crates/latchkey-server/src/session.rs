//! Logged-in sessions: a random id in a cookie, its SHA-256 in the store.

use crate::cookies::{CookieKind, CookiePolicy};
use crate::os::OsRandom;
use axum::http::HeaderMap;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{ProfileRepo, RepoError, SessionRecord, SessionRepo};
use latchkey_core::token::{TokenHash, TokenSecret};
use latchkey_store::Store;
use time::{Duration, OffsetDateTime};

/// How long a session lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(8);

/// The person behind a request, when logged in.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    /// Their profile.
    pub profile: Profile,
    /// The session's hash (to end it).
    pub hash: TokenHash,
}

/// Starts a session: a fresh id every login (no fixation), returns the `Set-Cookie` value.
pub async fn start(
    store: &Store,
    cookies: &CookiePolicy,
    profile: &Profile,
    user_agent: &str,
) -> Result<String, RepoError> {
    let secret = TokenSecret::generate(&mut OsRandom);
    let now = OffsetDateTime::now_utc();
    store
        .create_session(&SessionRecord {
            hash: secret.hash(),
            profile: profile.id,
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
            user_agent: user_agent.chars().take(200).collect(),
        })
        .await?;
    Ok(cookies.set(
        CookieKind::Session,
        secret.expose(),
        Some(SESSION_LIFETIME.whole_seconds()),
    ))
}

/// The session of a request, if its cookie names a live one and the profile may still act.
pub async fn current(
    store: &Store,
    cookies: &CookiePolicy,
    headers: &HeaderMap,
) -> Result<Option<CurrentSession>, RepoError> {
    let Some(raw) = cookies.get(headers, CookieKind::Session) else {
        return Ok(None);
    };
    let hash = TokenSecret::from_user(&raw).hash();
    let Some(record) = store.session(&hash, OffsetDateTime::now_utc()).await? else {
        return Ok(None);
    };
    match store.profile_by_id(record.profile).await? {
        Some(profile) if profile.may_authenticate() => Ok(Some(CurrentSession { profile, hash })),
        _ => Ok(None),
    }
}
