//! First start of a node on an empty database: install the shipped authentication
//! configuration (built-in chains and their selector rules) so it can be seen, exported and
//! changed like any other, and the shipped question set `STANDARD` (see [`standard_questions`]).
//! Later starts find them there and change nothing.

use latchkey_core::chain::builtin;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{Question, QuestionId, QuestionSet, SetId, SetKind};
use latchkey_core::repo::{AuthConfigRepo, RepoError, RepoResult};
use latchkey_store::Store;
use std::collections::BTreeMap;

/// Installs the shipped chains and rules when the database has no authentication
/// configuration yet. Returns true when it did.
pub async fn ensure_auth_config(store: &Store) -> RepoResult<bool> {
    ensure_question_sets(store).await?;
    if store.auth_config_version().await? > 0 || !store.chains().await?.is_empty() {
        return Ok(false);
    }
    store
        .replace_auth_config(&builtin::all(), &builtin::rules(), true)
        .await?;
    tracing::info!("installed the shipped authentication chains and rules");
    Ok(true)
}

/// Installs the shipped question set when the database has none (a deleted `STANDARD` stays
/// deleted as long as another set exists). Returns true when it did.
pub async fn ensure_question_sets(store: &Store) -> RepoResult<bool> {
    if !store.question_catalogue().await?.sets().is_empty() {
        return Ok(false);
    }
    let set = standard_questions()?;
    let installed = store
        .install_question_sets(&[set], time::OffsetDateTime::now_utc())
        .await?;
    if installed {
        tracing::info!("installed the shipped security question set STANDARD");
    }
    Ok(installed)
}

/// The shipped questions: id, English, French. Chosen so the answer is stable over a life, not
/// found on a social-network profile, and has more than a handful of likely values (no
/// favourite colour, no mother's maiden name).
const STANDARD: [(&str, &str, &str); 12] = [
    (
        "first_pet",
        "What was the name of your first pet?",
        "Quel était le nom de votre premier animal de compagnie ?",
    ),
    (
        "childhood_street",
        "On which street did you live as a child?",
        "Dans quelle rue habitiez-vous enfant ?",
    ),
    (
        "first_school",
        "What was the name of your first school?",
        "Comment s'appelait votre première école ?",
    ),
    (
        "childhood_friend",
        "What was the first name of your best friend as a child?",
        "Quel était le prénom de votre meilleur ami d'enfance ?",
    ),
    (
        "parents_met",
        "In which town or city did your parents meet?",
        "Dans quelle ville vos parents se sont-ils rencontrés ?",
    ),
    (
        "first_job",
        "What was your first paid job?",
        "Quel a été votre premier emploi rémunéré ?",
    ),
    (
        "first_concert",
        "Who performed at the first concert you went to?",
        "Qui jouait au premier concert auquel vous avez assisté ?",
    ),
    (
        "favourite_teacher",
        "What was the surname of your favourite teacher?",
        "Quel était le nom de famille de votre enseignant préféré ?",
    ),
    (
        "first_car",
        "What was the make and model of your first car?",
        "Quels étaient la marque et le modèle de votre première voiture ?",
    ),
    (
        "grandparents_town",
        "In which town did your grandparents live?",
        "Dans quelle ville vivaient vos grands-parents ?",
    ),
    (
        "first_book",
        "What was the title of the first book you loved?",
        "Quel est le titre du premier livre que vous avez aimé ?",
    ),
    (
        "childhood_nickname",
        "What was your nickname as a child?",
        "Quel était votre surnom d'enfance ?",
    ),
];

/// The shipped set `STANDARD`: twelve questions in English and French; people enrol three to
/// six answers and are asked two at login.
pub fn standard_questions() -> RepoResult<QuestionSet> {
    let invalid = |e: latchkey_core::ids::NameError| RepoError::Database(e.to_string());
    let questions = STANDARD
        .iter()
        .map(|(id, en, fr)| {
            Ok(Question {
                id: QuestionId::new(id).map_err(invalid)?,
                text: (*en).to_owned(),
                translations: BTreeMap::from([("fr".to_owned(), (*fr).to_owned())]),
            })
        })
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(QuestionSet {
        id: SetId::new("STANDARD").map_err(invalid)?,
        name: "Security questions".into(),
        kind: SetKind::Predefined { questions },
        min_answers: 3,
        max_answers: 6,
        ask: 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_set_is_a_valid_catalogue() {
        let set = standard_questions().unwrap();
        let catalogue = latchkey_core::questions::Catalogue::new(vec![set]);
        assert!(catalogue.is_ok(), "{catalogue:?}");
    }
}
