//! Enrolment: a person's answers, validated, normalised and hashed.
//!
//! The whole enrolment is checked before anything is hashed, and every problem is reported at
//! once (by the position of the answer in the form), so the page can mark all of them. Problems
//! never contain an answer's text.

use super::catalogue::{Catalogue, SetId, SetKind};
use super::hasher::{AnswerHasher, HasherError, StoredHash};
use super::normalise::{NormalisedAnswer, normalise, normalise_plain};
use super::{QuestionKey, QuestionRef};
use crate::profile::LoginId;
use crate::secret::Password;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One enrolled answer: which question, and the hash of the normalised answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolledAnswer {
    /// The set and question.
    #[serde(flatten)]
    pub key: QuestionKey,
    /// Hash of the normalised answer.
    pub stored_hash: StoredHash,
}

/// A person's enrolled answers, in the order they gave them. What the edge persists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The answers.
    pub answers: Vec<EnrolledAnswer>,
}

impl Enrolment {
    /// The answer to `key`.
    pub fn answer(&self, key: &QuestionKey) -> Option<&EnrolledAnswer> {
        self.answers.iter().find(|a| &a.key == key)
    }

    /// Replaces the stored hashes of the given records (after a re-hash); other answers stay.
    pub fn apply_rehash(&mut self, fresh: Vec<EnrolledAnswer>) {
        for record in fresh {
            if let Some(slot) = self.answers.iter_mut().find(|a| a.key == record.key) {
                *slot = record;
            }
        }
    }
}

/// Length rules for enrolment (counted in characters after normalisation for answers, after
/// trimming for questions people write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentRules {
    /// Shortest answer (at least 1 is enforced).
    pub min_answer_chars: usize,
    /// Longest answer.
    pub max_answer_chars: usize,
    /// Shortest question a person may write.
    pub min_question_chars: usize,
    /// Longest question a person may write.
    pub max_question_chars: usize,
}

impl Default for EnrolmentRules {
    fn default() -> Self {
        Self {
            min_answer_chars: 3,
            max_answer_chars: 128,
            min_question_chars: 8,
            max_question_chars: 200,
        }
    }
}

/// One answer as posted on the enrolment form.
#[derive(Debug, Clone)]
pub struct AnswerInput {
    /// The set.
    pub set: SetId,
    /// A pre-defined question's id, or the question the person wrote.
    pub question: QuestionRef,
    /// The answer as typed.
    pub answer: Password,
}

/// One problem with an enrolment; `index` is the answer's position in the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolProblem {
    /// The set does not exist.
    #[error("answer {index}: unknown question set")]
    UnknownSet {
        /// Position.
        index: usize,
    },
    /// The question is not in the set (or a written question in a pre-defined set, or the
    /// reverse).
    #[error("answer {index}: unknown question")]
    UnknownQuestion {
        /// Position.
        index: usize,
    },
    /// The same question was answered twice.
    #[error("answer {index}: this question was already answered")]
    DuplicateQuestion {
        /// Position.
        index: usize,
    },
    /// A written question is too short or too long.
    #[error("answer {index}: the question must be {min} to {max} characters long")]
    QuestionLength {
        /// Position.
        index: usize,
        /// Shortest.
        min: usize,
        /// Longest.
        max: usize,
    },
    /// The answer is too short or too long.
    #[error("answer {index}: the answer must be {min} to {max} characters long")]
    AnswerLength {
        /// Position.
        index: usize,
        /// Shortest.
        min: usize,
        /// Longest.
        max: usize,
    },
    /// The answer is the question itself.
    #[error("answer {index}: the answer may not repeat the question")]
    AnswerRepeatsQuestion {
        /// Position.
        index: usize,
    },
    /// The answer is the login id.
    #[error("answer {index}: the answer may not be your login id")]
    AnswerIsLoginId {
        /// Position.
        index: usize,
    },
    /// The answer is the same as another answer.
    #[error("answer {index}: the same answer was given to question {other}")]
    SameAnswer {
        /// Position.
        index: usize,
        /// The earlier answer's position.
        other: usize,
    },
    /// Too few answers in a set.
    #[error("question set {set}: answer at least {min} questions (got {got})")]
    TooFew {
        /// The set.
        set: SetId,
        /// Required.
        min: usize,
        /// Given.
        got: usize,
    },
    /// Too many answers in a set.
    #[error("question set {set}: answer at most {max} questions (got {got})")]
    TooMany {
        /// The set.
        set: SetId,
        /// Allowed.
        max: usize,
        /// Given.
        got: usize,
    },
}

/// Why an enrolment was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolError {
    /// The form has problems (all of them listed); nothing was hashed.
    #[error("the answers are not acceptable ({} problems)", .0.len())]
    Invalid(Vec<EnrolProblem>),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HasherError),
}

