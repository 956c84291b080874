//! Rules that cannot be evaluated deny the login with an error; they are never "no match"
//! (spec §5, research S3).

use super::*;
use crate::chain::selector::{MatchType, RuleAction, SelectorRule};

// --- what cannot be evaluated denies -------------------------------------------------------

#[test]
fn unparsable_or_missing_remote_addr_denies() {
    let rule = when(MatchType::Cgi, "REMOTE_ADDR", In, "10.0.0.0/8");
    assert!(denies(rule.clone(), &from("not-an-address")).contains("not an IP address"));
    assert!(denies(rule.clone(), &from("192.0.2.10:443")).contains("not an IP address"));
    let mut unknown = facts();
    unknown.cgi.remove("REMOTE_ADDR");
    assert!(denies(rule, &unknown).contains("REMOTE_ADDR is not known"));
}

#[test]
fn bad_cidr_blocks_deny_whichever_family_the_client_has() {
    let deny = |cond: Condition, value: &str, client: &str| {
        denies(
            when(MatchType::Cgi, "REMOTE_ADDR", cond, value),
            &from(client),
        )
    };
    for block in [
        "192.0.2.0/33",
        "192.0.2.0/x",
        "192.0.2.0/",
        "300.0.0.0/8",
        "10.0/8",
    ] {
        deny(Equal, block, "192.0.2.10");
        deny(Equal, block, "2001:db8::1");
    }
    deny(Equal, "2001:db8::/129", "2001:db8::1");
    deny(NotEqual, "2001:db8::/129", "192.0.2.10");
    // A bad item later in a list denies even when an earlier one matched.
    deny(In, "192.0.2.0/24, 10.0.0.0/99", "192.0.2.10");
    deny(NotIn, "192.0.2.0/24, nonsense", "192.0.2.10");
    // An empty list is a misconfiguration, not "not in the list".
    assert!(deny(NotIn, "", "192.0.2.10").contains("needs a value"));
    assert!(deny(In, " , ", "192.0.2.10").contains("empty"));
}

#[test]
fn unknown_user_class_denies() {
    let rule = when(MatchType::UserClass, "", In, "STAFF, NO_SUCH_CLASS");
    assert!(denies(rule, &facts()).contains("does not exist"));
    // Class ids are exact: another case is another (unknown) class.
    let rule = when(MatchType::UserClass, "", Equal, "staff");
    assert!(denies(rule, &facts()).contains("does not exist"));
    let rule = when(MatchType::UserClass, "", Equal, "not a class!");
    assert!(denies(rule, &facts()).contains("user class"));
}

#[test]
fn userclass_with_set_notset_or_contain_denies() {
    for cond in [Set, NotSet] {
        denies(when(MatchType::UserClass, "", cond, ""), &facts());
        denies(when(MatchType::UserClass, "", cond, "STAFF"), &facts());
    }
    denies(when(MatchType::UserClass, "", Contain, "STAFF"), &facts());
}

#[test]
fn user_rules_without_an_identified_user_deny() {
    for rule in [
        when(MatchType::Attribute, "dept", NotSet, ""),
        when(MatchType::UserStat, "PSQDONE", NotSet, ""),
        when(MatchType::UserClass, "", NotIn, "STAFF"),
    ] {
        assert!(denies(rule, &anonymous()).contains("not identified"));
    }
}

#[test]
fn unknown_state_fact_denies() {
    let reason = denies(
        when(MatchType::State, "BROWSER_TRUSTED", NotSet, ""),
        &facts(),
    );
    assert!(
        reason.contains("FINGERPRINT"),
        "names the known facts: {reason}"
    );
}

#[test]
fn a_condition_without_its_value_denies() {
    denies(when(MatchType::Parameter, "LANG", Equal, " "), &facts());
    denies(when(MatchType::Attribute, "dept", Set, "x"), &facts());
}

#[test]
fn append_without_chain_denies() {
    assert!(denies(act(1, 1, RuleAction::Append, ""), &facts()).contains("append needs"));
}

#[test]
fn a_chain_not_available_to_the_selector_denies() {
    for action in [RuleAction::Append, RuleAction::Flush] {
        let reason = denies(act(1, 1, action, "HELPDESK_LOGIN"), &facts());
        assert!(reason.contains("not available"));
    }
}

#[test]
fn an_error_after_matches_still_denies_with_its_position() {
    let rules = [
        act(1, 1, RuleAction::Append, "OTP"),
        SelectorRule {
            stage: 3,
            rule: 7,
            ..when(MatchType::Attribute, "dept", Equal, "sales")
        },
    ];
    let err = run_from(&rules, "PASSWORD", &anonymous()).unwrap_err();
    assert_eq!(err.position, (3, 7));
    assert_eq!(err.trace.len(), 2);
    assert!(
        err.to_string()
            .starts_with("selector rule 3/7 cannot be evaluated")
    );
}
