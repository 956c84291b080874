//! `latchkey scenario`: components install with their dependencies, refuse conflicts, and
//! uninstall exactly what they added.

use crate::util::Sandbox;

#[test]
fn install_list_conflict_and_uninstall() {
    let sb = Sandbox::new();
    let baseline = sb.run(&["chain", "list"]).expect_code(0).stdout;
    let run = sb.run(&["scenario", "install", "2factor"]).expect_code(0);
    assert!(
        run.stdout
            .contains("installed: select, pii, personal_emailpin, smspin_email, 2factor"),
        "{}",
        run.stdout
    );
    let list = sb.run(&["scenario", "list"]).expect_code(0).stdout;
    assert!(
        list.lines()
            .any(|l| l.starts_with("2factor") && l.contains("installed")),
        "{list}"
    );
    assert!(
        sb.run(&["chain", "list"])
            .expect_code(0)
            .stdout
            .contains("TWO_FACTOR")
    );

    let conflict = sb
        .run(&["scenario", "install", "smspin_http"])
        .expect_code(2);
    assert!(
        conflict.stderr.contains("conflicts with smspin_email"),
        "{}",
        conflict.stderr
    );
    let needed = sb.run(&["scenario", "uninstall", "pii"]).expect_code(2);
    assert!(
        needed.stderr.contains("pii is needed by 2factor"),
        "{}",
        needed.stderr
    );
    let unknown = sb.run(&["scenario", "install", "nope"]).expect_code(2);
    assert!(
        unknown.stderr.contains("there is no component"),
        "{}",
        unknown.stderr
    );

    for name in [
        "2factor",
        "smspin_email",
        "personal_emailpin",
        "pii",
        "select",
    ] {
        sb.run(&["scenario", "uninstall", name]).expect_code(0);
    }
    assert_eq!(sb.run(&["chain", "list"]).expect_code(0).stdout, baseline);
    let settings = sb.run(&["settings", "list"]).expect_code(0).stdout;
    assert!(!settings.contains("AUTHCHAIN_PII"), "{settings}");
    assert!(!settings.contains("SCENARIO"), "{settings}");
}

#[test]
fn demo_only_components_warn() {
    let sb = Sandbox::new();
    let run = sb.run(&["scenario", "install", "localauth"]).expect_code(0);
    assert!(
        run.stdout.contains("for demonstrations only"),
        "{}",
        run.stdout
    );
}
