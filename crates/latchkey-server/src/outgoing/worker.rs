//! The queue worker: claims due messages under a lease, delivers up to
//! [`QueueOptions::in_flight`] at once, and records each outcome.
//!
//! The loop waits for a free delivery slot, then claims as many due rows as there are free
//! slots, and starts one task per row. When nothing is due it sleeps until a message is queued
//! in this process ([`super::WAKE`]) or [`QueueOptions::poll`] passes (for retries coming due
//! and for messages queued by other nodes). Every few seconds it refreshes the queue-depth
//! gauge, and every hour it purges old sent and dead rows.

use super::{SEAL_PURPOSE, WAKE, count, courier};
use crate::os::OsRandom;
use crate::state::AppState;
use latchkey_core::random::RandomSource;
use latchkey_core::repo_queue::{ClaimedMessage, MessageQueueRepo, RetryDecision, RetryPolicy};
use latchkey_core::secretbox::{Sealed, SecretBox};
use latchkey_notify::{Courier, MessageKind, NotifyError, OutgoingMessage};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinHandle;

/// How a worker runs. The defaults suit production; tests shorten the delays.
#[derive(Debug, Clone, Copy)]
pub struct QueueOptions {
    /// Backoff and attempt budget.
    pub retry: RetryPolicy,
    /// Deliveries running at once.
    pub in_flight: usize,
    /// How long a claimed message is this worker's. Longer than any one delivery may take.
    pub lease: Duration,
    /// One delivery's time limit (shorter than the lease, so the lease never runs out under a
    /// delivery that is still going).
    pub send_timeout: Duration,
    /// How often to look for due messages when not woken.
    pub poll: Duration,
    /// How long sent rows are kept (without their body).
    pub sent_retention: Duration,
    /// How long dead letters are kept.
    pub dead_retention: Duration,
    /// How often the SMS settings are read again (and whenever a message fails for a
    /// configuration reason, before it is given up).
    pub settings_refresh: Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            in_flight: latchkey_notify::MAX_IN_FLIGHT,
            lease: Duration::from_secs(5 * 60),
            send_timeout: Duration::from_secs(120),
            poll: Duration::from_secs(1),
            sent_retention: Duration::from_secs(24 * 3600),
            dead_retention: Duration::from_secs(30 * 24 * 3600),
            settings_refresh: Duration::from_secs(30),
        }
    }
}

const DEPTH_EVERY: Duration = Duration::from_secs(5);
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Starts the queue worker with the default [`QueueOptions`].
pub fn spawn_worker(app: AppState) -> JoinHandle<()> {
    spawn_worker_with(app, QueueOptions::default())
}

/// Starts a queue worker. Several may run on one database (on one node or many): each claims
/// different messages. Without a master key there is no queue; the task logs why and ends.
pub fn spawn_worker_with(app: AppState, options: QueueOptions) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some(key) = &app.master_key else {
            tracing::warn!(
                "the message queue is not durable without keys.master_key_file: messages are \
                 sent directly, once, and one that fails is lost"
            );
            return;
        };
        let sealer = match key.secret_box(SEAL_PURPOSE) {
            Ok(sealer) => sealer,
            Err(e) => {
                tracing::error!(error = %e, "the message queue cannot open sealed bodies");
                return;
            }
        };
        let id: [u8; 8] = OsRandom.bytes();
        let owner: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let worker = Arc::new(Worker {
            courier: Mutex::new((Instant::now(), courier(&app).await)),
            app,
            sealer,
            owner,
            options,
        });
        worker.run().await;
    })
}

struct Worker {
    app: AppState,
    sealer: SecretBox,
    owner: String,
    options: QueueOptions,
    /// The courier and when it was built from the settings.
    courier: Mutex<(Instant, Courier)>,
}

