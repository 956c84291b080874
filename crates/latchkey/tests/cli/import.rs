use crate::util::Sandbox;

fn write(sb: &Sandbox, name: &str, text: &str) -> String {
    std::fs::write(sb.path().join(name), text).unwrap();
    name.to_owned()
}

#[test]
fn a_good_file_is_imported_whole() {
    let sb = Sandbox::new();
    let file = write(
        &sb,
        "people.csv",
        "login_id,display_name,email,department,employeeNumber,password\n\
         alice.martin,Alice Martin,alice@example.org,IT,E1001,Pa55-word-one\n\
         bilal.haddad,\"Haddad, Bilal\",,Finance,E1002,\n\
         chen.wei,Chen Wei,chen@example.org,IT,,\n",
    );
    sb.run(&["users", "import", &file, "--dry-run"])
        .expect_code(0);
    assert!(sb.logins().is_empty(), "a dry run imported something");

    let run = sb.run(&["users", "import", &file]).expect_code(0);
    assert!(run.stdout.contains("Imported 3 profiles"), "{}", run.stdout);
    assert_eq!(sb.logins(), ["alice.martin", "bilal.haddad", "chen.wei"]);
    let users = sb.users();
    assert_eq!(users[1]["display_name"], "Haddad, Bilal");
    assert_eq!(users[0]["attributes"]["employeenumber"][0], "E1001");
    assert!(users[2]["attributes"].get("employeenumber").is_none());
    assert!(sb.password_matches("alice.martin", "Pa55-word-one"));
    assert!(!sb.password_matches("bilal.haddad", ""));
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_imported() {
    let sb = Sandbox::new();
    sb.run(&[
        "users",
        "add",
        "existing",
        "--name",
        "Existing",
        "--no-password",
    ])
    .expect_code(0);
    let file = write(
        &sb,
        "bad.csv",
        "login_id,display_name,email,password\n\
         fine.one,Fine One,fine@example.org,Secret-Alpha\n\
         has space,Spacey,,Secret-Bravo\n\
         no.name,,noname@example.org,Secret-Charlie\n\
         bad.mail,Bad Mail,bad@mail,Secret-Delta\n\
         fine.two,Fine Two,,\n",
    );
    let run = sb.run(&["users", "import", &file]).expect_code(2);
    for expected in [
        "bad.csv:3: login_id:",
        "bad.csv:4: display_name:",
        "bad.csv:5: email:",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected}:\n{}",
            run.stderr
        );
    }
    assert!(run.stderr.contains("3 problems"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("Secret-"),
        "a password was echoed:\n{}",
        run.stderr
    );
    assert_eq!(sb.logins(), ["existing"], "something was imported");
}

#[test]
fn logins_already_in_the_store_or_twice_in_the_file_are_refused() {
    let sb = Sandbox::new();
    sb.run(&["users", "add", "alice", "--name", "Alice", "--no-password"])
        .expect_code(0);
    let file = write(
        &sb,
        "dupes.csv",
        "login_id,display_name\nnew.person,New Person\nALICE,Alice Again\nnew.person,Twice\n",
    );
    let run = sb.run(&["users", "import", &file]).expect_code(2);
    assert!(
        run.stderr
            .contains("dupes.csv:3: login_id: alice already exists"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("dupes.csv:4: login_id: new.person appears again (first on line 2)"),
        "{}",
        run.stderr
    );
    assert_eq!(sb.logins(), ["alice"]);
}
