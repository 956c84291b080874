use super::*;
use crate::chain::Resolved;
use crate::questions::score::ScoreStep::{AskNext, Fail, Pass};

fn w(points: i64, penalty: i64) -> Weight {
    Weight { points, penalty }
}

fn run(state: &mut ScoreState, answers: &[bool]) -> Vec<ScoreStep> {
    answers.iter().map(|a| state.answer(*a)).collect()
}

#[test]
fn passes_as_soon_as_the_threshold_is_reached() {
    let mut s = ScoreState::new(vec![w(1, 0); 5], 3, None).unwrap();
    assert_eq!(
        run(&mut s, &[true, false, true, true]),
        vec![AskNext, AskNext, AskNext, Pass]
    );
    assert_eq!(s.answered(), 4);
    // Decided: further answers change nothing.
    assert_eq!(s.answer(false), Pass);
    assert_eq!(s.score(), 3);
}

#[test]
fn fails_as_soon_as_the_threshold_is_out_of_reach() {
    // 4 questions, need 3: two wrong answers leave at most 2 points.
    let mut s = ScoreState::new(vec![w(1, 0); 4], 3, None).unwrap();
    assert_eq!(
        run(&mut s, &[true, false, false]),
        vec![AskNext, AskNext, Fail]
    );
    assert_eq!(s.answer(true), Fail);
}

#[test]
fn fails_at_the_fail_threshold_even_when_passing_is_still_possible() {
    let mut s = ScoreState::new(vec![w(2, 1); 6], 4, Some(-2)).unwrap();
    assert_eq!(run(&mut s, &[false]), vec![AskNext]);
    assert_eq!(s.best_possible(), 9);
    assert_eq!(run(&mut s, &[false]), vec![Fail]);
    assert_eq!(s.score(), -2);
}

#[test]
fn penalties_can_make_the_pass_unreachable() {
    // Need 3 from three 1-point questions with penalty 1: one wrong answer ends it.
    let mut s = ScoreState::new(vec![w(1, 1); 3], 2, None).unwrap();
    assert_eq!(run(&mut s, &[true, false]), vec![AskNext, Fail]);
}

#[test]
fn runs_that_cannot_start_are_refused() {
    assert_eq!(
        ScoreState::new(vec![], 1, None),
        Err(ScoreError::NoQuestions)
    );
    assert!(matches!(
        ScoreError::NoQuestions.resolved(),
        Resolved::Error(_)
    ));
    assert_eq!(
        ScoreState::new(vec![w(1, 0); 2], 3, None),
        Err(ScoreError::Unreachable { pass: 3, best: 2 })
    );
    assert_eq!(
        ScoreState::new(vec![w(0, 0)], 1, None),
        Err(ScoreError::BadWeight)
    );
    assert_eq!(
        ScoreState::new(vec![w(1, -1)], 1, None),
        Err(ScoreError::BadWeight)
    );
    assert_eq!(
        ScoreState::new(vec![w(1, 0)], 0, None),
        Err(ScoreError::BadThreshold)
    );
    assert_eq!(
        ScoreState::new(vec![w(1, 0)], 1, Some(1)),
        Err(ScoreError::BadThreshold)
    );
}

fn helpdesk() -> ScoreSettings {
    ScoreSettings::parse(&settings(&[("questions", "2")])).unwrap()
}

fn two() -> Sample {
    Sample {
        questions: vec![std_key("school"), own_key("What did grandma call me?")],
        drawn_at: t0(),
    }
}

#[test]
fn the_helpdesk_default_needs_both_answers_right() {
    let s = helpdesk();
    let mut state = s.start(&two()).unwrap();
    assert_eq!(state.pass(), 2);
    assert_eq!(run(&mut state, &[true, true]), vec![AskNext, Pass]);
    let mut state = s.start(&two()).unwrap();
    assert_eq!(run(&mut state, &[false]), vec![Fail]);
    let mut state = s.start(&two()).unwrap();
    assert_eq!(run(&mut state, &[true, false]), vec![AskNext, Fail]);
}

