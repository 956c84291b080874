//! Which questions to ask, and the re-sample interval.
//!
//! A person who cannot answer the questions shown could abandon the login and start again,
//! hoping for questions they (or an attacker) know, and over many tries learn every question
//! enrolled. So the edge keeps the last [`Sample`] per person: while it is younger than the
//! module's re-sample interval (default one hour) the same questions are asked again, in the same
//! order. Only after the interval is a new random subset drawn. The age counts from the draw,
//! not from the last time it was shown. A sample that no longer fits (the person re-enrolled,
//! an administrator removed a question or changed the module) is replaced at once: neither can
//! be triggered by someone who is not yet signed in.

use super::QuestionKey;
use super::catalogue::Catalogue;
use super::enrol::Enrolment;
use super::plan::AskPlan;
use crate::chain::Resolved;
use crate::random::RandomSource;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The questions drawn for one person, and when. The edge persists it per person (not per
/// flow), so a new login within the interval finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// The questions, in the order they are shown (and, for `scoreqna`, asked).
    pub questions: Vec<QuestionKey>,
    /// When they were drawn.
    #[serde(with = "time::serde::rfc3339")]
    pub drawn_at: OffsetDateTime,
}

impl Sample {
    /// Each question with its text in `lang`; `None` when a question no longer exists.
    pub fn prompts<'a>(
        &'a self,
        catalogue: &'a Catalogue,
        lang: &str,
    ) -> Option<Vec<(&'a QuestionKey, &'a str)>> {
        self.questions
            .iter()
            .map(|k| catalogue.prompt(k, lang).map(|text| (k, text)))
            .collect()
    }
}

/// The result of drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Draw {
    /// Ask these questions (persist the sample when it is new).
    Ask(Sample),
    /// The enrolment is incomplete: the module resolves at once (Fail or Ignore per setting).
    Skip(Resolved),
}

/// `count` distinct positions out of `0..n`, uniformly, in increasing order (partial
/// Fisher-Yates).
fn choose<R: RandomSource>(n: usize, count: usize, rng: &mut R) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..n).collect();
    for i in 0..count.min(n) {
        let remaining = u32::try_from(n - i).unwrap_or(u32::MAX);
        let offset = usize::try_from(rng.below(remaining)).unwrap_or(0);
        positions.swap(i, i + offset);
    }
    positions.truncate(count.min(n));
    positions.sort_unstable();
    positions
}

/// Draws the questions to ask `enrolment`'s owner now. `previous` is the sample persisted for
/// this person, if any.
pub fn sample(
    enrolment: &Enrolment,
    plan: &AskPlan<'_>,
    previous: Option<&Sample>,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> Draw {
    if !plan.is_complete(enrolment) {
        return Draw::Skip(plan.incomplete.resolved());
    }
    if let Some(prev) = previous {
        // A sample dated in the future (clock step) counts as young: asking it again is safe.
        let young = plan.resample_after.is_positive() && now - prev.drawn_at < plan.resample_after;
        if young && plan.fits(&prev.questions, enrolment) {
            return Draw::Ask(prev.clone());
        }
    }
    let mut questions = Vec::with_capacity(plan.total());
    for group in plan.groups() {
        let candidates = plan.candidates(group, enrolment);
        let picked: Vec<usize> = if plan.random {
            choose(candidates.len(), group.count, &mut &mut *rng)
        } else {
            (0..group.count.min(candidates.len())).collect()
        };
        questions.extend(
            picked
                .into_iter()
                .filter_map(|i| candidates.get(i).map(|k| (*k).clone())),
        );
    }
    Draw::Ask(Sample {
        questions,
        drawn_at: now,
    })
}
