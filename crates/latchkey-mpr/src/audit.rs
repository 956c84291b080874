//! Every run is audited: who planned, started, paused, resumed or cancelled which run, with its
//! scope and counts — never a password.

use crate::MprError;
use latchkey_core::ids::MprJobId;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AuditEvent, AuditRepo, ProfileRepo};
use latchkey_store::Store;
use time::OffsetDateTime;

/// Appends `action` (`mpr.start`, `mpr.pause` …) about run `job` by the administrator `by`
/// (a login id), with `detail` (JSON).
pub async fn record(
    store: &Store,
    action: &str,
    job: MprJobId,
    by: &str,
    detail: String,
) -> Result<(), MprError> {
    let actor = match LoginId::new(by) {
        Ok(login) => store.profile_by_login(&login).await?.map(|p| p.id),
        Err(_) => None,
    };
    store
        .append_audit(&AuditEvent {
            at: OffsetDateTime::now_utc(),
            actor,
            action: action.into(),
            subject: Some(format!("mpr:{job} by {by}")),
            detail,
        })
        .await?;
    Ok(())
}