#[test]
fn per_question_points_shape_the_run() {
    let s = ScoreSettings::parse(&settings(&[
        ("points", "1,question:STANDARD/school=3"),
        ("pass", "3"),
    ]))
    .unwrap();
    assert_eq!(s.weights(&two()), vec![w(3, 0), w(1, 0)]);
    let mut state = s.start(&two()).unwrap();
    assert_eq!(state.answer(true), Pass);
    let unreachable = ScoreSettings::parse(&settings(&[("pass", "5")])).unwrap();
    assert_eq!(
        unreachable.start(&two()),
        Err(ScoreError::Unreachable { pass: 5, best: 2 })
    );
}

#[test]
fn scored_answers_are_verified_one_at_a_time_in_order() {
    let mut h = TestHasher::new();
    let e = alice(&mut h);
    let sample = two();
    let mut state = helpdesk().start(&sample).unwrap();
    // Answering the second question first is a forged step.
    let out_of_turn = answer_next(
        &mut state,
        &sample,
        &posted(&sample.questions[1], "Little Bean"),
        &e,
        &h,
    );
    assert_eq!(out_of_turn, Err(Resolved::Fail(NOT_ASKED.into())));
    assert_eq!(state.answered(), 0);
    let first = answer_next(
        &mut state,
        &sample,
        &posted(&sample.questions[0], " hillside PRIMARY"),
        &e,
        &h,
    )
    .unwrap();
    assert_eq!(
        first,
        AnswerStep {
            step: AskNext,
            needs_rehash: None
        }
    );
    let second = answer_next(
        &mut state,
        &sample,
        &posted(&sample.questions[1], "little bean"),
        &e,
        &h,
    )
    .unwrap();
    assert_eq!(second.step, Pass);
    assert_eq!(second.step.resolved(), Some(Resolved::Success));
}

#[test]
fn an_empty_scored_answer_counts_as_wrong() {
    let mut h = TestHasher::new();
    let e = alice(&mut h);
    let sample = two();
    let mut state = helpdesk().start(&sample).unwrap();
    let step = answer_next(
        &mut state,
        &sample,
        &posted(&sample.questions[0], "   "),
        &e,
        &h,
    )
    .unwrap();
    assert_eq!(step.step, Fail);
    assert_eq!(
        step.step.resolved(),
        Some(Resolved::Fail(SCORE_TOO_LOW.into()))
    );
}

#[test]
fn scored_answers_report_rehash_and_refuse_a_mismatched_sample() {
    let mut h = TestHasher::new();
    let e = alice(&mut h);
    h.params = cheap(128);
    let sample = two();
    let mut state = helpdesk().start(&sample).unwrap();
    let step = answer_next(
        &mut state,
        &sample,
        &posted(&sample.questions[0], "Hillside Primary"),
        &e,
        &h,
    )
    .unwrap();
    assert_eq!(step.needs_rehash, Some(sample.questions[0].clone()));
    let longer = Sample {
        questions: vec![std_key("school"), std_key("pet"), std_key("car")],
        drawn_at: t0(),
    };
    assert_eq!(
        answer_next(
            &mut state,
            &longer,
            &posted(&longer.questions[1], "Fluffy"),
            &e,
            &h
        ),
        Err(Resolved::Error(STALE_SAMPLE.into()))
    );
    let mut broken = e.clone();
    broken.answers[5].stored_hash = StoredHash::from_stored("junk".into());
    assert_eq!(
        answer_next(
            &mut state,
            &sample,
            &posted(&sample.questions[1], "Little Bean"),
            &broken,
            &h
        ),
        Err(Resolved::Error(UNCHECKABLE.into()))
    );
}

#[test]
fn score_state_survives_a_round_trip_through_the_store() {
    let mut s = ScoreState::new(vec![w(1, 1); 4], 3, Some(-1)).unwrap();
    s.answer(true);
    let json = serde_json::to_string(&s).unwrap();
    let mut back: ScoreState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(run(&mut back, &[true, true]), vec![AskNext, Pass]);
}
