//! Security questions: the `response` module (answer every question asked) and the `scoreqna`
//! module (score answers one at a time; the help desk default).
//!
//! Everything here is a pure decision; the edge does the IO. Data moves like this:
//!
//! 1. **Catalogue** ([`catalogue`]): administrators define question sets. A pre-defined set
//!    holds questions (id, text per language); a user-defined set lets each person write their
//!    own questions. Each set says how many answers a person must enrol and how many questions it
//!    contributes at login by default.
//! 2. **Enrolment** ([`enrol`](mod@enrol)): a person's answers are validated (count per set,
//!    length, distinct, not the question or the login id), [normalised](normalise::normalise)
//!    and hashed through an [`AnswerHasher`] ([`StoredAnswerHasher`] in production: Argon2id via
//!    [`crate::answer_hash`]). The edge persists the [`Enrolment`] (no clear answer is kept).
//! 3. **Settings** ([`settings`]): a module's text settings parse into [`DrawSettings`] (and
//!    [`ScoreSettings`] for `scoreqna`), then resolve against the catalogue into an [`AskPlan`].
//! 4. **Draw** ([`sample()`]): which questions to ask. The edge persists the [`Sample`] per
//!    user; a sample younger than the re-sample interval is asked again unchanged, so abandoning
//!    a login and retrying cannot "shop" for easier questions or harvest the whole list.
//! 5. **Verify**: [`check()`] for `response` (all answers at once), [`ScoreState`] and
//!    [`answer_next`] for `scoreqna` (one answer at a time, pass or fail as soon as the outcome
//!    is certain). Both end in a [`crate::chain::Resolved`] and say which stored answers should
//!    be re-hashed with the current parameters.
//!
//! Reasons given in `Fail` never say which answer was wrong.

pub mod catalogue;
pub mod check;
pub mod enrol;
pub mod hasher;
pub mod normalise;
pub mod plan;
pub mod repo;
pub mod sample;
pub mod score;
pub mod settings;

#[cfg(test)]
mod tests;

pub use catalogue::{Catalogue, CatalogueError, Question, QuestionId, QuestionSet, SetId, SetKind};
pub use check::{CheckOutcome, PostedAnswer, check, fresh_records};
pub use enrol::{
    AnswerInput, EnrolError, EnrolProblem, EnrolledAnswer, Enrolment, EnrolmentRules, enrol,
};
pub use hasher::{AnswerCheck, AnswerHasher, HasherError, StoredAnswerHasher, StoredHash};
pub use normalise::{NormalisedAnswer, normalise};
pub use plan::AskPlan;
pub use sample::{Draw, Sample, sample};
pub use score::{AnswerStep, ScoreError, ScoreState, ScoreStep, Weight, answer_next};
pub use settings::{DrawSettings, Incomplete, QuestionCount, ScoreSettings, SettingsError};

use serde::{Deserialize, Serialize};

/// Which question an answer belongs to: a pre-defined question by id, or the text a person
/// wrote in a user-defined set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionRef {
    /// A question of a pre-defined set.
    Predefined(QuestionId),
    /// A question the person wrote (trimmed, inner whitespace collapsed).
    Own(String),
}

/// A question in one person's enrolment: the set and the question. Unique within an enrolment,
/// so it is what samples, posted answers and re-hash reports refer to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QuestionKey {
    /// The set.
    pub set: SetId,
    /// The question within it.
    pub question: QuestionRef,
}

/// Reason when an asked question was answered wrongly (never says which).
pub const WRONG_ANSWER: &str = "wrong answer";
/// Reason when an asked question got no answer.
pub const MISSING_ANSWER: &str = "not every question was answered";
/// Reason when an answer came for a question that was not asked (or came twice).
pub const NOT_ASKED: &str = "an answer was posted for a question that was not asked";
/// Reason when the person has not enrolled enough answers (with `incomplete = fail`).
pub const NOT_ENROLLED: &str = "security questions are not set up";
/// Reason when a scored run ends below the pass threshold.
pub const SCORE_TOO_LOW: &str = "not enough correct answers";
/// Reason (an Error) when the persisted sample no longer fits the enrolment or the settings.
pub const STALE_SAMPLE: &str = "the questions asked no longer match the enrolment or the settings";
/// Reason (an Error) when a stored answer cannot be checked.
pub const UNCHECKABLE: &str = "a stored answer cannot be checked";
