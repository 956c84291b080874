//! A world for a run: a slapd with N people, a store with their profiles, the directory
//! registered as target `LDAP` (reached directly or through a fault proxy) and discovered, so
//! every account is associated with its owner by mail.

use latchkey_core::ids::{AccountId, ProfileId, TargetId};
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::job::{JobKind, MprRequest, Scope, VaultMapping};
use latchkey_core::mpr::report::ReportRow;
use latchkey_core::profile::{Attributes, LoginId, Profile};
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{AccountRepo, ProfileRepo};
use latchkey_core::secret::Password;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{PasswordMethod, TargetConnector, TargetDef, TargetKind};
use latchkey_core::vault::VaultRepo;
use latchkey_store::{Store, StoreOptions};
use latchkey_targets::LdapTarget;
use latchkey_targets::discovery::{DiscoveryOptions, discover};
use latchkey_testkit::{
    FaultProxy, PEOPLE_DN, PgCluster, SERVICE_DN, SERVICE_PASSWORD, Slapd, SlapdOptions,
};
use latchkey_vault::Envelope;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The OS CSPRNG, as production passes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRng;

impl RandomSource for OsRng {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::fill(dest).unwrap();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct World {
    pub store: Store,
    pub master: MasterKey,
    pub slapd: Slapd,
    pub proxy: Option<FaultProxy>,
    pub target: TargetId,
    pub users: usize,
    _tmp: tempfile::TempDir,
}

pub async fn store(db: Db, tmp: &tempfile::TempDir) -> Store {
    let url = match db {
        Db::Sqlite => format!("sqlite://{}", tmp.path().join("store.db").display()),
        Db::Postgres => PgCluster::shared().unwrap().create_database().unwrap(),
    };
    Store::open(&url, StoreOptions::default()).await.unwrap()
}

impl World {
    /// `users` people, each owning one directory account; through a fault proxy if asked.
    pub async fn new(db: Db, users: usize, proxied: bool) -> Self {
        let slapd = Slapd::start(SlapdOptions {
            users,
            dbnosync: true,
            log_level: "none".into(),
            ..SlapdOptions::default()
        })
        .unwrap();
        let proxy = proxied.then(|| FaultProxy::start(slapd.port()).unwrap());
        let tmp = tempfile::tempdir().unwrap();
        let store = store(db, &tmp).await;
        let master = MasterKey::generate(&mut OsRng);
        let profiles: Vec<(Profile, Option<_>)> = (0..users)
            .map(|i| {
                let mut attributes = Attributes::new();
                attributes.add("mail", Slapd::user_mail(i)).unwrap();
                let profile = Profile {
                    id: ProfileId(Uuid::from_u128(i as u128 + 1)),
                    login_id: LoginId::new(&format!("p{i}")).unwrap(),
                    display_name: format!("Person {i}"),
                    email: Some(Slapd::user_mail(i)),
                    attributes,
                    enabled: true,
                    locked: false,
                    created_at: OffsetDateTime::UNIX_EPOCH,
                };
                (profile, None)
            })
            .collect();
        store.create_profiles(&profiles).await.unwrap();
        let url = proxy.as_ref().map_or_else(|| slapd.url(), FaultProxy::url);
        let mut def = TargetDef::new(
            TargetId::new("LDAP").unwrap(),
            TargetKind::Ldap,
            &url,
            SERVICE_DN,
        );
        def.base_dn = PEOPLE_DN.into();
        def.password_method = PasswordMethod::Exop;
        def.connect_timeout_ms = 1_000;
        def.operation_timeout_ms = 1_500;
        def.association_attribute = Some("mail".into());
        let now = OffsetDateTime::now_utc();
        let sealed = latchkey_targets::credentials::seal(
            &master,
            &def,
            &Password::new(SERVICE_PASSWORD),
            &mut OsRng,
        )
        .unwrap();
        store
            .create_target(&StoredTarget {
                def: def.clone(),
                sealed_secret: Some(sealed),
                created_at: now,
                updated_at: now,
            })
            .await
            .unwrap();
        let connector =
            LdapTarget::new(def.clone(), Some(Password::new(SERVICE_PASSWORD))).unwrap();
        let report = discover(&connector, &def, &store, DiscoveryOptions::default())
            .await
            .unwrap();
        assert_eq!(report.associated, users as u64);
        Self {
            store,
            master,
            slapd,
            proxy,
            target: def.id,
            users,
            _tmp: tmp,
        }
    }

    pub fn request(&self, kind: JobKind) -> MprRequest {
        MprRequest {
            kind,
            targets: vec![self.target.clone()],
            scope: Scope::default(),
            batch_size: 7,
            concurrency: 4,
            rate_per_second: None,
            retry_budget: 5,
            refusal_budget: 3,
            verify: true,
            dry_run: false,
            report: true,
            vault: VaultMapping::default(),
        }
    }

    /// A connector straight to slapd (never through the proxy), to check passwords.
    pub fn direct(&self) -> LdapTarget {
        let mut def = TargetDef::new(
            self.target.clone(),
            TargetKind::Ldap,
            &self.slapd.url(),
            SERVICE_DN,
        );
        def.base_dn = PEOPLE_DN.into();
        LdapTarget::new(def, Some(Password::new(SERVICE_PASSWORD))).unwrap()
    }

    /// Every account's password as its vault item holds it, by account name.
    pub async fn vault_passwords(&self) -> BTreeMap<String, Password> {
        let envelope = Envelope::new(&self.master, &[]).unwrap();
        let accounts = self.store.accounts_of_target(&self.target).await.unwrap();
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
        let names: BTreeMap<AccountId, String> = accounts
            .iter()
            .map(|a| (a.id, a.account_name.clone()))
            .collect();
        let mut out = BTreeMap::new();
        for item in self.store.items_for_accounts(&ids).await.unwrap() {
            let key = envelope
                .unwrap_key(item.id, item.wrapped_key.as_ref().unwrap())
                .unwrap();
            let password = envelope
                .open_secret(item.id, &key, item.secret.as_ref().unwrap())
                .unwrap();
            out.insert(names[&item.account.unwrap()].clone(), password);
        }
        out
    }

    /// Binds every account with its vault password; returns the accounts that do not bind.
    pub async fn mismatches(&self) -> Vec<String> {
        let direct = self.direct();
        let vault = self.vault_passwords().await;
        let mut bad = Vec::new();
        for i in 0..self.users {
            let dn = Slapd::user_dn(i);
            match vault.get(&dn) {
                Some(pw) if direct.verify_password(&dn, pw).await.is_ok() => {}
                _ => bad.push(dn),
            }
        }
        bad
    }
}

/// The rows of a report about one account.
pub fn rows_of<'a>(rows: &'a [ReportRow], account: &str) -> Vec<&'a ReportRow> {
    rows.iter().filter(|r| r.account == account).collect()
}

/// Runs a test body on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> crate::common::TestResult {
                $body(crate::common::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> crate::common::TestResult {
                $body(crate::common::Db::Postgres).await
            }
        }
    };
}
pub(crate) use on_both;
