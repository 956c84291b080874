//! Opens a fresh store per test on either database.

use latchkey_core::ids::ProfileId;
use latchkey_core::profile::{Attributes, LoginId, NewProfile, Profile};
use latchkey_core::random::SeededRandom;
use latchkey_store::{Store, StoreOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;

/// Keeps the SQLite temp dir alive as long as the store.
pub struct TestStore {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/latchkey.db", dir.path().display());
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    TestStore {
        store,
        url,
        _dir: Some(dir),
    }
}

pub async fn postgres() -> TestStore {
    let cluster = latchkey_testkit::PgCluster::shared().expect("PostgreSQL for tests");
    let url = cluster.create_database().expect("test database");
    let store = Store::open(
        &url,
        StoreOptions {
            max_connections: 32,
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    TestStore {
        store,
        url,
        _dir: None,
    }
}

/// Generates `mod $name { sqlite, postgres }` running the same async body on each database.
macro_rules! on_both {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let t = $crate::common::sqlite().await;
                let $store = &t.store;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let t = $crate::common::postgres().await;
                let $store = &t.store;
                $body
            }
        }
    };
}
pub(crate) use on_both;

static SEED: AtomicU64 = AtomicU64::new(1);

pub fn rng() -> SeededRandom {
    SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed))
}

pub fn now() -> OffsetDateTime {
    // Millisecond precision, as stored.
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap()
}

pub fn profile(login: &str, mail: Option<&str>) -> Profile {
    let mut attributes = Attributes::new();
    attributes.add("department", "Engineering").unwrap();
    NewProfile {
        login_id: LoginId::new(login).unwrap(),
        display_name: format!("User {login}"),
        email: mail.map(str::to_owned),
        attributes,
    }
    .into_profile(ProfileId::generate(now(), &mut rng()), now())
    .unwrap()
}
