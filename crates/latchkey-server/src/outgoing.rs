//! Sending mail and SMS without making anyone wait for it, and without losing it.
//!
//! Handlers hand a message to [`send`] (or [`send_templated`], which renders the operator's
//! template first) and answer at once. Nothing about delivery reaches the answer: a slow, failing
//! or absent mail server changes neither the status nor the body nor (measurably) the timing of
//! what a person sees, so an anonymous visitor learns nothing about whether an address exists.
//!
//! **The durable queue.** With a master key (`keys.master_key_file`), `send` puts the message on
//! the `message_queue` table in a background task, and a worker ([`spawn_worker`], started by
//! [`crate::serve()`]) on any node delivers it: it claims due rows under a lease, keeps up to
//! [`QueueOptions::in_flight`] deliveries running (one lettre connection carries only about 20
//! messages a second against a local server, ten at once about 200; through the queue, with
//! its two writes per message, one worker delivered about 120 a second to the test sink), records the outcome, retries what may
//! succeed later with exponential backoff ([`RetryPolicy`]), and gives up after the budget,
//! keeping the row as a dead letter with its last error. Sent rows are purged after
//! [`QueueOptions::sent_retention`]. Delivery is *at least once*: a node that stops between the
//! mail server's acceptance and the `sent` update leaves a row whose lease runs out, and another
//! worker sends it again. SMTP offers nothing better.
//!
//! **At rest.** The body carries PINs and links, so it is sealed (AES-256-GCM) with a key derived
//! from the master key for this one purpose (`secret_box("outbox")`), bound to the message id as
//! associated data so a sealed body copied onto another row does not open. It is erased once the
//! row is sent or dead. The recipient and subject stay in clear: the worker routes by the
//! recipient and an operator looking at a stuck queue needs both; the recipient is already in
//! the profile table next door, and a subject is template text naming the kind of message —
//! templates refuse `{pin}` and `{link}` in subjects, so no secret can land there.
//!
//! **Without a master key** nothing can be sealed, and clear PINs are not written to the
//! database. Messages are then delivered directly from memory in a background task, once, as
//! before the queue existed; the worker logs at startup that the queue is not durable. A message
//! is never dropped silently: every failure is logged (without its body) and counted.
//!
//! **If the queue write fails** (database down), the message is delivered directly instead,
//! once, and the failure is logged; the request that caused it has already been answered. The
//! write happens in a background task, after the handler returned: a node killed in that
//! millisecond loses the message (the person asks again), the price of answering every request
//! in the same time whether or not it produced a message.
//!
//! Metrics: `latchkey_messages_total{kind,result}` (result: `queued`, `sent`, `retry`, `dead`,
//! `direct_sent`, `direct_failed`) and the gauge `latchkey_message_queue_depth{state}` (`pending`,
//! `dead`).

mod worker;

use crate::os::OsRandom;
use crate::state::AppState;
use latchkey_core::repo::SettingsRepo;
use latchkey_core::repo_queue::{Channel, MessageId, MessageQueueRepo, NewQueuedMessage};
use latchkey_core::settings::Settings;
use latchkey_notify::templates::{self, Templates, Vars};
use latchkey_notify::{Courier, MessageKind, OutgoingMessage, Recipient};
use time::OffsetDateTime;
use tokio::sync::Notify;

pub use latchkey_core::repo_queue::RetryPolicy;
pub use worker::{QueueOptions, spawn_worker, spawn_worker_with};

/// The purpose label of the key that seals queued bodies.
pub const SEAL_PURPOSE: &str = "outbox";

/// Wakes the workers of this process when a message was queued (other nodes' workers find it
/// at their next poll). Process-wide: a test process with several servers wakes them all, and
/// each finds nothing of another's in its own database.
static WAKE: Notify = Notify::const_new();

/// Delivers `message` in the background: through the durable queue when there is a master key,
/// directly otherwise. Never fails and never waits; see the module docs.
pub fn send(app: &AppState, message: OutgoingMessage) {
    let recipient = match message
        .validate()
        .and_then(|()| Recipient::parse(&message.to))
    {
        Ok(recipient) => recipient,
        Err(e) => {
            tracing::error!(kind = message.kind.as_str(), error = %e, "a message cannot be sent");
            return;
        }
    };
    if matches!(recipient, Recipient::Email(_)) && !app.mailer.is_enabled() {
        tracing::warn!(
            kind = message.kind.as_str(),
            "no mail is configured; a message was not sent"
        );
        return;
    }
    let app = app.clone();
    tokio::spawn(async move { dispatch(&app, message, &recipient).await });
}

