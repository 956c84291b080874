//! Planning a run: which accounts it covers and which it skips, and why.
//!
//! The plan is made once, when the operator confirms, and stored as the run's journal: a
//! resumed run works on exactly the accounts that were confirmed. Accounts the run cannot work on
//! are in the plan too, as `skipped` with the reason, so the report accounts for every account
//! of the chosen targets.

use crate::MprError;
use latchkey_core::account::AccountHead;
use latchkey_core::ids::{AccountId, MprJobId, ProfileId, TargetId};
use latchkey_core::mpr::job::{JobKind, MprRequest};
use latchkey_core::mpr::journal::{Entry, EntryState};
use latchkey_core::repo::{AccountRepo, UserClassRepo};
use latchkey_core::target::repo::TargetRepo;
use latchkey_core::vault::{ItemLink, VaultItem, VaultRepo};
use latchkey_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// Accounts read per query while planning: memory stays flat however many a target has.
const PAGE: u32 = 5_000;

/// The accounts of one target in a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPlan {
    /// Accounts that get a new password.
    pub planned: u64,
    /// Accounts skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// What a run will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Every account of the chosen targets in scope, planned or skipped.
    pub entries: Vec<Entry>,
    /// Per target.
    pub targets: BTreeMap<TargetId, TargetPlan>,
}

impl Plan {
    /// Accounts that get a new password.
    pub fn planned(&self) -> u64 {
        self.targets.values().map(|t| t.planned).sum()
    }

    /// Accounts skipped.
    pub fn skipped(&self) -> u64 {
        self.targets.values().flat_map(|t| t.skipped.values()).sum()
    }

    /// A fingerprint of what the plan does (every account: target, name, owner, planned or
    /// skipped and why), independent of the run id and the order of the entries. The web's
    /// confirm page carries it, so the run started is the one the operator reviewed: planned
    /// again at the start, a plan with another fingerprint is refused.
    pub fn digest(&self) -> String {
        let mut lines: Vec<String> = self
            .entries
            .iter()
            .map(|e| {
                format!(
                    "{}\t{}\t{}\t{:?}\t{}",
                    e.target,
                    e.account_name,
                    e.owner.map(|o| o.to_string()).unwrap_or_default(),
                    e.state,
                    e.message.as_deref().unwrap_or_default()
                )
            })
            .collect();
        lines.sort_unstable();
        latchkey_core::token::TokenHash::of(&lines.join("\n"))
            .as_str()
            .to_owned()
    }
}

/// Plans `request` as run `job`.
pub async fn plan(
    store: &Store,
    request: &MprRequest,
    job: MprJobId,
    now: OffsetDateTime,
) -> Result<Plan, MprError> {
    if let (Some(name), JobKind::Onboard) = (&request.vault.template, request.kind) {
        template(store, name).await?;
    }
    let owners_in_scope = owners_in_scope(store, request).await?;
    let wanted_names: BTreeSet<String> = request
        .scope
        .accounts
        .iter()
        .map(|n| n.trim().to_lowercase())
        .collect();
    let mut plan = Plan {
        entries: Vec::new(),
        targets: BTreeMap::new(),
    };
    for target in &request.targets {
        if store.target(target).await?.is_none() {
            return Err(MprError::UnknownTarget(target.clone()));
        }
        let summary = plan.targets.entry(target.clone()).or_default();
        let mut after: Option<String> = None;
        loop {
            let page = store.account_heads(target, after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.account_name.clone());
            let accounts: Vec<AccountHead> = page
                .into_iter()
                .filter(|a| {
                    wanted_names.is_empty() || wanted_names.contains(&a.account_name.to_lowercase())
                })
                .filter(|a| match (&owners_in_scope, a.owner) {
                    (None, _) => true,
                    (Some(owners), Some(owner)) => owners.contains(&owner),
                    (Some(_), None) => false,
                })
                .collect();
            let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
            let items: BTreeMap<AccountId, ItemLink> = store
                .item_links(&ids)
                .await?
                .into_iter()
                .map(|link| (link.account, link))
                .collect();
            for account in accounts {
                let item = items.get(&account.id);
                let decision = decide(request.kind, &account, item);
                let mut entry = Entry {
                    job,
                    account: account.id,
                    target: target.clone(),
                    owner: account.owner,
                    vault_item: item.map(|i| i.id),
                    state: EntryState::Planned,
                    pending: None,
                    sends: 0,
                    attempts: 0,
                    refusals: 0,
                    message: None,
                    updated_at: now,
                    account_name: account.account_name,
                };
                match decision {
                    Ok(owner) => {
                        entry.owner = Some(owner);
                        summary.planned += 1;
                    }
                    Err(reason) => {
                        *summary.skipped.entry(reason.to_owned()).or_default() += 1;
                        entry.state = EntryState::Skipped;
                        entry.message = Some(reason.to_owned());
                    }
                }
                plan.entries.push(entry);
            }
        }
    }
    Ok(plan)
}

