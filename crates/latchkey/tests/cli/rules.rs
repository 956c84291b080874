use crate::util::Sandbox;
use latchkey_core::chain::builtin;

/// `rules list` rows as their cells.
fn rules(sb: &Sandbox, selector: Option<&str>) -> Vec<Vec<String>> {
    let mut args = vec!["rules", "list"];
    if let Some(s) = selector {
        args.extend(["--selector", s]);
    }
    let run = sb.run(&args).expect_code(0);
    run.stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// `rules add --selector DEFAULT_LOGIN --stage 2 --rule 1` with `more`.
fn add(sb: &Sandbox, more: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "rules",
        "add",
        "--selector",
        "DEFAULT_LOGIN",
        "--stage",
        "2",
        "--rule",
        "1",
    ];
    args.extend(more);
    sb.run(&args)
}

#[test]
fn a_rule_is_added_listed_in_order_and_removed() {
    let sb = Sandbox::new();
    assert_eq!(rules(&sb, None).len(), 1, "the shipped rule");
    let run = add(
        &sb,
        &[
            "--match-type",
            "cgi",
            "--key",
            "remote_addr",
            "--condition",
            "in",
            "--value",
            "10.0.0.0/8, 192.168.0.0/16",
            "--action",
            "flush",
            "--chain",
            "PASSWORD",
            "--skip",
            "stage",
            "--comment",
            "office",
        ],
    )
    .expect_code(0);
    assert!(
        run.stdout
            .contains("rule 2/1 added to the selector of DEFAULT_LOGIN"),
        "{}",
        run.stdout
    );
    // Stage 0 sorts first whatever the table order.
    sb.run(&[
        "rules",
        "add",
        "--selector",
        "DEFAULT_LOGIN",
        "--stage",
        "0",
        "--rule",
        "5",
        "--match-type",
        "userstat",
        "--key",
        "lastlang",
        "--condition",
        "equal",
        "--value",
        "fr",
        "--action",
        "append",
        "--chain",
        "SECURITY_QUESTIONS",
    ])
    .expect_code(0);

    let rows = rules(&sb, Some("DEFAULT_LOGIN"));
    let positions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(positions, [("0", "5"), ("1", "1"), ("2", "1")]);
    assert_eq!(
        rows[2],
        [
            "2",
            "1",
            "stage",
            "000000000301",
            "DEFAULT_LOGIN",
            "cgi",
            "REMOTE_ADDR",
            "in",
            "10.0.0.0/8,",
            "192.168.0.0/16",
            "flush",
            "PASSWORD",
            "office"
        ]
    );
    assert_eq!(rows[0][6], "LASTLANG", "tags are stored upper-case");
    // The other selector has none of them.
    assert!(rules(&sb, Some(&builtin::cfg::STD_SELECT.to_string())).is_empty());

    sb.run(&[
        "rules",
        "rm",
        "--selector",
        "000000000301",
        "--stage",
        "2",
        "--rule",
        "1",
    ])
    .expect_code(0);
    let positions: Vec<String> = rules(&sb, None)
        .iter()
        .map(|r| format!("{}/{}", r[0], r[1]))
        .collect();
    assert_eq!(positions, ["0/5", "1/1"]);
    let again = sb
        .run(&[
            "rules",
            "rm",
            "--selector",
            "DEFAULT_LOGIN",
            "--stage",
            "2",
            "--rule",
            "1",
        ])
        .expect_code(2);
    assert!(again.stderr.contains("has no rule 2/1"), "{}", again.stderr);
}

