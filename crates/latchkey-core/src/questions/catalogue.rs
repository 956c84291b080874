//! Question sets as administrators define them.
//!
//! A set is either pre-defined (administrators write the questions, with a text per language) or
//! user-defined (each person writes their own questions). Every set says how many answers a
//! person must and may enrol in it, and how many questions it contributes at login when a module
//! does not say otherwise.

use super::{QuestionKey, QuestionRef};
use crate::ids::{NameError, validate_name};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The most answers one set may hold: each answer is hashed with a deliberately slow hash at
/// enrolment, so the bound keeps one enrolment request cheap enough.
pub const MAX_ANSWERS_PER_SET: usize = 20;

macro_rules! catalogue_name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates a name: letters, digits, `_` and `-`, 1 to 64 characters.
            pub fn new(raw: &str) -> Result<Self, NameError> {
                validate_name(raw, 64)?;
                Ok(Self(raw.to_owned()))
            }

            /// The name.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(v: String) -> Result<Self, Self::Error> {
                Self::new(&v)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

catalogue_name!(
    /// A question set's id, e.g. `STANDARD` or `USER`.
    SetId
);
catalogue_name!(
    /// A pre-defined question's id within its set, e.g. `first_school`.
    QuestionId
);

/// A pre-defined question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id (enrolments refer to it; the text may be reworded).
    pub id: QuestionId,
    /// The text shown when no translation fits.
    pub text: String,
    /// Text by language tag (`fr`, `pt-BR`; compared case-insensitively).
    #[serde(default)]
    pub translations: BTreeMap<String, String>,
}

impl Question {
    /// The text for `lang`: the exact tag, else its primary language (`fr-CA` → `fr`), else the
    /// default text.
    pub fn text_for(&self, lang: &str) -> &str {
        let want = lang.trim().to_ascii_lowercase();
        let primary = want.split('-').next().unwrap_or("");
        let find = |tag: &str| {
            self.translations
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(tag))
                .map(|(_, v)| v.as_str())
        };
        find(&want)
            .or_else(|| find(primary))
            .unwrap_or(self.text.as_str())
    }

    /// The default text and every translation.
    pub fn all_texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text.as_str()).chain(self.translations.values().map(String::as_str))
    }
}

/// Where a set's questions come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SetKind {
    /// Administrators wrote the questions.
    Predefined {
        /// The questions people pick from.
        questions: Vec<Question>,
    },
    /// Each person writes their own questions.
    UserDefined,
}

/// A question set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSet {
    /// Id (module settings name sets by it).
    pub id: SetId,
    /// Shown to people when they enrol.
    pub name: String,
    /// Pre-defined or user-defined.
    #[serde(flatten)]
    pub kind: SetKind,
    /// Answers a person must enrol in this set (0: the set is optional).
    pub min_answers: usize,
    /// Answers a person may enrol in this set.
    pub max_answers: usize,
    /// Questions asked from this set at login when a module's `questions` setting is empty
    /// (0: not used at login unless a module names it).
    pub ask: usize,
}

impl QuestionSet {
    /// A pre-defined question of this set.
    pub fn question(&self, id: &QuestionId) -> Option<&Question> {
        match &self.kind {
            SetKind::Predefined { questions } => questions.iter().find(|q| &q.id == id),
            SetKind::UserDefined => None,
        }
    }
}

/// Why a catalogue is refused. Names the set (and question) concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Two sets share an id.
    #[error("question set {0} is defined twice")]
    DuplicateSet(String),
    /// A set has no name.
    #[error("question set {0} needs a name")]
    NoName(String),
    /// The answer bounds do not make sense.
    #[error(
        "question set {set}: answers must satisfy min <= max, 1 <= max <= {MAX_ANSWERS_PER_SET} and ask <= max"
    )]
    Bounds {
        /// The set.
        set: String,
    },
    /// Fewer pre-defined questions than answers required: nobody could enrol.
    #[error("question set {set} requires {min} answers but has only {available} questions")]
    TooFewQuestions {
        /// The set.
        set: String,
        /// Answers required.
        min: usize,
        /// Questions defined.
        available: usize,
    },
    /// Two questions of a set share an id.
    #[error("question set {set}: question {question} is defined twice")]
    DuplicateQuestion {
        /// The set.
        set: String,
        /// The question.
        question: String,
    },
    /// A question or one of its translations is empty, or a language tag is not valid.
    #[error("question set {set}: question {question} has an empty text or a bad language tag")]
    BadText {
        /// The set.
        set: String,
        /// The question.
        question: String,
    },
}

