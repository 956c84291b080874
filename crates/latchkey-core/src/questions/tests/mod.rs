//! Tests of the question modules: fixtures here, one file per concern.

mod catalogue;
mod check;
mod draw;
mod enrol;
mod hasher;
mod props;
mod score;
mod settings;

use super::*;
use crate::password_hash::{Argon2Params, PasswordHashString, hash_password, verify_password};
use crate::profile::LoginId;
use crate::secret::Password;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Argon2id with the cheapest parameters, and a counter for salts (so two hashes of one answer
/// differ, as they must).
pub(super) struct TestHasher {
    pub params: Argon2Params,
    pub hashed: u32,
}

pub(super) fn cheap(memory_kib: u32) -> Argon2Params {
    Argon2Params {
        memory_kib,
        time_cost: 1,
        parallelism: 1,
    }
}

impl TestHasher {
    pub fn new() -> Self {
        Self {
            params: cheap(64),
            hashed: 0,
        }
    }
}

impl AnswerHasher for TestHasher {
    fn hash(&mut self, answer: &NormalisedAnswer) -> Result<StoredHash, HasherError> {
        self.hashed += 1;
        let mut salt = [0u8; 16];
        salt[..4].copy_from_slice(&self.hashed.to_le_bytes());
        let h = hash_password(&Password::new(answer.expose()), &self.params, &salt)
            .map_err(|e| HasherError(e.to_string()))?;
        Ok(StoredHash::from_stored(h.as_str().to_owned()))
    }

    fn verify(
        &self,
        answer: &NormalisedAnswer,
        stored: &StoredHash,
    ) -> Result<AnswerCheck, HasherError> {
        let stored = PasswordHashString::from_stored(stored.as_str().to_owned());
        let v = verify_password(&Password::new(answer.expose()), &stored, &self.params)
            .map_err(|e| HasherError(e.to_string()))?;
        Ok(AnswerCheck {
            matches: v.matches,
            needs_rehash: v.needs_rehash,
        })
    }
}

pub(super) fn set_id(s: &str) -> SetId {
    SetId::new(s).unwrap()
}

pub(super) fn qid(s: &str) -> QuestionId {
    QuestionId::new(s).unwrap()
}

pub(super) fn question(id: &str, text: &str) -> Question {
    Question {
        id: qid(id),
        text: text.into(),
        translations: BTreeMap::new(),
    }
}

/// STANDARD: six pre-defined questions, enrol 3..=6, ask 2. USER: own questions, enrol 1..=3,
/// ask 1.
pub(super) fn catalogue() -> Catalogue {
    let mut pet = question("pet", "Name of your first pet?");
    pet.translations
        .insert("fr".into(), "Nom de votre premier animal ?".into());
    Catalogue::new(vec![
        QuestionSet {
            id: set_id("STANDARD"),
            name: "Standard questions".into(),
            kind: SetKind::Predefined {
                questions: vec![
                    pet,
                    question("school", "Your first school?"),
                    question("street", "Street you grew up on?"),
                    question("city", "City your parents met in?"),
                    question("car", "Your first car?"),
                    question("teacher", "Favourite teacher?"),
                ],
            },
            min_answers: 3,
            max_answers: 6,
            ask: 2,
        },
        QuestionSet {
            id: set_id("USER"),
            name: "Your own questions".into(),
            kind: SetKind::UserDefined,
            min_answers: 1,
            max_answers: 3,
            ask: 1,
        },
    ])
    .unwrap()
}

pub(super) fn std_key(id: &str) -> QuestionKey {
    QuestionKey {
        set: set_id("STANDARD"),
        question: QuestionRef::Predefined(qid(id)),
    }
}

pub(super) fn own_key(text: &str) -> QuestionKey {
    QuestionKey {
        set: set_id("USER"),
        question: QuestionRef::Own(text.into()),
    }
}

pub(super) fn std_input(id: &str, answer: &str) -> AnswerInput {
    AnswerInput {
        set: set_id("STANDARD"),
        question: QuestionRef::Predefined(qid(id)),
        answer: Password::new(answer),
    }
}

pub(super) fn own_input(question: &str, answer: &str) -> AnswerInput {
    AnswerInput {
        set: set_id("USER"),
        question: QuestionRef::Own(question.into()),
        answer: Password::new(answer),
    }
}

pub(super) fn login() -> LoginId {
    LoginId::new("alice").unwrap()
}

/// A valid enrolment: five standard answers and one own question.
pub(super) fn alice_inputs() -> Vec<AnswerInput> {
    vec![
        std_input("pet", "Fluffy"),
        std_input("school", "Hillside Primary"),
        std_input("street", "Elm Street"),
        std_input("city", "Lisbon"),
        std_input("car", "Fiat Panda"),
        own_input("What did grandma call me?", "Little Bean"),
    ]
}

/// The clear answer alice gave to `key`.
pub(super) fn alice_answer(key: &QuestionKey) -> &'static str {
    match &key.question {
        QuestionRef::Predefined(id) => match id.as_str() {
            "pet" => "Fluffy",
            "school" => "Hillside Primary",
            "street" => "Elm Street",
            "city" => "Lisbon",
            "car" => "Fiat Panda",
            _ => "?",
        },
        QuestionRef::Own(_) => "Little Bean",
    }
}

pub(super) fn alice(hasher: &mut TestHasher) -> Enrolment {
    enrol(
        &alice_inputs(),
        &catalogue(),
        &EnrolmentRules::default(),
        &login(),
        hasher,
    )
    .unwrap()
}

/// An enrolment with placeholder hashes, for tests that never verify.
pub(super) fn unhashed(keys: &[QuestionKey]) -> Enrolment {
    Enrolment {
        answers: keys
            .iter()
            .map(|k| EnrolledAnswer {
                key: k.clone(),
                stored_hash: StoredHash::from_stored("$test$".into()),
            })
            .collect(),
    }
}

pub(super) fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap()
}

pub(super) fn posted(key: &QuestionKey, answer: &str) -> PostedAnswer {
    PostedAnswer {
        key: key.clone(),
        answer: Password::new(answer),
    }
}

/// Alice's answers to every question of `sample`.
pub(super) fn right_answers(sample: &Sample) -> Vec<PostedAnswer> {
    sample
        .questions
        .iter()
        .map(|k| posted(k, alice_answer(k)))
        .collect()
}
