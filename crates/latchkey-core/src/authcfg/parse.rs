//! Reads the file: the toml crate parses it into spanned tables, this module walks them,
//! building chains and rules and recording every problem at the byte offset of the key or value
//! it is about. [`super::check`] then looks across items (duplicates, lint).
//!
//! An item with a problem is still built where its identity (chain id, module CfgId) could be
//! read, with defaults for the bad fields, and marked *tainted*: it keeps references to it
//! valid, and the lint findings about it are dropped, since they would be about placeholders.

use super::check;
use super::names::{
    self, ACTIONS, CHAIN_KEYS, MATCH_TYPES, MODULE_KEYS, PURPOSES, RULE_KEYS, SKIPS, TOP_KEYS,
};
use super::read::{Cx, Tbl, describe};
use super::{AuthConfig, AuthcfgError, AuthcfgErrors, FORMAT};
use crate::chain::selector::{SelectorRule, SkipRemaining};
use crate::chain::{ChainDef, ChainId, ChainPurpose, ModuleDef, builtin};
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A chain as read, with where its parts are.
pub(super) struct ParsedChain {
    pub(super) def: ChainDef,
    /// Offset of its `[[chain]]` header.
    pub(super) at: usize,
    /// Offset of its `id` value.
    pub(super) id_at: usize,
    /// Each module's order, header offset, and CfgId value offset.
    pub(super) modules: Vec<(u32, usize, usize)>,
    pub(super) tainted: bool,
}

/// A rule as read.
pub(super) struct ParsedRule {
    pub(super) def: SelectorRule,
    /// Offset of its `[[rule]]` header.
    pub(super) at: usize,
    pub(super) tainted: bool,
}

impl Cx<'_> {
    fn module(
        &mut self,
        chain_place: &str,
        map: &DeTable<'_>,
        at: usize,
    ) -> Option<(ModuleDef, usize)> {
        let mut t = Tbl {
            map,
            at,
            place: format!("{chain_place}, module"),
        };
        let before = self.errors.len();
        let order = self.number(&t, "order");
        if let Some((order, _)) = order {
            t.place = format!("{chain_place}, module {order}");
        }
        self.known_keys(&t, MODULE_KEYS);
        let cfg = self.cfg_id(&t, true);
        let kind = self.choice(&t, "type", "module type", &names::module_types(), None);
        let control = self.choice(&t, "control", "control type", &names::controls(), None);
        let description = self.text_or_empty(&t, "description");
        let bypass_on_retry = self.flag(&t, "bypass_on_retry", Some(false));
        let increment_lockout = self.flag(&t, "increment_lockout", Some(true));
        let settings = self.settings(&t);
        let (Some((cfg_id, cfg_at)), Some((order, _)), Some(kind), Some(control)) =
            (cfg, order, kind, control)
        else {
            if let Some((cfg_id, _)) = cfg {
                self.tainted_cfg.insert(cfg_id);
            }
            return None;
        };
        if self.errors.len() > before {
            self.tainted_cfg.insert(cfg_id);
        }
        let def = ModuleDef {
            cfg_id,
            order,
            kind,
            control,
            description,
            bypass_on_retry,
            increment_lockout,
            settings,
        };
        Some((def, cfg_at))
    }

    fn chain(&mut self, map: &DeTable<'_>, at: usize) -> Option<ParsedChain> {
        let mut t = Tbl {
            map,
            at,
            place: "chain".to_owned(),
        };
        let before = self.errors.len();
        let id = match self.text_of(&t, "id", true) {
            Some((raw, id_at)) => match ChainId::new(raw.trim()) {
                Ok(id) => Some((id, id_at)),
                Err(e) => {
                    self.err(id_at, format!("chain: `id`: {e}"));
                    None
                }
            },
            None => None,
        };
        if let Some((id, _)) = &id {
            t.place = format!("chain {id}");
        }
        self.known_keys(&t, CHAIN_KEYS);
        let description = self.text_or_empty(&t, "description");
        let enabled = self.flag(&t, "enabled", None);
        let is_builtin = self.flag(&t, "builtin", Some(false));
        let abort_on_failure = self.flag(&t, "abort_on_failure", Some(false));
        let cache_results = self.flag(&t, "cache_results", Some(false));
        let purpose = self
            .choice(
                &t,
                "purpose",
                "purpose",
                PURPOSES,
                Some(ChainPurpose::Authentication),
            )
            .unwrap_or_default();
        let mut modules = Vec::new();
        let mut spots = Vec::new();
        let mut orders: BTreeMap<u32, usize> = BTreeMap::new();
        if let Some(v) = map.get("module") {
            let prefix = format!("{}: ", t.place);
            for (m, m_at) in self.tables(&prefix, "module", "chain.module", v) {
                let Some((def, cfg_at)) = self.module(&t.place, m, m_at) else {
                    continue;
                };
                if let Some(first) = orders.get(&def.order) {
                    let message = format!(
                        "{}: two modules have order {}: this one and the one at line {}",
                        t.place,
                        def.order,
                        self.line(*first)
                    );
                    let order_at = m.get("order").map_or(m_at, |v| v.span().start);
                    self.err(order_at, message);
                } else {
                    orders.insert(def.order, m_at);
                }
                spots.push((def.order, m_at, cfg_at));
                modules.push(def);
            }
        }
        let (id, id_at) = id?;
        let shipped = builtin::IDS.contains(&id.as_str());
        let builtin_at = map.get("builtin").map_or(at, |v| v.span().start);
        if shipped && !is_builtin {
            self.err(
                builtin_at,
                format!(
                    "{}: {id} is a built-in chain: keep `builtin = true`",
                    t.place
                ),
            );
        } else if is_builtin && !shipped {
            self.err(
                builtin_at,
                format!(
                    "{}: {id} is not a built-in chain: set `builtin = false`",
                    t.place
                ),
            );
        }
        let def = ChainDef {
            id,
            description,
            enabled,
            builtin: is_builtin,
            abort_on_failure,
            cache_results,
            purpose,
            modules,
        };
        Some(ParsedChain {
            def,
            at,
            id_at,
            modules: spots,
            tainted: self.errors.len() > before,
        })
    }

    fn rule(&mut self, map: &DeTable<'_>, at: usize) -> Option<ParsedRule> {
        let mut t = Tbl {
            map,
            at,
            place: "rule".to_owned(),
        };
        let before = self.errors.len();
        let stage = self.number(&t, "stage");
        let number = self.number(&t, "rule");
        if let (Some((s, _)), Some((r, _))) = (stage, number) {
            t.place = format!("rule {s}/{r}");
        }
        self.known_keys(&t, RULE_KEYS);
        let skip_remaining = self
            .choice(
                &t,
                "skip_remaining",
                "skip_remaining",
                SKIPS,
                Some(SkipRemaining::None),
            )
            .unwrap_or_default();
        let cfg_id = self.cfg_id(&t, false).map(|(c, _)| c);
        let match_type = self.choice(&t, "match_type", "match type", MATCH_TYPES, None);
        let match_key = self.text_or_empty(&t, "match_key");
        let condition = self.choice(
            &t,
            "match_condition",
            "condition",
            &names::conditions(),
            None,
        );
        let match_value = self.text_or_empty(&t, "match_value");
        let action = self.choice(&t, "action", "action", ACTIONS, None);
        let chain_id = match self.text_of(&t, "chain_id", false) {
            Some((raw, c_at)) if !raw.trim().is_empty() => match ChainId::new(raw.trim()) {
                Ok(c) => Some(c),
                Err(e) => {
                    self.err(c_at, format!("{}: `chain_id`: {e}", t.place));
                    None
                }
            },
            _ => None,
        };
        let error_msg = self.text_or_empty(&t, "error_msg");
        let comment = self.text_or_empty(&t, "comment");
        let owner = self.text_or_empty(&t, "owner");
        let def = SelectorRule {
            stage: stage?.0,
            rule: number?.0,
            skip_remaining,
            cfg_id,
            match_type: match_type?,
            match_key,
            condition: condition?,
            match_value,
            action: action?,
            chain_id,
            error_msg,
            comment,
            owner,
        };
        Some(ParsedRule {
            def,
            at,
            tainted: self.errors.len() > before,
        })
    }

    fn format(&mut self, v: &Spanned<DeValue<'_>>) {
        let at = v.span().start;
        match v.get_ref() {
            DeValue::Integer(i) if i64::from_str_radix(i.as_str(), i.radix()) == Ok(FORMAT) => {}
            DeValue::Integer(i) => self.err(
                at,
                format!("`format` {} is not known to this version of Latchkey, which reads format {FORMAT}", i.as_str()),
            ),
            other => self.err(at, format!("`format` must be the number {FORMAT}, not {}", describe(other))),
        }
    }
}

