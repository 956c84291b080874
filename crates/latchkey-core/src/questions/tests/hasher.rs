use super::*;
use crate::chain::Resolved;
use crate::random::SeededRandom;

#[test]
fn the_production_hasher_enrols_and_checks_with_argon2id() {
    let mut rng = SeededRandom::new(7);
    let mut h = StoredAnswerHasher {
        params: cheap(64),
        rng: &mut rng,
    };
    let c = catalogue();
    let e = enrol(
        &alice_inputs(),
        &c,
        &EnrolmentRules::default(),
        &login(),
        &mut h,
    )
    .unwrap();
    assert!(
        e.answers
            .iter()
            .all(|a| a.stored_hash.as_str().starts_with("$argon2id$"))
    );
    assert_ne!(e.answers[0].stored_hash, e.answers[1].stored_hash);
    let plan = AskPlan::new(&DrawSettings::parse(&settings(&[])).unwrap(), &c).unwrap();
    let s = Sample {
        questions: vec![
            std_key("pet"),
            std_key("car"),
            own_key("What did grandma call me?"),
        ],
        drawn_at: t0(),
    };
    let out = check(&s, &right_answers(&s), &e, &plan, &h);
    assert_eq!(
        out,
        CheckOutcome {
            resolved: Resolved::Success,
            needs_rehash: vec![]
        }
    );
    let mut wrong = right_answers(&s);
    wrong[1].answer = Password::new("Fiat Uno");
    assert_eq!(
        check(&s, &wrong, &e, &plan, &h).resolved,
        Resolved::Fail(WRONG_ANSWER.into())
    );
}

#[test]
fn imported_answers_verify_once_and_are_then_rehashed() {
    let mut rng = SeededRandom::new(8);
    let mut h = StoredAnswerHasher {
        params: cheap(64),
        rng: &mut rng,
    };
    let c = catalogue();
    // An import from a system that kept normalised answers in the clear.
    let keys = [
        std_key("pet"),
        std_key("school"),
        std_key("city"),
        own_key("What did grandma call me?"),
    ];
    let mut e = Enrolment {
        answers: keys
            .iter()
            .map(|k| EnrolledAnswer {
                key: k.clone(),
                stored_hash: StoredHash::from_stored(format!(
                    "{{PLAIN}}{}",
                    normalise(alice_answer(k)).expose()
                )),
            })
            .collect(),
    };
    let plan = AskPlan::new(
        &DrawSettings::parse(&settings(&[("questions", "set:STANDARD=2,set:USER=1")])).unwrap(),
        &c,
    )
    .unwrap();
    let s = Sample {
        questions: vec![
            std_key("pet"),
            std_key("city"),
            own_key("What did grandma call me?"),
        ],
        drawn_at: t0(),
    };
    let answers = right_answers(&s);
    let out = check(&s, &answers, &e, &plan, &h);
    assert_eq!(out.resolved, Resolved::Success);
    assert_eq!(out.needs_rehash, s.questions);
    e.apply_rehash(fresh_records(&out.needs_rehash, &answers, &mut h).unwrap());
    assert!(
        e.answer(&std_key("pet"))
            .unwrap()
            .stored_hash
            .as_str()
            .starts_with("$argon2id$")
    );
    assert!(
        e.answer(&std_key("school"))
            .unwrap()
            .stored_hash
            .as_str()
            .starts_with("{PLAIN}")
    );
    assert!(check(&s, &answers, &e, &plan, &h).needs_rehash.is_empty());
}

#[test]
fn stored_hashes_print_only_their_scheme() {
    let plain = StoredHash::from_stored("{PLAIN}my$secret$answer".into());
    assert_eq!(format!("{plain:?}"), "StoredHash(PLAIN, [redacted])");
    let phc = StoredHash::from_stored("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA".into());
    assert_eq!(format!("{phc:?}"), "StoredHash(argon2id, [redacted])");
    let bare = StoredHash::from_stored("just the answer".into());
    assert_eq!(format!("{bare:?}"), "StoredHash(?, [redacted])");
    let json = serde_json::to_string(&phc).unwrap();
    assert_eq!(serde_json::from_str::<StoredHash>(&json).unwrap(), phc);
}
