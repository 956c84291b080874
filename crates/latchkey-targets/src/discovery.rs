//! Discovery: load a target's accounts into the store, make profiles from a source target, and
//! associate accounts with their owners.
//!
//! A run reads the target page by page ([`TargetConnector::list_accounts`]). Each page's accounts
//! are upserted in one transaction; for a profile source, each account makes or updates a
//! profile ([`profile_from_source`]). When the listing is complete, every account seen is
//! associated by the target's association attribute ([`associate`]): exactly one matching
//! profile makes it the owner; no match, no value or several matches leave the account without
//! an owner and are listed in the report — never guessed. A source target without an
//! association attribute owns its accounts through the profiles they made.
//!
//! An incremental run (`incremental`) lists only what changed since the last successful run's
//! mark, where the target can tell (OpenLDAP `modifyTimestamp`, AD `uSNChanged`); PostgreSQL
//! always lists everything. Every run is recorded with its report; a failed run records why.

use latchkey_core::account::{Account, Association, associate};
use latchkey_core::ids::{AccountId, ProfileId};
use latchkey_core::profile::{LoginId, Profile};
use latchkey_core::random::RandomSource;
use latchkey_core::repo::{ProfileRepo, RepoError};
use latchkey_core::target::discovery::{
    AmbiguousAccount, DiscoveryReport, InvalidAccount, SourceProfile, profile_from_source,
    source_login,
};
use latchkey_core::target::repo::{DiscoveryRecord, TargetRepo};
use latchkey_core::target::{AccountPages, ListRequest, TargetConnector, TargetDef, TargetError};
use latchkey_store::Store;
use std::collections::HashMap;
use time::OffsetDateTime;

/// How to run discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// List only accounts changed since the last successful run, where the target can tell.
    pub incremental: bool,
    /// Accounts per page.
    pub page_size: u32,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            incremental: false,
            page_size: 500,
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The target failed.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// The operating system's CSPRNG, for new profile and account ids.
#[derive(Debug)]
pub(crate) struct OsRandom;

impl RandomSource for OsRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Ids need uniqueness, not secrecy: should the OS source ever fail, the time part of
        // the UUIDv7 and the counter below still keep them apart within this process.
        if getrandom::fill(dest).is_err() {
            static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for (d, s) in dest.iter_mut().zip(n.to_le_bytes().iter().cycle()) {
                *d = *s;
            }
        }
    }
}

