//! The three atomic primitives under 100 concurrent tasks, with exact counts.

use crate::common::{now, on_both, profile, rng};
use latchkey_core::ids::FlowId;
use latchkey_core::repo::*;
use latchkey_core::token::TokenSecret;
use std::sync::Arc;

const TASKS: usize = 100;

on_both!(counter_is_exact_under_concurrency, |store| {
    let limit = 37;
    let store = Arc::new(store.clone());
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.try_increment("login:alice", limit, now()).await.unwrap() })
        })
        .collect();
    let mut counted = Vec::new();
    for h in handles {
        if let CounterAttempt::Counted { value } = h.await.unwrap() {
            counted.push(value);
        }
    }
    counted.sort_unstable();
    // Exactly `limit` attempts were allowed, each saw a distinct value 1..=limit.
    assert_eq!(counted, (1..=limit).collect::<Vec<_>>());
    assert_eq!(store.counter("login:alice").await.unwrap(), limit);
    assert_eq!(
        store
            .try_increment("login:alice", limit, now())
            .await
            .unwrap(),
        CounterAttempt::LimitReached
    );
    store.decrement("login:alice", now()).await.unwrap();
    assert_eq!(store.counter("login:alice").await.unwrap(), limit - 1);
    store.reset_counter("login:alice").await.unwrap();
    store.decrement("login:alice", now()).await.unwrap();
    assert_eq!(store.counter("login:alice").await.unwrap(), 0);
    assert_eq!(
        store
            .try_increment("login:alice", limit, now())
            .await
            .unwrap(),
        CounterAttempt::Counted { value: 1 }
    );
    assert_eq!(
        store.try_increment("other", 0, now()).await.unwrap(),
        CounterAttempt::LimitReached
    );
});

on_both!(token_is_consumed_exactly_once, |store| {
    let p = profile("tok", None);
    store.create_profile(&p, None).await.unwrap();
    let secret = TokenSecret::generate(&mut rng());
    let flow = FlowId::generate(now(), &mut rng());
    store
        .store_token(&NewToken {
            hash: secret.hash(),
            purpose: "reset_link".into(),
            subject: p.id,
            flow: Some(flow),
            created_at: now(),
            expires_at: now() + time::Duration::minutes(10),
        })
        .await
        .unwrap();
    let store = Arc::new(store.clone());
    let hash = secret.hash();
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let s = store.clone();
            let h = hash.clone();
            tokio::spawn(async move { s.consume_token(&h, "reset_link", now()).await.unwrap() })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        if let Some(w) = h.await.unwrap() {
            winners.push(w);
        }
    }
    assert_eq!(
        winners,
        vec![ConsumedToken {
            subject: p.id,
            flow: Some(flow)
        }]
    );
});

on_both!(token_checks_purpose_expiry_and_revocation, |store| {
    let p = profile("tok2", None);
    store.create_profile(&p, None).await.unwrap();
    let mk = |secret: &TokenSecret, minutes: i64| NewToken {
        hash: secret.hash(),
        purpose: "pin".into(),
        subject: p.id,
        flow: None,
        created_at: now(),
        expires_at: now() + time::Duration::minutes(minutes),
    };
    let expired = TokenSecret::generate(&mut rng());
    store.store_token(&mk(&expired, -1)).await.unwrap();
    assert_eq!(
        store
            .consume_token(&expired.hash(), "pin", now())
            .await
            .unwrap(),
        None
    );
    let live = TokenSecret::generate(&mut rng());
    store.store_token(&mk(&live, 5)).await.unwrap();
    assert_eq!(
        store
            .consume_token(&live.hash(), "reset_link", now())
            .await
            .unwrap(),
        None
    );
    let other = TokenSecret::generate(&mut rng());
    store.store_token(&mk(&other, 5)).await.unwrap();
    assert_eq!(store.revoke_tokens_of(p.id, now()).await.unwrap(), 2);
    assert_eq!(
        store
            .consume_token(&live.hash(), "pin", now())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .consume_token(&other.hash(), "pin", now())
            .await
            .unwrap(),
        None
    );
});

on_both!(flow_compare_and_set_has_one_winner_per_version, |store| {
    let id = FlowId::generate(now(), &mut rng());
    store
        .create_flow(&FlowRecord {
            id,
            kind: "login".into(),
            version: 0,
            state: "{}".into(),
            created_at: now(),
            expires_at: now() + time::Duration::minutes(30),
        })
        .await
        .unwrap();
    let store = Arc::new(store.clone());
    let handles: Vec<_> = (0..TASKS)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(async move {
                (
                    i,
                    s.compare_and_set(id, 0, &format!("{{\"writer\":{i}}}"), now())
                        .await
                        .unwrap(),
                )
            })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        let (i, won) = h.await.unwrap();
        if won {
            winners.push(i);
        }
    }
    assert_eq!(winners.len(), 1);
    let flow = store.load_flow(id, now()).await.unwrap().unwrap();
    assert_eq!(flow.version, 1);
    assert_eq!(flow.state, format!("{{\"writer\":{}}}", winners[0]));
    // A stale writer loses; the current version wins.
    assert!(!store.compare_and_set(id, 0, "{}", now()).await.unwrap());
    assert!(
        store
            .compare_and_set(id, 1, "{\"step\":2}", now())
            .await
            .unwrap()
    );
    // Expired flows are invisible and cannot be written.
    let later = now() + time::Duration::hours(1);
    assert_eq!(store.load_flow(id, later).await.unwrap(), None);
    assert!(!store.compare_and_set(id, 2, "{}", later).await.unwrap());
    store.delete_flow(id).await.unwrap();
    assert_eq!(store.load_flow(id, now()).await.unwrap(), None);
});
