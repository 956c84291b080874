//! Writes the file. Every key is written, even at its default, so a person sees every knob;
//! strings are TOML basic strings with escapes, so any text (quotes, newlines, control
//! characters, any Unicode) survives the round trip.

use super::names::{self, ACTIONS, MATCH_TYPES, PURPOSES, SKIPS};
use super::{BUILTIN_OWNER, FORMAT};
use crate::chain::selector::SelectorRule;
use crate::chain::{CfgId, ChainDef, ModuleDef, ModuleType};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The header every export starts with: what the file is and how to edit it.
fn header() -> String {
    let lines = [
        "# Latchkey authentication configuration (authcfg)".to_owned(),
        "#".to_owned(),
        "# Every authentication chain and every chain-selector rule of one Latchkey installation.".to_owned(),
        "# Edit it by hand and load it with `latchkey authcfg import FILE`. The whole file is checked".to_owned(),
        "# first; a file with any error is refused whole and changes nothing. Import and reset write a".to_owned(),
        "# backup export before they change anything.".to_owned(),
        "#".to_owned(),
        "# Keep every cfg_id as it is: it is the stable id of a module, and selector rules name".to_owned(),
        "# modules by it. A module you add needs a new UUID of its own (for example from uuidgen).".to_owned(),
        "#".to_owned(),
        "# [[chain]] starts a chain, [[chain.module]] adds a module to the chain above it and".to_owned(),
        "# [chain.module.settings] holds that module's settings (text values). Chains missing from".to_owned(),
        "# this file are deleted on import; built-in chains then run as shipped.".to_owned(),
        "# [[rule]] is one row of the selector rule table; rules run in (stage, rule) order. An empty".to_owned(),
        "# cfg_id applies a rule to every selector; an empty chain_id names no chain. Rules with".to_owned(),
        format!("# owner = \"{BUILTIN_OWNER}\" are shipped ones: `latchkey authcfg reset` restores them."),
        "#".to_owned(),
        format!("# purpose: {}", names::list(PURPOSES)),
        wrap("# type: ", &names::list(&names::module_types())),
        format!("# control: {}", names::list(&names::controls())),
        format!("# skip_remaining: {}", names::list(SKIPS)),
        format!("# match_type: {}", names::list(MATCH_TYPES)),
        format!("# match_condition: {}", names::list(&names::conditions())),
        format!("# action: {}", names::list(ACTIONS)),
        "#".to_owned(),
        "# format is the version of this layout; leave it as it is.".to_owned(),
    ];
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `prefix` then `items` (`a | b | c`), wrapped before 96 columns; continuation lines are
/// indented under the first item.
fn wrap(prefix: &str, items: &str) -> String {
    let indent = format!("#{}", " ".repeat(prefix.len().saturating_sub(1)));
    let mut out = prefix.to_owned();
    let mut width = prefix.len();
    for (i, item) in items.split(" | ").enumerate() {
        let piece = if i == 0 {
            item.to_owned()
        } else {
            format!(" | {item}")
        };
        if i > 0 && width + piece.len() > 96 {
            out.push_str(" |\n");
            out.push_str(&indent);
            out.push_str(item);
            width = indent.len() + item.len();
        } else {
            out.push_str(&piece);
            width += piece.len();
        }
    }
    out
}

/// A TOML basic string.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key: bare when TOML allows it, quoted otherwise.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { k.to_owned() } else { quote(k) }
}

fn line(out: &mut String, k: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{k} = {value}");
}

fn module(out: &mut String, m: &ModuleDef) {
    out.push_str("\n[[chain.module]]\n");
    line(out, "cfg_id", quote(&m.cfg_id.to_string()));
    line(out, "order", m.order);
    line(out, "type", quote(m.kind.as_str()));
    line(out, "control", quote(m.control.as_str()));
    line(out, "description", quote(&m.description));
    line(out, "bypass_on_retry", m.bypass_on_retry);
    line(out, "increment_lockout", m.increment_lockout);
    if !m.settings.is_empty() {
        out.push_str("\n[chain.module.settings]\n");
        for (k, v) in &m.settings {
            line(out, &key(k), quote(v));
        }
    }
}

fn chain(out: &mut String, c: &ChainDef) {
    out.push_str("\n[[chain]]\n");
    line(out, "id", quote(c.id.as_str()));
    line(out, "description", quote(&c.description));
    line(out, "enabled", c.enabled);
    line(out, "builtin", c.builtin);
    line(out, "abort_on_failure", c.abort_on_failure);
    line(out, "cache_results", c.cache_results);
    line(out, "purpose", quote(names::name_of(PURPOSES, c.purpose)));
    let mut modules: Vec<&ModuleDef> = c.modules.iter().collect();
    modules.sort_by_key(|m| (m.order, m.cfg_id));
    for m in modules {
        module(out, m);
    }
}

/// Where each selector module is, for the comment next to a rule's cfg_id.
fn selector_names(chains: &[&ChainDef]) -> BTreeMap<CfgId, String> {
    let mut out = BTreeMap::new();
    for c in chains {
        for m in &c.modules {
            let kind = if m.kind == ModuleType::SelectChain {
                String::new()
            } else {
                format!(" ({})", m.kind)
            };
            out.entry(m.cfg_id)
                .or_insert_with(|| format!("{}, module {}{kind}", c.id, m.order));
        }
    }
    out
}

fn rule(out: &mut String, r: &SelectorRule, places: &BTreeMap<CfgId, String>) {
    out.push_str("\n[[rule]]\n");
    line(out, "stage", r.stage);
    line(out, "rule", r.rule);
    line(
        out,
        "skip_remaining",
        quote(names::name_of(SKIPS, r.skip_remaining)),
    );
    match r.cfg_id {
        Some(cfg) => {
            let place = places
                .get(&cfg)
                .map_or_else(String::new, |p| format!("  # {p}"));
            let _ = writeln!(out, "cfg_id = {}{place}", quote(&cfg.to_string()));
        }
        None => line(out, "cfg_id", "\"\"  # every selector"),
    }
    line(
        out,
        "match_type",
        quote(names::name_of(MATCH_TYPES, r.match_type)),
    );
    line(out, "match_key", quote(&r.match_key));
    line(out, "match_condition", quote(r.condition.as_str()));
    line(out, "match_value", quote(&r.match_value));
    line(out, "action", quote(names::name_of(ACTIONS, r.action)));
    let chain_id = r.chain_id.as_ref().map_or("", |c| c.as_str());
    line(out, "chain_id", quote(chain_id));
    line(out, "error_msg", quote(&r.error_msg));
    line(out, "comment", quote(&r.comment));
    line(out, "owner", quote(&r.owner));
}

/// Writes `chains` and `rules` as an authcfg file. Deterministic: chains by id, modules by
/// order, rules by (stage, rule, cfg_id); the same configuration always gives the same bytes.
pub fn export(chains: &[ChainDef], rules: &[SelectorRule]) -> String {
    let mut chains: Vec<&ChainDef> = chains.iter().collect();
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rules: Vec<&SelectorRule> = rules.iter().collect();
    rules.sort_by_key(|r| (r.stage, r.rule, r.cfg_id));
    let mut out = header();
    line(&mut out, "format", FORMAT);
    for c in &chains {
        chain(&mut out, c);
    }
    let places = selector_names(&chains);
    for r in rules {
        rule(&mut out, r, &places);
    }
    out
}
