//! Security questions at the login page (`response`, the SECURITY_QUESTIONS chain).

use crate::client::{Browser, Page};
use crate::on_both;
use latchkey_core::answer_hash::{self, HashCosts, Scheme};
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::profile::Profile;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerInput, EnrolledAnswer, Enrolment, EnrolmentRules, QuestionId, QuestionKey, QuestionRef,
    SetId, StoredAnswerHasher, StoredHash, enrol, normalise,
};
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::{AuditRepo, CounterRepo, ProfileRepo, SettingsRepo, UserStatRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::SettingRow;
use latchkey_core::userstat::UserStatTag;
use latchkey_server::login::GENERIC_FAILURE;
use latchkey_testkit::TestServer;
use time::OffsetDateTime;

/// Six enrolled answers (the shipped set asks two of them).
pub(crate) const ANSWERS: [(&str, &str); 6] = [
    ("first_pet", "Rex the dog"),
    ("first_school", "Jules Ferry"),
    ("first_car", "Renault 5"),
    ("first_job", "Paper round"),
    ("first_book", "Treasure Island"),
    ("childhood_nickname", "Bean"),
];

pub(crate) fn answer_to(question: &str) -> &'static str {
    ANSWERS
        .iter()
        .find(|(q, _)| *q == question)
        .map(|(_, a)| *a)
        .unwrap()
}

fn key(question: &str) -> QuestionKey {
    QuestionKey {
        set: SetId::new("STANDARD").unwrap(),
        question: QuestionRef::Predefined(QuestionId::new(question).unwrap()),
    }
}

/// A shipped question's text in `lang`.
fn text(question: &str, lang: &str) -> &'static str {
    static SET: std::sync::LazyLock<latchkey_core::questions::QuestionSet> =
        std::sync::LazyLock::new(|| latchkey_server::bootstrap::standard_questions().unwrap());
    SET.question(&QuestionId::new(question).unwrap())
        .unwrap()
        .text_for(lang)
}

/// The page's text with HTML's escaped apostrophes put back.
fn unescaped(page: &Page) -> String {
    page.body.replace("&#39;", "'").replace("&#x27;", "'")
}

pub(crate) async fn max_failures(server: &TestServer, n: u32) {
    let rows = vec![SettingRow {
        namespace: "AUTH".into(),
        setting: "MAX_USERAUTH_FAILURE".into(),
        value: n.to_string(),
    }];
    server
        .store
        .replace_setting("AUTH", "MAX_USERAUTH_FAILURE", &rows)
        .await
        .unwrap();
}

/// A user with the first `count` answers enrolled (Argon2id at the server's cost) and PSQDONE.
pub(crate) async fn enrolled(server: &TestServer, login: &str, count: usize) -> Profile {
    let p = server.add_user(login, "a long password").await.unwrap();
    let catalogue = server.store.question_catalogue().await.unwrap();
    let inputs: Vec<AnswerInput> = ANSWERS[..count]
        .iter()
        .map(|(q, a)| AnswerInput {
            set: SetId::new("STANDARD").unwrap(),
            question: QuestionRef::Predefined(QuestionId::new(q).unwrap()),
            answer: Password::new(*a),
        })
        .collect();
    let mut rng = SeededRandom::new(7);
    let mut hasher = StoredAnswerHasher {
        params: server.state.directory.params(),
        rng: &mut rng,
    };
    let rules = EnrolmentRules::default();
    let e = enrol(&inputs, &catalogue, &rules, &p.login_id, &mut hasher).unwrap();
    save(server, &p, &e).await;
    p
}

async fn save(server: &TestServer, p: &Profile, e: &Enrolment) {
    let now = OffsetDateTime::now_utc();
    server.store.save_enrolment(p.id, e, now).await.unwrap();
    server
        .store
        .set_userstat(p.id, &UserStatTag::PsqDone, "1", now)
        .await
        .unwrap();
}

