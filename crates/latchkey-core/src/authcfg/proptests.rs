//! Property tests: random valid configurations survive export → parse → export unchanged;
//! damaged files never panic and every error points inside the file.

use super::tests::{assert_round_trip, sorted};
use super::*;
use crate::chain::builtin::{self, cfg};
use crate::chain::lint;
use crate::chain::selector::{MatchType, RuleAction, SkipRemaining};
use crate::chain::{CfgId, ChainPurpose, Control, ModuleDef, ModuleType};
use crate::condition::Condition;
use proptest::prelude::*;
use proptest::sample::select;
use uuid::Uuid;

/// Any text, weighted towards what is hard to write in TOML.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,12}",
        proptest::collection::vec(
            select(vec![
                "\"", "\\", "\n", "\r", "\t", "'''", "\"\"\"", "é", "🔑", "\u{0}", "\u{7f}",
                "\u{85}", "# x", "a"
            ]),
            0..6
        )
        .prop_map(|v| v.concat()),
    ]
}

fn kinds() -> Vec<ModuleType> {
    // select_chain and at_least have settings the lint checks against other chains; the
    // built-in selectors and the at_least test of `tests.rs` cover them.
    ModuleType::ALL
        .iter()
        .copied()
        .filter(|k| !matches!(k, ModuleType::SelectChain | ModuleType::AtLeast))
        .collect()
}

fn module(chain: usize, n: usize, high: u128) -> impl Strategy<Value = ModuleDef> {
    (
        select(kinds()),
        select(Control::ALL.to_vec()),
        text(),
        any::<bool>(),
        any::<bool>(),
        // "chain" names a chain and is linted; any other key is free text.
        proptest::collection::btree_map(
            text().prop_filter("linted key", |k| k != "chain"),
            text(),
            0..3,
        ),
    )
        .prop_map(
            move |(kind, control, description, bypass_on_retry, increment_lockout, settings)| {
                let low = ((chain as u128) << 16) | n as u128;
                ModuleDef {
                    cfg_id: CfgId(Uuid::from_u128((high << 32) | low)),
                    order: 0,
                    kind,
                    control,
                    description,
                    bypass_on_retry,
                    increment_lockout,
                    settings,
                }
            },
        )
}

fn custom_chain(i: usize) -> impl Strategy<Value = ChainDef> {
    (
        "[A-Za-z0-9_]{0,10}",
        text(),
        any::<[bool; 3]>(),
        select(vec![
            ChainPurpose::Authentication,
            ChainPurpose::Identification,
        ]),
        proptest::collection::btree_set(any::<u32>(), 0..4),
        any::<u128>(),
    )
        .prop_flat_map(move |(suffix, description, flags, purpose, orders, high)| {
            let orders: Vec<u32> = orders.into_iter().collect();
            let modules: Vec<_> = (0..orders.len()).map(|n| module(i, n, high)).collect();
            (modules, Just(orders)).prop_map(move |(mut modules, orders)| {
                for (m, order) in modules.iter_mut().zip(&orders) {
                    m.order = *order;
                }
                ChainDef {
                    id: ChainId::new(&format!("C{i}_{suffix}")).unwrap(),
                    description: description.clone(),
                    enabled: flags[0],
                    builtin: false,
                    abort_on_failure: flags[1],
                    cache_results: flags[2],
                    purpose,
                    modules,
                }
            })
        })
}