/// Parses an authcfg file. `file_name` is only used in positions.
///
/// Returns every problem in the file, in file order; lint warnings come back with a
/// successful parse, placed on their chain, module or rule.
pub fn parse(file_name: &str, text: &str) -> Result<AuthConfig, AuthcfgErrors> {
    let mut cx = Cx {
        file: file_name,
        text,
        errors: Vec::new(),
        tainted_cfg: BTreeSet::new(),
    };
    let (document, syntax) = DeTable::parse_recoverable(text);
    let mut chains = Vec::new();
    let mut rules = Vec::new();
    if !syntax.is_empty() {
        // After a syntax error the recovered document may lack or misplace keys; reporting
        // those would bury the real problem.
        for e in syntax {
            let at = e.span().map_or(0, |s| s.start);
            cx.err(at, format!("TOML syntax: {}", e.message().trim_end()));
        }
    } else {
        let top = document.get_ref();
        match top.get("format") {
            Some(v) => cx.format(v),
            None => cx.err(
                0,
                format!("missing `format = {FORMAT}` at the top of the file"),
            ),
        }
        for (k, v) in top {
            match k.get_ref().as_ref() {
                "format" => {}
                "chain" => {
                    for (map, at) in cx.tables("", "chain", "chain", v) {
                        chains.extend(cx.chain(map, at));
                    }
                }
                "rule" => {
                    for (map, at) in cx.tables("", "rule", "rule", v) {
                        rules.extend(cx.rule(map, at));
                    }
                }
                other => {
                    let message = names::unknown_key(other, TOP_KEYS);
                    cx.err(k.span().start, message);
                }
            }
        }
    }
    let warnings = check::across(&mut cx, &mut chains, &mut rules);
    if !cx.errors.is_empty() {
        let mut errors = std::mem::take(&mut cx.errors);
        errors.sort_by_key(|(at, _)| *at);
        let errors = errors
            .into_iter()
            .map(|(at, message)| {
                let (line, column) = cx.line_column(at);
                AuthcfgError {
                    file: file_name.to_owned(),
                    line,
                    column,
                    message,
                }
            })
            .collect();
        return Err(AuthcfgErrors(errors));
    }
    let mut chains: Vec<ChainDef> = chains.into_iter().map(|c| c.def.sorted()).collect();
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    let mut rules: Vec<SelectorRule> = rules.into_iter().map(|r| r.def).collect();
    rules.sort_by_key(|r| (r.stage, r.rule, r.cfg_id));
    Ok(AuthConfig {
        chains,
        rules,
        warnings,
    })
}
