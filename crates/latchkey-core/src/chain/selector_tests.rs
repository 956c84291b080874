//! The selector's rule table (spec §5, research table S1–S3) as named tests, plus property
//! tests: the selection depends on (stage, rule), never on table order, and rules that cannot
//! be evaluated never produce chains.

use super::model::{CfgId, ChainId};
use super::selector::{
    Facts, MatchType, RuleAction, RuleResult, SelectError, Selection, SelectorRule, SkipRemaining,
    UserFacts, evaluate, select,
};
use crate::condition::Condition::{self, *};
use crate::ids::UserClassId;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

mod denials;
mod props;

const SEL: CfgId = CfgId(Uuid::from_u128(0x5e1));
const OTHER: CfgId = CfgId(Uuid::from_u128(0x5e2));
const AVAILABLE: &str = "PASSWORD,QUESTIONS,OTP,SUCCESS";

fn ids(list: &str) -> Vec<ChainId> {
    super::chain_list(Some(list)).unwrap()
}

fn class(id: &str) -> UserClassId {
    UserClassId::new(id).unwrap()
}

/// One login: an identified member of STAFF from 192.0.2.10 with Firefox, enrolled in
/// questions, with a recognised browser.
fn facts() -> Facts {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let mut user = UserFacts {
        classes: BTreeSet::from([class("STAFF")]),
        userstats: map(&[("PSQDONE", "1"), ("LASTLANG", "fr")]),
        ..UserFacts::default()
    };
    user.attributes
        .set("dept", vec!["Sales".into(), "EMEA".into()])
        .unwrap();
    Facts {
        cgi: map(&[
            ("REMOTE_ADDR", "192.0.2.10"),
            ("PATH", "/login"),
            ("METHOD", "POST"),
            ("HTTP_USER_AGENT", "Mozilla/5.0 Firefox/140.0"),
        ]),
        parameters: map(&[("LANG", "fr")]),
        known_classes: ["STAFF", "CONTRACTORS", "MPR_ADMINS"]
            .into_iter()
            .map(class)
            .collect(),
        user: Some(user),
        state: map(&[("FINGERPRINT", "1")]),
    }
}

fn anonymous() -> Facts {
    Facts {
        user: None,
        ..facts()
    }
}

fn from(addr: &str) -> Facts {
    let mut f = facts();
    f.cgi.insert("REMOTE_ADDR".into(), addr.into());
    f
}

/// A rule of selector SEL that appends `chain` (empty: no chain) when `key cond value` holds.
fn when(mt: MatchType, key: &str, cond: Condition, value: &str) -> SelectorRule {
    SelectorRule {
        stage: 1,
        rule: 1,
        skip_remaining: SkipRemaining::None,
        cfg_id: Some(SEL),
        match_type: mt,
        match_key: key.into(),
        condition: cond,
        match_value: value.into(),
        action: RuleAction::Append,
        chain_id: Some(ChainId::new("OTP").unwrap()),
        error_msg: String::new(),
        comment: String::new(),
        owner: String::new(),
    }
}

/// A rule at (stage, rule) that always matches and does `action` with `chain`.
fn act(stage: u32, rule: u32, action: RuleAction, chain: &str) -> SelectorRule {
    SelectorRule {
        stage,
        rule,
        action,
        chain_id: (!chain.is_empty()).then(|| ChainId::new(chain).unwrap()),
        ..when(MatchType::Cgi, "PATH", Set, "")
    }
}

fn skipping(rule: SelectorRule, skip: SkipRemaining) -> SelectorRule {
    SelectorRule {
        skip_remaining: skip,
        ..rule
    }
}

fn run_from(
    rules: &[SelectorRule],
    initial: &str,
    facts: &Facts,
) -> Result<Selection, SelectError> {
    select(rules, SEL, &ids(initial), &ids(AVAILABLE), facts)
}

fn chains(rules: &[SelectorRule], initial: &str) -> Vec<ChainId> {
    run_from(rules, initial, &facts()).unwrap().chains
}

fn holds(rule: &SelectorRule, facts: &Facts) -> bool {
    evaluate(rule, facts).unwrap()
}