/// Renders `kind` from the operator's templates (or the shipped ones) in `lang`, then
/// [`send`]s it to `to`. Rendering happens in the background too: it reads the settings table.
pub fn send_templated(app: &AppState, to: String, kind: MessageKind, lang: &str, vars: Vars) {
    let app = app.clone();
    let lang = lang.to_owned();
    tokio::spawn(async move {
        let templates = load_templates(&app).await;
        match templates.render(kind, &lang, &vars) {
            Ok(text) => send(
                &app,
                OutgoingMessage {
                    to,
                    subject: text.subject,
                    body_text: text.body,
                    kind,
                },
            ),
            Err(e) => {
                tracing::error!(kind = kind.as_str(), error = %e, "a message could not be written")
            }
        }
    });
}

/// The operator's templates over the shipped ones. Unusable overrides are logged as an error
/// naming the setting, and the shipped texts are used meanwhile.
pub async fn load_templates(app: &AppState) -> Templates {
    let settings = match app.store.settings().await {
        Ok(settings) => settings,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read message templates; using the shipped ones");
            return Templates::builtin();
        }
    };
    let rows = rows_of(&settings, templates::NAMESPACE);
    Templates::with_overrides(rows).unwrap_or_else(|e| {
        tracing::error!(error = %e, "message templates not usable; using the shipped ones");
        Templates::builtin()
    })
}

fn rows_of<'a>(
    settings: &'a Settings,
    namespace: &'a str,
) -> impl Iterator<Item = (&'a str, &'a str)> + Clone {
    settings
        .rows()
        .iter()
        .filter(move |r| r.namespace.eq_ignore_ascii_case(namespace))
        .map(|r| (r.setting.as_str(), r.value.as_str()))
}

/// The courier for this node: the mailer, plus the SMS settings of the settings table. Bad SMS
/// settings are logged and leave mail working.
pub(crate) async fn courier(app: &AppState) -> Courier {
    let mail_only = || Courier::new(app.mailer.clone());
    let settings = match app.store.settings().await {
        Ok(settings) => settings,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the SMS settings; sending mail only");
            return mail_only();
        }
    };
    let rows = settings
        .rows()
        .iter()
        .map(|r| (r.namespace.as_str(), r.setting.as_str(), r.value.as_str()));
    Courier::from_settings(app.mailer.clone(), rows).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the SMS settings are not usable; text messages fail");
        mail_only()
    })
}

async fn dispatch(app: &AppState, message: OutgoingMessage, recipient: &Recipient) {
    let Some(key) = &app.master_key else {
        return deliver_directly(app, &message).await;
    };
    let kind = message.kind.as_str();
    let queued = async {
        let sealer = key.secret_box(SEAL_PURPOSE).map_err(|e| e.to_string())?;
        let now = OffsetDateTime::now_utc();
        let id = MessageId::generate(now, &mut OsRandom);
        let sealed = sealer
            .seal(
                message.body_text.as_bytes(),
                id.to_string().as_bytes(),
                &mut OsRandom,
            )
            .map_err(|e| e.to_string())?;
        let row = NewQueuedMessage {
            id,
            kind: kind.to_owned(),
            channel: Channel::parse(recipient.channel_name()).unwrap_or(Channel::Email),
            recipient: message.to.clone(),
            subject: message.subject.clone(),
            sealed_body: sealed.to_string(),
            created_at: now,
        };
        app.store.enqueue(&row).await.map_err(|e| e.to_string())
    };
    match queued.await {
        Ok(()) => {
            count(kind, "queued");
            WAKE.notify_waiters();
        }
        Err(e) => {
            tracing::error!(
                kind,
                error = %e,
                "could not queue a message; delivering it directly, without retries"
            );
            deliver_directly(app, &message).await;
        }
    }
}

/// One attempt, from memory.
async fn deliver_directly(app: &AppState, message: &OutgoingMessage) {
    let kind = message.kind.as_str();
    match courier(app).await.send(message).await {
        Ok(()) => count(kind, "direct_sent"),
        Err(e) => {
            count(kind, "direct_failed");
            tracing::warn!(kind, error = %e, "could not send a message");
        }
    }
}

fn count(kind: &str, result: &'static str) {
    metrics::counter!("latchkey_messages_total", "kind" => kind.to_owned(), "result" => result)
        .increment(1);
}
