//! `latchkey settings` checks the forgotten-password configuration whole before writing: a
//! `SEARCH_FILTER`, `RECOVERY_MODE`, `POST_ACTION_WEBHOOK` or `POST_ACTION_ATTRIBUTE` that does
//! not validate is refused
//! with a message naming the setting, a non-zero exit, and nothing stored; a search form is set
//! up one setting at a time, its fields first.

use crate::util::Sandbox;

const NS: &str = "FORGOTTEN_PASSWORD";

fn get(sb: &Sandbox, setting: &str) -> Vec<String> {
    sb.run(&["settings", "get", NS, setting])
        .expect_code(0)
        .stdout
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Runs a change that must be refused: exit 2, the setting named, "nothing changed" said.
fn refused(sb: &Sandbox, args: &[&str], names: &str) -> String {
    let run = sb.run(args).expect_code(2);
    assert!(run.stderr.contains(names), "{}", run.stderr);
    assert!(run.stderr.contains("nothing changed"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    run.stderr
}

#[test]
fn a_bad_recovery_mode_is_refused_and_the_old_one_stays() {
    let sb = Sandbox::new();
    sb.run(&["settings", "set", NS, "RECOVERY_MODE", "default send"])
        .expect_code(0);
    assert_eq!(get(&sb, "RECOVERY_MODE"), ["default send"]);

    let word = refused(
        &sb,
        &["settings", "set", NS, "RECOVERY_MODE", "default mail"],
        "FORGOTTEN_PASSWORD/RECOVERY_MODE",
    );
    assert!(word.contains("mail"), "{word}");
    refused(
        &sb,
        &["settings", "add", NS, "RECOVERY_MODE", "send_expired"],
        "FORGOTTEN_PASSWORD/RECOVERY_MODE",
    );
    assert_eq!(
        get(&sb, "RECOVERY_MODE"),
        ["default send"],
        "nothing changed"
    );
}

#[test]
fn a_search_form_is_set_up_field_first_and_a_bad_filter_changes_nothing() {
    let sb = Sandbox::new();
    // A filter before the fields it reads is refused.
    refused(
        &sb,
        &["settings", "set", NS, "SEARCH_FILTER", "(uid=%login%)"],
        "FORGOTTEN_PASSWORD/SEARCH_FIELDS first",
    );
    assert!(get(&sb, "SEARCH_FILTER").is_empty(), "nothing stored");
    // The fields come first (the form waits for its filter)...
    sb.run(&[
        "settings",
        "add",
        NS,
        "SEARCH_FIELDS",
        "login required User ID",
    ])
    .expect_code(0);
    // ...then a filter naming a field the form lacks, or one that does not parse, is refused...
    for bad in ["(uid=%user%)", "(uid=%login%"] {
        refused(
            &sb,
            &["settings", "set", NS, "SEARCH_FILTER", bad],
            "FORGOTTEN_PASSWORD/SEARCH_FILTER",
        );
        assert!(get(&sb, "SEARCH_FILTER").is_empty(), "nothing stored");
    }
    // ...and the right one is taken.
    sb.run(&["settings", "set", NS, "SEARCH_FILTER", "(uid=%login%)"])
        .expect_code(0);
    assert_eq!(get(&sb, "SEARCH_FILTER"), ["(uid=%login%)"]);
    assert_eq!(get(&sb, "SEARCH_FIELDS"), ["login required User ID"]);
    // Taking the fields away under the filter is refused too.
    refused(
        &sb,
        &["settings", "unset", NS, "SEARCH_FIELDS"],
        "FORGOTTEN_PASSWORD/SEARCH_FIELDS first",
    );
    assert_eq!(get(&sb, "SEARCH_FIELDS"), ["login required User ID"]);
}

#[test]
fn a_bad_post_action_webhook_is_refused_and_a_good_one_is_kept() {
    let sb = Sandbox::new();
    let good = "default POST https://hooks.example.org/reset {\"user\":\"%login%\"}";
    sb.run(&["settings", "add", NS, "POST_ACTION_WEBHOOK", good])
        .expect_code(0);
    let plain = refused(
        &sb,
        &[
            "settings",
            "add",
            NS,
            "POST_ACTION_WEBHOOK",
            "default POST http://hooks.example.org/",
        ],
        "FORGOTTEN_PASSWORD/POST_ACTION_WEBHOOK for profile default",
    );
    assert!(
        plain.contains("https://") && plain.contains("loopback"),
        "{plain}"
    );
    let secret = refused(
        &sb,
        &[
            "settings",
            "add",
            NS,
            "POST_ACTION_WEBHOOK",
            "default GET https://hooks.example.org/?p=%password%",
        ],
        "%password% is not a macro",
    );
    assert!(secret.contains("profile default"), "{secret}");
    refused(
        &sb,
        &[
            "settings",
            "add",
            NS,
            "POST_ACTION_WEBHOOK",
            "staff POST https://hooks.example.org/",
        ],
        "there is no profile staff",
    );
    assert_eq!(get(&sb, "POST_ACTION_WEBHOOK"), [good], "nothing changed");
}

#[test]
fn a_bad_post_action_attribute_is_refused_and_a_good_one_is_kept() {
    let sb = Sandbox::new();
    let good = "default LDAP description Password reset by self-service at %time%";
    sb.run(&["settings", "add", NS, "POST_ACTION_ATTRIBUTE", good])
        .expect_code(0);
    let add = |row: &str, names: &str| -> String {
        refused(
            &sb,
            &["settings", "add", NS, "POST_ACTION_ATTRIBUTE", row],
            names,
        )
    };
    let setting = "FORGOTTEN_PASSWORD/POST_ACTION_ATTRIBUTE for profile default";
    let password = add("default LDAP userPassword secret", setting);
    assert!(
        password.contains("userPassword") && password.contains("only the password operations"),
        "{password}"
    );
    let policy = add("default AD pwdLastSet 0", setting);
    assert!(policy.contains("pwdLastSet"), "{policy}");
    let secret = add(
        "default LDAP description %password%",
        "%password% is not a macro",
    );
    assert!(secret.contains(setting), "{secret}");
    let name = add("default LDAP desc_ription x", setting);
    assert!(name.contains("not an LDAP attribute name"), "{name}");
    let target = add("default L/DAP description x", setting);
    assert!(target.contains("not a target id"), "{target}");
    add("default LDAP description", "PROFILE TARGET ATTRIBUTE VALUE");
    add("staff LDAP description x", "there is no profile staff");
    assert_eq!(get(&sb, "POST_ACTION_ATTRIBUTE"), [good], "nothing changed");
}