/// Cleans a question a person wrote for display and storage: trimmed, whitespace collapsed.
pub fn clean_question_text(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks one answer's question; returns its key and the normalised texts the answer must not
/// equal.
fn check_question(
    index: usize,
    input: &AnswerInput,
    catalogue: &Catalogue,
    rules: &EnrolmentRules,
) -> Result<(QuestionKey, Vec<String>), EnrolProblem> {
    let set = catalogue
        .set(&input.set)
        .ok_or(EnrolProblem::UnknownSet { index })?;
    match (&set.kind, &input.question) {
        (SetKind::Predefined { .. }, QuestionRef::Predefined(id)) => {
            let q = set
                .question(id)
                .ok_or(EnrolProblem::UnknownQuestion { index })?;
            let texts = q.all_texts().map(normalise_plain).collect();
            Ok((
                QuestionKey {
                    set: set.id.clone(),
                    question: QuestionRef::Predefined(id.clone()),
                },
                texts,
            ))
        }
        (SetKind::UserDefined, QuestionRef::Own(raw)) => {
            let text = clean_question_text(raw);
            let len = text.chars().count();
            if len < rules.min_question_chars.max(1) || len > rules.max_question_chars {
                return Err(EnrolProblem::QuestionLength {
                    index,
                    min: rules.min_question_chars.max(1),
                    max: rules.max_question_chars,
                });
            }
            let normalised = normalise_plain(&text);
            Ok((
                QuestionKey {
                    set: set.id.clone(),
                    question: QuestionRef::Own(text),
                },
                vec![normalised],
            ))
        }
        _ => Err(EnrolProblem::UnknownQuestion { index }),
    }
}

/// Validates `inputs` against the catalogue and rules, then hashes every normalised answer.
/// Replaces the person's whole enrolment (the edge stores the result in one write).
pub fn enrol(
    inputs: &[AnswerInput],
    catalogue: &Catalogue,
    rules: &EnrolmentRules,
    login_id: &LoginId,
    hasher: &mut dyn AnswerHasher,
) -> Result<Enrolment, EnrolError> {
    let mut problems = Vec::new();
    let login = normalise_plain(login_id.as_str());
    let min_chars = rules.min_answer_chars.max(1);
    let mut accepted: Vec<(QuestionKey, NormalisedAnswer)> = Vec::new();
    let mut seen_questions: BTreeSet<(SetId, String)> = BTreeSet::new();
    let mut answers: Vec<NormalisedAnswer> = Vec::with_capacity(inputs.len());

    for (index, input) in inputs.iter().enumerate() {
        let answer = normalise(input.answer.expose());
        match check_question(index, input, catalogue, rules) {
            Err(p) => problems.push(p),
            Ok((key, question_texts)) => {
                let identity = match &key.question {
                    QuestionRef::Predefined(id) => format!("id:{id}"),
                    QuestionRef::Own(_) => {
                        format!("text:{}", question_texts.first().map_or("", |t| t))
                    }
                };
                if !seen_questions.insert((key.set.clone(), identity)) {
                    problems.push(EnrolProblem::DuplicateQuestion { index });
                }
                if question_texts.iter().any(|t| t == answer.expose()) {
                    problems.push(EnrolProblem::AnswerRepeatsQuestion { index });
                }
                // Only used when the whole form has no problem.
                accepted.push((key, answer.clone()));
            }
        }
        let len = answer.char_count();
        if len < min_chars || len > rules.max_answer_chars {
            problems.push(EnrolProblem::AnswerLength {
                index,
                min: min_chars,
                max: rules.max_answer_chars,
            });
        }
        if !answer.is_empty() && answer.expose() == login {
            problems.push(EnrolProblem::AnswerIsLoginId { index });
        }
        if let Some(other) = answers.iter().position(|a| !a.is_empty() && *a == answer) {
            problems.push(EnrolProblem::SameAnswer { index, other });
        }
        answers.push(answer);
    }

    for set in catalogue.sets() {
        let got = inputs.iter().filter(|i| i.set == set.id).count();
        if got < set.min_answers {
            problems.push(EnrolProblem::TooFew {
                set: set.id.clone(),
                min: set.min_answers,
                got,
            });
        } else if got > set.max_answers {
            problems.push(EnrolProblem::TooMany {
                set: set.id.clone(),
                max: set.max_answers,
                got,
            });
        }
    }

    if !problems.is_empty() {
        return Err(EnrolError::Invalid(problems));
    }
    let mut enrolment = Enrolment::default();
    for (key, answer) in accepted {
        let stored_hash = hasher.hash(&answer)?;
        enrolment.answers.push(EnrolledAnswer { key, stored_hash });
    }
    Ok(enrolment)
}
