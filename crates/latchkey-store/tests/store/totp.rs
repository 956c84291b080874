//! TOTP enrolments: sealed at rest, one code accepted once across concurrent requests, each
//! recovery code usable once.

use crate::common::{TestStore, now, on_both, profile, rng};
use latchkey_core::keys::MasterKey;
use latchkey_core::otp::repo::{TotpEnrolment, TotpRepo};
use latchkey_core::otp::{TotpParams, TotpSecret, open_secret, recovery, seal_secret};
use latchkey_core::profile::Profile;
use latchkey_core::repo::ProfileRepo;
use latchkey_store::Store;
use std::sync::Arc;

async fn enrol(store: &Store, login: &str) -> (Profile, TotpSecret, Vec<recovery::RecoveryCode>) {
    let p = profile(login, None);
    store.create_profile(&p, None).await.unwrap();
    let params = TotpParams::default();
    let secret = TotpSecret::generate(&params, &mut rng());
    let boxed = MasterKey::generate(&mut rng()).secret_box("totp").unwrap();
    let sealed = seal_secret(&secret, &boxed, p.id, &mut rng()).unwrap();
    let (codes, hashes) = recovery::generate(5, &mut rng()).unwrap();
    let enrolment = TotpEnrolment {
        profile: p.id,
        sealed_secret: sealed,
        params,
        last_used_step: None,
        enrolled_at: now(),
    };
    store
        .save_totp_enrolment(&enrolment, &hashes)
        .await
        .unwrap();
    let back = store.totp_enrolment(p.id).await.unwrap().unwrap();
    assert_eq!(back, enrolment);
    let opened = open_secret(&boxed, &back.sealed_secret, p.id).unwrap();
    assert_eq!(opened.expose_bytes(), secret.expose_bytes());
    (p, secret, codes)
}

on_both!(enrolments_round_trip_and_are_replaced_whole, |store| {
    let (p, _, codes) = enrol(store, "tina").await;
    assert_eq!(store.recovery_code_hashes(p.id).await.unwrap().len(), 5);
    let other = profile("nobody", None);
    assert_eq!(store.totp_enrolment(other.id).await.unwrap(), None);

    // Enrolling again replaces the secret and every recovery code.
    let first = store.totp_enrolment(p.id).await.unwrap().unwrap();
    let (_, new_hashes) = recovery::generate(2, &mut rng()).unwrap();
    let replacement = TotpEnrolment {
        last_used_step: Some(7),
        ..first.clone()
    };
    store
        .save_totp_enrolment(&replacement, &new_hashes)
        .await
        .unwrap();
    let stored = store.recovery_code_hashes(p.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    let old = recovery::hash_typed(codes[0].expose()).unwrap();
    assert!(!store.consume_recovery_code(p.id, &old).await.unwrap());
    assert_eq!(
        store
            .totp_enrolment(p.id)
            .await
            .unwrap()
            .unwrap()
            .last_used_step,
        Some(7)
    );

    assert!(store.delete_totp_enrolment(p.id).await.unwrap());
    assert!(!store.delete_totp_enrolment(p.id).await.unwrap());
    assert_eq!(store.totp_enrolment(p.id).await.unwrap(), None);
    assert!(store.recovery_code_hashes(p.id).await.unwrap().is_empty());
});

on_both!(a_step_is_accepted_once_under_concurrency, |store| {
    let (p, _, _) = enrol(store, "racer").await;
    let store = Arc::new(store.clone());
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let s = store.clone();
            tokio::spawn(async move { s.advance_totp_step(p.id, 1000, now()).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for h in handles {
        won += usize::from(h.await.unwrap());
    }
    assert_eq!(won, 1, "exactly one request may use a step");
    // The same step again, or an earlier one: refused; a later one: accepted.
    assert!(!store.advance_totp_step(p.id, 1000, now()).await.unwrap());
    assert!(!store.advance_totp_step(p.id, 998, now()).await.unwrap());
    assert!(store.advance_totp_step(p.id, 1001, now()).await.unwrap());
    assert_eq!(
        store
            .totp_enrolment(p.id)
            .await
            .unwrap()
            .unwrap()
            .last_used_step,
        Some(1001)
    );
    // No enrolment, nothing to advance.
    let other = profile("unenrolled", None);
    assert!(!store.advance_totp_step(other.id, 5, now()).await.unwrap());
});

on_both!(a_recovery_code_is_consumed_once, |store| {
    let (p, _, codes) = enrol(store, "rico").await;
    let hash = recovery::hash_typed(codes[2].expose()).unwrap();
    let store = Arc::new(store.clone());
    let handles: Vec<_> = (0..30)
        .map(|_| {
            let (s, h) = (store.clone(), hash.clone());
            tokio::spawn(async move { s.consume_recovery_code(p.id, &h).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for h in handles {
        won += usize::from(h.await.unwrap());
    }
    assert_eq!(won, 1);
    let left = store.recovery_code_hashes(p.id).await.unwrap();
    assert_eq!(left.len(), 4);
    assert!(!left.contains(&hash));
    // Another profile cannot consume this profile's codes.
    let other_hash = recovery::hash_typed(codes[0].expose()).unwrap();
    let (q, _, _) = enrol(&store, "quinn").await;
    assert!(
        !store
            .consume_recovery_code(q.id, &other_hash)
            .await
            .unwrap()
    );
    assert!(
        store
            .consume_recovery_code(p.id, &other_hash)
            .await
            .unwrap()
    );
});

/// The raw column never holds the secret in any readable form.
async fn secret_is_sealed_at_rest(t: TestStore) {
    let (p, secret, codes) = enrol(&t.store, "sealed").await;
    let base32 = secret.to_base32();
    let (sealed, hashes): (String, Vec<String>) = if t.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
        raw(&pool, &p).await
    } else {
        let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
        raw(&pool, &p).await
    };
    assert!(sealed.starts_with("v1."), "{sealed}");
    assert!(!sealed.contains(base32.as_str()));
    assert!(!sealed.to_lowercase().contains(&base32.to_lowercase()));
    for code in &codes {
        let plain = code.expose().replace('-', "");
        assert!(hashes.iter().all(|h| !h.contains(&plain)));
    }
}

macro_rules! raw_impl {
    ($db:ty) => {
        impl Raw for sqlx::Pool<$db> {
            async fn read(&self, p: &Profile) -> (String, Vec<String>) {
                let sealed: String = sqlx::query_scalar(
                    "SELECT sealed_secret FROM totp_devices WHERE profile_id = $1",
                )
                .bind(p.id.to_string())
                .fetch_one(self)
                .await
                .unwrap();
                let hashes: Vec<String> = sqlx::query_scalar(
                    "SELECT hash FROM totp_recovery_codes WHERE profile_id = $1",
                )
                .bind(p.id.to_string())
                .fetch_all(self)
                .await
                .unwrap();
                (sealed, hashes)
            }
        }
    };
}

trait Raw {
    async fn read(&self, p: &Profile) -> (String, Vec<String>);
}
raw_impl!(sqlx::Sqlite);
raw_impl!(sqlx::Postgres);

async fn raw(pool: &impl Raw, p: &Profile) -> (String, Vec<String>) {
    pool.read(p).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_is_sealed_at_rest_sqlite() {
    secret_is_sealed_at_rest(crate::common::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_is_sealed_at_rest_postgres() {
    secret_is_sealed_at_rest(crate::common::postgres().await).await;
}
