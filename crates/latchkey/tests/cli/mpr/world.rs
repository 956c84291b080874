//! The world of the `latchkey mpr` tests: a slapd of N people, discovered into a sandbox as
//! target `LDAP` with the binary itself (`keys generate`, `targets add`, `targets discover`,
//! `users add`, `settings set`), operators made through the store (there is no command for
//! privileges and user classes), and the checks: vault passwords opened with the master key,
//! and a bind per account straight to slapd.

use crate::util::{Run, Sandbox, finish, with_store};
use latchkey_core::admin::Privilege;
use latchkey_core::ids::{AccountId, MprJobId, TargetId, UserClassId};
use latchkey_core::keys::MasterKey;
use latchkey_core::mpr::job::{JobKind, JobStatus};
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::repo::MprRepo;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AccountRepo, AdminRepo, ProfileRepo, UserClassRepo};
use latchkey_core::secret::Password;
use latchkey_core::target::{TargetConnector, TargetDef, TargetKind};
use latchkey_core::userclass::{MPR_ADMINS, RuleMode, UserClass};
use latchkey_core::vault::VaultRepo;
use latchkey_targets::LdapTarget;
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd, SlapdOptions};
use latchkey_vault::Envelope;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Child, Command, Stdio};

pub const ADMIN_PASSWORD: &str = "Operator-Passw0rd-1";
pub const OTHER_PASSWORD: &str = "Someone-Passw0rd-2";
pub const REFUSED: &str = "may not run mass password resets";

/// A directory of `users` people, discovered into a sandbox as target `LDAP`, with `admin` (in
/// MPR_ADMINS, privileged), `helper` (in MPR_ADMINS only) and `outsider` (privileged only).
pub struct World {
    pub slapd: Slapd,
    pub sb: Sandbox,
    pub users: usize,
}

impl World {
    pub fn new(users: usize) -> Self {
        let slapd = Slapd::start(SlapdOptions {
            users,
            dbnosync: true,
            log_level: "none".into(),
            ..SlapdOptions::default()
        })
        .unwrap();
        let w = Self {
            slapd,
            sb: Sandbox::new(),
            users,
        };
        w.sb.run(&["keys", "generate", "master.key"]).expect_code(0);
        let url = w.slapd.url();
        let add = [
            "targets",
            "add",
            "LDAP",
            "--kind",
            "ldap",
            "--url",
            &url,
            "--service-account",
            SERVICE_DN,
            "--base-dn",
            PEOPLE_DN,
            "--association",
            "mail",
            "--source-login",
            "uid",
            "--source-email",
            "mail",
            "--password-stdin",
        ];
        w.run(&add, SERVICE_PASSWORD).expect_code(0);
        w.run(&["targets", "discover", "LDAP"], "").expect_code(0);
        for (login, password) in [
            ("admin", ADMIN_PASSWORD),
            ("helper", OTHER_PASSWORD),
            ("outsider", OTHER_PASSWORD),
        ] {
            let args = ["users", "add", login, "--name", login, "--password-stdin"];
            w.run(&args, password).expect_code(0);
        }
        let settings = ["settings", "set", "MASS_PASSWORD_RESET", "TARGETS", "LDAP"];
        w.run(&settings, "").expect_code(0);
        with_store(&w.sb.db_url(), async |store| {
            let id = |login: &str| {
                let login = LoginId::new(login).unwrap();
                async move { store.profile_by_login(&login).await.unwrap().unwrap().id }
            };
            let (admin, helper, outsider) =
                (id("admin").await, id("helper").await, id("outsider").await);
            for who in [admin, outsider] {
                store
                    .grant(who, &[Privilege::MassPasswordReset])
                    .await
                    .unwrap();
            }
            let class = UserClass {
                id: UserClassId::new(MPR_ADMINS).unwrap(),
                description: "mass reset operators".into(),
                static_members: BTreeSet::from([admin, helper]),
                rules: Vec::new(),
                mode: RuleMode::All,
            };
            store.save_user_class(&class).await.unwrap();
            let now = time::OffsetDateTime::now_utc();
            store
                .replace_members(&class.id, &class.static_members, now)
                .await
                .unwrap();
        });
        w
    }

