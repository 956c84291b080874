use super::*;
use crate::chain::Resolved;
use crate::questions::settings::parse_interval;
use time::Duration;

fn err(pairs: &[(&str, &str)]) -> SettingsError {
    DrawSettings::parse(&settings(pairs)).unwrap_err()
}

#[test]
fn defaults_ask_each_sets_own_count_at_random_and_resample_hourly() {
    let s = DrawSettings::parse(&settings(&[])).unwrap();
    assert_eq!(s.questions, QuestionCount::SetDefaults);
    assert!(s.random);
    assert_eq!(s.incomplete, Incomplete::Fail);
    assert_eq!(s.resample_after, Duration::HOUR);
    let c = catalogue();
    let plan = AskPlan::new(&s, &c).unwrap();
    assert_eq!(plan.total(), 3);
}

#[test]
fn questions_per_set_or_pooled() {
    let s =
        DrawSettings::parse(&settings(&[("questions", " set:STANDARD=2 , set:USER=1 ")])).unwrap();
    assert_eq!(
        s.questions,
        QuestionCount::PerSet(vec![(set_id("STANDARD"), 2), (set_id("USER"), 1)])
    );
    let s = DrawSettings::parse(&settings(&[("questions", "2")])).unwrap();
    assert_eq!(s.questions, QuestionCount::Pooled(2));
    for bad in [
        "0",
        "51",
        "set:STANDARD",
        "set:A=1,set:A=2",
        "STANDARD=2",
        "set:A=21",
        "set:=1",
    ] {
        assert!(
            matches!(
                err(&[("questions", bad)]),
                SettingsError::Value {
                    key: "questions",
                    ..
                }
            ),
            "{bad}"
        );
    }
    assert_eq!(
        err(&[("questions", "set:STANDARD=0")]),
        SettingsError::NothingToAsk
    );
}

#[test]
fn plans_refuse_unknown_sets_and_empty_draws() {
    let c = catalogue();
    let s = DrawSettings::parse(&settings(&[("questions", "set:NOPE=1,set:USER=1")])).unwrap();
    let e = AskPlan::new(&s, &c).unwrap_err();
    assert_eq!(e, SettingsError::UnknownSet("NOPE".into()));
    assert!(matches!(e.resolved(), Resolved::Error(m) if m.contains("NOPE")));
    let quiet = Catalogue::new(
        c.sets()
            .iter()
            .cloned()
            .map(|mut s| {
                s.ask = 0;
                s
            })
            .collect(),
    )
    .unwrap();
    for q in ["", "2"] {
        let s = DrawSettings::parse(&settings(&[("questions", q)])).unwrap();
        assert_eq!(
            AskPlan::new(&s, &quiet).unwrap_err(),
            SettingsError::NothingToAsk,
            "{q:?}"
        );
    }
}

#[test]
fn random_incomplete_and_unknown_keys() {
    let s = DrawSettings::parse(&settings(&[("random", "No"), ("incomplete", "IGNORE")])).unwrap();
    assert!(!s.random);
    assert_eq!(s.incomplete, Incomplete::Ignore);
    assert!(matches!(
        err(&[("random", "maybe")]),
        SettingsError::Value { key: "random", .. }
    ));
    assert!(matches!(
        err(&[("incomplete", "skip")]),
        SettingsError::Value {
            key: "incomplete",
            ..
        }
    ));
    assert_eq!(
        err(&[("resampel", "1h")]),
        SettingsError::UnknownKey("resampel".into())
    );
    assert_eq!(
        err(&[("pass", "2")]),
        SettingsError::UnknownKey("pass".into())
    );
}

#[test]
fn resample_intervals() {
    assert_eq!(parse_interval("0"), Some(Duration::ZERO));
    assert_eq!(parse_interval("90s"), Some(Duration::seconds(90)));
    assert_eq!(parse_interval("30m"), Some(Duration::minutes(30)));
    assert_eq!(parse_interval("2h"), Some(Duration::hours(2)));
    assert_eq!(parse_interval("30d"), Some(Duration::days(30)));
    for bad in [
        "",
        "1",
        "31d",
        "-1h",
        "1w",
        "h",
        "1.5h",
        "99999999999999999999d",
    ] {
        assert_eq!(parse_interval(bad), None, "{bad}");
    }
    assert!(matches!(
        err(&[("resample", "1")]),
        SettingsError::Value {
            key: "resample",
            ..
        }
    ));
    let s = DrawSettings::parse(&settings(&[("resample", "15m")])).unwrap();
    assert_eq!(s.resample_after, Duration::minutes(15));
}

#[test]
fn score_settings_weights_most_specific_wins() {
    let s = ScoreSettings::parse(&settings(&[
        ("questions", "3"),
        ("points", "2, set:USER=3, question:STANDARD/pet=5"),
        ("penalty", "set:STANDARD=1"),
        ("pass", "6"),
        ("fail", "-2"),
    ]))
    .unwrap();
    assert_eq!(s.draw.questions, QuestionCount::Pooled(3));
    assert_eq!((s.pass, s.fail), (Some(6), Some(-2)));
    assert_eq!(s.points.for_key(&std_key("pet")), 5);
    assert_eq!(s.points.for_key(&std_key("car")), 2);
    assert_eq!(s.points.for_key(&own_key("Anything?")), 3);
    assert_eq!(s.penalty.for_key(&std_key("pet")), 1);
    assert_eq!(s.penalty.for_key(&own_key("Anything?")), 0);
}

#[test]
fn score_settings_defaults_fit_the_helpdesk_chain() {
    // The shipped HELPDESK_LOGIN module only says how many questions.
    let s = ScoreSettings::parse(&settings(&[("questions", "2")])).unwrap();
    assert_eq!((s.pass, s.fail), (None, None));
    assert_eq!(s.points.for_key(&std_key("pet")), 1);
    assert_eq!(s.penalty.for_key(&std_key("pet")), 0);
}

#[test]
fn score_settings_refuse_bad_values() {
    let e = |pairs: &[(&str, &str)]| ScoreSettings::parse(&settings(pairs)).unwrap_err();
    assert!(matches!(
        e(&[("pass", "2"), ("fail", "2")]),
        SettingsError::Value { key: "fail", .. }
    ));
    assert!(matches!(
        e(&[("pass", "0")]),
        SettingsError::Value { key: "pass", .. }
    ));
    assert!(matches!(
        e(&[("points", "0")]),
        SettingsError::Value { key: "points", .. }
    ));
    assert!(matches!(
        e(&[("points", "101")]),
        SettingsError::Value { key: "points", .. }
    ));
    assert!(matches!(
        e(&[("penalty", "-1")]),
        SettingsError::Value { key: "penalty", .. }
    ));
    assert!(matches!(
        e(&[("points", "set:A=1,set:A=2")]),
        SettingsError::Value { key: "points", .. }
    ));
    assert!(matches!(
        e(&[("points", "question:STANDARD=2")]),
        SettingsError::Value { key: "points", .. }
    ));
    assert!(matches!(
        e(&[("points", "user:X=2")]),
        SettingsError::Value { key: "points", .. }
    ));
    assert_eq!(
        e(&[("bonus", "1")]),
        SettingsError::UnknownKey("bonus".into())
    );
}
