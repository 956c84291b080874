use super::*;

fn problems(inputs: &[AnswerInput]) -> Vec<EnrolProblem> {
    let mut h = TestHasher::new();
    match enrol(
        inputs,
        &catalogue(),
        &EnrolmentRules::default(),
        &login(),
        &mut h,
    ) {
        Err(EnrolError::Invalid(p)) => {
            assert_eq!(h.hashed, 0, "nothing is hashed when the form has problems");
            p
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

fn with(mut inputs: Vec<AnswerInput>, extra: AnswerInput) -> Vec<AnswerInput> {
    inputs.push(extra);
    inputs
}

#[test]
fn a_valid_enrolment_stores_only_hashes_of_normalised_answers() {
    let mut h = TestHasher::new();
    let e = alice(&mut h);
    assert_eq!(h.hashed, 6);
    assert_eq!(e.answers.len(), 6);
    assert_eq!(e.answers[0].key, std_key("pet"));
    assert_eq!(e.answers[5].key, own_key("What did grandma call me?"));
    let json = serde_json::to_string(&e).unwrap();
    for clear in [
        "Fluffy",
        "fluffy",
        "Lisbon",
        "lisbon",
        "Little Bean",
        "little bean",
    ] {
        assert!(!json.contains(clear), "{clear} leaked into {json}");
    }
    // The hash is of the normalised answer: another spelling of the same words verifies.
    let v = h
        .verify(&normalise("  FLUFFY\t"), &e.answers[0].stored_hash)
        .unwrap();
    assert!(v.matches);
    assert!(
        !h.verify(&normalise("Fluffy2"), &e.answers[0].stored_hash)
            .unwrap()
            .matches
    );
    assert!(!format!("{:?}", e.answers[0].stored_hash).contains(e.answers[0].stored_hash.as_str()));
}

#[test]
fn own_questions_are_stored_cleaned() {
    let inputs = with(
        alice_inputs()[..5].to_vec(),
        own_input("  Where   did we\tmeet? ", "the old harbour"),
    );
    let mut h = TestHasher::new();
    let e = enrol(
        &inputs,
        &catalogue(),
        &EnrolmentRules::default(),
        &login(),
        &mut h,
    )
    .unwrap();
    assert_eq!(e.answers[5].key, own_key("Where did we meet?"));
}

#[test]
fn each_set_needs_its_minimum_and_respects_its_maximum() {
    let few = vec![
        std_input("pet", "Fluffy"),
        std_input("school", "Hillside"),
        own_input("What did grandma call me?", "Little Bean"),
    ];
    assert_eq!(
        problems(&few),
        vec![EnrolProblem::TooFew {
            set: set_id("STANDARD"),
            min: 3,
            got: 2
        }]
    );
    let mut many = alice_inputs();
    many.push(own_input("Second own question?", "answer two"));
    many.push(own_input("Third own question?", "answer three"));
    many.push(own_input("Fourth own question?", "answer four"));
    assert_eq!(
        problems(&many),
        vec![EnrolProblem::TooMany {
            set: set_id("USER"),
            max: 3,
            got: 4
        }]
    );
}

#[test]
fn answer_length_is_counted_after_normalisation() {
    let mut inputs = alice_inputs();
    inputs[0] = std_input("pet", "  a \t\u{200B} ");
    inputs[1] = std_input("school", &"x".repeat(129));
    assert_eq!(
        problems(&inputs),
        vec![
            EnrolProblem::AnswerLength {
                index: 0,
                min: 3,
                max: 128
            },
            EnrolProblem::AnswerLength {
                index: 1,
                min: 3,
                max: 128
            },
        ]
    );
    // Exactly at the bounds is fine ("a b" is three characters once normalised).
    let mut ok = alice_inputs();
    ok[0] = std_input("pet", "  A \t B ");
    ok[1] = std_input("school", &"x".repeat(128));
    let mut h = TestHasher::new();
    assert!(
        enrol(
            &ok,
            &catalogue(),
            &EnrolmentRules::default(),
            &login(),
            &mut h
        )
        .is_ok()
    );
}

#[test]
fn answers_may_not_repeat_the_question_in_any_language() {
    let mut inputs = alice_inputs();
    inputs[0] = std_input("pet", "NAME OF YOUR  FIRST PET?");
    inputs[1] = std_input("teacher", "Favourite teacher?");
    inputs[2] = std_input("school", "your first school?");
    assert_eq!(
        problems(&inputs),
        vec![
            EnrolProblem::AnswerRepeatsQuestion { index: 0 },
            EnrolProblem::AnswerRepeatsQuestion { index: 1 },
            EnrolProblem::AnswerRepeatsQuestion { index: 2 },
        ]
    );
    let mut fr = alice_inputs();
    fr[0] = std_input("pet", "nom de votre premier animal ?");
    assert_eq!(
        problems(&fr),
        vec![EnrolProblem::AnswerRepeatsQuestion { index: 0 }]
    );
    let mut own = alice_inputs();
    own[5] = own_input("What did grandma call me?", "what did Grandma call me?");
    assert_eq!(
        problems(&own),
        vec![EnrolProblem::AnswerRepeatsQuestion { index: 5 }]
    );
}

#[test]
fn answers_may_not_be_the_login_id() {
    let mut inputs = alice_inputs();
    inputs[3] = std_input("city", " ALICE ");
    assert_eq!(
        problems(&inputs),
        vec![EnrolProblem::AnswerIsLoginId { index: 3 }]
    );
}

#[test]
fn answers_must_differ_from_each_other() {
    let mut inputs = alice_inputs();
    inputs[4] = std_input("car", "  fluffy");
    inputs[5] = own_input("What did grandma call me?", "ＦＬＵＦＦＹ");
    assert_eq!(
        problems(&inputs),
        vec![
            EnrolProblem::SameAnswer { index: 4, other: 0 },
            EnrolProblem::SameAnswer { index: 5, other: 0 },
        ]
    );
}

#[test]
fn a_question_may_be_answered_only_once() {
    let dup_std = with(alice_inputs(), std_input("pet", "Rex the dog"));
    assert_eq!(
        problems(&dup_std),
        vec![EnrolProblem::DuplicateQuestion { index: 6 }]
    );
    let dup_own = with(
        alice_inputs(),
        own_input("  WHAT did grandma call me? ", "Pumpkin"),
    );
    assert_eq!(
        problems(&dup_own),
        vec![EnrolProblem::DuplicateQuestion { index: 6 }]
    );
}

#[test]
fn unknown_sets_questions_and_kinds_are_refused() {
    let mut inputs = alice_inputs();
    inputs.push(AnswerInput {
        set: set_id("NOPE"),
        question: QuestionRef::Own("Some question here?".into()),
        answer: Password::new("whatever"),
    });
    inputs.push(std_input("gone", "whatever two"));
    inputs.push(AnswerInput {
        set: set_id("STANDARD"),
        question: QuestionRef::Own("Written into a fixed set?".into()),
        answer: Password::new("whatever three"),
    });
    inputs.push(AnswerInput {
        set: set_id("USER"),
        question: QuestionRef::Predefined(qid("pet")),
        answer: Password::new("whatever four"),
    });
    assert_eq!(
        problems(&inputs),
        vec![
            EnrolProblem::UnknownSet { index: 6 },
            EnrolProblem::UnknownQuestion { index: 7 },
            EnrolProblem::UnknownQuestion { index: 8 },
            EnrolProblem::UnknownQuestion { index: 9 },
            // The form did put seven answers in STANDARD.
            EnrolProblem::TooMany {
                set: set_id("STANDARD"),
                max: 6,
                got: 7
            },
        ]
    );
}

#[test]
fn own_questions_have_length_limits() {
    let mut inputs = alice_inputs();
    inputs[5] = own_input("  Why?  ", "because");
    assert_eq!(
        problems(&inputs),
        vec![EnrolProblem::QuestionLength {
            index: 5,
            min: 8,
            max: 200
        }]
    );
}

#[test]
fn every_problem_is_reported_at_once_without_answer_text() {
    let inputs = vec![
        std_input("pet", "zz"),
        std_input("pet", "alice"),
        own_input("Short?", "Secret Words"),
    ];
    let p = problems(&inputs);
    assert_eq!(p.len(), 5, "{p:?}");
    let text: String = p
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!text.to_lowercase().contains("secret words"));
    assert!(!text.contains("zz"));
}

#[test]
fn rehash_replaces_only_the_given_records() {
    let mut h = TestHasher::new();
    let mut e = alice(&mut h);
    let before = e.clone();
    let fresh = EnrolledAnswer {
        key: std_key("city"),
        stored_hash: h.hash(&normalise("Lisbon")).unwrap(),
    };
    let unknown = EnrolledAnswer {
        key: std_key("teacher"),
        stored_hash: StoredHash::from_stored("$x$".into()),
    };
    e.apply_rehash(vec![fresh.clone(), unknown]);
    assert_eq!(e.answers.len(), before.answers.len());
    assert_eq!(e.answer(&std_key("city")), Some(&fresh));
    assert_ne!(e.answer(&std_key("city")), before.answer(&std_key("city")));
    assert_eq!(e.answer(&std_key("pet")), before.answer(&std_key("pet")));
}
