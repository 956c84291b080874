use crate::util::Sandbox;
use latchkey_core::chain::builtin;
use latchkey_core::chain::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
use latchkey_core::condition::Condition;
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo, UserStatRepo};
use latchkey_core::userstat::UserStatTag;

fn add_alice(sb: &Sandbox) {
    sb.run(&["users", "add", "alice", "--name", "Alice", "--no-password"])
        .expect_code(0);
}

/// The line of `out` that contains `needle`, trimmed.
fn line<'a>(out: &'a str, needle: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{out}"))
        .trim()
}

#[test]
fn a_known_user_is_explained_through_the_selector_into_the_password_chain() {
    let sb = Sandbox::new();
    add_alice(&sb);
    sb.run(&[
        "rules",
        "add",
        "--selector",
        "DEFAULT_LOGIN",
        "--stage",
        "2",
        "--rule",
        "1",
        "--match-type",
        "cgi",
        "--key",
        "REMOTE_ADDR",
        "--condition",
        "in",
        "--value",
        "127.0.0.0/8,10.0.0.0/8",
        "--action",
        "flush",
        "--chain",
        "PASSWORD",
    ])
    .expect_code(0);

    let run = sb
        .run(&["chain", "explain", "--user", "alice"])
        .expect_code(0);
    let out = &run.stdout;
    assert!(out.contains("for alice (Alice): identified"), "{out}");
    assert!(
        out.contains("chain STANDARD_TWO-PHASE_LOGIN_FLOW (Standard two-phase login)"),
        "{out}"
    );
    assert!(
        out.contains("runs USER_IDENTIFICATION to identify the user"),
        "{out}"
    );
    assert_eq!(
        line(out, "rule 1/1:"),
        "rule 1/1: userstat psqdone set \"\" -> append security_questions: no match; list now PASSWORD"
    );
    assert_eq!(
        line(out, "rule 2/1:"),
        "rule 2/1: cgi remote_addr in \"127.0.0.0/8,10.0.0.0/8\" -> flush password: match; list now PASSWORD"
    );
    assert!(out.contains("-> one chain: straight into it"), "{out}");
    assert!(out.contains("chain PASSWORD (Password), built in"), "{out}");
    assert_eq!(line(out, "10 password"), "10 password [required, strong]");
    assert!(out.contains("policies: none are stored"), "{out}");
    // The generic login failure is for unidentified users only.
    assert!(!out.contains("GENERIC_LOGIN_FAILURE\n"), "{out}");

    // Another address: the rule does not match.
    let run = sb
        .run(&[
            "chain",
            "explain",
            "--user",
            "alice",
            "--remote-addr",
            "192.0.2.7",
        ])
        .expect_code(0);
    assert!(
        run.stdout.contains("request: GET /login from 192.0.2.7"),
        "{}",
        run.stdout
    );
    assert!(
        line(&run.stdout, "rule 2/1:").contains(": no match; list now PASSWORD"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_user_s_stored_facts_reach_the_rules() {
    let sb = Sandbox::new();
    add_alice(&sb);
    sb.run(&["chain", "list"]).expect_code(0);
    sb.with_store(async |store| {
        let alice = store
            .profile_by_login(&LoginId::new("alice").unwrap())
            .await
            .unwrap()
            .unwrap();
        store
            .set_userstat(
                alice.id,
                &UserStatTag::PsqDone,
                "1",
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
    });
    let run = sb
        .run(&["chain", "explain", "--user", "alice"])
        .expect_code(0);
    assert!(
        line(&run.stdout, "rule 1/1:").ends_with(": match; list now PASSWORD, SECURITY_QUESTIONS"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-> several chains: the user picks one of PASSWORD, SECURITY_QUESTIONS"),
        "{}",
        run.stdout
    );
}

#[test]
fn request_parameters_and_headers_are_those_a_login_keeps() {
    let sb = Sandbox::new();
    add_alice(&sb);
    sb.run(&[
        "rules",
        "add",
        "--selector",
        "DEFAULT_LOGIN",
        "--stage",
        "2",
        "--rule",
        "1",
        "--match-type",
        "parameter",
        "--key",
        "LANG",
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
    let run = sb
        .run(&[
            "chain",
            "explain",
            "--user",
            "alice",
            "--param",
            "LANG=fr",
            "--param",
            "debug=1",
            "--header",
            "User-Agent=curl/8",
            "--header",
            "X-Secret=s",
        ])
        .expect_code(0);
    let out = &run.stdout;
    assert!(line(out, "rule 2/1:").contains(": match;"), "{out}");
    assert!(out.contains("parameter LANG=fr"), "{out}");
    assert!(out.contains("HTTP_USER_AGENT=curl/8"), "{out}");
    assert!(line(out, "parameter debug").starts_with("note:"), "{out}");
    assert!(line(out, "header X-Secret").starts_with("note:"), "{out}");
    assert!(!out.contains("HTTP_X_SECRET"), "{out}");

    let refused = sb
        .run(&[
            "chain",
            "explain",
            "--user",
            "alice",
            "--param",
            "USERID=bob",
        ])
        .expect_code(2);
    assert!(refused.stderr.contains("--user"), "{}", refused.stderr);
}

#[test]
fn an_unknown_user_is_explained_as_unidentified() {
    let sb = Sandbox::new();
    let run = sb
        .run(&["chain", "explain", "--user", "ghost"])
        .expect_code(0);
    let out = &run.stdout;
    assert!(out.contains("for ghost: NOT identified"), "{out}");
    assert!(out.contains("note: there is no user \"ghost\""), "{out}");
    assert!(
        out.contains(
            "this runs GENERIC_LOGIN_FAILURE and the login is DENIED like a wrong password"
        ),
        "{out}"
    );
    // A real login never reaches the selectors for an unknown user, so neither does explain.
    assert!(!out.contains("chain DEFAULT_LOGIN"), "{out}");
}

#[test]
fn a_rule_that_cannot_be_evaluated_shows_error_and_denial() {
    let sb = Sandbox::new();
    add_alice(&sb);
    sb.run(&["chain", "list"]).expect_code(0);
    // `rules add` refuses such a rule; a hand-edited database or an old import may hold one.
    sb.with_store(async |store| {
        store
            .add_selector_rule(&SelectorRule {
                stage: 2,
                rule: 1,
                skip_remaining: SkipRemaining::None,
                cfg_id: Some(builtin::cfg::DEFAULT_SELECT),
                match_type: MatchType::UserClass,
                match_key: String::new(),
                condition: Condition::Equal,
                match_value: "GHOSTS".into(),
                action: RuleAction::Append,
                chain_id: Some("SECURITY_QUESTIONS".parse().unwrap()),
                error_msg: String::new(),
                comment: String::new(),
                owner: String::new(),
            })
            .await
            .unwrap();
    });
    let run = sb
        .run(&["chain", "explain", "--user", "alice"])
        .expect_code(0);
    let out = &run.stdout;
    assert!(
        line(out, "rule 2/1:")
            .ends_with("ERROR: user class GHOSTS does not exist; list now PASSWORD"),
        "{out}"
    );
    assert!(
        out.contains(
            "-> a rule cannot be evaluated: the login is DENIED (user class GHOSTS does not exist)"
        ),
        "{out}"
    );
    assert!(!out.contains("chain PASSWORD (Password)"), "{out}");
}
