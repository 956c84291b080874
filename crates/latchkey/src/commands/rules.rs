//! `latchkey rules list | add | rm`: the chain selector's rule table (spec/chains.md §5).
//!
//! A rule is checked three ways before it is stored, and refused (exit status 2, nothing
//! stored) by any of them: its values one by one; the rule evaluated against sample facts by
//! the selector itself (a bad address or CIDR block, an unknown user class or state fact, a
//! condition that does not apply); and the configuration lint of the rule table with the new
//! rule (a chain that does not exist, or that the selector does not offer).

use super::{findings, login_request};
use crate::cli::{RuleAddArgs, RulesCommand};
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::{out, outln};
use crate::table::Table;
use latchkey_core::chain::lint::lint;
use latchkey_core::chain::selector::{self, Facts, MatchType, SelectorRule, UserFacts};
use latchkey_core::chain::{CfgId, ChainDef, ChainId, ModuleType};
use latchkey_core::profile::attribute_name;
use latchkey_core::repo::{AuthConfigRepo, RepoError, UserClassRepo};
use latchkey_core::userstat::UserStatTag;
use serde::Serialize;
use std::path::Path;

/// Runs a `rules` subcommand.
pub async fn run(command: RulesCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open_auth(config_flag).await?;
    match command {
        RulesCommand::List { selector } => list(&ctx, selector.as_deref()).await,
        RulesCommand::Add(args) => add(&ctx, args).await,
        RulesCommand::Rm {
            selector,
            stage,
            rule,
        } => rm(&ctx, &selector, stage, rule).await,
    }
}

/// `--selector` for the rules every selector evaluates (a blank CfgId).
const EVERY_SELECTOR: &str = "*";

/// How many trailing hex digits of a CfgId `rules list` shows (the UUID's last group).
const SHORT_CFG_ID: usize = 12;

fn select_chain_modules(chains: &[ChainDef]) -> impl Iterator<Item = (&ChainDef, CfgId)> {
    chains.iter().flat_map(|c| {
        c.modules
            .iter()
            .filter(|m| m.kind == ModuleType::SelectChain)
            .map(move |m| (c, m.cfg_id))
    })
}

