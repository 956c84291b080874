use crate::util::Sandbox;

#[test]
fn added_users_show_in_the_list() {
    let sb = Sandbox::new();
    let run = sb
        .run(&[
            "users",
            "add",
            "Alice.Martin",
            "--name",
            "Alice Martin",
            "--email",
            "alice@example.org",
            "--attr",
            "department=IT",
            "--no-password",
        ])
        .expect_code(0);
    assert!(run.stdout.contains("alice.martin"), "{}", run.stdout);

    let table = sb.run(&["users", "list"]).expect_code(0);
    let line = table
        .stdout
        .lines()
        .find(|l| l.starts_with("alice.martin"))
        .unwrap_or_else(|| panic!("not listed:\n{}", table.stdout));
    assert!(
        line.contains("Alice Martin")
            && line.contains("alice@example.org")
            && line.contains("enabled")
    );

    let users = sb.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["attributes"]["department"][0], "IT");
    assert!(!sb.password_matches("alice.martin", ""));
}

#[test]
fn add_refuses_without_a_password_choice_and_refuses_duplicates() {
    let sb = Sandbox::new();
    let run = sb
        .run(&["users", "add", "bob", "--name", "Bob"])
        .expect_code(2);
    assert!(run.stderr.contains("--password-stdin"), "{}", run.stderr);
    assert!(sb.logins().is_empty());

    sb.run(&["users", "add", "bob", "--name", "Bob", "--no-password"])
        .expect_code(0);
    let again = sb
        .run(&[
            "users",
            "add",
            "BOB",
            "--name",
            "Other Bob",
            "--no-password",
        ])
        .expect_code(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(sb.users().len(), 1);

    let bad = sb
        .run(&[
            "users",
            "add",
            "carl",
            "--name",
            "Carl",
            "--email",
            "carl@",
            "--no-password",
        ])
        .expect_code(2);
    assert!(bad.stderr.contains("carl@"), "{}", bad.stderr);
    assert_eq!(sb.users().len(), 1);
}

#[test]
fn set_password_from_stdin_replaces_the_hash() {
    let sb = Sandbox::new();
    sb.run_with_stdin(
        &["users", "add", "dora", "--name", "Dora", "--password-stdin"],
        "first password\n",
    )
    .expect_code(0);
    assert!(sb.password_matches("dora", "first password"));

    let run = sb
        .run_with_stdin(
            &["users", "set-password", "dora", "--password-stdin"],
            "second password\n",
        )
        .expect_code(0);
    assert!(!run.stdout.contains("second password"), "{}", run.stdout);
    assert!(sb.password_matches("dora", "second password"));
    assert!(!sb.password_matches("dora", "first password"));

    sb.run_with_stdin(&["users", "set-password", "dora", "--password-stdin"], "")
        .expect_code(2);
    assert!(sb.password_matches("dora", "second password"));
    sb.run_with_stdin(
        &["users", "set-password", "nobody", "--password-stdin"],
        "x",
    )
    .expect_code(2);
}

#[test]
fn a_random_password_is_shown_once_and_works() {
    let sb = Sandbox::new();
    let run = sb
        .run(&[
            "users",
            "add",
            "erin",
            "--name",
            "Erin",
            "--random-password",
        ])
        .expect_code(0);
    let password = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password for erin: "))
        .unwrap_or_else(|| panic!("no password shown:\n{}", run.stdout))
        .trim()
        .to_owned();
    assert!(password.len() >= 16, "{password}");
    assert!(sb.password_matches("erin", &password));
}