#[test]
fn a_rule_naming_a_chain_that_does_not_exist_is_refused_and_not_stored() {
    let sb = Sandbox::new();
    let before = rules(&sb, None);
    let run = add(
        &sb,
        &[
            "--match-type",
            "parameter",
            "--key",
            "LANG",
            "--condition",
            "set",
            "--action",
            "append",
            "--chain",
            "NOPE",
        ],
    )
    .expect_code(2);
    assert!(
        run.stderr
            .contains("error: rule 2/1: chain NOPE does not exist"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("rule 2/1 was not added"),
        "{}",
        run.stderr
    );
    assert_eq!(rules(&sb, None), before);

    // It exists, but this selector does not offer it.
    let run = add(
        &sb,
        &[
            "--match-type",
            "parameter",
            "--key",
            "LANG",
            "--condition",
            "set",
            "--action",
            "append",
            "--chain",
            "HELPDESK_LOGIN",
        ],
    )
    .expect_code(2);
    assert!(
        run.stderr.contains("chain HELPDESK_LOGIN is not among the available chains of the selector in DEFAULT_LOGIN"),
        "{}",
        run.stderr
    );
    assert_eq!(rules(&sb, None), before);
}

#[test]
fn bad_values_are_refused_before_anything_is_stored() {
    let sb = Sandbox::new();
    let before = rules(&sb, None);
    for (more, expected) in [
        (
            &[
                "--match-type",
                "parameter",
                "--key",
                "LANG",
                "--condition",
                "set",
                "--value",
                "x",
                "--action",
                "flush",
            ][..],
            "condition set takes no value",
        ),
        (
            &[
                "--match-type",
                "parameter",
                "--key",
                "LANG",
                "--condition",
                "equal",
                "--action",
                "flush",
            ][..],
            "condition equal needs a value",
        ),
        (
            &[
                "--match-type",
                "cgi",
                "--key",
                "REMOTE_ADDR",
                "--condition",
                "in",
                "--value",
                "10.0.0.0/33",
                "--action",
                "flush",
            ][..],
            "\"10.0.0.0/33\" is not a CIDR block",
        ),
        (
            &[
                "--match-type",
                "userclass",
                "--condition",
                "in",
                "--value",
                "NO_SUCH_CLASS",
                "--action",
                "flush",
            ][..],
            "user class NO_SUCH_CLASS does not exist",
        ),
        (
            &[
                "--match-type",
                "state",
                "--key",
                "MOOD",
                "--condition",
                "set",
                "--action",
                "flush",
            ][..],
            "\"MOOD\" is not a state fact",
        ),
        (
            &[
                "--match-type",
                "cgi",
                "--key",
                "COOKIE",
                "--condition",
                "set",
                "--action",
                "flush",
            ][..],
            "\"COOKIE\" is not a request fact",
        ),
        (
            &[
                "--match-type",
                "attribute",
                "--condition",
                "set",
                "--action",
                "flush",
            ][..],
            "attribute rules need --key",
        ),
        (
            &[
                "--match-type",
                "parameter",
                "--key",
                "LANG",
                "--condition",
                "set",
                "--action",
                "append",
            ][..],
            "append needs a chain id",
        ),
    ] {
        let run = add(&sb, more).expect_code(2);
        assert!(run.stderr.contains(expected), "{more:?}:\n{}", run.stderr);
    }
    // clap refuses what it can name.
    let run = add(
        &sb,
        &[
            "--match-type",
            "cookie",
            "--condition",
            "set",
            "--action",
            "flush",
        ],
    )
    .expect_code(2);
    assert!(run.stderr.contains("--match-type"), "{}", run.stderr);
    let run = add(
        &sb,
        &[
            "--match-type",
            "cgi",
            "--key",
            "PATH",
            "--condition",
            "like",
            "--action",
            "flush",
        ],
    )
    .expect_code(2);
    assert!(run.stderr.contains("unknown condition"), "{}", run.stderr);
    assert_eq!(rules(&sb, None), before);
}

#[test]
fn a_position_is_taken_once_per_selector() {
    let sb = Sandbox::new();
    let rule = [
        "--match-type",
        "parameter",
        "--key",
        "LANG",
        "--condition",
        "set",
        "--action",
        "flush",
        "--chain",
        "PASSWORD",
    ];
    add(&sb, &rule).expect_code(0);
    let run = add(&sb, &rule).expect_code(2);
    assert!(
        run.stderr.contains("already has a rule 2/1"),
        "{}",
        run.stderr
    );
    // A rule for every selector at the same position is another rule, allowed with a warning.
    let mut every = vec![
        "rules",
        "add",
        "--selector",
        "*",
        "--stage",
        "2",
        "--rule",
        "1",
    ];
    every.extend([
        "--match-type",
        "parameter",
        "--key",
        "LANG",
        "--condition",
        "set",
        "--action",
        "remove",
        "--chain",
        "PASSWORD",
    ]);
    let run = sb.run(&every).expect_code(0);
    assert!(
        run.stdout.contains("warning: rule 2/1: no CfgId"),
        "{}",
        run.stdout
    );
    assert_eq!(rules(&sb, None).len(), 3);
}

#[test]
fn a_selector_must_name_one_select_chain_module() {
    let sb = Sandbox::new();
    let run = sb
        .run(&["rules", "list", "--selector", "PASSWORD"])
        .expect_code(2);
    assert!(
        run.stderr
            .contains("chain PASSWORD has no select_chain module"),
        "{}",
        run.stderr
    );
    let run = sb
        .run(&["rules", "list", "--selector", "NOTHING_HERE"])
        .expect_code(2);
    assert!(
        run.stderr.contains("no selector \"NOTHING_HERE\""),
        "{}",
        run.stderr
    );
    let full = builtin::cfg::DEFAULT_SELECT.to_string();
    assert_eq!(rules(&sb, Some(&full)), rules(&sb, Some("DEFAULT_LOGIN")));
    assert_eq!(rules(&sb, Some(&full)).len(), 1);
}
