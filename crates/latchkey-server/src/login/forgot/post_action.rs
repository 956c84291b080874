//! The post actions of a forgotten-password profile: after a reset or an unlock has succeeded
//! (the flow is finished and the directory changed), the profile's webhooks
//! (`FORGOTTEN_PASSWORD / POST_ACTION_WEBHOOK`, built by [`latchkey_core::sspr::post_action`])
//! are called and its attribute writes (`FORGOTTEN_PASSWORD / POST_ACTION_ATTRIBUTE`, see
//! the `attribute` module) made on the person's target accounts.
//!
//! [`fire`] reads the profile's post actions (those in force when the reset happened), spawns a
//! task and returns: the calls are rendered and made in the background, so a slow, failing or absent endpoint changes neither the page the
//! person gets nor its timing, and nothing it does can undo the reset. Each webhook gets up to
//! [`ATTEMPTS`] calls of at most [`TIMEOUT`] each; a retryable failure (no connection, a
//! timeout, HTTP 408, 429 or 5xx) waits [`FIRST_BACKOFF`], then twice as long, before the next.
//!
//! The retries live in memory: unlike mail, a webhook is not put on the durable queue, so a node
//! that stops while retrying drops it (the audit log then has no outcome for that event).
//!
//! Every outcome is logged (endpoint `scheme://host:port`, method, status, attempts — never
//! the URL, whose query may name the person, nor the body), counted in
//! `latchkey_webhooks_total{result}` (`sent`, `failed`), and written to the audit log as
//! `post_action.webhook`. No password, code or token is ever in a call: no macro has one.
//!
//! The attribute writes run in the same background task, after the webhooks are started, one
//! after the other; see the `attribute` module for their retries, logs, metric and audit events.

mod attribute;

use super::search::configuration;
use crate::pages::change_password::audit;
use crate::state::AppState;
use latchkey_core::profile::Profile;
use latchkey_core::sspr::ResetProfile;
use latchkey_core::sspr::post_action::{Action, Facts, WebhookRequest};
use latchkey_notify::webhook::{self, WebhookCall};
use std::time::Duration;
use time::OffsetDateTime;

/// Calls per webhook, at most.
pub const ATTEMPTS: u32 = 3;
/// The deadline of one call (connecting, sending and the answer's status).
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before the second call; it doubles before each further one.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Calls the webhooks of the forgotten-password profile `sspr_profile` for `person`, in the
/// background (see the module docs). `now` is when the reset or unlock happened. The profile's
/// post actions are read here, before the task starts: the ones in force when the reset
/// happened run, whatever the settings say by the time the task gets to them.
pub async fn fire(
    app: &AppState,
    person: &Profile,
    sspr_profile: Option<String>,
    action: Action,
    now: OffsetDateTime,
) {
    let Some(name) = sspr_profile else {
        tracing::debug!("a reset flow without a forgotten-password profile: no post actions");
        return;
    };
    let config = match configuration(app).await {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "post actions not run: the configuration cannot be read");
            return;
        }
    };
    let Some(profile) = config
        .profiles
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(&name))
    else {
        tracing::warn!(profile = %name, "post actions not run: the profile is no longer configured");
        return;
    };
    let app = app.clone();
    let person = person.clone();
    tokio::spawn(async move { run(app, person, profile, action, now).await });
}

async fn run(
    app: AppState,
    person: Profile,
    profile: ResetProfile,
    action: Action,
    now: OffsetDateTime,
) {
    let facts = Facts {
        login: person.login_id.to_string(),
        name: person.display_name.clone(),
        mail: person.email.clone(),
        profile: profile.name.clone(),
        action,
        time: now,
    };
    for hook in &profile.webhooks {
        match hook.render(&facts) {
            Ok(request) => {
                let app = app.clone();
                let person = person.clone();
                let profile = profile.name.clone();
                tokio::spawn(async move {
                    deliver(&app, &person, &profile, action, request).await;
                });
            }
            Err(e) => tracing::error!(
                profile = %profile.name,
                error = %e,
                "FORGOTTEN_PASSWORD/POST_ACTION_WEBHOOK: a webhook could not be filled in"
            ),
        }
    }
    attribute::write_all(&app, &person, &profile.attribute_writes, &facts).await;
}

/// Up to [`ATTEMPTS`] calls of one webhook, then the log line, the count and the audit event.
async fn deliver(
    app: &AppState,
    person: &Profile,
    profile: &str,
    action: Action,
    request: WebhookRequest,
) {
    let call = WebhookCall {
        method: request.method.as_str().to_owned(),
        url: request.url,
        body: request.body,
        endpoint: request.endpoint,
    };
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    let outcome = loop {
        attempts += 1;
        match webhook::call(&call, TIMEOUT).await {
            Err(e) if e.retryable() && attempts < ATTEMPTS => {
                tracing::info!(
                    endpoint = %call.endpoint,
                    attempt = attempts,
                    error = %e,
                    "a post-action webhook failed; trying again"
                );
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
            other => break other,
        }
    };
    let (result, status, error) = match &outcome {
        Ok(status) => {
            tracing::info!(
                endpoint = %call.endpoint,
                method = %call.method,
                status,
                attempts,
                "post-action webhook delivered"
            );
            ("sent", Some(*status), None)
        }
        Err(e) => {
            tracing::warn!(
                endpoint = %call.endpoint,
                method = %call.method,
                status = e.status(),
                attempts,
                error = %e,
                "post-action webhook failed; the reset stands"
            );
            ("failed", e.status(), Some(e.to_string()))
        }
    };
    metrics::counter!("latchkey_webhooks_total", "result" => result).increment(1);
    let detail = serde_json::json!({
        "profile": profile,
        "action": action.as_str(),
        "method": call.method,
        "endpoint": call.endpoint,
        "result": result,
        "status": status,
        "attempts": attempts,
        "error": error,
    })
    .to_string();
    audit(app, person, "post_action.webhook", detail).await;
}
