//! Checks across the items of a file: duplicate chain ids, CfgIds and rule positions, then the
//! configuration lint, each finding placed on the chain, module or rule it is about.

use super::Located;
use super::parse::{ParsedChain, ParsedRule};
use super::read::Cx;
use crate::chain::lint::{self, Finding, Severity, Subject};
use crate::chain::selector::SelectorRule;
use crate::chain::{CfgId, ChainDef, ChainId};
use std::collections::{BTreeMap, BTreeSet};

/// Runs every check across items; errors go to `cx`, lint warnings are returned.
pub(super) fn across(
    cx: &mut Cx<'_>,
    chains: &mut [ParsedChain],
    rules: &mut [ParsedRule],
) -> Vec<Located> {
    duplicate_chains(cx, chains);
    duplicate_cfg_ids(cx, chains);
    duplicate_positions(cx, rules);
    lint_located(cx, chains, rules)
}

fn duplicate_chains(cx: &mut Cx<'_>, chains: &mut [ParsedChain]) {
    let mut seen: BTreeMap<ChainId, usize> = BTreeMap::new();
    for c in chains.iter_mut() {
        match seen.get(&c.def.id) {
            Some(first) => {
                let message = format!(
                    "chain {}: the chain id is already used by the chain at line {}",
                    c.def.id,
                    cx.line(*first)
                );
                cx.err(c.id_at, message);
                c.tainted = true;
            }
            None => {
                seen.insert(c.def.id.clone(), c.at);
            }
        }
    }
}

fn duplicate_cfg_ids(cx: &mut Cx<'_>, chains: &mut [ParsedChain]) {
    let mut seen: BTreeMap<CfgId, (ChainId, u32, usize)> = BTreeMap::new();
    for c in chains.iter_mut() {
        for (m, (order, m_at, cfg_at)) in c.def.modules.iter().zip(&c.modules) {
            match seen.get(&m.cfg_id) {
                Some((chain, first_order, first_at)) => {
                    let message = format!(
                        "chain {}, module {order}: CfgId {} is already used by chain {chain}, module {first_order} (line {}): every module needs a CfgId of its own",
                        c.def.id,
                        m.cfg_id,
                        cx.line(*first_at)
                    );
                    cx.err(*cfg_at, message);
                    c.tainted = true;
                }
                None => {
                    seen.insert(m.cfg_id, (c.def.id.clone(), *order, *m_at));
                }
            }
        }
    }
}

fn duplicate_positions(cx: &mut Cx<'_>, rules: &mut [ParsedRule]) {
    let mut seen: BTreeMap<(Option<CfgId>, u32, u32), usize> = BTreeMap::new();
    for r in rules.iter_mut() {
        let key = (r.def.cfg_id, r.def.stage, r.def.rule);
        match seen.get(&key) {
            Some(first) => {
                let message = format!(
                    "rule {}/{}: the rule at line {} has the same selector, stage and rule number",
                    r.def.stage,
                    r.def.rule,
                    cx.line(*first)
                );
                cx.err(r.at, message);
                r.tainted = true;
            }
            None => {
                seen.insert(key, r.at);
            }
        }
    }
}

/// The subject as a person reads it, and the message without a repeat of it (the chain
/// administration errors already name their chain).
fn message_of(finding: &Finding) -> String {
    match &finding.subject {
        Subject::Chain(c, order) => {
            let own = format!("chain {c}: ");
            let text = finding
                .message
                .strip_prefix(&own)
                .unwrap_or(&finding.message);
            match order {
                Some(o) => format!("chain {c}, module {o}: {text}"),
                None => format!("chain {c}: {text}"),
            }
        }
        Subject::Rule(s, r) => format!("rule {s}/{r}: {}", finding.message),
    }
}

/// Finds which rule a finding about (stage, rule) belongs to. Positions are unique per
/// selector, not overall: among several candidates, the one whose own lint has this finding;
/// a finding across rules (a duplicate position) goes to the last candidate. Findings come
/// in rule order, so equal findings of several rules are placed on them in turn.
struct RuleFinder<'a> {
    chains: &'a [ChainDef],
    rules: &'a [ParsedRule],
    by_position: BTreeMap<(u32, u32), Vec<usize>>,
    /// Each candidate's own rule findings, computed once when first needed.
    own: BTreeMap<usize, Vec<Finding>>,
}

impl<'a> RuleFinder<'a> {
    fn new(chains: &'a [ChainDef], rules: &'a [ParsedRule]) -> Self {
        let mut by_position: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            by_position
                .entry((r.def.stage, r.def.rule))
                .or_default()
                .push(i);
        }
        Self {
            chains,
            rules,
            by_position,
            own: BTreeMap::new(),
        }
    }

    fn find(&mut self, finding: &Finding, stage: u32, rule: u32) -> Option<&'a ParsedRule> {
        let candidates = self.by_position.get(&(stage, rule))?;
        let index = if candidates.len() < 2 {
            candidates.first().copied()
        } else {
            let (chains, rules) = (self.chains, self.rules);
            candidates
                .iter()
                .copied()
                .find(|i| {
                    let own = self.own.entry(*i).or_insert_with(|| {
                        rules.get(*i).map_or_else(Vec::new, |r| {
                            lint::lint(chains, std::slice::from_ref(&r.def))
                                .into_iter()
                                .filter(|f| matches!(f.subject, Subject::Rule(..)))
                                .collect()
                        })
                    });
                    // Used up once placed, so the same finding of a later rule goes there.
                    match own.iter().position(|f| f == finding) {
                        Some(p) => {
                            own.remove(p);
                            true
                        }
                        None => false,
                    }
                })
                .or_else(|| candidates.last().copied())
        };
        index.and_then(|i| self.rules.get(i))
    }
}

fn lint_located(cx: &mut Cx<'_>, chains: &[ParsedChain], rules: &[ParsedRule]) -> Vec<Located> {
    let defs: Vec<ChainDef> = chains.iter().map(|c| c.def.clone()).collect();
    let rule_defs: Vec<SelectorRule> = rules.iter().map(|r| r.def.clone()).collect();
    // Modules of chains with problems: rules naming them would be judged against placeholders.
    let mut shaky: BTreeSet<CfgId> = cx.tainted_cfg.clone();
    for c in chains.iter().filter(|c| c.tainted) {
        shaky.extend(c.def.modules.iter().map(|m| m.cfg_id));
    }
    let mut warnings = Vec::new();
    let mut finder = RuleFinder::new(&defs, rules);
    for finding in lint::lint(&defs, &rule_defs) {
        let place = match &finding.subject {
            Subject::Chain(id, order) => chains.iter().find(|c| c.def.id == *id).map(|c| {
                let at = order
                    .and_then(|o| c.modules.iter().find(|(mo, _, _)| *mo == o))
                    .map_or(c.at, |(_, m_at, _)| *m_at);
                (at, c.tainted)
            }),
            Subject::Rule(s, r) => finder.find(&finding, *s, *r).map(|r| {
                let shaky_selector = r.def.cfg_id.is_some_and(|c| shaky.contains(&c));
                (r.at, r.tainted || shaky_selector)
            }),
        };
        let (at, suppressed) = place.unwrap_or((0, false));
        if suppressed {
            continue;
        }
        match finding.severity {
            Severity::Error => cx.err(at, message_of(&finding)),
            Severity::Warning => {
                let (line, column) = cx.line_column(at);
                warnings.push(Located {
                    file: cx.file.to_owned(),
                    line,
                    column,
                    finding,
                });
            }
        }
    }
    warnings.sort_by_key(|w| (w.line, w.column));
    warnings
}
