//! Property tests: sampling counts over random enrolments, and the scoring state machine.

use super::*;
use crate::random::SeededRandom;
use proptest::prelude::*;
use std::collections::BTreeSet;

const STD_IDS: [&str; 6] = ["pet", "school", "street", "city", "car", "teacher"];

/// A random enrolment: a subset of the standard questions (in random order) and 0..=3 own
/// questions.
fn enrolment_strategy() -> impl Strategy<Value = Enrolment> {
    (
        Just(STD_IDS.to_vec()).prop_shuffle(),
        0usize..=6,
        0usize..=3,
    )
        .prop_map(|(ids, n_std, n_own)| {
            let mut keys: Vec<QuestionKey> = ids.into_iter().take(n_std).map(std_key).collect();
            keys.extend((0..n_own).map(|i| own_key(&format!("Own question {i}?"))));
            unhashed(&keys)
        })
}

fn plan_of<'c>(c: &'c Catalogue, pairs: &[(&str, &str)]) -> AskPlan<'c> {
    AskPlan::new(&DrawSettings::parse(&settings(pairs)).unwrap(), c).unwrap()
}

fn count_in(questions: &[QuestionKey], set: &str) -> usize {
    questions.iter().filter(|k| k.set.as_str() == set).count()
}

proptest! {
    #[test]
    fn per_set_draws_ask_exactly_the_configured_counts(
        e in enrolment_strategy(),
        n_std in 0usize..=6,
        n_own in 0usize..=3,
        random in any::<bool>(),
        seed in any::<u64>(),
    ) {
        prop_assume!(n_std + n_own > 0);
        let c = catalogue();
        let q = format!("set:STANDARD={n_std},set:USER={n_own}");
        let r = if random { "yes" } else { "no" };
        let plan = plan_of(&c, &[("questions", &q), ("random", r)]);
        let keys: Vec<QuestionKey> = e.answers.iter().map(|a| a.key.clone()).collect();
        let (have_std, have_own) = (count_in(&keys, "STANDARD"), count_in(&keys, "USER"));
        // Complete: enough for what is asked, and each asked set's minimum (3 and 1).
        let complete = (n_std == 0 || have_std >= n_std.max(3))
            && (n_own == 0 || have_own >= n_own.max(1));
        match sample(&e, &plan, None, t0(), &mut SeededRandom::new(seed)) {
            Draw::Ask(s) => {
                prop_assert!(complete);
                prop_assert_eq!(count_in(&s.questions, "STANDARD"), n_std);
                prop_assert_eq!(count_in(&s.questions, "USER"), n_own);
                let distinct = s.questions.iter().collect::<BTreeSet<_>>().len();
                prop_assert_eq!(distinct, s.questions.len());
                prop_assert!(s.questions.iter().all(|k| e.answer(k).is_some()));
                prop_assert!(plan.fits(&s.questions, &e));
                // Within a set, questions keep the order the person enrolled them in.
                let position = |k: &QuestionKey| e.answers.iter().position(|a| &a.key == k);
                for pair in s.questions.windows(2) {
                    if pair[0].set == pair[1].set {
                        prop_assert!(position(&pair[0]) < position(&pair[1]));
                    }
                }
            }
            Draw::Skip(_) => prop_assert!(!complete),
        }
    }

    #[test]
    fn pooled_draws_ask_n_distinct_enrolled_questions(
        e in enrolment_strategy(),
        n in 1usize..=9,
        seed in any::<u64>(),
    ) {
        let c = catalogue();
        let plan = plan_of(&c, &[("questions", &n.to_string())]);
        let keys: Vec<QuestionKey> = e.answers.iter().map(|a| a.key.clone()).collect();
        let complete =
            keys.len() >= n && count_in(&keys, "STANDARD") >= 3 && count_in(&keys, "USER") >= 1;
        match sample(&e, &plan, None, t0(), &mut SeededRandom::new(seed)) {
            Draw::Ask(s) => {
                prop_assert!(complete);
                prop_assert_eq!(s.questions.len(), n);
                prop_assert_eq!(s.questions.iter().collect::<BTreeSet<_>>().len(), n);
                prop_assert!(plan.fits(&s.questions, &e));
            }
            Draw::Skip(_) => prop_assert!(!complete),
        }
    }
}

/// A random scored run: weights, thresholds that can be reached, and the answers.
fn run_strategy() -> impl Strategy<Value = (Vec<Weight>, i64, Option<i64>, Vec<bool>)> {
    prop::collection::vec((1i64..=5, 0i64..=3), 1..=8).prop_flat_map(|ws| {
        let weights: Vec<Weight> = ws
            .into_iter()
            .map(|(points, penalty)| Weight { points, penalty })
            .collect();
        let total: i64 = weights.iter().map(|w| w.points).sum();
        let n = weights.len();
        (
            Just(weights),
            1..=total,
            prop::option::of(-10i64..=0),
            prop::collection::vec(any::<bool>(), n),
        )
    })
}

proptest! {
    #[test]
    fn scoring_never_passes_below_and_never_continues_when_out_of_reach(
        (weights, pass, fail, answers) in run_strategy()
    ) {
        let fail = fail.filter(|f| *f < pass);
        let mut s = ScoreState::new(weights, pass, fail).unwrap();
        let mut decided = None;
        for a in answers {
            let step = s.answer(a);
            match step {
                ScoreStep::Pass => prop_assert!(s.score() >= pass),
                ScoreStep::AskNext => {
                    prop_assert!(s.score() < pass);
                    prop_assert!(s.best_possible() >= pass);
                    prop_assert!(fail.is_none_or(|f| s.score() > f));
                    prop_assert!(s.answered() < s.len());
                }
                ScoreStep::Fail => prop_assert!(
                    s.best_possible() < pass || fail.is_some_and(|f| s.score() <= f)
                ),
            }
            if let Some(d) = decided {
                prop_assert_eq!(step, d, "a decided run never changes its mind");
            }
            if step != ScoreStep::AskNext {
                decided = Some(step);
            }
        }
        prop_assert!(decided.is_some(), "answering every question always decides");
    }

    /// Without penalties or a fail threshold the verdict depends only on which questions were
    /// answered right, not on the order they were asked in.
    #[test]
    fn without_penalties_the_verdict_is_order_independent(
        (weights, pass, _, answers) in run_strategy(),
        seed in any::<u64>(),
    ) {
        let weights: Vec<Weight> =
            weights.into_iter().map(|w| Weight { penalty: 0, ..w }).collect();
        let verdict = |pairs: &[(Weight, bool)]| {
            let mut s = ScoreState::new(pairs.iter().map(|p| p.0).collect(), pass, None).unwrap();
            pairs.iter().map(|p| s.answer(p.1)).last().unwrap()
        };
        let mut pairs: Vec<(Weight, bool)> = weights.into_iter().zip(answers).collect();
        let first = verdict(&pairs);
        let earned: i64 = pairs.iter().filter(|p| p.1).map(|p| p.0.points).sum();
        prop_assert_eq!(first == ScoreStep::Pass, earned >= pass);
        // Shuffle with the seeded source and compare.
        let mut rng = SeededRandom::new(seed);
        for i in (1..pairs.len()).rev() {
            let j = crate::random::RandomSource::below(&mut rng, (i + 1) as u32) as usize;
            pairs.swap(i, j);
        }
        prop_assert_eq!(verdict(&pairs), first);
    }
}
