use crate::util::Sandbox;
use latchkey_core::profile::LoginId;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::repo::{ProfileRepo, UserStatRepo};
use latchkey_core::userstat::UserStatTag;

/// (answers stored, PSQDONE value) of `login`.
fn state_of(sb: &Sandbox, login: &str) -> (Option<Vec<String>>, Option<String>) {
    sb.with_store(async |store| {
        let p = store
            .profile_by_login(&LoginId::new(login).unwrap())
            .await
            .unwrap()
            .unwrap();
        let answers = store.enrolment(p.id).await.unwrap().map(|e| {
            e.enrolment
                .answers
                .iter()
                .map(|a| a.stored_hash.as_str().to_owned())
                .collect()
        });
        let psqdone = store
            .userstats(p.id)
            .await
            .unwrap()
            .into_iter()
            .find(|(t, _)| *t == UserStatTag::PsqDone)
            .map(|(_, v)| v);
        (answers, psqdone)
    })
}

fn with_user(login: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.run(&["users", "add", login, "--name", "Someone", "--no-password"])
        .expect_code(0);
    sb
}

#[test]
fn sets_lists_the_shipped_questions() {
    let sb = Sandbox::new();
    let run = sb.run(&["questions", "sets"]).expect_code(0);
    assert!(run.stdout.contains("STANDARD"), "{}", run.stdout);
    assert!(
        run.stdout.contains("STANDARD/first_pet")
            && run.stdout.contains("What was the name of your first pet?"),
        "{}",
        run.stdout
    );
    let fr = sb
        .run(&["questions", "sets", "--lang", "fr"])
        .expect_code(0);
    assert!(
        fr.stdout
            .contains("Quel était le nom de votre premier animal"),
        "{}",
        fr.stdout
    );
}

#[test]
fn bad_answers_are_reported_by_line_and_nothing_is_stored() {
    let sb = with_user("alice.martin");
    let input = "# my answers\n\
                 STANDARD/first_pet=Rx\n\
                 STANDARD/first_school=Alice.Martin\n\
                 STANDARD/first_car=Renault Cinq\n\
                 hunter2-without-equals\n";
    let run = sb
        .run_with_stdin(
            &["questions", "enrol", "alice.martin", "--answers-stdin"],
            input,
        )
        .expect_code(2);
    assert!(
        run.stderr
            .contains("line 2: STANDARD/first_pet: the answer must be"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("line 3: STANDARD/first_school: the answer may not be the login id"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 5: "), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was stored"), "{}", run.stderr);
    for secret in ["Rx", "Alice.Martin", "Renault", "hunter2"] {
        assert!(
            !run.stderr.contains(secret),
            "{secret} echoed: {}",
            run.stderr
        );
        assert!(
            !run.stdout.contains(secret),
            "{secret} echoed: {}",
            run.stdout
        );
    }
    assert_eq!(state_of(&sb, "alice.martin"), (None, None));

    // Too few answers for the set, and an unknown question: refused too.
    let run = sb
        .run_with_stdin(
            &["questions", "enrol", "alice.martin", "--answers-stdin"],
            "STANDARD/first_pet=Rex the dog\nSTANDARD/no_such=whatever\n",
        )
        .expect_code(2);
    assert!(
        run.stderr
            .contains("line 2: STANDARD/no_such: no such question"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("answer at least 3"), "{}", run.stderr);
    assert_eq!(state_of(&sb, "alice.martin"), (None, None));
}

#[test]
fn good_answers_are_stored_hashed_and_psqdone_is_set_until_reset() {
    let sb = with_user("bob");
    let input = "STANDARD/first_pet=Rex the dog\n\
                 STANDARD/first_school=Jules Ferry\n\
                 STANDARD/first_car=Renault Cinq\n";
    let run = sb
        .run_with_stdin(&["questions", "enrol", "bob", "--answers-stdin"], input)
        .expect_code(0);
    assert!(
        run.stdout.contains("Enrolled 3 security answers for bob"),
        "{}",
        run.stdout
    );
    let (answers, psqdone) = state_of(&sb, "bob");
    let answers = answers.unwrap();
    assert_eq!(answers.len(), 3);
    assert!(
        answers.iter().all(|h| h.starts_with("$argon2id$")),
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|h| !h.contains("Rex") && !h.contains("rex"))
    );
    assert_eq!(psqdone.as_deref(), Some("1"));

    let run = sb.run(&["questions", "reset", "bob"]).expect_code(0);
    assert!(run.stdout.contains("Forgot"), "{}", run.stdout);
    assert_eq!(state_of(&sb, "bob"), (None, Some(String::new())));
    let run = sb.run(&["questions", "reset", "bob"]).expect_code(0);
    assert!(
        run.stdout.contains("had no security answers"),
        "{}",
        run.stdout
    );

    let unknown = sb.run(&["questions", "reset", "nobody"]).expect_code(2);
    assert!(unknown.stderr.contains("nobody"), "{}", unknown.stderr);
}
