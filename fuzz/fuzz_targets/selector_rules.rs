//! Arbitrary selector rules and login facts through `selector::select`: it never panics; a
//! failure names a rule of this selector and ends its trace with that rule's error (a denied
//! login, no chains); a success only lists chains it was given, follows (stage, rule) order
//! whatever the table order, and gives the same answer twice.
#![no_main]

use arbitrary::Arbitrary;
use latchkey_core::chain::selector::{
    Facts, MatchType, RuleAction, RuleResult, SelectorRule, SkipRemaining, UserFacts, select,
};
use latchkey_core::chain::{CfgId, ChainId};
use latchkey_core::condition::Condition;
use latchkey_core::ids::UserClassId;
use latchkey_core::profile::Attributes;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Names the rules and facts draw from, so that rules match facts often enough to matter.
const CHAINS: &[&str] = &["PASSWORD", "SECURITY_QUESTIONS", "SUCCESS", "MY_OTP", "X-1"];
const KEYS: &[&str] = &[
    "REMOTE_ADDR",
    "remote_addr",
    "HTTP_USER_AGENT",
    "PATH",
    "FINGERPRINT",
    "IDENTIFIED",
    "LASTLANG",
    "mail",
    "lang",
];
const VALUES: &[&str] = &[
    "",
    "10.0.0.1",
    "10.0.0.0/8",
    "::1",
    "fe80::/10",
    "10.0.0.0/33",
    "1.2.3.4, 10.0.0.0/8",
    "SALES",
    "sales,ops",
    "yes",
    "Éé",
];

/// A string from a small pool, or any string.
#[derive(Arbitrary, Debug)]
enum Text {
    Pool(u8),
    Any(String),
}

impl Text {
    fn get(&self, pool: &[&str]) -> String {
        match self {
            Text::Pool(i) => pool[usize::from(*i) % pool.len()].to_owned(),
            Text::Any(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Rule {
    stage: u8,
    rule: u8,
    skip: u8,
    /// None: every selector; Some(0): the selector under test; other: another selector.
    cfg: Option<u8>,
    match_type: u8,
    key: Text,
    condition: u8,
    value: Text,
    action: u8,
    chain: Option<u8>,
    error_msg: String,
}

#[derive(Arbitrary, Debug)]
struct User {
    classes: Vec<Text>,
    userstats: Vec<(Text, Text)>,
    attributes: Vec<(Text, Text)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    rules: Vec<Rule>,
    initial: Vec<u8>,
    available: Vec<u8>,
    cgi: Vec<(Text, Text)>,
    parameters: Vec<(Text, Text)>,
    state: Vec<(Text, Text)>,
    known_classes: Vec<Text>,
    user: Option<User>,
}

fn cfg(n: u8) -> CfgId {
    CfgId(Uuid::from_u128(0x5e1e_c700 + u128::from(n)))
}

fn chain(n: u8) -> Option<ChainId> {
    ChainId::new(CHAINS[usize::from(n) % CHAINS.len()]).ok()
}

fn pick<T: Copy>(all: &[T], n: u8) -> T {
    all[usize::from(n) % all.len()]
}

fn rule(r: &Rule) -> SelectorRule {
    SelectorRule {
        stage: u32::from(r.stage % 4),
        rule: u32::from(r.rule),
        skip_remaining: pick(
            &[
                SkipRemaining::None,
                SkipRemaining::Stage,
                SkipRemaining::All,
            ],
            r.skip,
        ),
        cfg_id: r.cfg.map(|c| cfg(c % 3)),
        match_type: pick(
            &[
                MatchType::Cgi,
                MatchType::Parameter,
                MatchType::UserClass,
                MatchType::UserStat,
                MatchType::State,
                MatchType::Attribute,
            ],
            r.match_type,
        ),
        match_key: r.key.get(KEYS),
        condition: pick(&Condition::ALL, r.condition),
        match_value: r.value.get(VALUES),
        action: pick(
            &[RuleAction::Append, RuleAction::Flush, RuleAction::Remove],
            r.action,
        ),
        chain_id: r.chain.and_then(chain),
        error_msg: r.error_msg.clone(),
        comment: String::new(),
        owner: String::new(),
    }
}

fn facts(input: &Input) -> Facts {
    let pairs = |v: &[(Text, Text)]| {
        v.iter()
            .map(|(k, val)| (k.get(KEYS), val.get(VALUES)))
            .collect()
    };
    let classes = |v: &[Text]| -> BTreeSet<UserClassId> {
        v.iter()
            .filter_map(|c| UserClassId::new(c.get(&["SALES", "OPS", "ops"])).ok())
            .collect()
    };
    let user = input.user.as_ref().map(|u| {
        let mut attributes = Attributes::new();
        for (k, v) in &u.attributes {
            let _ = attributes.add(&k.get(KEYS), v.get(VALUES));
        }
        UserFacts {
            classes: classes(&u.classes),
            userstats: pairs(&u.userstats),
            attributes,
        }
    });
    Facts {
        cgi: pairs(&input.cgi),
        parameters: pairs(&input.parameters),
        known_classes: classes(&input.known_classes),
        user,
        state: pairs(&input.state),
    }
}

fuzz_target!(|input: Input| {
    let rules: Vec<SelectorRule> = input.rules.iter().map(rule).collect();
    let initial: Vec<ChainId> = input.initial.iter().filter_map(|n| chain(*n)).collect();
    let available: Vec<ChainId> = input.available.iter().filter_map(|n| chain(*n)).collect();
    let facts = facts(&input);
    let selector = cfg(0);
    let mine = rules
        .iter()
        .filter(|r| r.cfg_id.is_none_or(|c| c == selector))
        .count();

    let result = select(&rules, selector, &initial, &available, &facts);
    assert_eq!(
        result,
        select(&rules, selector, &initial, &available, &facts)
    );
    match &result {
        Err(e) => {
            // Denied: the error is the last line of the trace, about a rule of this selector.
            let last = e.trace.last().expect("a failure has a trace");
            assert_eq!(last.position, e.position);
            assert!(matches!(last.result, RuleResult::Error(_)));
            assert!(e.trace.len() <= mine);
            assert!(
                rules
                    .iter()
                    .any(|r| (r.stage, r.rule) == e.position
                        && r.cfg_id.is_none_or(|c| c == selector))
            );
        }
        Ok(selection) => {
            assert_eq!(selection.trace.len(), mine);
            for c in &selection.chains {
                assert!(
                    initial.contains(c) || available.contains(c),
                    "{c} came from nowhere"
                );
            }
            let positions: Vec<(u32, u32)> = selection.trace.iter().map(|t| t.position).collect();
            let mut sorted = positions.clone();
            sorted.sort();
            assert_eq!(positions, sorted, "rules ran out of (stage, rule) order");
        }
    }

    // Table order does not matter when positions are unique.
    let mut seen = BTreeSet::new();
    let unique = rules
        .iter()
        .filter(|r| r.cfg_id.is_none_or(|c| c == selector))
        .all(|r| seen.insert((r.stage, r.rule)));
    if unique {
        let mut reversed = rules.clone();
        reversed.reverse();
        let again = select(&reversed, selector, &initial, &available, &facts);
        match (&result, &again) {
            (Ok(a), Ok(b)) => assert_eq!(a.chains, b.chains),
            (Err(a), Err(b)) => assert_eq!(a.position, b.position),
            _ => panic!("table order changed the outcome: {result:?} vs {again:?}"),
        }
    }
});