impl Worker {
    async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(self.options.in_flight.max(1)));
        let mut last_depth: Option<Instant> = None;
        let mut last_purge: Option<Instant> = None;
        tracing::info!(owner = %self.owner, "message queue worker started");
        loop {
            let woken = WAKE.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if last_depth.is_none_or(|t| t.elapsed() >= DEPTH_EVERY) {
                self.report_depth().await;
                last_depth = Some(Instant::now());
            }
            if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
                self.purge().await;
                last_purge = Some(Instant::now());
            }

            let Ok(first) = slots.clone().acquire_owned().await else {
                return;
            };
            let mut free = vec![first];
            while let Ok(slot) = slots.clone().try_acquire_owned() {
                free.push(slot);
            }
            let now = OffsetDateTime::now_utc();
            let lease_until = now + self.options.lease;
            let limit = u32::try_from(free.len()).unwrap_or(u32::MAX);
            let claimed = match self
                .app
                .store
                .claim_due(&self.owner, now, lease_until, limit)
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim queued messages");
                    drop(free);
                    tokio::time::sleep(self.options.poll).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                drop(free);
                tokio::select! {
                    () = &mut woken => {}
                    () = tokio::time::sleep(self.options.poll) => {}
                }
                continue;
            }
            let courier = self.courier().await;
            for (message, slot) in claimed.into_iter().zip(free) {
                let worker = Arc::clone(&self);
                let courier = courier.clone();
                tokio::spawn(async move {
                    worker.deliver(message, &courier).await;
                    drop(slot);
                });
            }
        }
    }

    /// The courier, rebuilt from the settings when it is older than `settings_refresh`.
    async fn courier(&self) -> Courier {
        let mut slot = self.courier.lock().await;
        if slot.0.elapsed() >= self.options.settings_refresh {
            *slot = (Instant::now(), courier(&self.app).await);
        }
        slot.1.clone()
    }

    /// The courier rebuilt from the settings now in force.
    async fn rebuilt_courier(&self) -> Courier {
        let mut slot = self.courier.lock().await;
        *slot = (Instant::now(), courier(&self.app).await);
        slot.1.clone()
    }

    /// One delivery, within `send_timeout`.
    async fn attempt(
        &self,
        courier: &Courier,
        message: &OutgoingMessage,
    ) -> Result<(), NotifyError> {
        tokio::time::timeout(self.options.send_timeout, courier.send(message))
            .await
            .unwrap_or_else(|_| {
                Err(NotifyError::Unavailable {
                    server: "delivery".into(),
                    reason: format!(
                        "no outcome within {} s",
                        self.options.send_timeout.as_secs()
                    ),
                })
            })
    }

    async fn deliver(&self, claimed: ClaimedMessage, courier: &Courier) {
        let id = claimed.id;
        let kind = claimed.kind.clone();
        let message = match self.open(&claimed) {
            Ok(message) => message,
            Err(problem) => return self.give_up(&claimed, &problem).await,
        };
        let mut outcome = self.attempt(courier, &message).await;
        if matches!(outcome, Err(NotifyError::Config(_))) {
            // The courier may predate a settings change (it is rebuilt every
            // `settings_refresh`), e.g. an SMS gateway configured a moment ago, which the
            // pages already see: try once more with the settings now in force before giving up.
            let fresh = self.rebuilt_courier().await;
            outcome = self.attempt(&fresh, &message).await;
        }
        let store = &self.app.store;
        let now = OffsetDateTime::now_utc();
        match outcome {
            Ok(()) => {
                count(&kind, "sent");
                match store.mark_sent(id, &self.owner, now).await {
                    Ok(true) => tracing::debug!(%id, kind, "message sent"),
                    Ok(false) => tracing::warn!(
                        %id,
                        kind,
                        "message sent after its lease ran out; another worker may send it again"
                    ),
                    Err(e) => tracing::error!(
                        %id,
                        kind,
                        error = %e,
                        "message sent but not marked; it will be sent again"
                    ),
                }
            }
            Err(e) if e.is_retryable() => {
                let decision =
                    self.options
                        .retry
                        .after_failure(claimed.attempts, now, &mut OsRandom);
                let RetryDecision::RetryAt(at) = decision else {
                    return self.give_up(&claimed, &e.to_string()).await;
                };
                count(&kind, "retry");
                tracing::warn!(
                    %id,
                    kind,
                    attempts = claimed.attempts,
                    retry_at = %at,
                    error = %e,
                    "message not delivered; will retry"
                );
                if let Err(e) = store.retry_later(id, &self.owner, at, &e.to_string()).await {
                    tracing::error!(%id, error = %e, "cannot schedule a retry; the lease will");
                }
            }
            Err(e) => self.give_up(&claimed, &e.to_string()).await,
        }
    }

    /// Opens the sealed body into the message to send.
    fn open(&self, claimed: &ClaimedMessage) -> Result<OutgoingMessage, String> {
        let kind = MessageKind::parse(&claimed.kind)
            .ok_or_else(|| format!("unknown kind of message {:?}", claimed.kind))?;
        let sealed = Sealed::parse(&claimed.sealed_body)
            .and_then(|s| self.sealer.open(&s, claimed.id.to_string().as_bytes()))
            .map_err(|e| {
                format!("the body does not open ({e}); was keys.master_key_file replaced?")
            })?;
        let body_text = String::from_utf8(sealed.to_vec())
            .map_err(|_| "the body is not UTF-8 text".to_owned())?;
        Ok(OutgoingMessage {
            to: claimed.recipient.clone(),
            subject: claimed.subject.clone(),
            body_text,
            kind,
        })
    }

    async fn give_up(&self, claimed: &ClaimedMessage, error: &str) {
        count(&claimed.kind, "dead");
        tracing::error!(
            id = %claimed.id,
            kind = claimed.kind,
            channel = claimed.channel.as_str(),
            attempts = claimed.attempts,
            error,
            "message given up (dead letter)"
        );
        let now = OffsetDateTime::now_utc();
        if let Err(e) = self
            .app
            .store
            .mark_dead(claimed.id, &self.owner, now, error)
            .await
        {
            tracing::error!(id = %claimed.id, error = %e, "cannot record a dead letter");
        }
    }

    async fn report_depth(&self) {
        match self.app.store.queue_depth().await {
            Ok(depth) => {
                #[allow(clippy::cast_precision_loss)] // a queue never nears 2^53 rows
                let gauge = |n: u64| n as f64;
                metrics::gauge!("latchkey_message_queue_depth", "state" => "pending")
                    .set(gauge(depth.pending));
                metrics::gauge!("latchkey_message_queue_depth", "state" => "dead")
                    .set(gauge(depth.dead));
            }
            Err(e) => tracing::debug!(error = %e, "cannot count the message queue"),
        }
    }

    async fn purge(&self) {
        let now = OffsetDateTime::now_utc();
        let sent_before = now - self.options.sent_retention;
        let dead_before = now - self.options.dead_retention;
        match self
            .app
            .store
            .purge_messages(sent_before, dead_before)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "old messages purged from the queue"),
            Err(e) => tracing::warn!(error = %e, "cannot purge the message queue"),
        }
    }
}