/// Every profile in the store.
async fn all_profiles(store: &Store) -> Result<Vec<Profile>, RepoError> {
    let mut out: Vec<Profile> = Vec::new();
    loop {
        let after = out.last().map(|p| p.login_id.clone());
        let page = store.list_profiles(after.as_ref(), 1_000).await?;
        let done = page.len() < 1_000;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Runs discovery of `def`'s accounts through `connector`, writes the results to `store`,
/// records the run, and returns its report.
pub async fn discover<C: TargetConnector + Sync>(
    connector: &C,
    def: &TargetDef,
    store: &Store,
    options: DiscoveryOptions,
) -> Result<DiscoveryReport, DiscoveryError> {
    let started = OffsetDateTime::now_utc();
    let result = run(connector, def, store, options).await;
    let finished = OffsetDateTime::now_utc();
    let record = match &result {
        Ok((report, high_water)) => DiscoveryRecord {
            target: def.id.clone(),
            started_at: started,
            finished_at: finished,
            ok: true,
            high_water: high_water.clone(),
            report: serde_json::to_string(report).unwrap_or_default(),
        },
        Err(e) => DiscoveryRecord {
            target: def.id.clone(),
            started_at: started,
            finished_at: finished,
            ok: false,
            high_water: None,
            report: serde_json::json!({ "error": e.to_string() }).to_string(),
        },
    };
    store.record_discovery(&record).await?;
    tracing::info!(target = %def.id, ok = record.ok, "discovery finished");
    result.map(|(report, _)| report)
}

async fn run<C: TargetConnector + Sync>(
    connector: &C,
    def: &TargetDef,
    store: &Store,
    options: DiscoveryOptions,
) -> Result<(DiscoveryReport, Option<String>), DiscoveryError> {
    let since = if options.incremental {
        store
            .last_discovery(&def.id, true)
            .await?
            .and_then(|r| r.high_water)
    } else {
        None
    };
    let mut report = DiscoveryReport {
        incremental: since.is_some(),
        ..DiscoveryReport::default()
    };
    let mut profiles = if def.profile_source.is_some() || def.association_attribute.is_some() {
        all_profiles(store).await?
    } else {
        Vec::new()
    };
    let mut by_login: HashMap<LoginId, usize> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.login_id.clone(), i))
        .collect();
    // Source accounts seen this run, by login id: a second account with the same login id
    // cannot make a second profile.
    let mut login_owner: HashMap<LoginId, String> = HashMap::new();
    let mut source_owner: HashMap<AccountId, ProfileId> = HashMap::new();
    let mut seen: Vec<Account> = Vec::new();
    let mut rng = OsRandom;

    let mut pages = connector
        .list_accounts(ListRequest {
            page_size: options.page_size,
            changed_since: since,
        })
        .await?;
    // New accounts get ids in the order the directory lists them, and a mass password run works
    // through accounts in id order. A directory writes entries it keeps near each other faster
    // one after the other: a raw client resetting 5,000 of slapd's accounts one at a time made
    // 2,351 changes a second in listing order, 2,145 in a random one. (Ids drawn one by one put
    // each page of the listing in random order.)
    let mut last_id: Option<AccountId> = None;
    while let Some(page) = pages.next_page().await? {
        let now = OffsetDateTime::now_utc();
        let ids = AccountId::generate_in_order(now, last_id, page.len(), &mut rng);
        last_id = ids.last().copied().or(last_id);
        let batch: Vec<Account> = page
            .iter()
            .zip(ids)
            .map(|(e, id)| Account {
                id,
                target_id: def.id.clone(),
                account_name: e.name.clone(),
                owner: None,
                attributes: e.attributes.clone(),
            })
            .collect();
        let stored = store.upsert_accounts(&batch).await?;
        report.accounts += u64::try_from(stored.len()).unwrap_or(0);
        if let Some(source) = &def.profile_source {
            let mut creates = Vec::new();
            for account in &stored {
                let login = match source_login(&account.attributes, source) {
                    Ok(login) => login,
                    Err(reason) => {
                        report.invalid.push(InvalidAccount {
                            account: account.account_name.clone(),
                            reason,
                        });
                        continue;
                    }
                };
                if let Some(first) = login_owner.get(&login) {
                    report.invalid.push(InvalidAccount {
                        account: account.account_name.clone(),
                        reason: format!("login id {login} is also the login of {first}"),
                    });
                    continue;
                }
                login_owner.insert(login.clone(), account.account_name.clone());
                let existing = by_login.get(&login).and_then(|i| profiles.get(*i));
                let new_id = ProfileId::generate(now, &mut rng);
                match profile_from_source(&account.attributes, source, existing, new_id, now) {
                    SourceProfile::Create(p) => {
                        source_owner.insert(account.id, p.id);
                        creates.push((p, None));
                    }
                    SourceProfile::Update(p) => {
                        source_owner.insert(account.id, p.id);
                        store.update_profile(&p).await?;
                        report.profiles_updated += 1;
                        if let Some(slot) = by_login.get(&login).and_then(|i| profiles.get_mut(*i))
                        {
                            *slot = p;
                        }
                    }
                    SourceProfile::Unchanged(id) => {
                        source_owner.insert(account.id, id);
                    }
                    SourceProfile::Invalid(reason) => report.invalid.push(InvalidAccount {
                        account: account.account_name.clone(),
                        reason,
                    }),
                }
            }
            if !creates.is_empty() {
                store.create_profiles(&creates).await?;
                report.profiles_created += u64::try_from(creates.len()).unwrap_or(0);
                for (p, _) in creates {
                    by_login.insert(p.login_id.clone(), profiles.len());
                    profiles.push(p);
                }
            }
        }
        seen.extend(stored);
    }
    let high_water = pages.high_water();

    let owners: Vec<(AccountId, Option<ProfileId>)> = match &def.association_attribute {
        Some(attribute) => {
            let logins: HashMap<ProfileId, &LoginId> =
                profiles.iter().map(|p| (p.id, &p.login_id)).collect();
            let names: HashMap<AccountId, &str> = seen
                .iter()
                .map(|a| (a.id, a.account_name.as_str()))
                .collect();
            let name = |id: &AccountId| names.get(id).map(|n| (*n).to_owned()).unwrap_or_default();
            associate(seen.iter(), &profiles, attribute)
                .into_iter()
                .map(|(id, decision)| match decision {
                    Association::Owner(owner) => {
                        report.associated += 1;
                        (id, Some(owner))
                    }
                    Association::Unmatched => {
                        report.unmatched.push(name(&id));
                        (id, None)
                    }
                    Association::NoValue => {
                        report.no_value.push(name(&id));
                        (id, None)
                    }
                    Association::Ambiguous(candidates) => {
                        report.ambiguous.push(AmbiguousAccount {
                            account: name(&id),
                            profiles: candidates
                                .iter()
                                .filter_map(|c| logins.get(c).map(|l| l.to_string()))
                                .collect(),
                        });
                        (id, None)
                    }
                })
                .collect()
        }
        None if def.profile_source.is_some() => seen
            .iter()
            .map(|a| {
                let owner = source_owner.get(&a.id).copied();
                report.associated += u64::from(owner.is_some());
                (a.id, owner)
            })
            .collect(),
        // Nothing to associate by: owners stay as they were.
        None => Vec::new(),
    };
    store.set_owners(&owners).await?;
    Ok((report, high_water))
}
