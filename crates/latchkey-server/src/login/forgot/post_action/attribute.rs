//! Attribute writes of a forgotten-password profile (`FORGOTTEN_PASSWORD /
//! POST_ACTION_ATTRIBUTE`, built by [`latchkey_core::sspr::post_attribute`]): after a reset or
//! an unlock succeeded, each row's attribute is replaced on the person's account on the row's
//! target, in the background task of [`super::fire`], one row after the other in the order
//! configured (two rows for one attribute: the later one stays).
//!
//! The account is the one discovery associated with the person on that target; a person
//! without one is skipped (`no_account`). Each write gets one attempt and up to two more, only
//! when the target was unreachable or did not answer in time (a replace may be repeated
//! safely), waiting [`super::FIRST_BACKOFF`], then twice as long. Nothing here can undo or delay
//! the reset.
//!
//! Every outcome is logged (target, account, attribute, result, attempts — never the value,
//! which may carry the person's name or address), counted in
//! `latchkey_post_action_attributes_total{result}` (`written`, `failed`, `no_account`), and
//! written to the audit log as `post_action.attribute`.

use super::FIRST_BACKOFF;
use crate::pages::change_password::audit;
use crate::state::AppState;
use latchkey_core::account::Account;
use latchkey_core::profile::Profile;
use latchkey_core::repo::AccountRepo;
use latchkey_core::sspr::AttributeWrite;
use latchkey_core::sspr::post_action::Facts;
use latchkey_core::target::{TargetConnector, TargetError};

/// Attempts per write, at most (the first and two retries).
pub const ATTEMPTS: u32 = 3;

/// How one write ended.
struct Outcome {
    /// `written`, `failed` or `no_account`.
    result: &'static str,
    /// The account written (its name on the target), when there is one.
    account: Option<String>,
    /// Attempts made on the target.
    attempts: u32,
    /// Why it failed: the error's class and text.
    error: Option<(&'static str, String)>,
}

impl Outcome {
    fn failed(account: Option<String>, attempts: u32, class: &'static str, why: String) -> Self {
        Self {
            result: "failed",
            account,
            attempts,
            error: Some((class, why)),
        }
    }
}

/// Runs `writes` for `person`, one after the other (see the module docs).
pub(super) async fn write_all(
    app: &AppState,
    person: &Profile,
    writes: &[AttributeWrite],
    facts: &Facts,
) {
    if writes.is_empty() {
        return;
    }
    let accounts = app.store.accounts_of_owner(person.id).await;
    for write in writes {
        let outcome = match &accounts {
            Ok(accounts) => write_one(app, accounts, write, facts).await,
            Err(e) => Outcome::failed(None, 0, "store", e.to_string()),
        };
        report(app, person, facts, write, &outcome).await;
    }
}

async fn write_one(
    app: &AppState,
    accounts: &[Account],
    write: &AttributeWrite,
    facts: &Facts,
) -> Outcome {
    let Some(account) = accounts.iter().find(|a| a.target_id == write.target) else {
        return Outcome {
            result: "no_account",
            account: None,
            attempts: 0,
            error: None,
        };
    };
    let name = Some(account.account_name.clone());
    let value = match write.render(facts) {
        Ok(value) => value,
        Err(e) => return Outcome::failed(name, 0, "config", e.to_string()),
    };
    let connector = match app
        .connectors
        .get(&app.store, app.master_key.as_ref(), &write.target)
        .await
    {
        Ok(Some(c)) => c,
        Ok(None) => {
            let why = format!("no target {} is defined", write.target);
            return Outcome::failed(name, 0, "config", why);
        }
        Err(e) => return Outcome::failed(name, 0, "config", e.to_string()),
    };
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let done = connector
            .replace_attribute(&account.account_name, &write.attribute, &value)
            .await;
        match done {
            Ok(()) => {
                return Outcome {
                    result: "written",
                    account: name,
                    attempts,
                    error: None,
                };
            }
            Err(e @ (TargetError::Unreachable(_) | TargetError::Timeout))
                if attempts < ATTEMPTS =>
            {
                tracing::info!(
                    target = %write.target,
                    attribute = %write.attribute,
                    attempt = attempts,
                    error = %e,
                    "a post-action attribute write failed; trying again"
                );
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
            Err(e) => return Outcome::failed(name, attempts, e.class(), e.to_string()),
        }
    }
}

/// The log line, the count and the audit event of one write.
async fn report(
    app: &AppState,
    person: &Profile,
    facts: &Facts,
    write: &AttributeWrite,
    outcome: &Outcome,
) {
    let account = outcome.account.as_deref().unwrap_or_default();
    match (outcome.result, &outcome.error) {
        ("written", _) => tracing::info!(
            target = %write.target,
            account,
            attribute = %write.attribute,
            attempts = outcome.attempts,
            "post-action attribute written"
        ),
        ("no_account", _) => tracing::info!(
            target = %write.target,
            attribute = %write.attribute,
            "post-action attribute skipped: no account on the target for this person"
        ),
        (_, error) => tracing::warn!(
            target = %write.target,
            account,
            attribute = %write.attribute,
            attempts = outcome.attempts,
            class = error.as_ref().map(|(c, _)| *c).unwrap_or_default(),
            error = error.as_ref().map(|(_, e)| e.as_str()).unwrap_or_default(),
            "post-action attribute write failed; the reset stands"
        ),
    }
    metrics::counter!("latchkey_post_action_attributes_total", "result" => outcome.result)
        .increment(1);
    let detail = serde_json::json!({
        "profile": facts.profile,
        "action": facts.action.as_str(),
        "target": write.target.as_str(),
        "account": outcome.account,
        "attribute": write.attribute,
        "result": outcome.result,
        "attempts": outcome.attempts,
        "class": outcome.error.as_ref().map(|(c, _)| c),
        "error": outcome.error.as_ref().map(|(_, e)| e),
    })
    .to_string();
    audit(app, person, "post_action.attribute", detail).await;
}