/// Identification, then SECURITY_QUESTIONS from the chain menu: the questions page.
async fn questions_page(b: &mut Browser, login: &str, query: &str) -> Page {
    let first = b.get(&format!("/login{query}")).await;
    let menu = b.step(&first, &[("user", login)]).await;
    // `?LANG=fr` puts the page texts in French too.
    let (choose, answer) = if query.contains("LANG=fr") {
        (
            "Choisissez comment vous connecter",
            "Répondez à vos questions de sécurité",
        )
    } else {
        ("Choose how to sign in", "Answer your security questions")
    };
    assert!(menu.body.contains(choose), "{}", menu.body);
    assert!(menu.body.contains("value=\"SECURITY_QUESTIONS\""));
    let page = b.step(&menu, &[("chain", "SECURITY_QUESTIONS")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(answer), "{}", page.body);
    page
}

/// The question ids asked on a page, in order.
pub(crate) fn asked(page: &Page) -> Vec<String> {
    let marker = "name=\"answer.STANDARD.";
    page.body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &page.body[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Posts `answers` (question id, answer) on the questions page.
async fn post(b: &mut Browser, page: &Page, answers: &[(String, String)]) -> Page {
    let named: Vec<(String, &str)> = answers
        .iter()
        .map(|(q, a)| (format!("answer.STANDARD.{q}"), a.as_str()))
        .collect();
    let fields: Vec<(&str, &str)> = named.iter().map(|(n, a)| (n.as_str(), *a)).collect();
    b.step(page, &fields).await
}

pub(crate) fn right(questions: &[String]) -> Vec<(String, String)> {
    questions
        .iter()
        .map(|q| (q.clone(), answer_to(q).to_uppercase()))
        .collect()
}

/// The body without the per-request CSRF token and flow version.
fn shape(page: &Page) -> String {
    let mut body = page.body.clone();
    for name in ["csrf", "version"] {
        if let Some(v) = page.hidden(name) {
            body = body.replace(&v, "…");
        }
    }
    body
}

on_both!(right_answers_sign_in_and_a_wrong_one_fails, |server| {
    enrolled(&server, "quinn", 3).await;
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "quinn", "").await;
    let questions = asked(&page);
    assert_eq!(questions.len(), 2, "{}", page.body);
    for q in &questions {
        assert!(unescaped(&page).contains(text(q, "")), "{q}: {}", page.body);
    }
    // Case and spacing do not matter.
    let done = post(&mut b, &page, &right(&questions)).await;
    assert_eq!(done.status, 303, "{}", done.body);

    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "quinn", "").await;
    let mut answers = right(&asked(&page));
    answers[1].1 = "not this".into();
    let denied = post(&mut b, &page, &answers).await;
    assert_eq!(denied.status, 401);
    assert!(denied.body.contains(GENERIC_FAILURE));
});

on_both!(
    starting_again_within_the_hour_asks_the_same_questions,
    |server| {
        enrolled(&server, "rita", 6).await;
        let first = asked(&questions_page(&mut Browser::new(&server.url), "rita", "").await);
        for _ in 0..3 {
            let again = asked(&questions_page(&mut Browser::new(&server.url), "rita", "").await);
            assert_eq!(again, first, "an abandoned login must not re-draw");
        }
        // In French, the same questions with their French text.
        let mut b = Browser::new(&server.url);
        let page = questions_page(&mut b, "rita", "?LANG=fr").await;
        assert_eq!(asked(&page), first);
        for q in &first {
            assert!(
                unescaped(&page).contains(text(q, "fr")),
                "{q}: {}",
                page.body
            );
            assert!(!page.body.contains(text(q, "")));
        }
    }
);

on_both!(an_answer_to_a_question_not_asked_fails, |server| {
    enrolled(&server, "sid", 6).await;
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "sid", "").await;
    let questions = asked(&page);
    let unasked = ANSWERS
        .iter()
        .map(|(q, _)| (*q).to_owned())
        .find(|q| !questions.contains(q))
        .unwrap();
    // Every asked question right, plus a right answer nobody asked for.
    let mut answers = right(&questions);
    answers.push((unasked.clone(), answer_to(&unasked).into()));
    let denied = post(&mut b, &page, &answers).await;
    assert_eq!(denied.status, 401, "{}", denied.body);

    // Answering an unasked question instead of an asked one fails too.
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "sid", "").await;
    let mut answers = right(&asked(&page));
    answers[0] = (unasked.clone(), answer_to(&unasked).into());
    assert_eq!(post(&mut b, &page, &answers).await.status, 401);
    let audit = server.store.recent_audit(50).await.unwrap();
    assert!(audit.iter().any(|e| e.detail.contains("not asked")));
});

on_both!(lockout_counts_question_failures_exactly, |server| {
    const PARALLEL: usize = 12;
    let max = 2u32;
    max_failures(&server, max).await;
    let p = enrolled(&server, "tess", 3).await;
    let key = LockoutPolicy::counter_key(p.id);

    // One failure, then a success, which resets the counter.
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "tess", "").await;
    let wrong: Vec<_> = asked(&page)
        .into_iter()
        .map(|q| (q, "nope".to_owned()))
        .collect();
    assert_eq!(post(&mut b, &page, &wrong).await.status, 401);
    assert_eq!(server.store.counter(&key).await.unwrap(), 1);
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "tess", "").await;
    assert_eq!(post(&mut b, &page, &right(&asked(&page))).await.status, 303);
    assert_eq!(server.store.counter(&key).await.unwrap(), 0);

    // Parallel wrong answers: max + 1 are evaluated, the last of them locks.
    let mut ready = Vec::new();
    for _ in 0..PARALLEL {
        let mut b = Browser::new(&server.url);
        let page = questions_page(&mut b, "tess", "").await;
        ready.push((b, page));
    }
    let handles: Vec<_> = ready
        .into_iter()
        .map(|(mut b, page)| {
            let wrong: Vec<_> = asked(&page)
                .into_iter()
                .map(|q| (q, "nope".to_owned()))
                .collect();
            tokio::spawn(async move { post(&mut b, &page, &wrong).await.status })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap(), 401);
    }
    assert_eq!(
        server.store.counter(&key).await.unwrap(),
        u64::from(max) + 1
    );
    assert!(
        server
            .store
            .profile_by_id(p.id)
            .await
            .unwrap()
            .unwrap()
            .locked
    );
    let audit = server.store.recent_audit(1000).await.unwrap();
    let with = |reason: &str| {
        audit
            .iter()
            .filter(|e| e.action == "login.failure" && e.detail.contains(reason))
            .count()
    };
    assert_eq!(
        with("wrong answer"),
        1 + max as usize + 1,
        "evaluated attempts"
    );
    assert_eq!(with("locked out"), PARALLEL - max as usize - 1);

    // Locked: even the right answers are refused.
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "tess", "").await;
    assert_eq!(post(&mut b, &page, &right(&asked(&page))).await.status, 401);
});

