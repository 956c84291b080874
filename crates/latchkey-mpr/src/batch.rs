//! One batch of a run, start to finish: lock, generate, apply, commit, verify.
//!
//! Each step that changes what the journal knows is written in one transaction before the next
//! step acts on it: the new passwords are committed before any target sees them (rule 1); the
//! vault items take them in the same transaction that moves the entries to `committed`, revokes
//! the owners' sessions and reset links, and gives back the locks of finished accounts.
//! Target calls run concurrently, bounded per target by [`Targets`](crate::target_io::Targets).

use crate::MprError;
use crate::context::Context;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use latchkey_core::ids::AccountId;
use latchkey_core::mpr::journal::{
    Entry, EntryState, NextStep, Pending, Transition, after_apply, after_commit, after_confirm,
    after_generate, after_verify, cancelled, next_step,
};
use latchkey_core::mpr::repo::{BatchWrite, EntryUpdate, MprRepo, PendingWrite};
use latchkey_core::mpr::report::ReportRow;
use latchkey_core::random::{Buffered, RandomSource};
use latchkey_core::repo::RepoError;
use latchkey_core::secret::Password;
use latchkey_core::secretbox::Sealed;
use latchkey_core::vault::{VaultItem, VaultRepo};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use time::OffsetDateTime;

/// What a batch came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Entries that moved on.
    pub progressed: usize,
    /// Planned entries another run holds.
    pub waiting: usize,
    /// Entries left to retry (transient failures).
    pub retrying: usize,
}

/// An entry with what this batch decided for it.
struct Work {
    entry: Entry,
    password: Option<Password>,
    fresh: bool,
    transitions: Vec<Transition>,
    new_pending: Option<Sealed>,
}

impl Work {
    fn new(entry: Entry) -> Self {
        Self {
            entry,
            password: None,
            fresh: false,
            transitions: Vec::new(),
            new_pending: None,
        }
    }

    fn take(&mut self, t: Transition) {
        self.entry.advance(&t);
        self.transitions.push(t);
    }
}

/// Runs one batch of entries (all of one run, none final).
pub async fn process<R>(
    ctx: &Arc<Context<R>>,
    entries: Vec<Entry>,
    cancelling: bool,
) -> Result<BatchStats, MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let mut stats = BatchStats::default();
    let mut write = ctx.new_write();
    ctx.learn_owners(&entries).await?;
    let planned: Vec<AccountId> = entries
        .iter()
        .filter(|e| e.state == EntryState::Planned)
        .map(|e| e.account)
        .collect();
    let held: BTreeSet<AccountId> = if cancelling || planned.is_empty() {
        BTreeSet::new()
    } else {
        ctx.store
            .lock_accounts(ctx.job.id, &planned)
            .await?
            .into_iter()
            .collect()
    };
    let mut work = Vec::new();
    for entry in entries {
        if entry.state == EntryState::Planned {
            if cancelling {
                let mut w = Work::new(entry);
                w.take(cancelled(&w.entry));
                finish(ctx, &mut write, w);
                stats.progressed += 1;
                continue;
            }
            if !held.contains(&entry.account) {
                stats.waiting += 1;
                continue;
            }
        }
        work.push(Work::new(entry));
    }

    // Rule 1: new passwords are durable before any target sees them.
    let mut rng = Buffered::new(ctx.rng.clone());
    for w in &mut work {
        if next_step(&w.entry, ctx.verify()) == NextStep::Generate {
            let password = ctx.generate(&w.entry, &mut rng)?;
            let sealed = ctx.seal_pending(&w.entry, &password, &mut rng)?;
            w.take(after_generate(&w.entry));
            w.entry.pending = Some(sealed.clone());
            w.new_pending = Some(sealed);
            w.password = Some(password);
            w.fresh = true;
        }
    }
    let generated: Vec<Work> = work
        .iter_mut()
        .filter(|w| w.fresh)
        .map(|w| Work {
            entry: w.entry.clone(),
            password: None,
            fresh: true,
            transitions: std::mem::take(&mut w.transitions),
            new_pending: w.new_pending.take(),
        })
        .collect();
    for w in generated {
        finish(ctx, &mut write, w);
    }
    flush(ctx, &mut write).await?;

    // Set (or first confirm) on the targets.
    let work = apply_all(ctx, work).await?;
    // Commit what the targets took; record everything else.
    let work = commit_all(ctx, work, &mut stats).await?;
    // Verify by binding.
    verify_all(ctx, work, &mut stats).await?;
    Ok(stats)
}

