use crate::util::Sandbox;
use latchkey_core::chain::builtin;

/// A configuration with something of the operator's in it: a rule and a disabled built-in.
fn customise(sb: &Sandbox) {
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
        "HTTP_USER_AGENT",
        "--condition",
        "contain",
        "--value",
        "kiosk \"lobby\"",
        "--action",
        "flush",
        "--chain",
        "PASSWORD",
        "--comment",
        "kiosks: password only",
    ])
    .expect_code(0);
    sb.run(&["chain", "disable", "HELPDESK_LOGIN"])
        .expect_code(0);
}

/// The `authcfg-…` files in the sandbox, sorted.
fn authcfg_files(sb: &Sandbox) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(sb.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("authcfg-"))
        .collect();
    names.sort();
    names
}

#[test]
fn export_then_import_gives_the_same_file_back() {
    let sb = Sandbox::new();
    customise(&sb);
    let first = sb.export("first.toml");
    assert!(first.contains("kiosks: password only"), "{first}");

    let run = sb.run(&["authcfg", "import", "first.toml"]).expect_code(0);
    let backup = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("backup of the previous configuration: "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(
        sb.read(backup),
        first,
        "the backup is the configuration replaced"
    );
    // The shipped chains (customised, none added).
    let expected = format!(
        "imported first.toml: {} chains, 2 selector rules",
        builtin::IDS.len()
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);

    assert_eq!(sb.export("second.toml"), first);
}

#[test]
fn export_without_a_name_writes_a_dated_file() {
    let sb = Sandbox::new();
    let run = sb.run(&["authcfg", "export"]).expect_code(0);
    let name = run.stdout.trim();
    assert_eq!(authcfg_files(&sb), [name]);
    let stamp = name
        .strip_prefix("authcfg-")
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap();
    assert!(
        stamp.len() == 15
            && stamp.chars().enumerate().all(|(i, c)| if i == 8 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
        "{name}"
    );
    assert!(sb.read(name).contains("STANDARD_TWO-PHASE_LOGIN_FLOW"));
}

#[test]
fn a_broken_file_is_refused_whole_with_its_lines() {
    let sb = Sandbox::new();
    customise(&sb);
    let before = sb.export("before.toml");
    // A good file with two mistakes: a chain id with a space, a rule naming no chain.
    let broken = before.replacen("id = \"PASSWORD\"", "id = \"PASS WORD\"", 1)
        + "\n[[rule]]\nstage = 7\nrule = 1\ncfg_id = \"1a7c4e79-0000-4000-8000-000000000301\"\n\
           match_type = \"parameter\"\nmatch_key = \"LANG\"\nmatch_condition = \"set\"\n\
           action = \"append\"\nchain_id = \"NOWHERE\"\n";
    assert_ne!(broken, before);
    let file = sb.write("broken.toml", &broken);
    let run = sb.run(&["authcfg", "import", &file]).expect_code(2);
    let located: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: broken.toml:"))
        .collect();
    assert!(located.len() >= 2, "{}", run.stderr);
    let id_line = broken
        .lines()
        .position(|l| l.contains("PASS WORD"))
        .unwrap()
        + 1;
    assert!(
        located
            .iter()
            .any(|l| l.starts_with(&format!("error: broken.toml:{id_line}:"))),
        "{}",
        run.stderr
    );
    assert!(
        located.iter().any(|l| l.contains("NOWHERE")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(
        authcfg_files(&sb).is_empty(),
        "a refused import writes no backup"
    );
    assert_eq!(sb.export("after.toml"), before);
}

#[test]
fn reset_writes_a_backup_and_restores_the_built_ins() {
    let sb = Sandbox::new();
    customise(&sb);
    let before = sb.export("before.toml");
    let run = sb.run(&["authcfg", "reset"]).expect_code(0);
    let files = authcfg_files(&sb);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with("-backup.toml"), "{files:?}");
    assert!(run.stdout.contains(&files[0]), "{}", run.stdout);
    assert_eq!(sb.read(&files[0]), before);

    let list = sb.run(&["chain", "list"]).expect_code(0);
    let helpdesk = list
        .stdout
        .lines()
        .find(|l| l.starts_with("HELPDESK_LOGIN"))
        .unwrap();
    assert!(
        helpdesk.split_whitespace().nth(1) == Some("yes"),
        "{}",
        list.stdout
    );
    // The operator's rule stays.
    let rules = sb.run(&["rules", "list"]).expect_code(0);
    assert!(
        rules.stdout.contains("kiosks: password only"),
        "{}",
        rules.stdout
    );
}
