//! A world for a mass password run, built the way an installation would be: the directory's
//! people as profiles (with their `mail`), the directory registered as a target with its
//! service password sealed under the master key, and a discovery that associates every account
//! with its owner by `mail`. The store is a SQLite file in a temporary directory or a fresh
//! database on the testkit's PostgreSQL.
//!
//! For the `latchkey` binary ([`World::write_config`]) the same directory gets a master key file
//! and a `latchkey.toml` naming the store, and [`World::add_admin`] makes an operator who may
//! run mass resets (member of `MPR_ADMINS`, `mass_password_reset` privilege, a password).

use crate::{BenchResult, OsRng};
use latchkey_core::admin::Privilege;
use latchkey_core::ids::{AccountId, MprJobId, ProfileId, UserClassId};
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::job::{JobKind, MprRequest, Scope, VaultMapping};
use latchkey_core::password_hash::{Argon2Params, hash_password};
use latchkey_core::profile::{Attributes, LoginId, NewProfile};
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{AccountRepo, AdminRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::validate_row;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{TargetConnector, TargetDef};
use latchkey_core::userclass::{MPR_ADMINS, RuleMode, UserClass};
use latchkey_core::vault::VaultRepo;
use latchkey_mpr::{RunOptions, RunSummary};
use latchkey_store::{Store, StoreOptions};
use latchkey_targets::LdapTarget;
use latchkey_targets::discovery::{DiscoveryOptions, discover};
use latchkey_testkit::PgCluster;
use latchkey_vault::Envelope;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use time::OffsetDateTime;

/// Where the store lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// A SQLite file.
    Sqlite,
    /// A database on the testkit's shared PostgreSQL cluster.
    Postgres,
}

impl Db {
    /// Its name in tables and arguments.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

impl std::str::FromStr for Db {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Self::Postgres),
            other => Err(format!("unknown database {other:?} (sqlite or postgres)")),
        }
    }
}

/// A person of the directory: their login id here and the `mail` that associates them.
#[derive(Debug, Clone)]
pub struct Person {
    /// Login id of the profile.
    pub login: String,
    /// Mail address, as on the directory entry.
    pub mail: String,
}

/// A store with profiles, a discovered target, and the key that seals everything.
#[derive(Debug)]
pub struct World {
    /// The store.
    pub store: Store,
    /// The master key.
    pub master: MasterKey,
    /// The target (pool size as asked).
    pub def: TargetDef,
    /// The store's URL.
    pub database_url: String,
    /// SQLite file, key file, configuration and child-process logs.
    pub dir: tempfile::TempDir,
}

impl World {
    /// The PostgreSQL server's process id, when the store is there.
    pub fn store_server_pid(&self) -> Option<u32> {
        self.store_cluster()?.pid()
    }

