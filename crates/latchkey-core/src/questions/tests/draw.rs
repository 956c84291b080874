use super::*;
use crate::chain::Resolved;
use crate::random::SeededRandom;
use time::Duration;

fn plan_for<'c>(c: &'c Catalogue, pairs: &[(&str, &str)]) -> AskPlan<'c> {
    AskPlan::new(&DrawSettings::parse(&settings(pairs)).unwrap(), c).unwrap()
}

fn asked(draw: Draw) -> Sample {
    match draw {
        Draw::Ask(s) => s,
        Draw::Skip(r) => panic!("expected questions, got {r:?}"),
    }
}

fn all_std() -> Vec<QuestionKey> {
    ["pet", "school", "street", "city", "car", "teacher"]
        .map(std_key)
        .to_vec()
}

fn full_enrolment() -> Enrolment {
    let mut keys = all_std();
    keys.extend([own_key("Own question one?"), own_key("Own question two?")]);
    unhashed(&keys)
}

#[test]
fn draws_the_configured_number_from_each_set() {
    let c = catalogue();
    let plan = plan_for(&c, &[("questions", "set:STANDARD=3,set:USER=2")]);
    let e = full_enrolment();
    let s = asked(sample(&e, &plan, None, t0(), &mut SeededRandom::new(1)));
    assert_eq!(s.drawn_at, t0());
    assert_eq!(
        s.questions
            .iter()
            .filter(|k| k.set == set_id("STANDARD"))
            .count(),
        3
    );
    assert_eq!(
        s.questions
            .iter()
            .filter(|k| k.set == set_id("USER"))
            .count(),
        2
    );
    assert!(plan.fits(&s.questions, &e));
}

#[test]
fn without_random_the_first_enrolled_answers_are_asked() {
    let c = catalogue();
    let plan = plan_for(&c, &[("random", "no")]);
    let e = full_enrolment();
    let s = asked(sample(&e, &plan, None, t0(), &mut SeededRandom::new(9)));
    assert_eq!(
        s.questions,
        vec![
            std_key("pet"),
            std_key("school"),
            own_key("Own question one?")
        ]
    );
}

#[test]
fn random_draws_cover_every_enrolled_question() {
    let c = catalogue();
    let plan = plan_for(&c, &[("questions", "set:STANDARD=2")]);
    let e = full_enrolment();
    let mut rng = SeededRandom::new(5);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let s = asked(sample(&e, &plan, None, t0(), &mut rng));
        seen.extend(s.questions);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>().len(), 6);
}

#[test]
fn incomplete_enrolment_fails_or_is_ignored_per_setting() {
    let c = catalogue();
    // Two standard answers: below the set's minimum of three.
    let short = unhashed(&[std_key("pet"), std_key("car"), own_key("Own question one?")]);
    let mut rng = SeededRandom::new(1);
    let fail = plan_for(&c, &[]);
    assert_eq!(
        sample(&short, &fail, None, t0(), &mut rng),
        Draw::Skip(Resolved::Fail(NOT_ENROLLED.into()))
    );
    let ignore = plan_for(&c, &[("incomplete", "ignore")]);
    assert_eq!(
        sample(&short, &ignore, None, t0(), &mut rng),
        Draw::Skip(Resolved::Ignore)
    );
    assert_eq!(
        sample(&Enrolment::default(), &ignore, None, t0(), &mut rng),
        Draw::Skip(Resolved::Ignore)
    );
    // Enough for the minimum but fewer than the module asks.
    let greedy = plan_for(&c, &[("questions", "set:STANDARD=4")]);
    let three = unhashed(&all_std()[..3]);
    assert!(matches!(
        sample(&three, &greedy, None, t0(), &mut rng),
        Draw::Skip(_)
    ));
}

#[test]
fn answers_to_removed_questions_are_neither_drawn_nor_counted() {
    let full = catalogue();
    let mut sets: Vec<QuestionSet> = full.clone().into();
    if let SetKind::Predefined { questions } = &mut sets[0].kind {
        questions.retain(|q| q.id.as_str() != "pet" && q.id.as_str() != "school");
    }
    let trimmed = Catalogue::new(sets).unwrap();
    let e = unhashed(&[
        std_key("pet"),
        std_key("school"),
        std_key("street"),
        std_key("city"),
        own_key("Own question one?"),
    ]);
    let mut rng = SeededRandom::new(3);
    // Complete under the full catalogue, incomplete once two of its questions are gone.
    assert!(matches!(
        sample(&e, &plan_for(&full, &[]), None, t0(), &mut rng),
        Draw::Ask(_)
    ));
    assert!(matches!(
        sample(&e, &plan_for(&trimmed, &[]), None, t0(), &mut rng),
        Draw::Skip(_)
    ));
    let e2 = unhashed(&[
        std_key("pet"),
        std_key("street"),
        std_key("city"),
        std_key("car"),
        own_key("Own?"),
    ]);
    for seed in 0..50 {
        let s = asked(sample(
            &e2,
            &plan_for(&trimmed, &[]),
            None,
            t0(),
            &mut SeededRandom::new(seed),
        ));
        assert!(!s.questions.contains(&std_key("pet")));
    }
}