/// The rule cannot be evaluated: `select` denies at this rule (never a non-match), and the
/// trace ends with the error.
fn denies(rule: SelectorRule, facts: &Facts) -> String {
    let position = (rule.stage, rule.rule);
    let err = run_from(&[rule], "PASSWORD", facts).unwrap_err();
    assert_eq!(err.position, position);
    assert_eq!(
        err.trace.last().map(|l| &l.result),
        Some(&RuleResult::Error(err.reason.clone()))
    );
    err.reason
}

fn positions(selection: &Selection) -> Vec<(u32, u32)> {
    selection.trace.iter().map(|l| l.position).collect()
}

// --- order, stages, skipping -------------------------------------------------------------

#[test]
fn s1_order_is_stage_then_rule_whatever_the_table_order() {
    let rules = [
        act(2, 1, RuleAction::Append, "OTP"),
        act(1, 5, RuleAction::Append, "QUESTIONS"),
        act(1, 2, RuleAction::Append, "PASSWORD"),
    ];
    let selection = run_from(&rules, "", &facts()).unwrap();
    assert_eq!(positions(&selection), vec![(1, 2), (1, 5), (2, 1)]);
    assert_eq!(selection.chains, ids("PASSWORD,QUESTIONS,OTP"));
}

#[test]
fn a_stage_completes_before_the_next_even_with_lower_rule_numbers() {
    // Stage 2 rule 0 sorts before stage 1 rule 9 by rule number, but runs after it.
    let rules = [
        act(2, 0, RuleAction::Flush, "OTP"),
        act(1, 9, RuleAction::Append, "QUESTIONS"),
    ];
    assert_eq!(chains(&rules, "PASSWORD"), ids("OTP"));
}

#[test]
fn skip_remaining_stage_ends_only_its_stage() {
    let rules = [
        skipping(
            act(1, 1, RuleAction::Append, "QUESTIONS"),
            SkipRemaining::Stage,
        ),
        act(1, 2, RuleAction::Append, "OTP"),
        act(2, 1, RuleAction::Append, "SUCCESS"),
    ];
    let selection = run_from(&rules, "", &facts()).unwrap();
    assert_eq!(selection.chains, ids("QUESTIONS,SUCCESS"));
    let results: Vec<_> = selection.trace.iter().map(|l| l.result.clone()).collect();
    assert_eq!(
        results,
        vec![
            RuleResult::Matched,
            RuleResult::Skipped,
            RuleResult::Matched
        ]
    );
}

#[test]
fn skip_remaining_all_ends_the_evaluation_and_later_rules_are_not_evaluated() {
    let broken = SelectorRule {
        stage: 2,
        ..when(MatchType::State, "NO_SUCH_FACT", Set, "")
    };
    let rules = [
        skipping(
            act(1, 1, RuleAction::Flush, "QUESTIONS"),
            SkipRemaining::All,
        ),
        act(1, 2, RuleAction::Append, "OTP"),
        broken,
    ];
    let selection = run_from(&rules, "PASSWORD", &facts()).unwrap();
    assert_eq!(selection.chains, ids("QUESTIONS"));
    assert!(
        selection.trace[1..]
            .iter()
            .all(|l| l.result == RuleResult::Skipped)
    );
}

#[test]
fn skip_applies_only_when_the_rule_matches() {
    let miss = SelectorRule {
        skip_remaining: SkipRemaining::All,
        ..when(MatchType::Cgi, "PATH", NotSet, "")
    };
    let rules = [miss, act(1, 2, RuleAction::Append, "OTP")];
    assert_eq!(chains(&rules, "PASSWORD"), ids("PASSWORD,OTP"));
}

// --- actions and messages ----------------------------------------------------------------

#[test]
fn append_adds_a_chain_once() {
    let rules = [
        act(1, 1, RuleAction::Append, "PASSWORD"),
        act(1, 2, RuleAction::Append, "OTP"),
        act(1, 3, RuleAction::Append, "OTP"),
    ];
    assert_eq!(chains(&rules, "PASSWORD"), ids("PASSWORD,OTP"));
}

