//! `latchkey chain list | show | enable | disable | delete | explain`: authentication chains
//! from the shell, under the administration rules of `latchkey_core::chain::admin` (a chain
//! must be disabled to be changed; only disabled custom chains can be deleted).

use super::findings;
use crate::cli::ChainCommand;
use crate::context::Context;
use crate::failure::{BadInput, Problems, plural};
use crate::output::{out, outln};
use crate::table::Table;
use latchkey_core::chain::admin::{self, AdminError};
use latchkey_core::chain::lint::{Subject, lint};
use latchkey_core::chain::policy::reset;
use latchkey_core::chain::{ChainDef, ChainId, ChainPurpose, ModuleType};
use latchkey_core::repo::AuthConfigRepo;
use std::path::Path;

/// Runs a `chain` subcommand.
pub async fn run(command: ChainCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open_auth(config_flag).await?;
    match command {
        ChainCommand::List => list(&ctx).await,
        ChainCommand::Show { id } => show(&ctx, &id).await,
        ChainCommand::Enable { id } => switch(&ctx, &id, true).await,
        ChainCommand::Disable { id } => switch(&ctx, &id, false).await,
        ChainCommand::Delete { id } => delete(&ctx, &id).await,
        ChainCommand::Explain(args) => super::explain::run(&ctx, args).await,
    }
}

fn yes_no(v: bool) -> String {
    if v { "yes" } else { "no" }.to_owned()
}

fn purpose(p: ChainPurpose) -> &'static str {
    match p {
        ChainPurpose::Authentication => "authentication",
        ChainPurpose::Identification => "identification",
    }
}

/// Chain `id` among the stored `chains`; an unknown id is the operator's mistake (exit
/// status 2).
fn find<'a>(chains: &'a [ChainDef], id: &ChainId) -> anyhow::Result<&'a ChainDef> {
    chains.iter().find(|c| c.id == *id).ok_or_else(|| {
        BadInput::error(format!(
            "there is no chain {id} (see `latchkey chain list`)"
        ))
    })
}

/// The administration rules' refusal, every reason listed (exit status 2).
fn refused(id: &ChainId, errors: Vec<AdminError>) -> anyhow::Error {
    match <[AdminError; 1]>::try_from(errors) {
        Ok([one]) => BadInput::error(one.to_string()),
        Err(errors) => anyhow::Error::new(Problems {
            lines: errors.iter().map(ToString::to_string).collect(),
            summary: format!("chain {id} was not changed"),
        }),
    }
}

async fn list(ctx: &Context) -> anyhow::Result<()> {
    let mut chains = ctx.store.chains().await?;
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    let mut table = Table::new(&[
        "ID",
        "ENABLED",
        "BUILT-IN",
        "PURPOSE",
        "MODULES",
        "DESCRIPTION",
    ]);
    for c in &chains {
        table.row(vec![
            c.id.to_string(),
            yes_no(c.enabled),
            yes_no(c.builtin),
            purpose(c.purpose).to_owned(),
            c.modules.len().to_string(),
            c.description.clone(),
        ]);
    }
    out!("{}", table.render())?;
    Ok(())
}

