//! Property tests: the selection depends on (stage, rule), never on table order; rules that
//! cannot be evaluated never produce chains.

use super::*;
use crate::chain::model::ChainId;
use crate::chain::selector::{MatchType, RuleAction, SelectorRule};
use proptest::prelude::*;

// --- properties ----------------------------------------------------------------------------

/// Rules built from a pool of templates: matching, non-matching and failing ones.
fn template(i: usize) -> SelectorRule {
    use MatchType::*;
    let templates = [
        when(Cgi, "PATH", Set, ""),
        when(Cgi, "PATH", NotSet, ""),
        when(Cgi, "REMOTE_ADDR", In, "192.0.2.0/24"),
        when(Cgi, "REMOTE_ADDR", NotIn, "192.0.2.0/24"),
        when(UserClass, "", In, "STAFF"),
        when(UserClass, "", Equal, "CONTRACTORS"),
        when(UserStat, "PSQDONE", Set, ""),
        when(Attribute, "dept", Contain, "ops"),
        when(State, "FINGERPRINT", Set, ""),
        when(Parameter, "LANG", Equal, "de"),
    ];
    templates[i % templates.len()].clone()
}

/// Rules that cannot be evaluated for the `anonymous()` login, whatever their action.
fn failing(i: usize) -> SelectorRule {
    use MatchType::*;
    let failing = [
        when(Cgi, "REMOTE_ADDR", Equal, "192.0.2.0/40"),
        when(Cgi, "REMOTE_ADDR", In, ""),
        when(UserClass, "", In, "NO_SUCH_CLASS"),
        when(Attribute, "dept", Set, ""),
        when(UserStat, "PSQDONE", NotSet, ""),
        when(State, "NO_SUCH_FACT", Set, ""),
        when(Parameter, "LANG", Equal, ""),
        SelectorRule {
            chain_id: None,
            ..when(Cgi, "PATH", Set, "")
        },
        SelectorRule {
            chain_id: Some(ChainId::new("HELPDESK_LOGIN").unwrap()),
            ..when(Cgi, "PATH", Set, "")
        },
    ];
    failing[i % failing.len()].clone()
}

fn arb_action() -> impl Strategy<Value = RuleAction> {
    prop_oneof![
        Just(RuleAction::Append),
        Just(RuleAction::Flush),
        Just(RuleAction::Remove)
    ]
}

fn arb_skip() -> impl Strategy<Value = SkipRemaining> {
    prop_oneof![
        4 => Just(SkipRemaining::None),
        1 => Just(SkipRemaining::Stage),
        1 => Just(SkipRemaining::All)
    ]
}

fn arb_chain() -> impl Strategy<Value = Option<ChainId>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(ids(AVAILABLE)).prop_map(Some),
        Just(ChainId::new("HELPDESK_LOGIN").ok()),
    ]
}

/// A rule table with distinct (stage, rule) positions, in its stored order and shuffled.
fn arb_tables() -> impl Strategy<Value = (Vec<SelectorRule>, Vec<SelectorRule>)> {
    let positions = proptest::collection::btree_set((0u32..4, 0u32..6), 0..12);
    positions
        .prop_flat_map(|positions| {
            let n = positions.len();
            let parts =
                proptest::collection::vec((0..20usize, arb_action(), arb_skip(), arb_chain()), n);
            (Just(positions), parts)
        })
        .prop_map(|(positions, parts)| {
            positions
                .into_iter()
                .zip(parts)
                .map(
                    |((stage, rule), (t, action, skip_remaining, chain_id))| SelectorRule {
                        stage,
                        rule,
                        skip_remaining,
                        action,
                        chain_id,
                        error_msg: format!("m{stage}{rule}"),
                        ..template(t)
                    },
                )
                .collect::<Vec<_>>()
        })
        .prop_flat_map(|rules| (Just(rules.clone()), Just(rules).prop_shuffle()))
}

fn outcome(
    r: Result<Selection, SelectError>,
) -> Result<(Vec<ChainId>, Option<String>), (u32, u32)> {
    r.map(|s| (s.chains, s.error_msg)).map_err(|e| e.position)
}

proptest! {
    #[test]
    fn selection_does_not_depend_on_table_order((sorted, shuffled) in arb_tables()) {
        let a = run_from(&sorted, "PASSWORD", &facts());
        let b = run_from(&shuffled, "PASSWORD", &facts());
        prop_assert_eq!(a.clone().map(|s| s.trace), b.clone().map(|s| s.trace));
        prop_assert_eq!(outcome(a), outcome(b));
    }

    #[test]
    fn rules_that_all_fail_never_yield_chains(
        picks in proptest::collection::btree_map((0u32..4, 0u32..6), (0..30usize, arb_action()), 1..8),
        initial in proptest::sample::subsequence(ids(AVAILABLE), 0..4),
    ) {
        let rules: Vec<SelectorRule> = picks
            .iter()
            .map(|(&(stage, rule), &(i, action))| {
                let base = failing(i);
                // Keep the "no chain" and "unavailable chain" templates as they are.
                let action = if base.chain_id.as_ref().is_none_or(|c| c.as_str() == "HELPDESK_LOGIN") {
                    RuleAction::Append
                } else {
                    action
                };
                SelectorRule { stage, rule, action, ..base }
            })
            .rev()
            .collect();
        let result = select(&rules, SEL, &initial, &ids(AVAILABLE), &anonymous());
        let first = picks.keys().next().copied();
        prop_assert_eq!(result.map(|s| s.chains).map_err(|e| e.position), Err(first.unwrap()));
    }
}
