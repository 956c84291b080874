//! Security questions: sets, enrolments and samples round trip; a sample is first-writer-wins
//! and a re-hash is compare-and-set, under concurrency.

use crate::common::{now, on_both, profile};
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    EnrolledAnswer, Enrolment, Question, QuestionId, QuestionKey, QuestionRef, QuestionSet, Sample,
    SetId, SetKind, StoredHash,
};
use latchkey_core::repo::{ProfileRepo, RepoError};
use std::collections::BTreeMap;
use std::sync::Arc;
use time::Duration;

const WRITERS: usize = 50;

fn set(id: &str, questions: &[&str]) -> QuestionSet {
    QuestionSet {
        id: SetId::new(id).unwrap(),
        name: format!("Set {id}"),
        kind: SetKind::Predefined {
            questions: questions
                .iter()
                .map(|q| Question {
                    id: QuestionId::new(q).unwrap(),
                    text: format!("What is your {q}?"),
                    translations: BTreeMap::from([("fr".into(), format!("Quel est votre {q} ?"))]),
                })
                .collect(),
        },
        min_answers: 1,
        max_answers: questions.len(),
        ask: 1,
    }
}

fn key(set: &str, question: &str) -> QuestionKey {
    QuestionKey {
        set: SetId::new(set).unwrap(),
        question: QuestionRef::Predefined(QuestionId::new(question).unwrap()),
    }
}

fn enrolment(hashes: &[(&str, &str)]) -> Enrolment {
    Enrolment {
        answers: hashes
            .iter()
            .map(|(q, h)| EnrolledAnswer {
                key: key("STANDARD", q),
                stored_hash: StoredHash::from_stored((*h).to_owned()),
            })
            .collect(),
    }
}

fn sample(questions: &[&str], drawn_at: time::OffsetDateTime) -> Sample {
    Sample {
        questions: questions.iter().map(|q| key("STANDARD", q)).collect(),
        drawn_at,
    }
}

on_both!(question_sets_install_once_and_keep_their_order, |store| {
    assert!(store.question_catalogue().await.unwrap().sets().is_empty());
    let sets = [set("STANDARD", &["pet", "school"]), set("WORK", &["badge"])];
    assert!(store.install_question_sets(&sets, now()).await.unwrap());
    assert!(
        !store
            .install_question_sets(&sets[..1], now())
            .await
            .unwrap(),
        "a second install changes nothing"
    );
    let catalogue = store.question_catalogue().await.unwrap();
    assert_eq!(catalogue.sets(), &sets);

    // Replacing keeps the place; a new set goes last.
    let mut reworded = sets[0].clone();
    reworded.name = "Reworded".into();
    store.save_question_set(&reworded, now()).await.unwrap();
    store
        .save_question_set(&set("EXTRA", &["city"]), now())
        .await
        .unwrap();
    let ids: Vec<String> = store
        .question_catalogue()
        .await
        .unwrap()
        .sets()
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(ids, ["STANDARD", "WORK", "EXTRA"]);
    assert_eq!(
        store.question_catalogue().await.unwrap().sets()[0].name,
        "Reworded"
    );
    assert!(
        store
            .delete_question_set(&SetId::new("WORK").unwrap())
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_question_set(&SetId::new("WORK").unwrap())
            .await
            .unwrap()
    );
    assert_eq!(store.question_catalogue().await.unwrap().sets().len(), 2);
});

on_both!(concurrent_installs_store_the_sets_once, |store| {
    let store = Arc::new(store.clone());
    let sets = Arc::new(vec![set("STANDARD", &["pet"]), set("WORK", &["badge"])]);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (s, sets) = (store.clone(), sets.clone());
            tokio::spawn(async move { s.install_question_sets(&sets, now()).await.unwrap() })
        })
        .collect();
    let mut installed = 0;
    for h in handles {
        installed += usize::from(h.await.unwrap());
    }
    assert!(installed >= 1);
    assert_eq!(store.question_catalogue().await.unwrap().sets(), &sets[..]);
});