/// Applies (or confirms, then applies) every entry whose next step it is.
///
/// The entries' target calls are futures polled by the batch's own task, not a task each: they
/// only wait on the target, so they need no spawn, no handle on the context of their own and no
/// join error to map. (Measured: the same CPU and context switches per account as a task each.)
/// The bound on calls in flight is the target's.
async fn apply_all<R: RandomSource>(
    ctx: &Context<R>,
    work: Vec<Work>,
) -> Result<Vec<Work>, MprError> {
    let mut done = Vec::with_capacity(work.len());
    let mut calls = FuturesUnordered::new();
    for mut w in work {
        let step = next_step(&w.entry, ctx.verify());
        if !matches!(step, NextStep::Apply | NextStep::Confirm) {
            done.push(w);
            continue;
        }
        let password = match w.password.take() {
            Some(p) => p,
            None => ctx.open_pending(&w.entry)?,
        };
        calls.push(apply_one(ctx, w, password));
    }
    while let Some(w) = calls.next().await {
        done.push(w);
    }
    Ok(done)
}

/// Confirms (when an earlier send is unaccounted for), then sets, one entry's password.
async fn apply_one<R: RandomSource>(ctx: &Context<R>, mut w: Work, password: Password) -> Work {
    let (target, account) = (w.entry.target.clone(), w.entry.account_name.clone());
    // A password generated in this batch has not been sent yet: no need to confirm.
    if !w.fresh && next_step(&w.entry, ctx.verify()) == NextStep::Confirm {
        let probe = ctx.targets.probe(&target, &account, &password).await;
        let t = after_confirm(&w.entry, &probe, ctx.budgets);
        w.take(t);
        if w.entry.state != EntryState::Generated {
            w.password = Some(password);
            return w;
        }
    }
    let outcome = ctx.targets.apply(&target, &account, &password).await;
    let t = after_apply(&w.entry, &outcome, ctx.budgets);
    w.take(t);
    w.password = Some(password);
    w
}