/// The CfgId a `--selector` names: `*` (None: every selector), a full CfgId, a chain id
/// whose chain has exactly one select_chain module, or the short CfgId `rules list` shows.
fn resolve_selector(raw: &str, chains: &[ChainDef]) -> anyhow::Result<Option<CfgId>> {
    let raw = raw.trim();
    if raw == EVERY_SELECTOR {
        return Ok(None);
    }
    if let Ok(cfg_id) = raw.parse::<CfgId>() {
        return Ok(Some(cfg_id));
    }
    if let Some(chain) = ChainId::new(raw)
        .ok()
        .and_then(|id| chains.iter().find(|c| c.id == id))
    {
        let mine: Vec<CfgId> = select_chain_modules(std::slice::from_ref(chain))
            .map(|(_, cfg_id)| cfg_id)
            .collect();
        return match mine.as_slice() {
            [one] => Ok(Some(*one)),
            [] => Err(BadInput::error(format!(
                "chain {raw} has no select_chain module"
            ))),
            several => Err(BadInput::error(format!(
                "chain {raw} has {} select_chain modules: give the CfgId of one ({})",
                several.len(),
                several
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    let short = raw.to_ascii_lowercase();
    if short.len() >= 8 && short.chars().all(|c| c.is_ascii_hexdigit()) {
        let found: Vec<CfgId> = select_chain_modules(chains)
            .map(|(_, cfg_id)| cfg_id)
            .filter(|cfg_id| cfg_id.to_string().ends_with(&short))
            .collect();
        match found.as_slice() {
            [one] => return Ok(Some(*one)),
            [] => {}
            _ => {
                return Err(BadInput::error(format!(
                    "{raw} ends more than one selector's CfgId: give the whole CfgId"
                )));
            }
        }
    }
    Err(BadInput::error(format!(
        "no selector {raw:?}: give a select_chain module's CfgId, the id of a chain with one \
         select_chain module (e.g. DEFAULT_LOGIN), or '{EVERY_SELECTOR}' for every selector"
    )))
}

/// How a selector is named in messages.
fn selector_name(cfg_id: Option<CfgId>, chains: &[ChainDef]) -> String {
    match cfg_id {
        None => "every selector".to_owned(),
        Some(cfg_id) => match select_chain_modules(chains).find(|(_, c)| *c == cfg_id) {
            Some((chain, _)) => format!("the selector of {} ({cfg_id})", chain.id),
            None => format!("selector {cfg_id}"),
        },
    }
}

/// An enum's name in files and on the command line (its serde name).
fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

async fn list(ctx: &Context, selector: Option<&str>) -> anyhow::Result<()> {
    let chains = ctx.store.chains().await?;
    let mut rules = ctx.store.selector_rules().await?;
    if let Some(raw) = selector {
        let wanted = resolve_selector(raw, &chains)?;
        // A selector evaluates its own rules and those without a CfgId.
        rules.retain(|r| r.cfg_id.is_none() || r.cfg_id == wanted);
    }
    rules.sort_by_key(|r| (r.stage, r.rule));
    if rules.is_empty() {
        outln!("No selector rules")?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "STAGE",
        "RULE",
        "SKIP",
        "CFG_ID",
        "SELECTOR",
        "MATCH",
        "KEY",
        "CONDITION",
        "VALUE",
        "ACTION",
        "CHAIN",
        "OWNER",
        "COMMENT",
    ]);
    for r in &rules {
        let (short, owner) = match r.cfg_id {
            None => (EVERY_SELECTOR.to_owned(), "(every)".to_owned()),
            Some(cfg_id) => {
                let full = cfg_id.to_string();
                let short = full
                    .get(full.len().saturating_sub(SHORT_CFG_ID)..)
                    .unwrap_or(&full)
                    .to_owned();
                let owner = select_chain_modules(&chains)
                    .find(|(_, c)| *c == cfg_id)
                    .map_or_else(|| "(none)".to_owned(), |(chain, _)| chain.id.to_string());
                (short, owner)
            }
        };
        table.row(vec![
            r.stage.to_string(),
            r.rule.to_string(),
            name(&r.skip_remaining),
            short,
            owner,
            name(&r.match_type),
            r.match_key.clone(),
            r.condition.to_string(),
            r.match_value.clone(),
            name(&r.action),
            r.chain_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            r.owner.clone(),
            r.comment.clone(),
        ]);
    }
    out!("{}", table.render())?;
    Ok(())
}

/// The rule's key, checked and normalised for its match type, and a warning when a login
/// never has that fact.
fn check_key(match_type: MatchType, key: Option<&str>) -> anyhow::Result<(String, Option<String>)> {
    let key = key.map(str::trim).unwrap_or("");
    if match_type == MatchType::UserClass {
        if !key.is_empty() {
            return Err(BadInput::error(
                "userclass rules take no --key: name the classes with --value",
            ));
        }
        return Ok((String::new(), None));
    }
    if key.is_empty() {
        return Err(BadInput::error(format!(
            "{} rules need --key",
            name(&match_type)
        )));
    }
    Ok(match match_type {
        MatchType::Cgi => {
            let key = key.to_ascii_uppercase();
            let header = key.strip_prefix("HTTP_").is_some_and(|h| {
                !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if !header && !["REMOTE_ADDR", "PATH", "METHOD"].contains(&key.as_str()) {
                return Err(BadInput::error(format!(
                    "{key:?} is not a request fact: use REMOTE_ADDR, PATH, METHOD or HTTP_<HEADER>"
                )));
            }
            let warning = (header && !login_request::header_is_kept(&key)).then(|| {
                format!("the login page does not keep the header behind {key}: this rule always sees an empty value")
            });
            (key, warning)
        }
        MatchType::Parameter => {
            let warning = (!login_request::LOGIN_PARAMS.contains(&key)).then(|| {
                format!(
                    "the login page keeps only the parameters {}: this rule always sees {key} empty",
                    login_request::LOGIN_PARAMS.join(", ")
                )
            });
            (key.to_owned(), warning)
        }
        MatchType::UserStat => {
            let tag: UserStatTag =
                key.parse()
                    .map_err(|e: latchkey_core::userstat::UserStatTagError| {
                        BadInput::error(e.to_string())
                    })?;
            (tag.as_str().to_owned(), None)
        }
        MatchType::Attribute => (
            attribute_name(key).map_err(|e| BadInput::error(e.to_string()))?,
            None,
        ),
        // The selector itself says whether a state fact exists (see `probe`).
        MatchType::State | MatchType::UserClass => (key.to_ascii_uppercase(), None),
    })
}

/// Facts every rule can be evaluated against when it is well formed: an identified user, the
/// request facts every login has, and the user classes that exist.
async fn probe(ctx: &Context) -> anyhow::Result<Facts> {
    let mut facts = Facts {
        known_classes: ctx
            .store
            .list_user_classes()
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect(),
        user: Some(UserFacts::default()),
        ..Facts::default()
    };
    for (fact, value) in [
        ("REMOTE_ADDR", "127.0.0.1"),
        ("PATH", "/login"),
        ("METHOD", "GET"),
    ] {
        facts.cgi.insert(fact.to_owned(), value.to_owned());
    }
    Ok(facts)
}

async fn add(ctx: &Context, args: RuleAddArgs) -> anyhow::Result<()> {
    let chains = ctx.store.chains().await?;
    let rules = ctx.store.selector_rules().await?;
    let cfg_id = resolve_selector(&args.selector, &chains)?;
    let match_type = MatchType::from(args.match_type);
    let (match_key, key_warning) = check_key(match_type, args.key.as_deref())?;
    let rule = SelectorRule {
        stage: args.stage,
        rule: args.rule,
        skip_remaining: args.skip.into(),
        cfg_id,
        match_type,
        match_key,
        condition: args.condition,
        match_value: args.value.as_deref().unwrap_or("").trim().to_owned(),
        action: args.action.into(),
        chain_id: args.chain,
        error_msg: args.error_msg.unwrap_or_default().trim().to_owned(),
        comment: args.comment.unwrap_or_default().trim().to_owned(),
        owner: String::new(),
    };
    let position = format!("{}/{}", rule.stage, rule.rule);
    let selector = selector_name(cfg_id, &chains);
    if rules
        .iter()
        .any(|r| (r.cfg_id, r.stage, r.rule) == (cfg_id, rule.stage, rule.rule))
    {
        return Err(BadInput::error(format!(
            "{selector} already has a rule {position} (remove it first with `latchkey rules rm`)"
        )));
    }
    if let Err(reason) = selector::evaluate(&rule, &probe(ctx).await?) {
        return Err(BadInput::error(format!(
            "rule {position} cannot be evaluated, so it would deny every login it is reached in: {reason}"
        )));
    }
    let mut after = rules.clone();
    after.push(rule.clone());
    let new = findings::added(&lint(&chains, &rules), &lint(&chains, &after));
    findings::refuse_errors(&new, &format!("rule {position} was not added"))?;
    match ctx.store.add_selector_rule(&rule).await {
        Ok(()) => {}
        Err(RepoError::Conflict(_)) => {
            return Err(BadInput::error(format!(
                "{selector} already has a rule {position}"
            )));
        }
        Err(e) => return Err(e.into()),
    }
    outln!("rule {position} added to {selector}")?;
    findings::print_warnings(&new)?;
    if let Some(warning) = key_warning {
        outln!("warning: rule {position}: {warning}")?;
    }
    Ok(())
}

async fn rm(ctx: &Context, selector: &str, stage: u32, rule: u32) -> anyhow::Result<()> {
    let chains = ctx.store.chains().await?;
    let cfg_id = resolve_selector(selector, &chains)?;
    let selector = selector_name(cfg_id, &chains);
    if !ctx.store.remove_selector_rule(cfg_id, stage, rule).await? {
        return Err(BadInput::error(format!(
            "{selector} has no rule {stage}/{rule} (see `latchkey rules list`)"
        )));
    }
    outln!("rule {stage}/{rule} removed from {selector}")?;
    Ok(())
}
