//! `chain explain`: for one user and request, what the engine would do — the chains that would
//! run, every selector rule evaluated (match, no match or error, and why), the chain lists
//! produced, and the modules in order with their control types and lint findings. Nothing is
//! evaluated that needs the user's answers: this is the plan, not a login.

use super::flow::Chains;
use super::lint::{Finding, Subject};
use super::model::{ChainDef, ChainId, ModuleType, SUCCESS_CHAIN};
use super::selector::{self, Facts, RuleResult, SelectorRule};
use super::{builtin, chain_list};
use std::fmt::Write as _;

/// Explains the flow from `root` as indented text.
pub fn explain(
    chains: &Chains,
    rules: &[SelectorRule],
    root: &ChainId,
    facts: &Facts,
    findings: &[Finding],
) -> String {
    let mut out = String::new();
    let mut path = Vec::new();
    walk(chains, rules, root, facts, findings, 0, &mut path, &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn walk(
    chains: &Chains,
    rules: &[SelectorRule],
    id: &ChainId,
    facts: &Facts,
    findings: &[Finding],
    depth: usize,
    path: &mut Vec<ChainId>,
    out: &mut String,
) {
    let pad = "  ".repeat(depth);
    if id.as_str() == SUCCESS_CHAIN {
        let _ = writeln!(
            out,
            "{pad}chain SUCCESS: always succeeds (weak: completes a second factor, never authenticates alone)"
        );
        return;
    }
    let Some(def) = chains.get(id) else {
        let _ = writeln!(
            out,
            "{pad}chain {id}: NOT AVAILABLE (missing or disabled) -> the login is denied here"
        );
        return;
    };
    if path.contains(id) {
        let _ = writeln!(
            out,
            "{pad}chain {id}: already on the path (a loop) -> denied at the nesting limit"
        );
        return;
    }
    path.push(id.clone());
    let _ = writeln!(
        out,
        "{pad}chain {id} ({}){}{}{}",
        if def.description.is_empty() {
            "no description"
        } else {
            &def.description
        },
        if def.abort_on_failure {
            ", aborts on any failure"
        } else {
            ""
        },
        if def.builtin { ", built in" } else { "" },
        describe_source(chains, &def),
    );
    for f in findings
        .iter()
        .filter(|f| matches!(&f.subject, Subject::Chain(c, None) if c == id))
    {
        let _ = writeln!(out, "{pad}  ! {f}");
    }
    for m in &def.modules {
        let strength = if m.kind.is_strong() { "strong" } else { "weak" };
        let _ = writeln!(
            out,
            "{pad}  {:>4} {} [{}, {strength}]{}",
            m.order,
            m.kind,
            m.control,
            if m.bypass_on_retry {
                " (bypassed on retry after success)"
            } else {
                ""
            }
        );
        for f in findings.iter().filter(
            |f| matches!(&f.subject, Subject::Chain(c, Some(o)) if c == id && *o == m.order),
        ) {
            let _ = writeln!(out, "{pad}       ! {f}");
        }
        let enter =
            |target: &str, out: &mut String, path: &mut Vec<ChainId>| match ChainId::new(target) {
                Ok(t) => walk(chains, rules, &t, facts, findings, depth + 3, path, out),
                Err(e) => {
                    let _ = writeln!(out, "{pad}       -> {e}");
                }
            };
        match m.kind {
            ModuleType::Identify => {
                let target = ChainDef::setting(m, "chain").unwrap_or(builtin::USER_IDENTIFICATION);
                let _ = writeln!(out, "{pad}       runs {target} to identify the user");
                enter(target, out, path);
            }
            ModuleType::GlfControl | ModuleType::IdentCtrl if facts.user.is_none() => {
                let _ = writeln!(
                    out,
                    "{pad}       user not identified: with generic login failure on (the default) this runs {} \
                     and the login is DENIED like a wrong password; the modules after it do not run",
                    builtin::GENERIC_LOGIN_FAILURE
                );
                break;
            }
            ModuleType::SelectChain => {
                explain_selector(chains, rules, m, facts, findings, depth, path, out)
            }
            _ => {}
        }
    }
    path.pop();
}

fn describe_source(chains: &Chains, def: &ChainDef) -> &'static str {
    let stored_enabled = chains.stored().any(|c| c.id == def.id && c.enabled);
    match (def.builtin, stored_enabled) {
        (true, false) => " [shipped definition: the stored one is disabled or absent]",
        _ => "",
    }
}

#[allow(clippy::too_many_arguments)]
fn explain_selector(
    chains: &Chains,
    rules: &[SelectorRule],
    m: &super::model::ModuleDef,
    facts: &Facts,
    findings: &[Finding],
    depth: usize,
    path: &mut Vec<ChainId>,
    out: &mut String,
) {
    let pad = "  ".repeat(depth);
    let (available, initial) = match (
        chain_list(m.settings.get("available").map(String::as_str)),
        chain_list(m.settings.get("initial").map(String::as_str)),
    ) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(e), _) | (_, Err(e)) => {
            let _ = writeln!(
                out,
                "{pad}       selector settings are invalid: {e} -> denied"
            );
            return;
        }
    };
    let names = |l: &[ChainId]| {
        if l.is_empty() {
            "(none)".to_owned()
        } else {
            l.iter().map(ChainId::as_str).collect::<Vec<_>>().join(", ")
        }
    };
    let _ = writeln!(
        out,
        "{pad}       available: {}; starts with: {}",
        names(&available),
        names(&initial)
    );
    let result = selector::select(rules, m.cfg_id, &initial, &available, facts);
    let trace = match &result {
        Ok(s) => &s.trace,
        Err(e) => &e.trace,
    };
    for line in trace {
        let verdict = match &line.result {
            RuleResult::Matched => "match".to_owned(),
            RuleResult::NoMatch => "no match".to_owned(),
            RuleResult::Skipped => "skipped".to_owned(),
            RuleResult::Error(e) => format!("ERROR: {e}"),
        };
        let rule = rules
            .iter()
            .find(|r| (r.stage, r.rule) == line.position && r.cfg_id.is_none_or(|c| c == m.cfg_id));
        let what = rule
            .map(|r| {
                format!(
                    "{:?} {} {} {:?} -> {:?} {}",
                    r.match_type,
                    r.match_key,
                    r.condition,
                    r.match_value,
                    r.action,
                    r.chain_id.as_ref().map(ChainId::as_str).unwrap_or("")
                )
                .to_lowercase()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad}       rule {}/{}: {what}: {verdict}; list now {}",
            line.position.0,
            line.position.1,
            verdict_list(&line.list)
        );
    }
    match result {
        Err(e) => {
            let _ = writeln!(
                out,
                "{pad}       -> a rule cannot be evaluated: the login is DENIED ({})",
                e.reason
            );
        }
        Ok(selection) => {
            let usable: Vec<ChainId> = selection
                .chains
                .iter()
                .filter(|c| chains.is_available(c))
                .cloned()
                .collect();
            match usable.len() {
                0 => {
                    let _ = writeln!(
                        out,
                        "{pad}       -> no chain: DENIED ({})",
                        selection
                            .error_msg
                            .as_deref()
                            .unwrap_or("no sign-in method is available")
                    );
                }
                1 => {
                    let _ = writeln!(out, "{pad}       -> one chain: straight into it");
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "{pad}       -> several chains: the user picks one of {}",
                        names(&usable)
                    );
                }
            }
            for c in usable {
                walk(chains, rules, &c, facts, findings, depth + 3, path, out);
            }
        }
    }
}

fn verdict_list(list: &[ChainId]) -> String {
    if list.is_empty() {
        "(empty)".into()
    } else {
        list.iter()
            .map(ChainId::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
