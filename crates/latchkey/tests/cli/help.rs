use crate::util::Sandbox;

#[test]
fn help_lists_every_command_with_examples() {
    let sb = Sandbox::new();
    let run = sb.run(&["--help"]).expect_code(0);
    for command in [
        "serve", "demo", "config", "users", "settings", "chain", "rules", "authcfg",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command)),
            "--help does not list {command}:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("Examples:"), "{}", run.stdout);
    assert!(run.stdout.contains("Exit status"), "{}", run.stdout);

    let users = sb.run(&["users", "--help"]).expect_code(0);
    for command in ["list", "add", "set-password", "import"] {
        assert!(users.stdout.contains(command), "{}", users.stdout);
    }
    let settings = sb.run(&["settings", "--help"]).expect_code(0);
    for command in ["list", "get", "set", "add", "unset"] {
        assert!(settings.stdout.contains(command), "{}", settings.stdout);
    }
    let chain = sb.run(&["chain", "--help"]).expect_code(0);
    for command in ["list", "show", "enable", "disable", "delete", "explain"] {
        assert!(chain.stdout.contains(command), "{}", chain.stdout);
    }
    let rules = sb.run(&["rules", "--help"]).expect_code(0);
    for command in ["list", "add", "rm"] {
        assert!(rules.stdout.contains(command), "{}", rules.stdout);
    }
    let authcfg = sb.run(&["authcfg", "--help"]).expect_code(0);
    for command in ["export", "import", "reset"] {
        assert!(authcfg.stdout.contains(command), "{}", authcfg.stdout);
    }
}

#[test]
fn a_password_argument_is_not_accepted() {
    let sb = Sandbox::new();
    let run = sb
        .run(&["users", "add", "x", "--name", "X", "--password", "hunter2"])
        .expect_code(2);
    assert!(run.stderr.contains("--password"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(sb.logins().is_empty());
}

#[test]
fn keys_generate_writes_a_private_key_once() {
    let sb = Sandbox::new();
    let path = sb.path().join("master.key");
    let file = path.to_str().unwrap();
    let run = sb.run(&["keys", "generate", file]).expect_code(0);
    assert!(run.stdout.contains("wrote master key k"), "{}", run.stdout);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(latchkey_core::keys::MasterKey::parse(&text).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = sb.run(&["keys", "generate", file]).expect_code(2);
    assert!(
        again.stderr.contains("never overwritten"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}
