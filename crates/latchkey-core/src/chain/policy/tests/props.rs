//! Property tests of the merge: an empty policy is neutral, the specific side always wins,
//! nothing is lost, run order is sorted and stable, and the explanation agrees with the merge.

use super::super::explain::Level;
use super::super::*;
use super::{m, seq};
use crate::chain::admin;
use crate::chain::model::{Control, ModuleType};
use proptest::prelude::*;

use ModuleType::{Hint, Password, Response, Totp};

// --- properties ------------------------------------------------------------------------------

fn arb_module() -> impl Strategy<Value = ModuleDef> {
    (
        0u128..6,
        prop_oneof![Just(10u32), Just(20), Just(30), Just(ORDER_UNSET)],
        proptest::sample::select(vec![Password, Totp, Hint, Response]),
        proptest::sample::select(Control::ALL.to_vec()),
        "[a-z]{0,3}",
    )
        .prop_map(|(cfg, order, kind, control, description)| ModuleDef {
            description,
            ..m(cfg, order, kind, control)
        })
}

fn arb_sequence() -> impl Strategy<Value = ChainDef> {
    (
        proptest::sample::select(vec!["A", "B", "C"]),
        proptest::collection::vec(arb_module(), 0..5),
        "[a-z]{0,2}",
        any::<bool>(),
    )
        .prop_map(|(id, modules, description, abort)| {
            let mut unique: Vec<ModuleDef> = Vec::new();
            for module in modules {
                if !unique.iter().any(|u| u.cfg_id == module.cfg_id) {
                    unique.push(module);
                }
            }
            ChainDef {
                description,
                abort_on_failure: abort,
                ..seq(id, unique)
            }
        })
}

fn arb_settings() -> impl Strategy<Value = Option<Settings>> {
    proptest::option::of(proptest::collection::btree_map("[a-c]", "[0-9]", 0..3))
}

fn arb_policy() -> impl Strategy<Value = SecurityPolicy> {
    (
        "[A-Z]{0,2}",
        proptest::collection::vec(arb_sequence(), 0..4),
        (
            arb_settings(),
            arb_settings(),
            arb_settings(),
            arb_settings(),
        ),
        proptest::collection::btree_map("[xy]", proptest::collection::vec("[a-d]", 0..4), 0..3),
    )
        .prop_map(
            |(id, sequences, (password, nonce, security_questions, reset), lists)| {
                let mut unique: Vec<ChainDef> = Vec::new();
                for s in sequences {
                    if unique.iter().all(|u| u.id != s.id) {
                        unique.push(s);
                    }
                }
                SecurityPolicy {
                    id,
                    attached_to: None,
                    sequences: unique,
                    credentials: CredentialSettings {
                        password,
                        nonce,
                        security_questions,
                        reset,
                        lists,
                    },
                }
            },
        )
}

proptest! {
    #[test]
    fn an_empty_policy_is_neutral_on_both_sides(p in arb_policy()) {
        let empty = SecurityPolicy::default();
        prop_assert_eq!(merge(&p, &empty), p.normalised());
        prop_assert_eq!(merge(&empty, &p), p.normalised());
    }

    #[test]
    fn the_specific_side_wins_and_nothing_is_lost(s in arb_policy(), g in arb_policy()) {
        let merged = merge(&s, &g);
        prop_assert!(merged.validate().is_empty());
        for generic_seq in &g.sequences {
            let out = merged.sequence(&generic_seq.id).unwrap();
            for gm in &generic_seq.modules {
                let expected = s.sequence(&generic_seq.id).and_then(|ss| ss.module(gm.cfg_id)).unwrap_or(gm);
                prop_assert_eq!(out.module(gm.cfg_id), Some(expected));
            }
        }
        for specific_seq in &s.sequences {
            let out = merged.sequence(&specific_seq.id).unwrap();
            for sm in &specific_seq.modules {
                prop_assert_eq!(out.module(sm.cfg_id), Some(sm));
            }
        }
        for kind in CredentialKind::ALL {
            let expected = s.credentials.get(kind).or(g.credentials.get(kind));
            prop_assert_eq!(merged.credentials.get(kind), expected);
        }
    }

    #[test]
    fn run_order_is_sorted_unset_last_specific_first_on_ties(s in arb_policy(), g in arb_policy()) {
        let merged = merge(&s, &g);
        for out in &merged.sequences {
            let from_specific = |m: &ModuleDef| s.sequence(&out.id).is_some_and(|ss| ss.module(m.cfg_id).is_some());
            for pair in out.modules.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                prop_assert!(a.order <= b.order);
                if a.order == b.order {
                    prop_assert!(from_specific(a) || !from_specific(b));
                }
            }
        }
        for chain in merged.chains() {
            prop_assert_eq!(admin::validate(&chain), vec![]);
        }
    }

    #[test]
    fn explanation_agrees_with_the_merge(
        global in arb_policy(),
        org in proptest::option::of(arb_policy()),
        arch in proptest::option::of(arb_policy()),
    ) {
        let ex = explain_merge(&global, org.as_ref(), arch.as_ref());
        let at = |level: Level| match level {
            Level::Archetype => arch.as_ref(),
            Level::Organization => org.as_ref(),
            Level::Global => Some(&global),
        };
        for (seq_ex, seq) in ex.sequences.iter().zip(&ex.policy.sequences) {
            prop_assert_eq!(seq_ex.modules.len(), seq.modules.len());
            for (m_ex, module) in seq_ex.modules.iter().zip(&seq.modules) {
                let source = at(m_ex.from.level).and_then(|p| p.sequence(&seq.id)).and_then(|s| s.module(module.cfg_id));
                prop_assert_eq!(source, Some(module));
            }
        }
    }
}