on_both!(
    enrolments_round_trip_and_rehash_is_compare_and_set,
    |store| {
        let p = profile("quinn", None);
        store.create_profile(&p, None).await.unwrap();
        assert_eq!(store.enrolment(p.id).await.unwrap(), None);

        let first = enrolment(&[
            ("pet", "$argon2id$old-pet"),
            ("school", "$argon2id$old-school"),
        ]);
        let at = now();
        store.save_enrolment(p.id, &first, at).await.unwrap();
        let stored = store.enrolment(p.id).await.unwrap().unwrap();
        assert_eq!(stored.enrolment, first);
        assert_eq!(stored.version, 1);
        assert_eq!(stored.enrolled_at, at);

        let mut rehashed = first.clone();
        rehashed.apply_rehash(enrolment(&[("pet", "$argon2id$new-pet")]).answers);
        assert!(
            store
                .rehash_enrolment(p.id, 1, &rehashed, now())
                .await
                .unwrap()
        );
        let stored = store.enrolment(p.id).await.unwrap().unwrap();
        assert_eq!(stored.enrolment, rehashed);
        assert_eq!(stored.version, 2);
        assert_eq!(stored.enrolled_at, at, "a re-hash is not a new enrolment");

        // A re-enrolment in between wins over a late re-hash.
        let second = enrolment(&[("school", "$argon2id$re-enrolled")]);
        store
            .save_enrolment(p.id, &second, now() + Duration::seconds(1))
            .await
            .unwrap();
        assert!(
            !store
                .rehash_enrolment(p.id, 2, &rehashed, now())
                .await
                .unwrap()
        );
        let stored = store.enrolment(p.id).await.unwrap().unwrap();
        assert_eq!(stored.enrolment, second);
        assert_eq!(stored.version, 3);

        let ghost = profile("ghost", None);
        assert!(matches!(
            store.save_enrolment(ghost.id, &first, now()).await,
            Err(RepoError::NotFound(_))
        ));
        assert!(
            !store
                .rehash_enrolment(ghost.id, 1, &first, now())
                .await
                .unwrap()
        );
    }
);

on_both!(a_sample_is_first_writer_wins, |store| {
    let p = profile("sam", None);
    store.create_profile(&p, None).await.unwrap();
    assert_eq!(store.question_sample(p.id).await.unwrap(), None);
    let store = Arc::new(store.clone());
    let base = now();

    // 50 logins that all found no sample and each drew its own: exactly one draw is kept.
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let s = store.clone();
            let mine = sample(&[&format!("q{i}")], base + Duration::milliseconds(i as i64));
            tokio::spawn(async move {
                let won = s.offer_sample(p.id, &mine, None).await.unwrap();
                (won, mine)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        let (won, mine) = h.await.unwrap();
        if won {
            winners.push(mine);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    let stored = store.question_sample(p.id).await.unwrap().unwrap();
    assert_eq!(stored.sample, winners[0]);
    assert_eq!(stored.version, 1);

    // 50 logins that all found the same stale sample and each drew anew: one replaces it.
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let s = store.clone();
            let mine = sample(&["new", &format!("r{i}")], base + Duration::hours(2));
            tokio::spawn(async move {
                let won = s.offer_sample(p.id, &mine, Some(1)).await.unwrap();
                (won, mine)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        let (won, mine) = h.await.unwrap();
        if won {
            winners.push(mine);
        }
    }
    assert_eq!(winners.len(), 1);
    let stored = store.question_sample(p.id).await.unwrap().unwrap();
    assert_eq!(stored.sample, winners[0]);
    assert_eq!(stored.version, 2);
    assert!(
        !store
            .offer_sample(p.id, &sample(&["late"], base), Some(1))
            .await
            .unwrap(),
        "a writer that saw an older version loses"
    );
    assert!(
        !store
            .offer_sample(p.id, &sample(&["late"], base), None)
            .await
            .unwrap()
    );
    assert_eq!(store.question_sample(p.id).await.unwrap().unwrap(), stored);
});

on_both!(forgetting_removes_enrolment_and_sample, |store| {
    let p = profile("fay", None);
    let other = profile("gus", None);
    store.create_profile(&p, None).await.unwrap();
    store.create_profile(&other, None).await.unwrap();
    for id in [p.id, other.id] {
        store
            .save_enrolment(id, &enrolment(&[("pet", "$argon2id$x")]), now())
            .await
            .unwrap();
        assert!(
            store
                .offer_sample(id, &sample(&["pet"], now()), None)
                .await
                .unwrap()
        );
    }
    assert!(store.forget_questions(p.id).await.unwrap());
    assert!(!store.forget_questions(p.id).await.unwrap());
    assert_eq!(store.enrolment(p.id).await.unwrap(), None);
    assert_eq!(store.question_sample(p.id).await.unwrap(), None);
    assert!(store.enrolment(other.id).await.unwrap().is_some());
    assert!(store.question_sample(other.id).await.unwrap().is_some());
    // A sample can be offered again after forgetting.
    assert!(
        store
            .offer_sample(p.id, &sample(&["school"], now()), None)
            .await
            .unwrap()
    );
});
