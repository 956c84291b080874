//! Scored questions (`scoreqna`): answers one at a time, a score, two thresholds.
//!
//! ```text
//!              answer(correct)                    score += points   (wrong: -= penalty)
//!   AskNext ─────────────────────▶ score ≥ pass ─────────────▶ Pass
//!      ▲                           score ≤ fail ─────────────▶ Fail
//!      │                           score + points still to win < pass ──▶ Fail
//!      └──────────────── otherwise ◀┘
//! ```
//! The run passes as soon as the pass threshold is reached and fails as soon as it can no longer
//! be reached (even if every remaining question were answered right) or the fail threshold is
//! hit; after the last question one of the two has happened. Questions are asked in the sample's
//! order, so "points still to win" is exact.

use super::check::PostedAnswer;
use super::enrol::Enrolment;
use super::hasher::AnswerHasher;
use super::normalise::normalise;
use super::sample::Sample;
use super::settings::ScoreSettings;
use super::{NOT_ASKED, QuestionKey, SCORE_TOO_LOW, STALE_SAMPLE, UNCHECKABLE};
use crate::chain::Resolved;
use serde::{Deserialize, Serialize};

/// What one question is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    /// Added for a correct answer (at least 1).
    pub points: i64,
    /// Deducted for a wrong answer (at least 0).
    pub penalty: i64,
}

/// After an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreStep {
    /// The pass threshold is reached.
    Pass,
    /// The fail threshold is hit, or the pass threshold is out of reach.
    Fail,
    /// Ask the next question.
    AskNext,
}

impl ScoreStep {
    /// The module's outcome, or `None` while questions remain.
    pub fn resolved(self) -> Option<Resolved> {
        match self {
            ScoreStep::Pass => Some(Resolved::Success),
            ScoreStep::Fail => Some(Resolved::Fail(SCORE_TOO_LOW.to_owned())),
            ScoreStep::AskNext => None,
        }
    }
}

/// A scored run that cannot start (the module resolves to Error: misconfigured).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// No question to ask.
    #[error("no question to ask")]
    NoQuestions,
    /// Points below 1 or a negative penalty.
    #[error("points must be at least 1 and penalties at least 0")]
    BadWeight,
    /// Pass below 1, or the fail threshold not below it.
    #[error("the pass threshold must be at least 1 and above the fail threshold")]
    BadThreshold,
    /// Even all answers right would not reach the pass threshold.
    #[error("the pass threshold {pass} cannot be reached: the questions are worth {best} points")]
    Unreachable {
        /// The threshold.
        pass: i64,
        /// All the points there are.
        best: i64,
    },
}

impl ScoreError {
    /// The module's outcome when the run cannot start: Error (misconfigured).
    pub fn resolved(&self) -> Resolved {
        Resolved::Error(format!("scored questions: {self}"))
    }
}

/// A scored run in progress. The edge keeps it in the flow's pending state, next to the sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreState {
    weights: Vec<Weight>,
    pass: i64,
    fail: Option<i64>,
    answered: usize,
    score: i64,
    finished: Option<ScoreStep>,
}

impl ScoreState {
    /// A run over questions worth `weights` (in asking order).
    pub fn new(weights: Vec<Weight>, pass: i64, fail: Option<i64>) -> Result<Self, ScoreError> {
        if weights.is_empty() {
            return Err(ScoreError::NoQuestions);
        }
        if weights.iter().any(|w| w.points < 1 || w.penalty < 0) {
            return Err(ScoreError::BadWeight);
        }
        if pass < 1 || fail.is_some_and(|f| f >= pass) {
            return Err(ScoreError::BadThreshold);
        }
        let state = Self {
            weights,
            pass,
            fail,
            answered: 0,
            score: 0,
            finished: None,
        };
        let best = state.best_possible();
        if best < pass {
            return Err(ScoreError::Unreachable { pass, best });
        }
        Ok(state)
    }