    /// The binary with the master key and a cheap password hash configured.
    pub fn command(&self) -> Command {
        let mut cmd = self.sb.command();
        cmd.env(
            "LATCHKEY_KEYS_MASTER_KEY_FILE",
            self.sb.path().join("master.key"),
        )
        .env("LATCHKEY_PASSWORD_HASH_MEMORY_KIB", "64")
        .env("LATCHKEY_PASSWORD_HASH_TIME_COST", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    }

    /// Starts `args` with `input` on standard input.
    pub fn spawn(&self, args: &[&str], input: &str) -> Child {
        let mut child = self.command().args(args).spawn().unwrap();
        // A child that refuses before reading its input closes the pipe: not our failure.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child
    }

    pub fn run(&self, args: &[&str], input: &str) -> Run {
        finish(self.spawn(args, input).wait_with_output().unwrap())
    }

    /// `latchkey mpr KIND --as admin --password-stdin --yes --no-progress`.
    pub fn start(&self, kind: &str) -> Run {
        let args = [
            "mpr",
            kind,
            "--as",
            "admin",
            "--password-stdin",
            "--yes",
            "--no-progress",
        ];
        self.run(&args, ADMIN_PASSWORD)
    }

    pub fn runs(&self) -> Vec<(MprJobId, JobKind, JobStatus)> {
        with_store(&self.sb.db_url(), async |store| {
            let jobs = store.jobs(100).await.unwrap();
            jobs.into_iter()
                .map(|j| (j.id, j.request.kind, j.status))
                .collect()
        })
    }

    /// The reset run still running, if any.
    pub fn open_reset(&self) -> Option<MprJobId> {
        let runs = self.runs().into_iter();
        runs.filter(|r| r.1 == JobKind::Reset && r.2 == JobStatus::Running)
            .map(|r| r.0)
            .next()
    }

    /// Accounts of `job` between planned and final.
    pub fn in_flight(&self, job: MprJobId) -> u64 {
        with_store(&self.sb.db_url(), async |store| {
            let counts = store.state_counts(job).await.unwrap();
            [
                EntryState::Generated,
                EntryState::Applied,
                EntryState::Committed,
                EntryState::Retryable,
            ]
            .iter()
            .map(|s| counts.get(*s))
            .sum()
        })
    }

    /// Entries in `state` over every run.
    pub fn count(&self, state: EntryState) -> u64 {
        let ids: Vec<MprJobId> = self.runs().into_iter().map(|r| r.0).collect();
        with_store(&self.sb.db_url(), async |store| {
            let mut n = 0;
            for id in ids {
                n += store.state_counts(id).await.unwrap().get(state);
            }
            n
        })
    }

    /// Every account's vault password, by account name (DN).
    pub fn vault(&self) -> BTreeMap<String, String> {
        let key = std::fs::read_to_string(self.sb.path().join("master.key")).unwrap();
        let envelope = Envelope::new(&MasterKey::parse(&key).unwrap(), &[]).unwrap();
        with_store(&self.sb.db_url(), async |store| {
            let target = TargetId::new("LDAP").unwrap();
            let accounts = store.accounts_of_target(&target).await.unwrap();
            let names: BTreeMap<AccountId, String> = accounts
                .into_iter()
                .map(|a| (a.id, a.account_name))
                .collect();
            let ids: Vec<AccountId> = names.keys().copied().collect();
            let mut out = BTreeMap::new();
            for item in store.items_for_accounts(&ids).await.unwrap() {
                let key = envelope
                    .unwrap_key(item.id, item.wrapped_key.as_ref().unwrap())
                    .unwrap();
                let pw = envelope
                    .open_secret(item.id, &key, item.secret.as_ref().unwrap())
                    .unwrap();
                out.insert(
                    names[&item.account.unwrap()].clone(),
                    pw.expose().to_owned(),
                );
            }
            out
        })
    }

    /// Accounts that do not bind with their vault password (or have none).
    pub fn mismatches(&self) -> Vec<String> {
        let vault = self.vault();
        let mut def = TargetDef::new(
            TargetId::new("CHECK").unwrap(),
            TargetKind::Ldap,
            &self.slapd.url(),
            SERVICE_DN,
        );
        def.base_dn = PEOPLE_DN.into();
        let direct = LdapTarget::new(def, Some(Password::new(SERVICE_PASSWORD))).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut bad = Vec::new();
            for dn in (0..self.users).map(Slapd::user_dn) {
                match vault.get(&dn) {
                    Some(pw)
                        if direct
                            .verify_password(&dn, &Password::new(pw.as_str()))
                            .await
                            .is_ok() => {}
                    _ => bad.push(dn),
                }
            }
            bad
        })
    }
}