/// Writes the vault items of applied entries and every other outcome, in one transaction.
async fn commit_all<R>(
    ctx: &Arc<Context<R>>,
    work: Vec<Work>,
    stats: &mut BatchStats,
) -> Result<Vec<Work>, MprError>
where
    R: RandomSource + Clone + Send + Sync + 'static,
{
    let applied: Vec<AccountId> = work
        .iter()
        .filter(|w| w.entry.state == EntryState::Applied)
        .map(|w| w.entry.account)
        .collect();
    for attempt in 0..2 {
        let items: BTreeMap<AccountId, VaultItem> = if applied.is_empty() {
            BTreeMap::new()
        } else {
            ctx.store
                .items_for_accounts(&applied)
                .await?
                .into_iter()
                .filter_map(|i| i.account.map(|a| (a, i)))
                .collect()
        };
        let mut write = ctx.new_write();
        let mut rng = Buffered::new(ctx.rng.clone());
        let mut next = Vec::new();
        for w in &work {
            let mut w = Work {
                entry: w.entry.clone(),
                password: w.password.clone(),
                fresh: w.fresh,
                transitions: w.transitions.clone(),
                new_pending: None,
            };
            if w.entry.state == EntryState::Applied {
                let password = match &w.password {
                    Some(p) => p.clone(),
                    None => ctx.open_pending(&w.entry)?,
                };
                let vault_write =
                    ctx.vault_write(&w.entry, items.get(&w.entry.account), &password, &mut rng)?;
                w.entry.vault_item = Some(vault_write.item_id());
                write.vault.push(vault_write);
                if let Some(owner) = w.entry.owner {
                    write.revoke_owners.push(owner);
                }
                w.take(after_commit(&w.entry, ctx.verify()));
                w.password = Some(password);
            }
            if w.transitions.is_empty() {
                next.push(w);
                continue;
            }
            stats.progressed += 1;
            if matches!(w.entry.state, EntryState::Retryable | EntryState::Orphaned) {
                stats.retrying += 1;
            }
            let keep = w.entry.state == EntryState::Committed;
            let (password, entry) = (w.password.clone(), w.entry.clone());
            finish(ctx, &mut write, w);
            if keep {
                let mut again = Work::new(entry);
                again.password = password;
                next.push(again);
            }
        }
        match ctx.store.write_batch(ctx.job.id, &write).await {
            Ok(()) => return Ok(next),
            // A vault item changed under us (someone set its secret): read again, once.
            Err(RepoError::Conflict(what)) if attempt == 0 => {
                tracing::warn!(job = %ctx.job.id, conflict = %what, "a vault item changed during the batch; reading it again");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(MprError::Repo(RepoError::Conflict(
        "vault items kept changing during the batch".into(),
    )))
}

/// Binds with the committed password of every entry that waits for verification.
async fn verify_all<R: RandomSource>(
    ctx: &Context<R>,
    work: Vec<Work>,
    stats: &mut BatchStats,
) -> Result<(), MprError> {
    let mut binds = FuturesUnordered::new();
    let mut missing: Vec<Work> = Vec::new();
    for w in work {
        if next_step(&w.entry, ctx.verify()) != NextStep::Verify {
            continue;
        }
        if w.password.is_none() {
            missing.push(w);
            continue;
        }
        binds.push(verify_one(ctx, w));
    }
    if !missing.is_empty() {
        // Committed before a crash: the password is only in the vault item now.
        let ids: Vec<AccountId> = missing.iter().map(|w| w.entry.account).collect();
        let items: BTreeMap<AccountId, VaultItem> = ctx
            .store
            .items_for_accounts(&ids)
            .await?
            .into_iter()
            .filter_map(|i| i.account.map(|a| (a, i)))
            .collect();
        for mut w in missing {
            let item = items.get(&w.entry.account).ok_or_else(|| {
                MprError::Crypto(format!(
                    "account {} is committed but has no vault item",
                    w.entry.account_name
                ))
            })?;
            w.password = Some(ctx.open_item(item)?);
            binds.push(verify_one(ctx, w));
        }
    }
    let mut write = ctx.new_write();
    while let Some(w) = binds.next().await {
        if w.entry.state == EntryState::Committed {
            stats.retrying += 1;
        }
        finish(ctx, &mut write, w);
    }
    flush(ctx, &mut write).await
}

/// Binds as one entry's account with its committed password.
async fn verify_one<R: RandomSource>(ctx: &Context<R>, mut w: Work) -> Work {
    if let Some(password) = w.password.take() {
        let probe = ctx
            .targets
            .probe(&w.entry.target, &w.entry.account_name, &password)
            .await;
        let t = after_verify(&w.entry, &probe, ctx.budgets);
        w.take(t);
    }
    w
}

/// Adds an entry's decided change to the batch write.
fn finish<R: RandomSource>(ctx: &Context<R>, write: &mut BatchWrite, w: Work) {
    let now = OffsetDateTime::now_utc();
    let cleared = w.transitions.iter().any(|t| t.pending == Pending::Clear);
    let pending = match (w.new_pending, cleared) {
        (Some(sealed), _) => PendingWrite::Set(sealed),
        (None, true) => PendingWrite::Clear,
        (None, false) => PendingWrite::Keep,
    };
    if ctx.job.request.report {
        let owner = ctx.owner_name(&w.entry);
        for t in &w.transitions {
            for (phase, outcome, message) in &t.report {
                write.report.push(ReportRow {
                    at: now,
                    account: w.entry.account_name.clone(),
                    target: w.entry.target.to_string(),
                    owner: owner.clone(),
                    phase: *phase,
                    outcome: *outcome,
                    message: message.clone(),
                });
            }
        }
    }
    // An orphaned account keeps its lock: its pending password may be on the target.
    if w.entry.state.is_final() && w.entry.state != EntryState::Orphaned {
        write.release_locks.push(w.entry.account);
    }
    write.entries.push(EntryUpdate {
        account: w.entry.account,
        state: w.entry.state,
        pending,
        sends: w.entry.sends,
        attempts: w.entry.attempts,
        refusals: w.entry.refusals,
        message: w.entry.message.clone(),
        vault_item: w.entry.vault_item,
        at: now,
    });
}

async fn flush<R: RandomSource>(ctx: &Context<R>, write: &mut BatchWrite) -> Result<(), MprError> {
    if write.is_empty() {
        return Ok(());
    }
    ctx.store
        .write_batch(ctx.job.id, &std::mem::replace(write, ctx.new_write()))
        .await?;
    Ok(())
}
