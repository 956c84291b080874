//! Tests of the matching rules and PII plans.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn v(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_three_rules() {
    let stored = v(&["Müller-Lüdenscheid"]);
    assert!(matches(MatchRule::Exact, &stored, "Müller-Lüdenscheid"));
    assert!(!matches(MatchRule::Exact, &stored, "müller-lüdenscheid"));
    assert!(!matches(MatchRule::Exact, &stored, " Müller-Lüdenscheid"));
    assert!(matches(
        MatchRule::CaseInsensitive,
        &stored,
        " MÜLLER-lüdenscheid "
    ));
    assert!(!matches(
        MatchRule::CaseInsensitive,
        &stored,
        "Muller-Ludenscheid"
    ));
    // Normalised: full-width letters, a decomposed ü, extra spaces, ß = ss.
    let decomposed = "Mu\u{0308}ller-Lu\u{0308}denscheid";
    assert!(!matches(MatchRule::CaseInsensitive, &stored, decomposed));
    assert!(matches(MatchRule::Normalised, &stored, decomposed));
    assert!(matches(
        MatchRule::Normalised,
        &v(&["ＡＢＣ 123"]),
        "  abc   123 "
    ));
    assert!(matches(MatchRule::Normalised, &v(&["Straße"]), "STRASSE"));
    // Accents are not folded.
    assert!(!matches(
        MatchRule::Normalised,
        &stored,
        "Muller-Ludenscheid"
    ));
}

#[test]
fn empty_never_matches_and_any_value_may() {
    for rule in [
        MatchRule::Exact,
        MatchRule::CaseInsensitive,
        MatchRule::Normalised,
    ] {
        assert!(!matches(rule, &v(&[""]), ""), "{rule}");
        assert!(!matches(rule, &v(&[]), ""), "{rule}");
        assert!(!matches(rule, &v(&["x"]), ""), "{rule}");
        assert!(!matches(rule, &v(&[""]), "x"), "{rule}");
        assert!(matches(rule, &v(&["a", "b", "c"]), "c"), "{rule}");
    }
    assert!(!matches(MatchRule::Normalised, &v(&["   "]), "  "));
}

#[test]
fn rules_and_lists_parse() {
    assert_eq!("Case-Insensitive".parse(), Ok(MatchRule::CaseInsensitive));
    assert_eq!("normalized".parse(), Ok(MatchRule::Normalised));
    assert!("fuzzy".parse::<MatchRule>().is_err());
    let list = parse_requested(
        " employeeNumber , mail:exact,EMPLOYEENUMBER",
        MatchRule::default(),
    )
    .unwrap();
    assert_eq!(
        list,
        vec![
            Requested {
                attribute: "employeenumber".into(),
                rule: MatchRule::Normalised
            },
            Requested {
                attribute: "mail".into(),
                rule: MatchRule::Exact
            },
        ]
    );
    assert_eq!(
        parse_requested(" , ", MatchRule::Exact),
        Err(AttributeCheckError::NothingToAsk)
    );
    assert!(parse_requested("bad name", MatchRule::Exact).is_err());
    assert!(parse_requested("mail:soundex", MatchRule::Exact).is_err());
}

#[test]
fn all_answers_must_match_and_none_is_skipped() {
    let dob = v(&["1980-04-17"]);
    let mmn = v(&["Smith"]);
    let n = MatchRule::Normalised;
    assert!(all_match([
        (n, &dob[..], Some("1980-04-17")),
        (n, &mmn[..], Some("SMITH"))
    ]));
    assert!(!all_match([
        (n, &dob[..], Some("1980-04-17")),
        (n, &mmn[..], Some("Smyth"))
    ]));
    assert!(!all_match([
        (n, &dob[..], Some("1980-04-18")),
        (n, &mmn[..], Some("smith"))
    ]));
    assert!(!all_match([
        (n, &dob[..], None),
        (n, &mmn[..], Some("smith"))
    ]));
    assert!(!all_match(std::iter::empty()));
}

#[test]
fn pii_plans_take_the_first_kinds_the_person_has() {
    let configured = vec![
        (PiiKind::Dob, "dateofbirth".to_owned()),
        (PiiKind::Dl, "driverslicence".to_owned()),
        (PiiKind::Mmn, "mothersmaidenname".to_owned()),
        (PiiKind::Ssn, "nationalid".to_owned()),
    ];
    let has = |names: &'static [&'static str]| move |a: &str| names.contains(&a);
    assert_eq!(
        pii_plan(
            &configured,
            has(&["nationalid", "dateofbirth", "mothersmaidenname"]),
            2
        ),
        PiiPlan::Ask(vec![
            (PiiKind::Dob, "dateofbirth".into()),
            (PiiKind::Mmn, "mothersmaidenname".into())
        ])
    );
    assert_eq!(
        pii_plan(&configured, has(&["nationalid"]), 2),
        PiiPlan::NotEnough
    );
    assert_eq!(
        pii_plan(&configured[..1], has(&["dateofbirth", "nationalid"]), 2),
        PiiPlan::NotEnough
    );
    assert_eq!(
        pii_plan(&configured, has(&["nationalid"]), 0),
        PiiPlan::NotEnough
    );
    assert_eq!(pii_required(None), Ok(1));
    assert_eq!(pii_required(Some(" 2 ")), Ok(2));
    assert!(pii_required(Some("0")).is_err());
    assert!(pii_required(Some("two")).is_err());
}

proptest! {
    #[test]
    fn a_value_matches_itself_under_every_rule(s in "\\PC{1,24}") {
        let stored = vec![s.clone()];
        for rule in [MatchRule::Exact, MatchRule::CaseInsensitive, MatchRule::Normalised] {
            let canonical_empty = rule.canonical(&s).is_empty();
            prop_assert_eq!(matches(rule, &stored, &s), !canonical_empty);
        }
    }

    #[test]
    fn normalised_is_looser_than_case_insensitive(a in "[a-zA-Z ]{1,12}", b in "[a-zA-Z ]{1,12}") {
        let stored = vec![a];
        if matches(MatchRule::CaseInsensitive, &stored, &b) {
            prop_assert!(matches(MatchRule::Normalised, &stored, &b));
        }
    }
}
