use super::*;

fn predefined(
    id: &str,
    questions: Vec<Question>,
    min: usize,
    max: usize,
    ask: usize,
) -> QuestionSet {
    QuestionSet {
        id: set_id(id),
        name: format!("{id} set"),
        kind: SetKind::Predefined { questions },
        min_answers: min,
        max_answers: max,
        ask,
    }
}

#[test]
fn questions_are_shown_in_the_best_language_available() {
    let c = catalogue();
    let pet = std_key("pet");
    assert_eq!(c.prompt(&pet, "fr"), Some("Nom de votre premier animal ?"));
    assert_eq!(
        c.prompt(&pet, "FR-ca"),
        Some("Nom de votre premier animal ?")
    );
    assert_eq!(c.prompt(&pet, "de"), Some("Name of your first pet?"));
    let own = own_key("What did grandma call me?");
    assert_eq!(c.prompt(&own, "fr"), Some("What did grandma call me?"));
    assert_eq!(c.prompt(&std_key("gone"), "en"), None);
}

#[test]
fn removed_questions_and_mismatched_kinds_are_not_live() {
    let c = catalogue();
    assert!(c.is_live(&std_key("pet")));
    assert!(c.is_live(&own_key("anything at all")));
    assert!(!c.is_live(&std_key("gone")));
    let wrong_kind = QuestionKey {
        set: set_id("USER"),
        question: QuestionRef::Predefined(qid("pet")),
    };
    assert!(!c.is_live(&wrong_kind));
    let no_set = QuestionKey {
        set: set_id("OTHER"),
        question: QuestionRef::Own("x".into()),
    };
    assert!(!c.is_live(&no_set));
}

#[test]
fn bad_catalogues_are_refused_with_the_set_named() {
    let q = || vec![question("a", "A?"), question("b", "B?")];
    assert_eq!(
        Catalogue::new(vec![
            predefined("S", q(), 1, 2, 1),
            predefined("S", q(), 1, 2, 1)
        ]),
        Err(CatalogueError::DuplicateSet("S".into()))
    );
    assert_eq!(
        Catalogue::new(vec![predefined("S", q(), 3, 3, 1)]),
        Err(CatalogueError::TooFewQuestions {
            set: "S".into(),
            min: 3,
            available: 2
        })
    );
    for (min, max, ask) in [(2, 1, 1), (0, 0, 0), (1, 2, 3), (1, 21, 1)] {
        assert_eq!(
            Catalogue::new(vec![predefined("S", q(), min, max, ask)]),
            Err(CatalogueError::Bounds { set: "S".into() }),
            "{min} {max} {ask}"
        );
    }
    let dup = vec![question("a", "A?"), question("a", "Again?")];
    assert!(matches!(
        Catalogue::new(vec![predefined("S", dup, 1, 2, 1)]),
        Err(CatalogueError::DuplicateQuestion { .. })
    ));
    let mut blank = question("a", "A?");
    blank.translations.insert("fr".into(), "  ".into());
    assert!(matches!(
        Catalogue::new(vec![predefined("S", vec![blank], 1, 1, 1)]),
        Err(CatalogueError::BadText { .. })
    ));
    let mut bad_tag = question("a", "A?");
    bad_tag.translations.insert("fr_FR".into(), "Q ?".into());
    assert!(Catalogue::new(vec![predefined("S", vec![bad_tag], 1, 1, 1)]).is_err());
    let mut unnamed = predefined("S", q(), 1, 2, 1);
    unnamed.name = " ".into();
    assert_eq!(
        Catalogue::new(vec![unnamed]),
        Err(CatalogueError::NoName("S".into()))
    );
}

#[test]
fn catalogue_round_trips_through_serde_and_is_validated_on_the_way_in() {
    let c = catalogue();
    let json = serde_json::to_string(&c).unwrap();
    let back: Catalogue = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    let mut sets: Vec<QuestionSet> = c.into();
    let dup = sets[0].clone();
    sets.push(dup);
    let json = serde_json::to_string(&sets).unwrap();
    assert!(serde_json::from_str::<Catalogue>(&json).is_err());
}