#[test]
fn flush_empties_the_list_then_adds_its_chain_if_any() {
    let with = [act(1, 1, RuleAction::Flush, "OTP")];
    assert_eq!(chains(&with, "PASSWORD,QUESTIONS"), ids("OTP"));
    let without = [act(1, 1, RuleAction::Flush, "")];
    assert_eq!(
        chains(&without, "PASSWORD,QUESTIONS"),
        Vec::<ChainId>::new()
    );
}

#[test]
fn remove_takes_a_chain_out_and_tolerates_absent_or_unavailable_chains() {
    let rules = [
        act(1, 1, RuleAction::Remove, "QUESTIONS"),
        act(1, 2, RuleAction::Remove, "OTP"),
        act(1, 3, RuleAction::Remove, "NOT_AVAILABLE"),
    ];
    assert_eq!(chains(&rules, "PASSWORD,QUESTIONS"), ids("PASSWORD"));
    let no_chain = act(1, 1, RuleAction::Remove, "");
    assert!(denies(no_chain, &facts()).contains("remove needs a chain"));
}

#[test]
fn error_msg_is_that_of_the_last_matching_rule_with_one() {
    let msg = |rule: SelectorRule, m: &str| SelectorRule {
        error_msg: m.into(),
        ..rule
    };
    let miss = SelectorRule {
        rule: 3,
        ..when(MatchType::Cgi, "PATH", NotSet, "")
    };
    let rules = [
        msg(act(1, 1, RuleAction::Append, "OTP"), "first"),
        msg(
            act(1, 2, RuleAction::Remove, "PASSWORD"),
            "use a second factor",
        ),
        msg(miss, "never shown"),
        act(1, 4, RuleAction::Remove, "OTP"),
    ];
    let selection = run_from(&rules, "PASSWORD", &facts()).unwrap();
    assert!(selection.chains.is_empty());
    assert_eq!(selection.error_msg.as_deref(), Some("use a second factor"));
    let quiet = run_from(&[act(1, 1, RuleAction::Flush, "")], "", &facts()).unwrap();
    assert_eq!(quiet.error_msg, None);
}

#[test]
fn rules_of_another_selector_are_ignored_and_blank_cfg_id_applies_to_all() {
    let other = |rule: SelectorRule| SelectorRule {
        cfg_id: Some(OTHER),
        ..rule
    };
    let rules = [
        other(act(1, 1, RuleAction::Flush, "")),
        other(when(MatchType::State, "NO_SUCH_FACT", Set, "")),
        SelectorRule {
            cfg_id: None,
            ..act(1, 3, RuleAction::Append, "OTP")
        },
    ];
    let selection = run_from(&rules, "PASSWORD", &facts()).unwrap();
    assert_eq!(selection.chains, ids("PASSWORD,OTP"));
    assert_eq!(positions(&selection), vec![(1, 3)]);
}

// --- match types, conditions and case rules ----------------------------------------------

#[test]
fn cgi_request_facts_and_headers_keys_any_case_values_any_case() {
    use MatchType::Cgi;
    let f = facts();
    assert!(holds(&when(Cgi, "http_user_agent", Contain, "FIREFOX"), &f));
    assert!(holds(
        &when(Cgi, "HTTP_USER_AGENT", NotContain, "chrome"),
        &f
    ));
    assert!(holds(&when(Cgi, "method", Equal, "post"), &f));
    assert!(holds(&when(Cgi, "PATH", NotEqual, "/admin"), &f));
    // An absent header is an empty value, not an error.
    assert!(holds(&when(Cgi, "HTTP_X_CLIENT_CERT", NotSet, ""), &f));
    assert!(!holds(&when(Cgi, "HTTP_X_CLIENT_CERT", Set, ""), &f));
}

#[test]
fn parameter_values_any_case_names_exact() {
    use MatchType::Parameter;
    let f = facts();
    assert!(holds(&when(Parameter, "LANG", In, "de, FR"), &f));
    assert!(holds(&when(Parameter, "LANG", NotIn, "de,en"), &f));
    assert!(holds(&when(Parameter, "lang", NotSet, ""), &f));
    assert!(holds(&when(Parameter, "PSF_EXT", NotSet, ""), &f));
}

