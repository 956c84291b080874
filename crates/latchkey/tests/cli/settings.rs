use crate::util::Sandbox;

fn get(sb: &Sandbox, ns: &str, setting: &str) -> Vec<String> {
    sb.run(&["settings", "get", ns, setting])
        .expect_code(0)
        .stdout
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn set_add_get_and_unset() {
    let sb = Sandbox::new();
    assert_eq!(
        get(&sb, "AUTH", "MAX_USERAUTH_FAILURE"),
        ["5"],
        "the default"
    );
    let list = sb.run(&["settings", "list", "AUTH"]).expect_code(0);
    assert!(list.stdout.contains("5 (default)"), "{}", list.stdout);

    sb.run(&["settings", "set", "auth", "max_userauth_failure", "8"])
        .expect_code(0);
    assert_eq!(get(&sb, "AUTH", "MAX_USERAUTH_FAILURE"), ["8"]);
    let list = sb.run(&["settings", "list"]).expect_code(0);
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("AUTH") && l.ends_with(" 8")),
        "{}",
        list.stdout
    );

    sb.run(&[
        "settings",
        "add",
        "MASS_PASSWORD_RESET",
        "TARGETS",
        "CORP_AD",
    ])
    .expect_code(0);
    sb.run(&[
        "settings",
        "add",
        "MASS_PASSWORD_RESET",
        "TARGETS",
        "LDAP_MAIN",
    ])
    .expect_code(0);
    assert_eq!(
        get(&sb, "MASS_PASSWORD_RESET", "TARGETS"),
        ["CORP_AD", "LDAP_MAIN"]
    );

    sb.run(&[
        "settings",
        "unset",
        "MASS_PASSWORD_RESET",
        "TARGETS",
        "CORP_AD",
    ])
    .expect_code(0);
    assert_eq!(get(&sb, "MASS_PASSWORD_RESET", "TARGETS"), ["LDAP_MAIN"]);

    sb.run(&[
        "settings",
        "set",
        "MASS_PASSWORD_RESET",
        "TARGETS",
        "A",
        "B",
        "C",
    ])
    .expect_code(0);
    assert_eq!(get(&sb, "MASS_PASSWORD_RESET", "TARGETS"), ["A", "B", "C"]);

    sb.run(&["settings", "unset", "AUTH", "MAX_USERAUTH_FAILURE"])
        .expect_code(0);
    assert_eq!(get(&sb, "AUTH", "MAX_USERAUTH_FAILURE"), ["5"]);
}

#[test]
fn a_typo_gets_a_hint_and_bad_values_change_nothing() {
    let sb = Sandbox::new();
    sb.run(&["settings", "set", "AUTH", "MAX_USERAUTH_FAILURE", "6"])
        .expect_code(0);

    let typo = sb
        .run(&["settings", "set", "AUTH", "MAX_USERAUTH_FAILURES", "7"])
        .expect_code(2);
    assert!(
        typo.stderr
            .contains("did you mean AUTH/MAX_USERAUTH_FAILURE?"),
        "{}",
        typo.stderr
    );
    let typo = sb
        .run(&["settings", "get", "AUTH", "MAX_USERAUTH_FAILUR"])
        .expect_code(2);
    assert!(typo.stderr.contains("did you mean"), "{}", typo.stderr);

    let bad = sb
        .run(&["settings", "set", "AUTH", "MAX_USERAUTH_FAILURE", "zero"])
        .expect_code(2);
    assert!(
        bad.stderr.contains("\"zero\" is not valid"),
        "{}",
        bad.stderr
    );
    sb.run(&["settings", "set", "AUTH", "MAX_USERAUTH_FAILURE", "3", "4"])
        .expect_code(2);
    sb.run(&["settings", "add", "AUTH", "MAX_USERAUTH_FAILURE", "4"])
        .expect_code(2);
    assert_eq!(get(&sb, "AUTH", "MAX_USERAUTH_FAILURE"), ["6"]);

    // Outside the registry only with --custom.
    sb.run(&["settings", "set", "MY_APP", "COLOUR", "blue"])
        .expect_code(2);
    sb.run(&["settings", "set", "MY_APP", "COLOUR", "blue", "--custom"])
        .expect_code(0);
    assert_eq!(get(&sb, "MY_APP", "COLOUR"), ["blue"]);
}
