//! The durable message queue: what is stored for each outgoing message, the repository trait
//! the store implements, and the retry schedule (a pure function of the attempt count, the
//! time and a random source).
//!
//! A message row moves through three states:
//!
//! ```text
//!             claim (lease)            delivered
//!  pending ───────────────▶ leased ───────────────▶ sent ──(retention)──▶ purged
//!     ▲                       │
//!     │  retryable failure,   │ permanent failure, or the attempt budget is spent
//!     │  next_attempt_at =    ▼
//!     └── now + backoff ◀── (decide) ──────────────▶ dead (kept with last_error)
//! ```
//!
//! "Leased" is not a stored state of its own: it is a pending row whose `lease_until` lies in
//! the future. A worker that dies mid-send simply lets its lease run out and another worker
//! claims the row again, so delivery is **at least once**: SMTP has no way to make a message
//! and its acknowledgement one atomic step, and a crash between the server's "250 OK" and the
//! `sent` update sends the message a second time. Under normal operation (no crash, no lease
//! outliving a send) every message is sent once, because a row is claimed by one worker at a
//! time.
//!
//! The body is sealed by the caller (AES-256-GCM under a key derived from the master key, the
//! message id as associated data); the store sees only the sealed text. It is cleared once the
//! row is sent or dead, so PINs and links do not outlive their delivery at rest.

use crate::ids::new_uuid_v7;
use crate::random::RandomSource;
use crate::repo::RepoResult;
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A queued message's id (UUIDv7, so rows sort by creation). Also the associated data its
/// sealed body is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub Uuid);

impl MessageId {
    /// A fresh id from the given time and randomness.
    pub fn generate(now: OffsetDateTime, rng: &mut dyn RandomSource) -> Self {
        Self(new_uuid_v7(now, rng))
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for MessageId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// An email through the configured mailer.
    Email,
    /// A text message through the HTTP SMS gateway.
    SmsHttp,
    /// A text message sent as a short email to the carrier's email-to-SMS gateway.
    SmsEmail,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::SmsHttp => "sms_http",
            Channel::SmsEmail => "sms_email",
        }
    }

    /// Back from the stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Channel::Email, Channel::SmsHttp, Channel::SmsEmail]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// A message to put on the queue.
#[derive(Clone, PartialEq, Eq)]
pub struct NewQueuedMessage {
    /// Its id (the sealed body's associated data).
    pub id: MessageId,
    /// Why it is sent (`pin`, `link`, ...), for logs and metrics.
    pub kind: String,
    /// How it travels.
    pub channel: Channel,
    /// The recipient as the notifier understands it (an address, or `sms:...`).
    pub recipient: String,
    /// The subject line. Kept in clear: it names the kind of message, never a secret.
    pub subject: String,
    /// The body, sealed by the caller (text form of a sealed value).
    pub sealed_body: String,
    /// Created.
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for NewQueuedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewQueuedMessage")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("channel", &self.channel)
            .field("recipient", &self.recipient)
            .finish_non_exhaustive()
    }
}

/// A message a worker claimed: it holds the lease until `lease_until`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    /// Id.
    pub id: MessageId,
    /// Why it is sent.
    pub kind: String,
    /// How it travels.
    pub channel: Channel,
    /// The recipient.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The sealed body.
    pub sealed_body: String,
    /// Attempts so far, this one included (a claim counts as an attempt, so a message that
    /// crashes its worker every time still runs out of budget).
    pub attempts: u32,
    /// When it was queued.
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for ClaimedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedMessage")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("channel", &self.channel)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// How many messages are waiting, and how many were given up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Not yet sent (due now, scheduled for a retry, or leased).
    pub pending: u64,
    /// Given up (dead letters, kept for the operator).
    pub dead: u64,
}

/// The queue's storage. Every method is one statement, so many workers on one database stay
/// exact; the `owner` argument makes a worker whose lease ran out (and whose message another
/// worker took over) unable to overwrite the newer outcome.
pub trait MessageQueueRepo {
    /// Stores a pending message, due at once.
    fn enqueue(&self, message: &NewQueuedMessage) -> impl Future<Output = RepoResult<()>> + Send;

    /// Leases up to `limit` due messages (pending, `next_attempt_at <= now`, no live lease) to
    /// `owner` until `lease_until`, oldest due first, and counts an attempt on each. Rows leased
    /// by a concurrent caller are skipped, never returned twice.
    fn claim_due(
        &self,
        owner: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
    ) -> impl Future<Output = RepoResult<Vec<ClaimedMessage>>> + Send;

