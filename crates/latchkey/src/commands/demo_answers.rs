//! The demo's security answers: three people enrolled in the shipped question set, so the login
//! offers them "Security questions" from the first run. Their answers are written to
//! `credentials.txt` next to their passwords.

use anyhow::Context as _;
use latchkey_core::password_hash::Argon2Params;
use latchkey_core::profile::Profile;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerInput, EnrolmentRules, QuestionId, QuestionRef, SetId, StoredAnswerHasher, enrol,
};
use latchkey_core::repo::UserStatRepo;
use latchkey_core::secret::Password;
use latchkey_core::userstat::UserStatTag;
use latchkey_server::os::OsRandom;
use latchkey_store::Store;
use time::OffsetDateTime;

/// The set the answers belong to (shipped by `latchkey_server::bootstrap`).
const SET: &str = "STANDARD";

/// Demo people who set up security questions, and their answers.
const ANSWERS: [(&str, [(&str, &str); 3]); 3] = [
    (
        "alice.martin",
        [
            ("first_pet", "Biscuit"),
            ("first_school", "Ecole Jean Jaures"),
            ("first_car", "Fiat Panda"),
        ],
    ),
    (
        "chen.wei",
        [
            ("first_pet", "Mochi"),
            ("first_job", "Bike courier"),
            ("first_book", "The Little Prince"),
        ],
    ),
    (
        "jose.garcia",
        [
            ("childhood_street", "Calle Mayor"),
            ("first_concert", "Mecano"),
            ("childhood_nickname", "Pepito"),
        ],
    ),
];

fn inputs(answers: &[(&str, &str)]) -> anyhow::Result<Vec<AnswerInput>> {
    answers
        .iter()
        .map(|(q, a)| {
            Ok(AnswerInput {
                set: SetId::new(SET)?,
                question: QuestionRef::Predefined(QuestionId::new(q)?),
                answer: Password::new(*a),
            })
        })
        .collect()
}

/// Enrols the demo answers (validated and hashed like any enrolment) and sets PSQDONE, so the
/// login offers these people security questions.
pub async fn enrol_all(
    store: &Store,
    profiles: &[Profile],
    params: Argon2Params,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    latchkey_server::bootstrap::ensure_question_sets(store)
        .await
        .context("cannot install the shipped question set")?;
    let catalogue = store.question_catalogue().await?;
    for (login, answers) in ANSWERS {
        let profile = profiles
            .iter()
            .find(|p| p.login_id.as_str() == login)
            .with_context(|| format!("no demo person {login}"))?;
        let inputs = inputs(&answers)?;
        let (catalogue, login_id) = (catalogue.clone(), profile.login_id.clone());
        let enrolment = tokio::task::spawn_blocking(move || {
            let mut hasher = StoredAnswerHasher {
                params,
                rng: &mut OsRandom,
            };
            let rules = EnrolmentRules::default();
            enrol(&inputs, &catalogue, &rules, &login_id, &mut hasher)
        })
        .await
        .context("answer hashing was interrupted")?
        .with_context(|| format!("security answers of {login}"))?;
        store.save_enrolment(profile.id, &enrolment, now).await?;
        store
            .set_userstat(profile.id, &UserStatTag::PsqDone, "1", now)
            .await?;
    }
    Ok(())
}

/// The comment line of `credentials.txt` listing `login`'s answers, if they have some.
pub fn credentials_line(login: &str) -> Option<String> {
    let (_, answers) = ANSWERS.iter().find(|(l, _)| *l == login)?;
    let listed: Vec<String> = answers
        .iter()
        .map(|(q, a)| format!("{SET}/{q} = {a}"))
        .collect();
    // Declassified on purpose, like the passwords: the file hands the demo logins to its owner.
    Some(format!("#   security answers: {}\n", listed.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::password_hash::Argon2Params;
    use latchkey_core::profile::LoginId;
    use latchkey_core::questions::Catalogue;
    use latchkey_core::random::SeededRandom;

    #[test]
    fn the_demo_answers_are_acceptable() {
        let set = latchkey_server::bootstrap::standard_questions().unwrap();
        let catalogue = Catalogue::new(vec![set]).unwrap();
        let mut rng = SeededRandom::new(1);
        let mut hasher = StoredAnswerHasher {
            params: Argon2Params {
                memory_kib: 64,
                time_cost: 1,
                parallelism: 1,
            },
            rng: &mut rng,
        };
        for (login, answers) in ANSWERS {
            let login = LoginId::new(login).unwrap();
            let rules = EnrolmentRules::default();
            let enrolled = enrol(
                &inputs(&answers).unwrap(),
                &catalogue,
                &rules,
                &login,
                &mut hasher,
            );
            assert_eq!(enrolled.map(|e| e.answers.len()).ok(), Some(3), "{login}");
        }
    }
}