    /// Takes the answer to the next question. After Pass or Fail it keeps returning that.
    pub fn answer(&mut self, correct: bool) -> ScoreStep {
        if let Some(done) = self.finished {
            return done;
        }
        let Some(w) = self.weights.get(self.answered).copied() else {
            self.finished = Some(ScoreStep::Fail);
            return ScoreStep::Fail;
        };
        self.answered += 1;
        self.score = if correct {
            self.score.saturating_add(w.points)
        } else {
            self.score.saturating_sub(w.penalty)
        };
        let step = if self.score >= self.pass {
            ScoreStep::Pass
        } else if self.fail.is_some_and(|f| self.score <= f) || self.best_possible() < self.pass {
            ScoreStep::Fail
        } else {
            ScoreStep::AskNext
        };
        if step != ScoreStep::AskNext {
            self.finished = Some(step);
        }
        step
    }

    /// The score so far.
    pub fn score(&self) -> i64 {
        self.score
    }

    /// Questions answered so far (the position of the next question in the sample).
    pub fn answered(&self) -> usize {
        self.answered
    }

    /// Questions in the run.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Never true for a state made by [`ScoreState::new`].
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Pass or Fail once decided.
    pub fn finished(&self) -> Option<ScoreStep> {
        self.finished
    }

    /// The score if every remaining question were answered right.
    pub fn best_possible(&self) -> i64 {
        self.weights
            .iter()
            .skip(self.answered)
            .fold(self.score, |acc, w| acc.saturating_add(w.points))
    }

    /// The pass threshold.
    pub fn pass(&self) -> i64 {
        self.pass
    }
}

impl ScoreSettings {
    /// The weight of each question of `sample`, in order.
    pub fn weights(&self, sample: &Sample) -> Vec<Weight> {
        sample
            .questions
            .iter()
            .map(|k| Weight {
                points: i64::from(self.points.for_key(k)),
                penalty: i64::from(self.penalty.for_key(k)),
            })
            .collect()
    }

    /// Starts a scored run over `sample`. Without a `pass` setting every question must be right.
    pub fn start(&self, sample: &Sample) -> Result<ScoreState, ScoreError> {
        let weights = self.weights(sample);
        let pass = self
            .pass
            .unwrap_or_else(|| weights.iter().map(|w| w.points).sum());
        ScoreState::new(weights, pass, self.fail)
    }
}

/// The outcome of one scored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerStep {
    /// Pass, Fail or ask the next question.
    pub step: ScoreStep,
    /// The answer was right but its stored hash uses old parameters.
    pub needs_rehash: Option<QuestionKey>,
}

/// Verifies the answer to the question `state` is waiting for and scores it. An empty answer
/// ("the caller does not know") counts as wrong. `Err` is the module's outcome when the answer
/// cannot be scored: for another question than the current one (Fail), or a sample or stored
/// answer that does not fit (Error).
pub fn answer_next(
    state: &mut ScoreState,
    sample: &Sample,
    posted: &PostedAnswer,
    enrolment: &Enrolment,
    hasher: &dyn AnswerHasher,
) -> Result<AnswerStep, Resolved> {
    let stale = || Resolved::Error(STALE_SAMPLE.to_owned());
    if let Some(step) = state.finished() {
        return Ok(AnswerStep {
            step,
            needs_rehash: None,
        });
    }
    if state.len() != sample.questions.len() {
        return Err(stale());
    }
    let current = sample.questions.get(state.answered()).ok_or_else(stale)?;
    if &posted.key != current {
        return Err(Resolved::Fail(NOT_ASKED.to_owned()));
    }
    let stored = enrolment.answer(current).ok_or_else(stale)?;
    let answer = normalise(posted.answer.expose());
    let check = if answer.is_empty() {
        None
    } else {
        Some(
            hasher
                .verify(&answer, &stored.stored_hash)
                .map_err(|_| Resolved::Error(UNCHECKABLE.to_owned()))?,
        )
    };
    let correct = check.is_some_and(|c| c.matches);
    let needs_rehash = check
        .filter(|c| c.matches && c.needs_rehash)
        .map(|_| current.clone());
    Ok(AnswerStep {
        step: state.answer(correct),
        needs_rehash,
    })
}
