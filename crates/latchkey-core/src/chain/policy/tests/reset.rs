//! Reset settings ("credentialsReset"): parsing, checking against the stored configuration,
//! the one global policy, the per-person merge, and the enumeration warning.

use super::{attached, m, policy, seq};
use crate::chain::lint::Severity;
use crate::chain::model::{ChainId, Control, ModuleType};
use crate::chain::policy::reset::*;
use crate::chain::policy::{PolicyRole, SecurityPolicy, Settings};
use crate::ids::UserClassId;
use std::collections::BTreeSet;

fn settings(pairs: &[(&str, &str)]) -> Settings {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn with_reset(p: SecurityPolicy, pairs: &[(&str, &str)]) -> SecurityPolicy {
    let mut p = p;
    p.credentials.reset = Some(settings(pairs));
    p
}

struct Stored;

impl Known for Stored {
    fn chain(&self, id: &ChainId) -> bool {
        id.as_str() == "PW_RESET"
    }
    fn class(&self, id: &UserClassId) -> bool {
        id.as_str() == "STAFF"
    }
}

fn classes(names: &[&str]) -> BTreeSet<UserClassId> {
    names
        .iter()
        .map(|n| UserClassId::new(*n).unwrap())
        .collect()
}

#[test]
fn parses_the_three_keys_with_defaults() {
    assert_eq!(parse(&Settings::new()), Ok(ResetSettings::default()));
    let parsed = parse(&settings(&[
        ("sequence", "PW_RESET"),
        ("force_change", " TRUE "),
        ("authorization", "STAFF"),
    ]))
    .unwrap();
    assert_eq!(parsed.sequence, Some(ChainId::new("PW_RESET").unwrap()));
    assert!(parsed.force_change);
    assert_eq!(
        parsed.authorization,
        Some(UserClassId::new("STAFF").unwrap())
    );
    assert!(
        !parse(&settings(&[("force_change", "false")]))
            .unwrap()
            .force_change
    );
}

#[test]
fn every_bad_key_and_value_is_reported() {
    let errors = parse(&settings(&[
        ("force_change", "yes"),
        ("sequense", "PW_RESET"),
        ("authorization", "not a class!"),
        ("sequence", ""),
    ]))
    .unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.contains(&ResetError::BadBoolean("yes".into())));
    assert!(errors.contains(&ResetError::UnknownKey("sequense".into())));
    assert!(errors.contains(&ResetError::BadClass("not a class!".into())));
    assert!(errors.contains(&ResetError::BadSequence(String::new())));
    assert!(
        ResetError::BadBoolean("yes".into())
            .to_string()
            .contains("use true or false")
    );
}

#[test]
fn check_needs_a_stored_chain_and_an_existing_class() {
    let ok = with_reset(
        policy("global", vec![]),
        &[("sequence", "PW_RESET"), ("authorization", "STAFF")],
    );
    assert_eq!(check(&ok, &[], &Stored), vec![]);
    let bad = with_reset(
        policy("global", vec![]),
        &[("sequence", "NOPE"), ("authorization", "GHOSTS")],
    );
    assert_eq!(
        check(&bad, &[], &Stored),
        vec![
            ResetError::UnknownSequence(ChainId::new("NOPE").unwrap()),
            ResetError::UnknownClass(UserClassId::new("GHOSTS").unwrap()),
        ]
    );
}

#[test]
fn there_is_one_global_policy_and_it_has_no_sequences() {
    let stored = vec![policy("global", vec![])];
    // Re-importing the global policy replaces it.
    assert_eq!(check(&policy("global", vec![]), &stored, &Stored), vec![]);
    let second = check(&policy("another", vec![]), &stored, &Stored);
    assert_eq!(
        second,
        vec![ResetError::SecondGlobal {
            new: "another".into(),
            existing: "global".into()
        }]
    );
    assert!(second[0].to_string().contains("one global policy"));
    // A class policy is not a second global one.
    let class = attached(policy("interns", vec![]), "STAFF", PolicyRole::Organization);
    assert_eq!(check(&class, &stored, &Stored), vec![]);
    let with_sequences = policy("global", vec![seq("PW_RESET", vec![])]);
    let errors = check(&with_sequences, &[], &Stored);
    assert_eq!(errors, vec![ResetError::GlobalSequences("global".into())]);
    assert!(
        errors[0]
            .to_string()
            .contains("the global sequences are the chains")
    );
}

#[test]
fn a_person_gets_the_most_specific_reset_settings_whole() {
    let global = with_reset(
        policy("global", vec![]),
        &[("sequence", "PW_RESET"), ("authorization", "STAFF")],
    );
    let interns = with_reset(
        attached(
            policy("interns", vec![]),
            "INTERNS",
            PolicyRole::Organization,
        ),
        &[("force_change", "true")],
    );
    let internal = attached(
        policy("internal", vec![]),
        "INTERNAL",
        PolicyRole::Archetype,
    );
    let all = vec![global.clone(), interns, internal];
    assert_eq!(global_policy(&all), Some(&global));
    assert_eq!(
        global_reset(&all)
            .and_then(|s| s.get("sequence"))
            .map(String::as_str),
        Some("PW_RESET")
    );
    // Nobody special: the global settings.
    let plain = effective_reset(&classes(&["STAFF"]), &all)
        .unwrap()
        .unwrap();
    assert_eq!(
        parse(&plain).unwrap().authorization.unwrap().as_str(),
        "STAFF"
    );
    // An intern: the interns' settings whole, so no authorization is inherited.
    let intern = parse(
        &effective_reset(&classes(&["INTERNS"]), &all)
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(intern.force_change);
    assert_eq!(intern.authorization, None);
    assert!(intern.authorizes(&classes(&[])));
    // An archetype without reset settings inherits the organization's.
    let both = effective_reset(&classes(&["INTERNS", "INTERNAL"]), &all).unwrap();
    assert_eq!(both.unwrap().get("force_change").unwrap(), "true");
    // No global policy, no reset settings.
    assert_eq!(effective_reset(&classes(&["STAFF"]), &[]).unwrap(), None);
}

#[test]
fn authorization_admits_members_only() {
    let s = parse(&settings(&[("authorization", "STAFF")])).unwrap();
    assert!(s.authorizes(&classes(&["STAFF", "OTHER"])));
    assert!(!s.authorizes(&classes(&["OTHER"])));
    assert!(ResetSettings::default().authorizes(&classes(&[])));
}

#[test]
fn hints_and_questions_before_the_mailed_code_are_warned_about() {
    let mut sequence = seq(
        "PW_RESET",
        vec![
            m(1, 10, ModuleType::FocusIdent, Control::Requisite),
            m(2, 20, ModuleType::Hint, Control::Optional),
            m(3, 25, ModuleType::Response, Control::Sufficient),
            m(4, 30, ModuleType::MailNonce, Control::Required),
            m(5, 40, ModuleType::AttributeVerification, Control::Required),
        ],
    );
    let warnings = sequence_warnings(&sequence);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
    // Sufficient questions before the mailed link: they alone reset a password.
    assert!(
        warnings[0]
            .to_string()
            .contains("they alone reset a password")
    );
    assert!(warnings[1].to_string().contains("password hint"));
    assert!(warnings[1].to_string().contains("account exists"));
    assert!(warnings[2].to_string().contains("security questions"));
    // After the mailed code they tell nothing to someone who cannot read the mail.
    sequence.modules.retain(|m| m.kind != ModuleType::Hint);
    sequence.modules[1].order = 35;
    assert!(sequence_warnings(&sequence).is_empty());
}