    /// The PostgreSQL cluster holding the store, when the store is there.
    fn store_cluster(&self) -> Option<&'static latchkey_testkit::PgCluster> {
        if !self.database_url.starts_with("postgres") {
            return None;
        }
        latchkey_testkit::PgCluster::shared_durable().ok()
    }

    /// What `sql` prints on the store's PostgreSQL database, when the store is there.
    fn store_psql(&self, sql: &str) -> Option<String> {
        self.store_cluster()?.psql(&self.database_url, sql).ok()
    }

    /// The PostgreSQL cluster's write-ahead log so far, when the store is there: records,
    /// full-page images and bytes (`pg_stat_wal`).
    pub fn store_wal(&self) -> Option<[f64; 3]> {
        let text = self.store_psql("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")?;
        let mut fields = text.trim().split('|').map(str::parse::<f64>);
        Some([
            fields.next()?.ok()?,
            fields.next()?.ok()?,
            fields.next()?.ok()?,
        ])
    }

    /// How many times autovacuum and autoanalyze have run on each table so far, when the store
    /// is PostgreSQL (`pg_stat_user_tables`): `table → (vacuums, analyzes)`.
    pub fn store_upkeep(&self) -> Option<std::collections::BTreeMap<String, (u64, u64)>> {
        let text = self.store_psql(
            "SELECT relname, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables",
        )?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let mut f = line.split('|');
                let name = f.next()?.to_owned();
                let vacuums = f.next()?.parse().ok()?;
                let analyzes = f.next()?.parse().ok()?;
                Some((name, (vacuums, analyzes)))
            })
            .collect()
    }

    /// Creates profiles for `people`, registers `def` with `service_password` sealed, and
    /// discovers it; every person's account must be associated.
    pub async fn build(
        db: Db,
        people: &[Person],
        def: TargetDef,
        service_password: &str,
    ) -> BenchResult<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("latchkey-bench-");
        let dir = match std::env::var_os("LATCHKEY_BENCH_STORE_DIR") {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        let database_url = match db {
            Db::Sqlite => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("store.db").display()
            ),
            Db::Postgres => PgCluster::shared_durable()?.create_database()?,
        };
        let store = Store::open(&database_url, StoreOptions::default()).await?;
        let master = MasterKey::generate(&mut OsRng);
        let now = OffsetDateTime::now_utc();
        let mut profiles = Vec::with_capacity(people.len());
        for p in people {
            let mut attributes = Attributes::new();
            attributes.add("mail", p.mail.clone())?;
            let profile = NewProfile {
                login_id: LoginId::new(&p.login)?,
                display_name: p.login.clone(),
                email: Some(p.mail.clone()),
                attributes,
            }
            .into_profile(ProfileId::generate(now, &mut OsRng), now)?;
            profiles.push((profile, None));
        }
        for chunk in profiles.chunks(5_000) {
            store.create_profiles(chunk).await?;
        }
        let password = Password::new(service_password);
        let sealed = latchkey_targets::credentials::seal(&master, &def, &password, &mut OsRng)?;
        store
            .create_target(&StoredTarget {
                def: def.clone(),
                sealed_secret: Some(sealed),
                created_at: now,
                updated_at: now,
            })
            .await?;
        let connector = LdapTarget::new(def.clone(), Some(password))?;
        let options = DiscoveryOptions {
            page_size: 1_000,
            ..DiscoveryOptions::default()
        };
        let report = discover(&connector, &def, &store, options).await?;
        if report.associated < people.len() as u64 {
            return Err(format!(
                "discovery associated {} of {} accounts",
                report.associated,
                people.len()
            )
            .into());
        }
        Ok(Self {
            store,
            master,
            def,
            database_url,
            dir,
        })
    }

    /// A request for every account of the target, as the settings would give it, with the
    /// concurrency, verification and batch size asked.
    pub fn request(&self, kind: JobKind, concurrency: u32, verify: bool, batch: u32) -> MprRequest {
        MprRequest {
            kind,
            targets: vec![self.def.id.clone()],
            scope: Scope::default(),
            batch_size: batch,
            concurrency,
            rate_per_second: None,
            retry_budget: 5,
            refusal_budget: 3,
            verify,
            dry_run: false,
            report: true,
            vault: VaultMapping::default(),
        }
    }

    /// Plans, stores and runs `request` in this process, as the server would; also how long
    /// planning and storing the plan took.
    pub async fn run(
        &self,
        request: MprRequest,
        options: &RunOptions,
    ) -> BenchResult<(MprJobId, RunSummary, std::time::Duration)> {
        let planning = std::time::Instant::now();
        let (job, _) = latchkey_mpr::start(&self.store, request, "bench", &mut OsRng).await?;
        let job = job.ok_or("the run was not stored")?;
        let planned = planning.elapsed();
        let summary = latchkey_mpr::run(&self.store, &self.master, job, OsRng, options).await?;
        Ok((job, summary, planned))
    }

    /// An operator `login` with `password` who may run mass resets.
    pub async fn add_admin(&self, login: &str, password: &str) -> BenchResult {
        let now = OffsetDateTime::now_utc();
        let profile = NewProfile {
            login_id: LoginId::new(login)?,
            display_name: "Mass reset operator".into(),
            email: None,
            attributes: Attributes::new(),
        }
        .into_profile(ProfileId::generate(now, &mut OsRng), now)?;
        let salt: [u8; 16] = OsRng.bytes();
        let hash = hash_password(&Password::new(password), &Argon2Params::default(), &salt)?;
        let id = profile.id;
        self.store.create_profile(&profile, Some(&hash)).await?;
        self.store
            .grant(id, &[Privilege::MassPasswordReset])
            .await?;
        let class = UserClass {
            id: UserClassId::new(MPR_ADMINS)?,
            description: "Administrators allowed to run mass password resets".into(),
            static_members: BTreeSet::from([id]),
            rules: Vec::new(),
            mode: RuleMode::All,
        };
        self.store.save_user_class(&class).await?;
        self.store
            .replace_members(&class.id, &BTreeSet::from([id]), now)
            .await?;
        Ok(())
    }

    /// Replaces the values of a known setting.
    pub async fn set(&self, namespace: &str, setting: &str, values: &[&str]) -> BenchResult {
        let mut rows = Vec::new();
        for value in values {
            rows.push(validate_row(namespace, setting, value, false)?);
        }
        self.store
            .replace_setting(namespace, setting, &rows)
            .await?;
        Ok(())
    }

    /// Writes `master.key` and `latchkey.toml` (the store, the key file, warnings only in the
    /// log); returns the configuration's path.
    pub fn write_config(&self) -> BenchResult<PathBuf> {
        let key = self.dir.path().join("master.key");
        std::fs::write(&key, self.master.encode().as_bytes())?;
        let config = self.dir.path().join("latchkey.toml");
        let text = format!(
            "database_url = {:?}\n\n[log]\nfilter = \"warn\"\n\n[keys]\nmaster_key_file = {:?}\n",
            self.database_url,
            key.display().to_string()
        );
        std::fs::write(&config, text)?;
        Ok(config)
    }

    /// Every account's password as its vault item holds it, by account name.
    pub async fn vault_passwords(&self) -> BenchResult<BTreeMap<String, Password>> {
        let envelope = Envelope::new(&self.master, &[])?;
        let accounts = self.store.accounts_of_target(&self.def.id).await?;
        let names: BTreeMap<AccountId, String> = accounts
            .iter()
            .map(|a| (a.id, a.account_name.clone()))
            .collect();
        let ids: Vec<AccountId> = names.keys().copied().collect();
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(1_000) {
            for item in self.store.items_for_accounts(chunk).await? {
                let (Some(account), Some(wrapped), Some(secret)) =
                    (item.account, &item.wrapped_key, &item.secret)
                else {
                    continue;
                };
                let key = envelope.unwrap_key(item.id, wrapped)?;
                let password = envelope.open_secret(item.id, &key, secret)?;
                if let Some(name) = names.get(&account) {
                    out.insert(name.clone(), password);
                }
            }
        }
        Ok(out)
    }

    /// Binds each of `accounts` with its vault password through `direct`; returns the accounts
    /// without a vault password or whose bind fails.
    pub async fn mismatches<C: TargetConnector>(
        &self,
        direct: &C,
        accounts: &[String],
    ) -> BenchResult<Vec<String>> {
        let vault = self.vault_passwords().await?;
        let mut bad = Vec::new();
        for account in accounts {
            match vault.get(account) {
                Some(pw) if direct.verify_password(account, pw).await.is_ok() => {}
                _ => bad.push(account.clone()),
            }
        }
        Ok(bad)
    }
}
