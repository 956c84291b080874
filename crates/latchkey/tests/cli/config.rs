use crate::util::{Sandbox, finish};
use latchkey_core::chain::builtin;
use latchkey_core::repo::AuthConfigRepo;

#[test]
fn config_check_accepts_a_good_file() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("latchkey.toml"),
        "listen = \"127.0.0.1:9000\"\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let run = sb.run(&["config", "check"]).expect_code(0);
    assert!(run.stdout.contains("OK: latchkey.toml"), "{}", run.stdout);
}

#[test]
fn config_check_reports_a_typo_with_its_line_and_a_hint() {
    let sb = Sandbox::new();
    let file = sb.path().join("custom.toml");
    std::fs::write(&file, "# a node\nlisten = \"127.0.0.1:9000\"\n\n[smtp]\nhost = \"mail.example.org\"\nfrom = \"a@example.org\"\nprot = 25\n").unwrap();
    let run = sb
        .run(&["config", "check", file.to_str().unwrap()])
        .expect_code(2);
    assert!(
        run.stderr.contains("custom.toml:7:") && run.stderr.contains("did you mean `smtp.port`?"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("OK"), "{}", run.stdout);
}

#[test]
fn config_check_reports_every_error_one_per_line() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("latchkey.toml"),
        "listn = \"127.0.0.1:9000\"\n[log]\nformat = \"xml\"\n",
    )
    .unwrap();
    // --config and LATCHKEY_CONFIG name the file too; here the default ./latchkey.toml is used.
    let run = sb.run(&["config", "check"]).expect_code(2);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: latchkey.toml:"))
        .collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].contains("latchkey.toml:1:") && errors[0].contains("did you mean `listen`?"));
    assert!(errors[1].contains("latchkey.toml:3:"));
}

#[test]
fn config_sample_passes_its_own_check() {
    let sb = Sandbox::new();
    let sample = sb.run(&["config", "sample"]).expect_code(0);
    let file = sb.path().join("sample.toml");
    std::fs::write(&file, sample.stdout).unwrap();
    sb.run(&["--config", file.to_str().unwrap(), "config", "check"])
        .expect_code(0);
}

#[test]
fn config_check_leaves_a_missing_database_missing() {
    let sb = Sandbox::new();
    let run = sb.run(&["config", "check"]).expect_code(0);
    assert!(
        run.stdout.contains("does not exist yet")
            && run
                .stdout
                .contains("the stored authentication configuration was not checked"),
        "{}",
        run.stdout
    );
    assert!(!sb.db_path().exists(), "config check created the database");
}

#[test]
fn config_check_notes_an_unreachable_database_and_exits_on_the_file_alone() {
    let sb = Sandbox::new();
    let url = format!(
        "postgres://latchkey:s3cret@127.0.0.1:{}/latchkey",
        crate::util::free_port()
    );
    let run = finish(
        sb.command()
            .env("LATCHKEY_DATABASE_URL", &url)
            .args(["config", "check"])
            .output()
            .unwrap(),
    )
    .expect_code(0);
    assert!(run.stdout.contains("OK"), "{}", run.stdout);
    assert!(run.stdout.contains("was not checked"), "{}", run.stdout);
    assert!(!run.stdout.contains("s3cret"), "{}", run.stdout);
}

#[test]
fn config_check_lints_the_stored_authentication_configuration() {
    let sb = Sandbox::new();
    sb.run(&["chain", "list"]).expect_code(0);
    let run = sb.run(&["config", "check"]).expect_code(0);
    assert!(
        run.stdout.contains("authentication configuration in")
            && run.stdout.contains(": 0 errors,")
            // Every module type of the shipped chains (scoreqna included) can run.
            && !run.stdout.contains("is not available in this version"),
        "{}",
        run.stdout
    );
    sb.with_store(async |store| {
        let mut rule = builtin::rules().remove(0);
        rule.stage = 2;
        rule.chain_id = Some("NOWHERE".parse().unwrap());
        store.add_selector_rule(&rule).await.unwrap();
    });
    let run = sb.run(&["config", "check"]).expect_code(2);
    assert!(run.stdout.contains("OK"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("error: rule 2/1: chain NOWHERE does not exist"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("has errors (2 errors)"),
        "{}",
        run.stderr
    );
}
