//! Verifying the answers to a sample (`response` module): every asked question, at once.
//!
//! The posted answers must be exactly the asked questions: an answer to a question that was not
//! asked (or two answers to one question) fails, so a client cannot choose which questions it
//! answers. Every answer is verified even after a wrong one, so the time taken does not say which
//! was wrong, and the reason never does either.

use super::enrol::{EnrolledAnswer, Enrolment};
use super::hasher::{AnswerHasher, HasherError};
use super::normalise::normalise;
use super::plan::AskPlan;
use super::sample::Sample;
use super::{MISSING_ANSWER, NOT_ASKED, QuestionKey, STALE_SAMPLE, UNCHECKABLE, WRONG_ANSWER};
use crate::chain::Resolved;
use crate::secret::Password;
use std::collections::BTreeSet;

/// One answer as posted at login.
#[derive(Debug, Clone)]
pub struct PostedAnswer {
    /// The question it answers.
    pub key: QuestionKey,
    /// The answer as typed.
    pub answer: Password,
}

/// The module's outcome, and the stored answers to re-hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Success, Fail, Ignore (incomplete enrolment set to ignore) or Error.
    pub resolved: Resolved,
    /// Questions whose stored hash uses old parameters. Filled only on Success, so a failed
    /// attempt never writes credentials; pass them to [`fresh_records`].
    pub needs_rehash: Vec<QuestionKey>,
}

impl CheckOutcome {
    fn only(resolved: Resolved) -> Self {
        Self {
            resolved,
            needs_rehash: Vec::new(),
        }
    }
}

/// Checks `posted` against the questions of `sample`.
pub fn check(
    sample: &Sample,
    posted: &[PostedAnswer],
    enrolment: &Enrolment,
    plan: &AskPlan<'_>,
    hasher: &dyn AnswerHasher,
) -> CheckOutcome {
    if !plan.is_complete(enrolment) {
        return CheckOutcome::only(plan.incomplete.resolved());
    }
    if !plan.fits(&sample.questions, enrolment) {
        return CheckOutcome::only(Resolved::Error(STALE_SAMPLE.to_owned()));
    }
    let mut seen = BTreeSet::new();
    for p in posted {
        if !sample.questions.contains(&p.key) || !seen.insert(&p.key) {
            return CheckOutcome::only(Resolved::Fail(NOT_ASKED.to_owned()));
        }
    }
    let mut pairs = Vec::with_capacity(sample.questions.len());
    for key in &sample.questions {
        let answer = posted
            .iter()
            .find(|p| &p.key == key)
            .map(|p| normalise(p.answer.expose()))
            .filter(|a| !a.is_empty());
        let stored = enrolment.answer(key);
        match (answer, stored) {
            (Some(answer), Some(stored)) => pairs.push((key, answer, stored)),
            (None, _) => return CheckOutcome::only(Resolved::Fail(MISSING_ANSWER.to_owned())),
            (_, None) => return CheckOutcome::only(Resolved::Error(STALE_SAMPLE.to_owned())),
        }
    }
    let (mut wrong, mut broken) = (false, false);
    let mut needs_rehash = Vec::new();
    for (key, answer, stored) in pairs {
        match hasher.verify(&answer, &stored.stored_hash) {
            Ok(c) if c.matches => {
                if c.needs_rehash {
                    needs_rehash.push(key.clone());
                }
            }
            Ok(_) => wrong = true,
            Err(_) => broken = true,
        }
    }
    if broken {
        CheckOutcome::only(Resolved::Error(UNCHECKABLE.to_owned()))
    } else if wrong {
        CheckOutcome::only(Resolved::Fail(WRONG_ANSWER.to_owned()))
    } else {
        CheckOutcome {
            resolved: Resolved::Success,
            needs_rehash,
        }
    }
}

/// New stored hashes for `keys` from the answers just posted (after a success that reported
/// them in `needs_rehash`). Keys without a posted answer are skipped. The edge stores the result
/// with [`Enrolment::apply_rehash`].
pub fn fresh_records(
    keys: &[QuestionKey],
    posted: &[PostedAnswer],
    hasher: &mut dyn AnswerHasher,
) -> Result<Vec<EnrolledAnswer>, HasherError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(p) = posted.iter().find(|p| &p.key == key) {
            let stored_hash = hasher.hash(&normalise(p.answer.expose()))?;
            out.push(EnrolledAnswer {
                key: key.clone(),
                stored_hash,
            });
        }
    }
    Ok(out)
}