#[test]
fn userclass_membership_with_equal_and_in_lists() {
    use MatchType::UserClass;
    let f = facts();
    assert!(holds(&when(UserClass, "", Equal, "STAFF"), &f));
    assert!(!holds(&when(UserClass, "", NotEqual, "STAFF"), &f));
    assert!(holds(&when(UserClass, "", In, "CONTRACTORS, STAFF"), &f));
    assert!(holds(
        &when(UserClass, "", NotIn, "CONTRACTORS,MPR_ADMINS"),
        &f
    ));
    assert!(!holds(
        &when(UserClass, "", In, "CONTRACTORS,MPR_ADMINS"),
        &f
    ));
}

#[test]
fn userstat_tags_keys_any_case() {
    use MatchType::UserStat;
    let f = facts();
    assert!(holds(&when(UserStat, "psqdone", Set, ""), &f));
    assert!(holds(&when(UserStat, "LASTLANG", Equal, "FR"), &f));
    assert!(holds(&when(UserStat, "LASTSKIN", NotSet, ""), &f));
}

#[test]
fn state_fingerprint_recognised_browser() {
    use MatchType::State;
    assert!(holds(&when(State, "fingerprint", Set, ""), &facts()));
    let mut unknown_browser = facts();
    unknown_browser.state.clear();
    assert!(holds(
        &when(State, "FINGERPRINT", NotSet, ""),
        &unknown_browser
    ));
}

#[test]
fn attribute_any_of_several_values_names_any_case() {
    use MatchType::Attribute;
    let f = facts();
    assert!(holds(&when(Attribute, "DEPT", Equal, "emea"), &f));
    assert!(holds(&when(Attribute, "dept", Contain, "ale"), &f));
    assert!(holds(&when(Attribute, "dept", NotContain, "ops"), &f));
    assert!(holds(&when(Attribute, "manager", NotSet, ""), &f));
}

// --- REMOTE_ADDR ---------------------------------------------------------------------------

fn addr(cond: Condition, value: &str, client: &str) -> bool {
    holds(
        &when(MatchType::Cgi, "REMOTE_ADDR", cond, value),
        &from(client),
    )
}

#[test]
fn remote_addr_ipv4_addresses_and_blocks() {
    assert!(addr(Equal, "192.0.2.10", "192.0.2.10"));
    assert!(addr(Equal, "192.0.2.0/24", "192.0.2.200"));
    assert!(!addr(Equal, "192.0.2.0/24", "192.0.3.1"));
    assert!(addr(Equal, "192.0.2.10/32", "192.0.2.10"));
    assert!(!addr(Equal, "192.0.2.10/32", "192.0.2.11"));
    assert!(addr(Equal, "0.0.0.0/0", "203.0.113.7"));
    assert!(addr(NotEqual, "10.0.0.0/8", "192.0.2.10"));
    assert!(addr(In, "10.0.0.0/8, 192.0.2.0/28", "192.0.2.10"));
    assert!(addr(NotIn, "10.0.0.0/8,172.16.0.0/12", "192.0.2.10"));
}

#[test]
fn remote_addr_ipv6_addresses_and_blocks() {
    assert!(addr(Equal, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"));
    assert!(addr(Equal, "2001:db8::/64", "2001:db8::abcd"));
    assert!(!addr(Equal, "2001:db8::/64", "2001:db8:0:1::1"));
    assert!(addr(Equal, "2001:db8::1/128", "2001:db8::1"));
    assert!(!addr(Equal, "2001:db8::1/128", "2001:db8::2"));
    assert!(addr(Equal, "::/0", "fe80::1"));
    assert!(addr(In, "10.0.0.0/8, 2001:db8::/32", "2001:db8:1::5"));
    assert!(addr(NotIn, "2001:db8::/32", "2001:db9::1"));
}

#[test]
fn remote_addr_other_family_does_not_match_and_mapped_ipv4_is_ipv4() {
    assert!(!addr(Equal, "::/0", "192.0.2.10"));
    assert!(!addr(Equal, "0.0.0.0/0", "2001:db8::1"));
    assert!(addr(NotIn, "2001:db8::/32", "192.0.2.10"));
    // A dual-stack listener reports IPv4 clients as IPv4-mapped IPv6 addresses.
    assert!(addr(In, "192.0.2.0/24", "::ffff:192.0.2.10"));
    assert!(addr(Equal, "192.0.2.10", "::ffff:192.0.2.10"));
}