/// The re-sample interval with a stepped clock: ask, abandon, ask again.
#[test]
fn within_the_interval_the_same_questions_come_back() {
    let c = catalogue();
    let plan = plan_for(&c, &[("questions", "set:STANDARD=2,set:USER=1")]);
    let e = full_enrolment();
    let first = asked(sample(&e, &plan, None, t0(), &mut SeededRandom::new(11)));
    for (later, seed) in [
        (Duration::minutes(1), 12),
        (Duration::minutes(30), 13),
        (Duration::minutes(59) + Duration::seconds(59), 14),
    ] {
        // A different random source each time: the answer must not depend on it.
        let again = asked(sample(
            &e,
            &plan,
            Some(&first),
            t0() + later,
            &mut SeededRandom::new(seed),
        ));
        assert_eq!(again, first, "after {later}");
    }
    // A sample dated after `now` (the clock stepped back) is kept too.
    let again = asked(sample(
        &e,
        &plan,
        Some(&first),
        t0() - Duration::minutes(5),
        &mut SeededRandom::new(15),
    ));
    assert_eq!(again, first);
}

#[test]
fn after_the_interval_a_new_reproducible_draw() {
    let c = catalogue();
    let plan = plan_for(&c, &[("questions", "set:STANDARD=2,set:USER=1")]);
    let e = full_enrolment();
    let first = asked(sample(&e, &plan, None, t0(), &mut SeededRandom::new(11)));
    let at = t0() + Duration::HOUR;
    let fresh = asked(sample(
        &e,
        &plan,
        Some(&first),
        at,
        &mut SeededRandom::new(42),
    ));
    assert_eq!(fresh.drawn_at, at);
    assert!(plan.fits(&fresh.questions, &e));
    // Same seed, same draw: the new draw depends only on the randomness passed in.
    let replay = asked(sample(
        &e,
        &plan,
        Some(&first),
        at,
        &mut SeededRandom::new(42),
    ));
    assert_eq!(replay, fresh);
    assert_eq!(
        asked(sample(&e, &plan, None, at, &mut SeededRandom::new(42))),
        fresh
    );
    // And it is a real draw: some seed gives other questions than the first sample.
    assert!((0..20).any(|seed| {
        asked(sample(
            &e,
            &plan,
            Some(&first),
            at,
            &mut SeededRandom::new(seed),
        ))
        .questions
            != first.questions
    }));
    // From then on, the new sample is the one repeated.
    let later = asked(sample(
        &e,
        &plan,
        Some(&fresh),
        at + Duration::minutes(10),
        &mut SeededRandom::new(1),
    ));
    assert_eq!(later, fresh);
}

#[test]
fn a_zero_interval_always_draws_anew() {
    let c = catalogue();
    let plan = plan_for(&c, &[("resample", "0")]);
    let e = full_enrolment();
    let first = asked(sample(&e, &plan, None, t0(), &mut SeededRandom::new(1)));
    let next = asked(sample(
        &e,
        &plan,
        Some(&first),
        t0() + Duration::seconds(1),
        &mut SeededRandom::new(2),
    ));
    assert_eq!(next.drawn_at, t0() + Duration::seconds(1));
}

#[test]
fn a_previous_sample_that_no_longer_fits_is_replaced_at_once() {
    let c = catalogue();
    let plan = plan_for(&c, &[("questions", "set:STANDARD=2,set:USER=1")]);
    let e = full_enrolment();
    let soon = t0() + Duration::minutes(5);
    let cases = [
        // The person re-enrolled without one of the questions.
        vec![
            std_key("gone"),
            std_key("pet"),
            own_key("Own question one?"),
        ],
        // Fewer questions than the module now asks.
        vec![std_key("pet"), own_key("Own question one?")],
        // The same question twice.
        vec![std_key("pet"), std_key("pet"), own_key("Own question one?")],
    ];
    for questions in cases {
        let stale = Sample {
            questions: questions.clone(),
            drawn_at: t0(),
        };
        let s = asked(sample(
            &e,
            &plan,
            Some(&stale),
            soon,
            &mut SeededRandom::new(4),
        ));
        assert_eq!(s.drawn_at, soon, "{questions:?}");
        assert!(plan.fits(&s.questions, &e));
    }
}

#[test]
fn prompts_follow_the_sample_order_and_language() {
    let c = catalogue();
    let s = Sample {
        questions: vec![std_key("pet"), own_key("Own question one?")],
        drawn_at: t0(),
    };
    let p = s.prompts(&c, "fr").unwrap();
    assert_eq!(p[0].1, "Nom de votre premier animal ?");
    assert_eq!(p[1].1, "Own question one?");
    let gone = Sample {
        questions: vec![std_key("gone")],
        drawn_at: t0(),
    };
    assert!(gone.prompts(&c, "en").is_none());
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), s);
}
