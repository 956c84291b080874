//! The message queue: leases, outcomes that only the lease holder may record, retries, dead
//! letters, purging, and many claimers at once never getting one message twice.

use crate::common::{TestStore, now, rng};
use latchkey_core::repo_queue::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use time::Duration;

/// Like `on_both!`, but the body gets the whole `TestStore` (it reads the table directly).
macro_rules! on_both_raw {
    ($name:ident, |$t:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $t = $crate::common::sqlite().await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let $t = $crate::common::postgres().await;
                $body
            }
        }
    };
}

fn message(n: usize) -> NewQueuedMessage {
    NewQueuedMessage {
        id: MessageId::generate(now(), &mut rng()),
        kind: "pin".into(),
        channel: Channel::Email,
        recipient: format!("user{n}@example.com"),
        subject: format!("Message {n}"),
        sealed_body: format!("v1.sealed-{n}"),
        created_at: now(),
    }
}

/// (state, body, attempts, last_error) as stored.
async fn row(t: &TestStore, id: MessageId) -> (String, String, i64, Option<String>) {
    let sql = "SELECT state, body, attempts, last_error FROM message_queue WHERE id = $1";
    if t.url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
        let r = sqlx::query_as(sql)
            .bind(id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        r
    } else {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        let r = sqlx::query_as(sql)
            .bind(id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        r
    }
}

on_both_raw!(a_lease_keeps_others_away_until_it_runs_out, |t| {
    let store = &t.store;
    let m = message(1);
    store.enqueue(&m).await.unwrap();
    let t0 = now();
    let lease = Duration::seconds(60);

    let first = store.claim_due("a", t0, t0 + lease, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, m.id);
    assert_eq!(first[0].attempts, 1);
    assert_eq!(first[0].sealed_body, m.sealed_body);
    assert_eq!(first[0].recipient, m.recipient);
    assert_eq!(first[0].channel, Channel::Email);
    assert!(
        store
            .claim_due("b", t0, t0 + lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The lease runs out before "a" reports: "b" takes over, and "a" can no longer record.
    let t1 = t0 + lease;
    let second = store.claim_due("b", t1, t1 + lease, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempts, 2);
    assert!(!store.mark_sent(m.id, "a", t1).await.unwrap());
    assert!(!store.retry_later(m.id, "a", t1, "late").await.unwrap());
    assert!(!store.mark_dead(m.id, "a", t1, "late").await.unwrap());
    assert!(store.mark_sent(m.id, "b", t1).await.unwrap());
    assert!(!store.mark_sent(m.id, "b", t1).await.unwrap(), "sent twice");

    let (state, body, attempts, error) = row(&t, m.id).await;
    assert_eq!(state, "sent");
    assert_eq!(body, "", "the sealed body outlived delivery");
    assert_eq!(attempts, 2);
    assert_eq!(error, None);
    let later = t1 + Duration::days(30);
    assert!(
        store
            .claim_due("c", later, later + lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
});

on_both_raw!(retries_wait_and_dead_letters_keep_the_error, |t| {
    let store = &t.store;
    // Two messages a millisecond apart, so "oldest first" has one answer (ids made in the same
    // millisecond are ordered at random).
    let m = message(1);
    let mut n = message(2);
    n.created_at = m.created_at + Duration::milliseconds(1);
    n.id = MessageId::generate(n.created_at, &mut rng());
    store.enqueue(&m).await.unwrap();
    store.enqueue(&n).await.unwrap();
    let t0 = now();
    let lease = Duration::seconds(60);
    assert_eq!(
        store.queue_depth().await.unwrap(),
        QueueDepth {
            pending: 2,
            dead: 0
        }
    );
    let claimed = store.claim_due("w", t0, t0 + lease, 1).await.unwrap();
    assert_eq!(claimed.len(), 1, "the limit is respected");
    assert_eq!(claimed[0].id, m.id, "oldest first");
    let retry_at = t0 + Duration::seconds(5);
    assert!(
        store
            .retry_later(m.id, "w", retry_at, "mail server down")
            .await
            .unwrap()
    );
    // Not due yet: only the other message comes.
    let claimed = store.claim_due("w", t0, t0 + lease, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|c| c.id).collect::<Vec<_>>(), [n.id]);
    let (state, body, attempts, error) = row(&t, m.id).await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert_eq!(body, m.sealed_body);
    assert_eq!(error.as_deref(), Some("mail server down"));

    let claimed = store
        .claim_due("w", retry_at, retry_at + lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 2);
    assert!(
        store
            .mark_dead(m.id, "w", retry_at, "rejected (550)")
            .await
            .unwrap()
    );
    let (state, body, _, error) = row(&t, m.id).await;
    assert_eq!(state, "dead");
    assert_eq!(body, "");
    assert_eq!(error.as_deref(), Some("rejected (550)"));
    // n is still leased by "w": send it. Then nothing is left to claim, ever.
    assert!(store.mark_sent(n.id, "w", t0).await.unwrap());
    let far = retry_at + Duration::days(365);
    assert!(
        store
            .claim_due("w", far, far + lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.queue_depth().await.unwrap(),
        QueueDepth {
            pending: 0,
            dead: 1
        }
    );
    // Purge by age.
    assert_eq!(store.purge_messages(t0, t0).await.unwrap(), 0, "too young");
    let day = Duration::days(1);
    assert_eq!(
        store.purge_messages(t0 + day, t0).await.unwrap(),
        1,
        "sent purged, dead kept"
    );
    assert_eq!(store.purge_messages(t0, far).await.unwrap(), 1);
    assert_eq!(store.queue_depth().await.unwrap(), QueueDepth::default());
});

on_both_raw!(concurrent_claimers_never_share_a_message, |t| {
    const MESSAGES: usize = 300;
    const WORKERS: usize = 8;
    let store = Arc::new(t.store.clone());
    let mut ids = BTreeSet::new();
    for n in 0..MESSAGES {
        let m = message(n);
        ids.insert(m.id);
        store.enqueue(&m).await.unwrap();
    }
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let owner = format!("worker-{w}");
                let mut mine = Vec::new();
                loop {
                    let t0 = now();
                    let batch = store
                        .claim_due(&owner, t0, t0 + Duration::minutes(5), 7)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    for m in batch {
                        assert!(store.mark_sent(m.id, &owner, now()).await.unwrap());
                        mine.push(m.id);
                    }
                }
            })
        })
        .collect();
    let mut sent = Vec::new();
    let mut busy_workers = 0;
    for w in workers {
        let mine = w.await.unwrap();
        busy_workers += usize::from(!mine.is_empty());
        sent.extend(mine);
    }
    assert_eq!(sent.len(), MESSAGES, "a message was claimed twice or lost");
    assert_eq!(sent.into_iter().collect::<BTreeSet<_>>(), ids);
    assert!(busy_workers > 1, "the claimers did not run side by side");
});