/// All question sets, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<QuestionSet>", into = "Vec<QuestionSet>")]
pub struct Catalogue {
    sets: Vec<QuestionSet>,
}

impl TryFrom<Vec<QuestionSet>> for Catalogue {
    type Error = CatalogueError;
    fn try_from(sets: Vec<QuestionSet>) -> Result<Self, Self::Error> {
        Self::new(sets)
    }
}

impl From<Catalogue> for Vec<QuestionSet> {
    fn from(c: Catalogue) -> Self {
        c.sets
    }
}

fn valid_lang_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

fn check_set(set: &QuestionSet) -> Result<(), CatalogueError> {
    let id = || set.id.to_string();
    if set.name.trim().is_empty() {
        return Err(CatalogueError::NoName(id()));
    }
    if set.min_answers > set.max_answers
        || set.max_answers == 0
        || set.max_answers > MAX_ANSWERS_PER_SET
        || set.ask > set.max_answers
    {
        return Err(CatalogueError::Bounds { set: id() });
    }
    if let SetKind::Predefined { questions } = &set.kind {
        if questions.len() < set.min_answers {
            return Err(CatalogueError::TooFewQuestions {
                set: id(),
                min: set.min_answers,
                available: questions.len(),
            });
        }
        let mut seen = BTreeSet::new();
        for q in questions {
            if !seen.insert(&q.id) {
                return Err(CatalogueError::DuplicateQuestion {
                    set: id(),
                    question: q.id.to_string(),
                });
            }
            let texts_ok = q.all_texts().all(|t| !t.trim().is_empty())
                && q.translations.keys().all(|k| valid_lang_tag(k));
            if !texts_ok {
                return Err(CatalogueError::BadText {
                    set: id(),
                    question: q.id.to_string(),
                });
            }
        }
    }
    Ok(())
}

impl Catalogue {
    /// Validates the sets (order is kept: it is the order people see them in).
    pub fn new(sets: Vec<QuestionSet>) -> Result<Self, CatalogueError> {
        let mut ids = BTreeSet::new();
        for set in &sets {
            if !ids.insert(&set.id) {
                return Err(CatalogueError::DuplicateSet(set.id.to_string()));
            }
            check_set(set)?;
        }
        Ok(Self { sets })
    }

    /// Every set, in order.
    pub fn sets(&self) -> &[QuestionSet] {
        &self.sets
    }

    /// A set by id.
    pub fn set(&self, id: &SetId) -> Option<&QuestionSet> {
        self.sets.iter().find(|s| &s.id == id)
    }

    /// Does `key` name a question that exists today (its set exists, and a pre-defined question
    /// is still in it)? Answers to removed questions are kept but never asked.
    pub fn is_live(&self, key: &QuestionKey) -> bool {
        match (self.set(&key.set).map(|s| &s.kind), &key.question) {
            (Some(SetKind::Predefined { questions }), QuestionRef::Predefined(id)) => {
                questions.iter().any(|q| &q.id == id)
            }
            (Some(SetKind::UserDefined), QuestionRef::Own(_)) => true,
            _ => false,
        }
    }

    /// The text to show for `key` in language `lang` (`None` when the question no longer
    /// exists).
    pub fn prompt<'a>(&'a self, key: &'a QuestionKey, lang: &str) -> Option<&'a str> {
        match &key.question {
            QuestionRef::Own(text) => self
                .set(&key.set)
                .filter(|s| s.kind == SetKind::UserDefined)
                .map(|_| text.as_str()),
            QuestionRef::Predefined(id) => self
                .set(&key.set)
                .and_then(|s| s.question(id))
                .map(|q| q.text_for(lang)),
        }
    }
}