async fn show(ctx: &Context, id: &ChainId) -> anyhow::Result<()> {
    let all = ctx.store.chains().await?;
    let chain = find(&all, id)?.clone().sorted();
    let rules = ctx.store.selector_rules().await?;
    outln!(
        "chain {}: {}",
        chain.id,
        if chain.description.is_empty() {
            "(no description)"
        } else {
            &chain.description
        }
    )?;
    outln!(
        "enabled: {}, built in: {}, purpose: {}, abort on failure: {}, cache results: {}",
        yes_no(chain.enabled),
        yes_no(chain.builtin),
        purpose(chain.purpose),
        yes_no(chain.abort_on_failure),
        yes_no(chain.cache_results)
    )?;
    if chain.builtin && !chain.enabled {
        outln!("disabled: logins run the shipped definition of {id} instead of this one")?;
    }
    outln!()?;
    if chain.modules.is_empty() {
        outln!("no modules: this chain always denies")?;
    } else {
        let mut table = Table::new(&[
            "ORDER",
            "TYPE",
            "CONTROL",
            "CFG_ID",
            "BYPASS",
            "INCREMENT",
            "SETTINGS",
        ]);
        for m in &chain.modules {
            let settings: Vec<String> =
                m.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            table.row(vec![
                m.order.to_string(),
                m.kind.to_string(),
                m.control.to_string(),
                m.cfg_id.to_string(),
                yes_no(m.bypass_on_retry),
                yes_no(m.increment_lockout),
                settings.join(" "),
            ]);
        }
        out!("{}", table.render())?;
        outln!(
            "BYPASS: not shown again in a retry after it succeeded; INCREMENT: its failures count toward lockout"
        )?;
    }
    for m in chain
        .modules
        .iter()
        .filter(|m| m.kind == ModuleType::SelectChain)
    {
        let n = rules
            .iter()
            .filter(|r| r.cfg_id.is_none_or(|c| c == m.cfg_id))
            .count();
        outln!(
            "module {} evaluates {n} selector rule{} (latchkey rules list --selector {})",
            m.order,
            plural(n),
            m.cfg_id
        )?;
    }
    let mine: Vec<_> = lint(&all, &rules)
        .into_iter()
        .filter(|f| matches!(&f.subject, Subject::Chain(c, _) if c == id))
        .collect();
    for finding in &mine {
        outln!("{finding}")?;
    }
    Ok(())
}

async fn switch(ctx: &Context, id: &ChainId, enable: bool) -> anyhow::Result<()> {
    let word = if enable { "enabled" } else { "disabled" };
    let chains = ctx.store.chains().await?;
    let old = find(&chains, id)?;
    if old.enabled == enable {
        outln!("chain {id} is already {word}; nothing changed")?;
        return Ok(());
    }
    if !enable {
        refuse_if_reset_sequence(ctx, id, word).await?;
    }
    let new = ChainDef {
        enabled: enable,
        ..old.clone()
    };
    admin::check_update(Some(old), &new).map_err(|e| refused(id, e))?;
    ctx.store.save_chain(&new).await?;
    outln!("chain {id} {word}")?;
    if new.builtin && !enable {
        outln!(
            "logins now run the shipped definition of {id}; enable it again to use the stored one"
        )?;
    }
    Ok(())
}

/// `/forgot` runs the global policy's reset sequence: it may be neither deleted nor disabled
/// while the policy names it.
async fn refuse_if_reset_sequence(ctx: &Context, id: &ChainId, what: &str) -> anyhow::Result<()> {
    let policies = ctx.store.policies().await?;
    let sequence = reset::global_reset(&policies)
        .and_then(|s| reset::parse(s).ok())
        .and_then(|s| s.sequence);
    if sequence.as_ref() == Some(id) {
        return Err(BadInput::error(format!(
            "chain {id} is the password reset sequence of the global policy and was not \
             {what}; name another sequence there first (latchkey policy import)"
        )));
    }
    Ok(())
}

async fn delete(ctx: &Context, id: &ChainId) -> anyhow::Result<()> {
    let chains = ctx.store.chains().await?;
    refuse_if_reset_sequence(ctx, id, "deleted").await?;
    admin::check_delete(find(&chains, id)?).map_err(|e| refused(id, vec![e]))?;
    let rules = ctx.store.selector_rules().await?;
    let remaining: Vec<ChainDef> = chains.iter().filter(|c| c.id != *id).cloned().collect();
    let broken = findings::added(&lint(&chains, &rules), &lint(&remaining, &rules));
    findings::refuse_errors(
        &broken,
        &format!("chain {id} is still in use and was not deleted"),
    )?;
    if !ctx.store.delete_chain(id).await? {
        return Err(BadInput::error(format!("there is no chain {id}")));
    }
    outln!("chain {id} deleted")?;
    Ok(())
}