/// A rule on one of the built-in selectors (or on every selector), naming only chains that
/// selector offers.
fn selector_rule(n: u32) -> impl Strategy<Value = SelectorRule> {
    let selectors = vec![
        (
            Some(cfg::DEFAULT_SELECT),
            vec![builtin::PASSWORD, builtin::SECURITY_QUESTIONS],
        ),
        (Some(cfg::STD_SELECT), vec![builtin::DEFAULT_LOGIN]),
        (None, vec![builtin::PASSWORD, builtin::HELPDESK_LOGIN]),
    ];
    (
        select(selectors),
        0..4u32,
        select(vec![
            SkipRemaining::None,
            SkipRemaining::Stage,
            SkipRemaining::All,
        ]),
        select(vec![
            MatchType::Cgi,
            MatchType::Parameter,
            MatchType::UserClass,
            MatchType::UserStat,
            MatchType::State,
            MatchType::Attribute,
        ]),
        select(Condition::ALL.to_vec()),
        select(vec![
            RuleAction::Append,
            RuleAction::Flush,
            RuleAction::Remove,
        ]),
        (
            text(),
            text().prop_filter("needs a value", |v| !v.trim().is_empty()),
            any::<prop::sample::Index>(),
            any::<bool>(),
        ),
        (text(), text(), text()),
    )
        .prop_map(
            move |(
                (cfg_id, offered),
                stage,
                skip,
                match_type,
                condition,
                action,
                (key, value, pick, none),
                (error_msg, comment, owner),
            )| {
                let chain = ChainId::new(pick.get::<&str>(&offered)).unwrap();
                SelectorRule {
                    stage,
                    rule: n,
                    skip_remaining: skip,
                    cfg_id,
                    match_type,
                    match_key: key,
                    condition,
                    match_value: if condition.takes_value() {
                        value
                    } else {
                        String::new()
                    },
                    action,
                    chain_id: if action == RuleAction::Flush && none {
                        None
                    } else {
                        Some(chain)
                    },
                    error_msg,
                    comment,
                    owner,
                }
            },
        )
}

fn config() -> impl Strategy<Value = (Vec<ChainDef>, Vec<SelectorRule>)> {
    let customs = (0..3usize).prop_flat_map(|k| (0..k).map(custom_chain).collect::<Vec<_>>());
    let rules = (0..6u32).prop_flat_map(|k| (0..k).map(selector_rule).collect::<Vec<_>>());
    let builtins = proptest::collection::vec((any::<bool>(), text()), builtin::IDS.len());
    (customs, rules, builtins).prop_map(|(customs, rules, tweaks)| {
        let mut chains = builtin::all();
        for (c, (enabled, description)) in chains.iter_mut().zip(tweaks) {
            c.enabled = enabled;
            c.description = description;
        }
        chains.extend(customs);
        (chains, rules)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_configurations_round_trip((chains, rules) in config()) {
        let findings = lint::lint(&chains, &rules);
        prop_assert!(!lint::has_errors(&findings), "generator made an invalid config: {findings:?}");
        let parsed = assert_round_trip(&chains, &rules);
        let warnings: Vec<_> = parsed.warnings.iter().map(|w| w.finding.clone()).collect();
        let mut expected: Vec<_> = findings;
        expected.sort_by_key(|f| f.message.clone());
        let mut got = warnings;
        got.sort_by_key(|f| f.message.clone());
        prop_assert_eq!(got.len(), expected.len());
    }

    #[test]
    fn damaged_files_never_panic((chains, rules) in config(), cut in any::<prop::sample::Index>(), junk in text()) {
        let text = export(&chains, &rules);
        let lines: Vec<&str> = text.lines().collect();
        let at = cut.index(lines.len());
        let mut damaged: Vec<&str> = lines.clone();
        damaged[at] = &junk;
        let damaged = damaged.join("\n");
        match parse("d.toml", &damaged) {
            Ok(parsed) => {
                let (c, r) = sorted(parsed.chains.clone(), parsed.rules.clone());
                prop_assert_eq!((&c, &r), (&parsed.chains, &parsed.rules));
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let count = damaged.lines().count().max(1);
                for e in errors.iter() {
                    prop_assert!(e.line >= 1 && e.line <= count + 1, "{e} outside {count} lines");
                }
            }
        }
    }

    #[test]
    fn any_text_never_panics(text in any::<String>()) {
        let _ = parse("a.toml", &text);
    }
}
