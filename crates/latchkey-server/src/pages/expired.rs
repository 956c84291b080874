//! An expired password: the person must change it before doing anything else.
//!
//! The "send new password and mark it expired" recovery mode ([`crate::login::forgot::send`])
//! marks the internal directory's password of a profile expired with the USERSTAT tag
//! `PWDMUSTCHANGE` = `1`. The sign-in still succeeds with it (the person has to prove they
//! hold it), but [`crate::pages::account::after_sign_in`] sends them to `/account/password`
//! instead of where they were going, and the home page does the same for as long as the mark
//! stays. Changing the password there (or choosing one through a "set" reset) clears the mark.

use crate::error::PageError;
use crate::state::AppState;
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::UserStatRepo;
use latchkey_core::userstat::UserStatTag;
use time::OffsetDateTime;

/// The value of the tag that marks a password expired.
const EXPIRED: &str = "1";
/// The value written when the mark is cleared (the tag store has no removal).
const CURRENT: &str = "0";

/// Must the person change their password before going on?
pub async fn must_change(app: &AppState, profile: ProfileId) -> Result<bool, PageError> {
    Ok(app
        .store
        .userstats(profile)
        .await?
        .iter()
        .any(|(tag, value)| *tag == UserStatTag::PwdMustChange && value == EXPIRED))
}

/// Marks the password expired (`true`) or current (`false`).
pub async fn mark(app: &AppState, profile: ProfileId, expired: bool) -> Result<(), PageError> {
    let value = if expired { EXPIRED } else { CURRENT };
    app.store
        .set_userstat(
            profile,
            &UserStatTag::PwdMustChange,
            value,
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(())
}

/// Clears the mark only when it is set (no write for everyone else's password change).
pub async fn clear(app: &AppState, profile: ProfileId) -> Result<(), PageError> {
    if must_change(app, profile).await? {
        mark(app, profile, false).await?;
    }
    Ok(())
}
