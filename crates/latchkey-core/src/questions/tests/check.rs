use super::*;
use crate::chain::Resolved;

struct Fixture {
    hasher: TestHasher,
    enrolment: Enrolment,
    catalogue: Catalogue,
}

fn fixture() -> Fixture {
    let mut hasher = TestHasher::new();
    let enrolment = alice(&mut hasher);
    Fixture {
        hasher,
        enrolment,
        catalogue: catalogue(),
    }
}

fn three() -> Sample {
    Sample {
        questions: vec![
            std_key("pet"),
            std_key("city"),
            own_key("What did grandma call me?"),
        ],
        drawn_at: t0(),
    }
}

fn plan(c: &Catalogue) -> AskPlan<'_> {
    AskPlan::new(&DrawSettings::parse(&settings(&[])).unwrap(), c).unwrap()
}

fn run(f: &Fixture, sample: &Sample, answers: &[PostedAnswer]) -> CheckOutcome {
    check(
        sample,
        answers,
        &f.enrolment,
        &plan(&f.catalogue),
        &f.hasher,
    )
}

fn fail(reason: &str) -> CheckOutcome {
    CheckOutcome {
        resolved: Resolved::Fail(reason.into()),
        needs_rehash: vec![],
    }
}

#[test]
fn right_answers_in_any_spelling_succeed() {
    let f = fixture();
    let answers = vec![
        posted(&std_key("pet"), "  ＦＬＵＦＦＹ "),
        posted(&std_key("city"), "LISBON\n"),
        posted(&own_key("What did grandma call me?"), "little\t\tbean"),
    ];
    assert_eq!(
        run(&f, &three(), &answers),
        CheckOutcome {
            resolved: Resolved::Success,
            needs_rehash: vec![]
        }
    );
}

#[test]
fn one_wrong_answer_fails_without_saying_which() {
    let f = fixture();
    for wrong in 0..3 {
        let mut answers = right_answers(&three());
        answers[wrong].answer = Password::new("not it");
        assert_eq!(
            run(&f, &three(), &answers),
            fail(WRONG_ANSWER),
            "question {wrong}"
        );
    }
}

#[test]
fn a_missing_or_empty_answer_fails() {
    let f = fixture();
    let mut answers = right_answers(&three());
    answers.remove(1);
    assert_eq!(run(&f, &three(), &answers), fail(MISSING_ANSWER));
    let mut blank = right_answers(&three());
    blank[2].answer = Password::new(" \u{200B}\t");
    assert_eq!(run(&f, &three(), &blank), fail(MISSING_ANSWER));
}

#[test]
fn an_answer_to_a_question_not_asked_fails_even_with_the_rest_right() {
    let f = fixture();
    let mut answers = right_answers(&three());
    answers.push(posted(&std_key("car"), "Fiat Panda"));
    assert_eq!(run(&f, &three(), &answers), fail(NOT_ASKED));
    // Swapping an asked question for an easier one is the same forgery.
    let mut swapped = right_answers(&three());
    swapped[0] = posted(&std_key("car"), "Fiat Panda");
    assert_eq!(run(&f, &three(), &swapped), fail(NOT_ASKED));
    let mut twice = right_answers(&three());
    twice.push(posted(&std_key("pet"), "Fluffy"));
    assert_eq!(run(&f, &three(), &twice), fail(NOT_ASKED));
}

#[test]
fn a_sample_that_does_not_fit_is_an_error_not_a_success() {
    let f = fixture();
    let forged = Sample {
        questions: vec![std_key("pet")],
        drawn_at: t0(),
    };
    let out = run(&f, &forged, &right_answers(&forged));
    assert_eq!(out.resolved, Resolved::Error(STALE_SAMPLE.into()));
    let empty = Sample {
        questions: vec![],
        drawn_at: t0(),
    };
    assert_eq!(
        run(&f, &empty, &[]).resolved,
        Resolved::Error(STALE_SAMPLE.into())
    );
}

#[test]
fn incomplete_enrolment_follows_the_setting() {
    let mut f = fixture();
    f.enrolment.answers.truncate(2);
    assert_eq!(
        run(&f, &three(), &right_answers(&three())),
        fail(NOT_ENROLLED)
    );
    let ignore = AskPlan::new(
        &DrawSettings::parse(&settings(&[("incomplete", "ignore")])).unwrap(),
        &f.catalogue,
    )
    .unwrap();
    let out = check(
        &three(),
        &right_answers(&three()),
        &f.enrolment,
        &ignore,
        &f.hasher,
    );
    assert_eq!(out.resolved, Resolved::Ignore);
}

#[test]
fn an_unreadable_stored_answer_is_an_error() {
    let mut f = fixture();
    f.enrolment.answers[0].stored_hash = StoredHash::from_stored("plaintext".into());
    let out = run(&f, &three(), &right_answers(&three()));
    assert_eq!(out.resolved, Resolved::Error(UNCHECKABLE.into()));
}

#[test]
fn old_parameters_are_reported_for_rehash_only_on_success() {
    let mut f = fixture();
    // The server now hashes with more memory: every stored answer is out of date.
    f.hasher.params = cheap(128);
    let answers = right_answers(&three());
    let out = run(&f, &three(), &answers);
    assert_eq!(out.resolved, Resolved::Success);
    assert_eq!(out.needs_rehash, three().questions);
    let mut wrong = answers.clone();
    wrong[2].answer = Password::new("nope");
    assert_eq!(run(&f, &three(), &wrong), fail(WRONG_ANSWER));

    let records = fresh_records(&out.needs_rehash, &answers, &mut f.hasher).unwrap();
    assert_eq!(records.len(), 3);
    f.enrolment.apply_rehash(records);
    let again = run(&f, &three(), &answers);
    assert_eq!(
        again,
        CheckOutcome {
            resolved: Resolved::Success,
            needs_rehash: vec![]
        }
    );
}