on_both!(pages_have_the_same_shape_whatever_the_answers, |server| {
    enrolled(&server, "uma", 3).await;
    let mut b = Browser::new(&server.url);
    let page = questions_page(&mut b, "uma", "").await;
    let questions = asked(&page);
    let mut first_wrong = right(&questions);
    first_wrong[0].1 = "wrong one".into();
    let one = post(&mut b, &page, &first_wrong).await;

    // The retry shows the same questions page: same status, same fields.
    let retry = questions_page(&mut b, "uma", "").await;
    assert_eq!(
        (retry.status, asked(&retry)),
        (page.status, questions.clone())
    );
    let mut second_wrong = right(&questions);
    second_wrong[1].1 = "wrong two".into();
    let two = post(&mut b, &retry, &second_wrong).await;
    assert_eq!((one.status, shape(&one)), (two.status, shape(&two)));

    // Someone offered the questions without answers (PSQDONE set, enrolment gone) gets decoy
    // questions of the same shape, and the same failure.
    let ghost = enrolled(&server, "vic", 3).await;
    server.store.forget_questions(ghost.id).await.unwrap();
    let mut g = Browser::new(&server.url);
    let decoy = questions_page(&mut g, "vic", "").await;
    assert_eq!(decoy.status, page.status);
    assert_eq!(asked(&decoy).len(), questions.len(), "{}", decoy.body);
    let again = asked(&questions_page(&mut Browser::new(&server.url), "vic", "").await);
    assert_eq!(
        again,
        asked(&decoy),
        "decoy questions are persisted like real ones"
    );
    let guesses: Vec<_> = right(&questions)
        .into_iter()
        .zip(asked(&decoy))
        .map(|((_, a), q)| (q, a))
        .collect();
    let denied = post(&mut g, &decoy, &guesses).await;
    assert_eq!(denied.status, one.status);
    assert_eq!(shape(&denied), shape(&one).replace("uma", "vic"));
    assert_eq!(
        server
            .store
            .counter(&LockoutPolicy::counter_key(ghost.id))
            .await
            .unwrap(),
        1,
        "a decoy failure counts like a real one"
    );
});

on_both!(
    answers_stored_with_pbkdf2_are_upgraded_after_a_login,
    |server| {
        let p = server.add_user("wes", "a long password").await.unwrap();
        let cheap = HashCosts {
            pbkdf2_sha256_iterations: 1000,
            ..HashCosts::default()
        };
        let mut rng = SeededRandom::new(11);
        let enrolment = Enrolment {
            answers: ANSWERS[..3]
                .iter()
                .map(|(q, a)| {
                    let normalised = normalise(a);
                    let h = answer_hash::hash(
                        normalised.as_password(),
                        Scheme::Pbkdf2Sha256,
                        &cheap,
                        &mut rng,
                    )
                    .unwrap();
                    EnrolledAnswer {
                        key: key(q),
                        stored_hash: StoredHash::from_stored(h.as_str().to_owned()),
                    }
                })
                .collect(),
        };
        save(&server, &p, &enrolment).await;
        let mut b = Browser::new(&server.url);
        let page = questions_page(&mut b, "wes", "").await;
        let questions = asked(&page);
        assert_eq!(post(&mut b, &page, &right(&questions)).await.status, 303);
        let stored = server.store.enrolment(p.id).await.unwrap().unwrap();
        assert_eq!(stored.version, 2);
        for a in &stored.enrolment.answers {
            let QuestionRef::Predefined(id) = &a.key.question else {
                unreachable!()
            };
            let upgraded = a.stored_hash.as_str().starts_with("$argon2id$");
            assert_eq!(upgraded, questions.contains(&id.to_string()), "{id}");
            if upgraded {
                let current = server.state.directory.params();
                let check = answer_hash::verify(
                    normalise(answer_to(id.as_str())).as_password(),
                    a.stored_hash.as_str(),
                    &current,
                )
                .unwrap();
                assert!(check.matches && !check.needs_rehash);
            }
        }
    }
);
