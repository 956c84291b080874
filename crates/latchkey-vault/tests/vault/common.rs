//! Set-up shared by the vault tests: a fresh store per test on either database, profiles,
//! administrators and items.

use latchkey_core::admin::{Administrator, Authorized, Privilege};
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::keys::MasterKey;
use latchkey_core::profile::{Attributes, LoginId, NewProfile};
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::{AdminRepo, AuditEvent, AuditRepo, ProfileRepo};
use latchkey_core::secret::Password;
use latchkey_store::{Store, StoreOptions};
use latchkey_vault::{Envelope, ItemSpec, Vault};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use time::OffsetDateTime;

/// A store on a fresh database; the SQLite temp dir lives as long as it.
pub struct TestStore {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/latchkey.db", dir.path().display());
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    TestStore {
        store,
        _dir: Some(dir),
    }
}

pub async fn postgres() -> TestStore {
    let cluster = latchkey_testkit::PgCluster::shared().expect("PostgreSQL for tests");
    let url = cluster.create_database().expect("test database");
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    TestStore { store, _dir: None }
}

/// `mod $name { sqlite, postgres }` running the same body on each database.
macro_rules! on_both {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::common::sqlite().await;
                let $store = &t.store;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::common::postgres().await;
                let $store = &t.store;
                $body
            }
        }
    };
}

pub static SEED: AtomicU64 = AtomicU64::new(1);

pub fn rng() -> SeededRandom {
    SeededRandom::new(SEED.fetch_add(1, Ordering::Relaxed))
}

pub fn now() -> OffsetDateTime {
    // Millisecond precision, as stored.
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap()
}

pub async fn profile(store: &Store, login: &str) -> ProfileId {
    let profile = NewProfile {
        login_id: LoginId::new(login).unwrap(),
        display_name: format!("User {login}"),
        email: Some(format!("{login}@example.com")),
        attributes: Attributes::new(),
    }
    .into_profile(ProfileId::generate(now(), &mut rng()), now())
    .unwrap();
    store.create_profile(&profile, None).await.unwrap();
    profile.id
}

/// An administrator holding every privilege, as stored, authorized for `privilege`.
pub async fn admin(store: &Store, login: &str, privilege: Privilege) -> Authorized {
    let id = profile(store, login).await;
    store.grant(id, &Privilege::ALL).await.unwrap();
    let admin: Administrator = store.administrator(id).await.unwrap().unwrap();
    admin.authorize(privilege).unwrap()
}

pub fn spec(owner: ProfileId, account: &str, password: Option<&str>) -> ItemSpec {
    ItemSpec {
        name: format!("LDAP_MAIN: {account}"),
        owner,
        collection: Some("engineering".into()),
        account: Some(AccountId::generate(now(), &mut rng())),
        username: Some(account.into()),
        account_link: Some(format!("LDAP_MAIN:{account}")),
        association: Some(format!("{account}@example.com")),
        password: password.map(Password::new),
    }
}

pub fn vault(store: &Store, current: &MasterKey, previous: &[MasterKey]) -> Vault<Store> {
    Vault::new(store.clone(), Envelope::new(current, previous).unwrap())
}

pub async fn audit(store: &Store, action: &str) -> Vec<AuditEvent> {
    let all = store.recent_audit(10_000).await.unwrap();
    all.into_iter().filter(|e| e.action == action).collect()
}

/// An item for `owner` cloned from a fresh template, with an initial password.
pub async fn cloned(
    v: &Vault<Store>,
    owner: ProfileId,
    mpr: &Authorized,
    password: &str,
) -> VaultItemId {
    let manager = Administrator::with_all(mpr.admin())
        .authorize(Privilege::ManageVault)
        .unwrap();
    let template = v
        .create_template("ldap", BTreeMap::new(), &manager, now(), &mut rng())
        .await
        .unwrap();
    v.clone_template(
        template,
        &spec(owner, "uid=ann", Some(password)),
        mpr,
        now(),
        &mut rng(),
    )
    .await
    .unwrap()
}
pub(crate) use on_both;