    /// Marks a leased message sent and clears its body. False when `owner` no longer holds it.
    fn mark_sent(
        &self,
        id: MessageId,
        owner: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Gives a leased message back for another attempt at `next_attempt_at`, recording why this
    /// one failed. False when `owner` no longer holds it.
    fn retry_later(
        &self,
        id: MessageId,
        owner: &str,
        next_attempt_at: OffsetDateTime,
        error: &str,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Gives up on a leased message: dead, body cleared, `error` kept. False when `owner` no
    /// longer holds it.
    fn mark_dead(
        &self,
        id: MessageId,
        owner: &str,
        now: OffsetDateTime,
        error: &str,
    ) -> impl Future<Output = RepoResult<bool>> + Send;

    /// Deletes sent messages older than `sent_before` and dead ones older than `dead_before`;
    /// returns how many.
    fn purge_messages(
        &self,
        sent_before: OffsetDateTime,
        dead_before: OffsetDateTime,
    ) -> impl Future<Output = RepoResult<u64>> + Send;

    /// Counts pending and dead messages.
    fn queue_depth(&self) -> impl Future<Output = RepoResult<QueueDepth>> + Send;
}

/// When to try again, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt; doubles with each further one.
    pub first_delay: Duration,
    /// Longest delay between two attempts.
    pub max_delay: Duration,
    /// Attempts in all (the first one included) before the message is given up.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s, ... capped at 15 minutes, 12 attempts: about 1 h 40 min of trying,
    /// longer than any PIN or link inside the message stays valid.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(15 * 60),
            max_attempts: 12,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again at this time.
    RetryAt(OffsetDateTime),
    /// The budget is spent: give up.
    GiveUp,
}

impl RetryPolicy {
    /// The decision after attempt number `attempts` (1 for the first) failed at `now` with a
    /// retryable error.
    ///
    /// The delay is `first_delay × 2^(attempts-1)`, capped at `max_delay`, then drawn uniformly
    /// from its upper half ("equal jitter"): workers that failed together against one outage do
    /// not all come back in the same millisecond, yet no retry comes much earlier than planned.
    pub fn after_failure(
        &self,
        attempts: u32,
        now: OffsetDateTime,
        rng: &mut dyn RandomSource,
    ) -> RetryDecision {
        if attempts >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let full = self.delay_before_jitter(attempts);
        let full_ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        let half = full_ms / 2;
        let jitter = if half == 0 {
            0
        } else {
            let mut bytes = [0u8; 8];
            rng.fill_bytes(&mut bytes);
            // Modulo bias over a 64-bit draw is below 2^-40 for any delay we use.
            u64::from_le_bytes(bytes) % (half + 1)
        };
        let delay_ms = full_ms - half + jitter;
        let delay = time::Duration::milliseconds(i64::try_from(delay_ms).unwrap_or(i64::MAX));
        RetryDecision::RetryAt(now.saturating_add(delay))
    }

    /// The un-jittered delay after attempt `attempts` failed.
    pub fn delay_before_jitter(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(32);
        self.first_delay
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;
    use time::macros::datetime;

    #[test]
    fn backoff_doubles_is_capped_and_jittered_in_its_upper_half() {
        let policy = RetryPolicy::default();
        let now = datetime!(2026-05-01 12:00 UTC);
        let mut rng = SeededRandom::new(3);
        let mut seen_jitter = false;
        for attempt in 1..policy.max_attempts {
            let planned = policy.delay_before_jitter(attempt);
            let expected = (Duration::from_secs(5) * 2u32.pow(attempt - 1)).min(policy.max_delay);
            assert_eq!(planned, expected, "attempt {attempt}");
            let RetryDecision::RetryAt(at) = policy.after_failure(attempt, now, &mut rng) else {
                panic!("gave up after attempt {attempt}");
            };
            let waited = at - now;
            assert!(
                waited >= planned / 2,
                "{attempt}: {waited} < half of {planned:?}"
            );
            assert!(waited <= planned, "{attempt}: {waited} > {planned:?}");
            seen_jitter |= waited != planned && waited != planned / 2;
        }
        assert!(seen_jitter, "every delay landed on an end of its range");
        assert_eq!(policy.delay_before_jitter(40), policy.max_delay);
        assert_eq!(
            policy.after_failure(policy.max_attempts, now, &mut rng),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn a_budget_of_one_never_retries() {
        let policy = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        let now = datetime!(2026-05-01 12:00 UTC);
        assert_eq!(
            policy.after_failure(1, now, &mut SeededRandom::new(1)),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn channels_round_trip_and_debug_hides_the_body() {
        for c in [Channel::Email, Channel::SmsHttp, Channel::SmsEmail] {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("pigeon"), None);
        let message = NewQueuedMessage {
            id: MessageId::generate(datetime!(2026-05-01 12:00 UTC), &mut SeededRandom::new(2)),
            kind: "pin".into(),
            channel: Channel::Email,
            recipient: "a@example.com".into(),
            subject: "Your PIN".into(),
            sealed_body: "v1.k-sealed".into(),
            created_at: datetime!(2026-05-01 12:00 UTC),
        };
        assert!(!format!("{message:?}").contains("v1.k-sealed"));
        let id: MessageId = message.id.to_string().parse().unwrap();
        assert_eq!(id, message.id);
    }
}