/// Whether a run of `kind` works on `account` (and who owns the result), or why not.
fn decide(
    kind: JobKind,
    account: &AccountHead,
    item: Option<&ItemLink>,
) -> Result<ProfileId, &'static str> {
    match (kind, item) {
        (JobKind::Onboard, Some(_)) => Err("already in the vault"),
        (JobKind::Onboard, None) => account
            .owner
            .ok_or("no owner: discovery could not associate the account with a profile"),
        (JobKind::Reset, None) => Err("not in the vault: onboard it first"),
        (JobKind::Reset, Some(item)) => item
            .owner
            .ok_or("its vault item has no owner to read the new password"),
    }
}

/// The owners the request's user classes allow (`None`: no restriction).
async fn owners_in_scope(
    store: &Store,
    request: &MprRequest,
) -> Result<Option<BTreeSet<ProfileId>>, MprError> {
    if request.scope.user_classes.is_empty() {
        return Ok(None);
    }
    let mut owners = BTreeSet::new();
    for class in &request.scope.user_classes {
        owners.extend(store.members(class).await?);
    }
    Ok(Some(owners))
}

/// The template item onboarding clones, by name or id.
pub async fn template(store: &Store, name: &str) -> Result<VaultItem, MprError> {
    store
        .templates()
        .await?
        .into_iter()
        .find(|t| t.name == name || t.id.to_string() == name)
        .ok_or_else(|| MprError::NoTemplate(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        job: u128,
        account: u128,
        name: &str,
        owner: Option<u128>,
        state: EntryState,
    ) -> Entry {
        Entry {
            job: MprJobId(uuid::Uuid::from_u128(job)),
            account: AccountId(uuid::Uuid::from_u128(account)),
            target: TargetId::new("LDAP").unwrap(),
            account_name: name.into(),
            owner: owner.map(|o| ProfileId(uuid::Uuid::from_u128(o))),
            vault_item: None,
            state,
            pending: None,
            sends: 0,
            attempts: 0,
            refusals: 0,
            message: (state == EntryState::Skipped).then(|| "no owner".into()),
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn plan(entries: Vec<Entry>) -> Plan {
        Plan {
            entries,
            targets: BTreeMap::new(),
        }
    }

    #[test]
    fn the_digest_is_what_the_plan_does_not_its_run_or_order() {
        let a = entry(1, 1, "uid=a", Some(7), EntryState::Planned);
        let b = entry(1, 2, "uid=b", None, EntryState::Skipped);
        let shown = plan(vec![a.clone(), b.clone()]).digest();
        // Planned again for the start: another run id, another order — the same plan.
        let again = plan(vec![
            entry(2, 2, "uid=b", None, EntryState::Skipped),
            entry(2, 1, "uid=a", Some(7), EntryState::Planned),
        ]);
        assert_eq!(again.digest(), shown);
        // An account more, one less, another owner, or skipped instead: another plan.
        let more = plan(vec![
            a.clone(),
            b.clone(),
            entry(1, 3, "uid=c", Some(8), EntryState::Planned),
        ]);
        let less = plan(vec![a.clone()]);
        let owner = plan(vec![
            entry(1, 1, "uid=a", Some(9), EntryState::Planned),
            b.clone(),
        ]);
        let skipped = plan(vec![entry(1, 1, "uid=a", Some(7), EntryState::Skipped), b]);
        for other in [more, less, owner, skipped] {
            assert_ne!(other.digest(), shown);
        }
        assert_eq!(shown.len(), 64, "{shown}");
    }
}
