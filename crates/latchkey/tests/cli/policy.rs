//! `latchkey policy`: policies attached to user classes, checked before they are stored, and
//! shown merged by `chain explain`.

use crate::util::Sandbox;
use latchkey_core::chain::policy::{PolicyRole, SecurityPolicy};
use latchkey_core::chain::{ChainId, builtin};
use latchkey_core::repo::{ProfileRepo, UserClassRepo};
use latchkey_core::userclass::{RuleMode, UserClass};

fn contractors_policy(class: &str) -> String {
    let mut default_login =
        builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
    default_login.modules[0]
        .settings
        .insert("initial".into(), "PASSWORD,SECURITY_QUESTIONS".into());
    toml::to_string(&SecurityPolicy {
        id: "contractors".into(),
        attached_to: Some((class.parse().unwrap(), PolicyRole::Archetype)),
        sequences: vec![default_login],
        credentials: Default::default(),
    })
    .unwrap()
}

#[test]
fn import_show_explain_and_remove() {
    let sb = Sandbox::new();
    sb.run(&["users", "add", "casey", "--name", "Casey", "--no-password"])
        .expect_code(0);
    sb.run(&["chain", "list"]).expect_code(0);
    let file = sb.path().join("policy.toml");

    // The class does not exist yet: refused, nothing stored.
    std::fs::write(&file, contractors_policy("CONTRACTORS")).unwrap();
    let refused = sb
        .run(&["policy", "import", file.to_str().unwrap()])
        .expect_code(2);
    assert!(
        refused
            .stderr
            .contains("user class CONTRACTORS does not exist"),
        "{}",
        refused.stderr
    );
    assert!(
        sb.run(&["policy", "list"])
            .expect_code(0)
            .stdout
            .contains("no policies")
    );

    sb.with_store(async |store| {
        let casey = store
            .profile_by_login(&latchkey_core::profile::LoginId::new("casey").unwrap())
            .await
            .unwrap()
            .unwrap();
        let class = UserClass {
            id: "CONTRACTORS".parse().unwrap(),
            description: String::new(),
            static_members: [casey.id].into_iter().collect(),
            rules: vec![],
            mode: RuleMode::All,
        };
        store.save_user_class(&class).await.unwrap();
        store
            .replace_members(
                &class.id,
                &class.static_members,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
    });
    sb.run(&["policy", "import", file.to_str().unwrap()])
        .expect_code(0);
    let list = sb.run(&["policy", "list"]).expect_code(0).stdout;
    assert!(
        list.contains("contractors") && list.contains("archetype of CONTRACTORS"),
        "{list}"
    );
    let shown = sb
        .run(&["policy", "show", "contractors"])
        .expect_code(0)
        .stdout;
    assert!(shown.contains("PASSWORD,SECURITY_QUESTIONS"), "{shown}");

    let explained = sb
        .run(&["chain", "explain", "--user", "casey"])
        .expect_code(0)
        .stdout;
    assert!(
        explained.contains("policies merged for this user"),
        "{explained}"
    );
    assert!(
        explained.contains("starts with: PASSWORD, SECURITY_QUESTIONS"),
        "{explained}"
    );

    sb.run(&["policy", "rm", "contractors"]).expect_code(0);
    sb.run(&["policy", "rm", "contractors"]).expect_code(2);
}

#[test]
fn a_policy_that_breaks_the_merged_configuration_is_refused() {
    let sb = Sandbox::new();
    sb.run(&["chain", "list"]).expect_code(0);
    let mut broken = builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
    broken.modules[0]
        .settings
        .insert("available".into(), "NO_SUCH_CHAIN".into());
    broken.modules[0]
        .settings
        .insert("initial".into(), "NO_SUCH_CHAIN".into());
    let text = toml::to_string(&SecurityPolicy {
        id: "broken".into(),
        sequences: vec![broken],
        ..SecurityPolicy::default()
    })
    .unwrap();
    let file = sb.path().join("broken.toml");
    std::fs::write(&file, text).unwrap();
    let run = sb
        .run(&["policy", "import", file.to_str().unwrap()])
        .expect_code(2);
    assert!(
        run.stderr.contains("chain NO_SUCH_CHAIN does not exist"),
        "{}",
        run.stderr
    );
    std::fs::write(&file, "id = [not toml").unwrap();
    let run = sb
        .run(&["policy", "import", file.to_str().unwrap()])
        .expect_code(2);
    assert!(run.stderr.contains("broken.toml"), "{}", run.stderr);
}

fn global_policy(
    id: &str,
    reset: &[(&str, &str)],
    sequences: Vec<latchkey_core::chain::ChainDef>,
) -> String {
    let mut policy = SecurityPolicy {
        id: id.into(),
        sequences,
        ..SecurityPolicy::default()
    };
    policy.credentials.reset = Some(
        reset
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    );
    toml::to_string(&policy).unwrap()
}

/// A reset sequence that shows the hint before the mailed link (seed 002's example).
fn hint_first_sequence() -> latchkey_core::chain::ChainDef {
    use latchkey_core::chain::{CfgId, ChainDef, ChainPurpose, Control, ModuleDef, ModuleType};
    let module = |n: u128, kind, control| ModuleDef {
        cfg_id: format!("00000000-0000-4000-8000-{n:012x}")
            .parse::<CfgId>()
            .unwrap(),
        order: n as u32 * 10,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: Default::default(),
    };
    ChainDef {
        id: ChainId::new("PW_RESET_SEQ").unwrap(),
        description: "Password reset".into(),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules: vec![
            module(1, ModuleType::UserIdent, Control::Requisite),
            module(2, ModuleType::Hint, Control::Optional),
            module(3, ModuleType::MailNonce, Control::Required),
        ],
    }
}

#[test]
fn there_is_one_global_policy_and_its_reset_settings_are_checked() {
    let sb = Sandbox::new();
    sb.run(&["chain", "list"]).expect_code(0);
    sb.with_store(async |store| {
        use latchkey_core::repo::AuthConfigRepo;
        store.save_chain(&hint_first_sequence()).await.unwrap();
    });
    let file = sb.path().join("global.toml");
    let import = |text: String| {
        std::fs::write(&file, text).unwrap();
        sb.run(&["policy", "import", file.to_str().unwrap()])
    };

    // Unknown values are refused, every one named, and nothing is stored.
    let refused = import(global_policy(
        "global",
        &[
            ("sequence", "NO_SUCH_CHAIN"),
            ("force_change", "sometimes"),
            ("authorization", "GHOSTS"),
            ("sequense", "x"),
        ],
        vec![],
    ))
    .expect_code(2);
    for expected in [
        "force_change = \"sometimes\": use true or false",
        "reset setting \"sequense\" is unknown",
        "was not imported",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected}: {}",
            refused.stderr
        );
    }
    assert!(
        sb.run(&["policy", "list"])
            .expect_code(0)
            .stdout
            .contains("no policies")
    );
    let refused = import(global_policy(
        "global",
        &[("sequence", "NO_SUCH_CHAIN"), ("authorization", "GHOSTS")],
        vec![],
    ))
    .expect_code(2);
    assert!(
        refused
            .stderr
            .contains("chain NO_SUCH_CHAIN does not exist")
            && refused.stderr.contains("user class GHOSTS does not exist"),
        "{}",
        refused.stderr
    );

    // The global policy carries no sequences: the global sequences are the chains.
    let refused = import(global_policy(
        "global",
        &[("sequence", "PW_RESET_SEQ")],
        vec![hint_first_sequence()],
    ))
    .expect_code(2);
    assert!(
        refused
            .stderr
            .contains("the global sequences are the chains"),
        "{}",
        refused.stderr
    );

    // Stored, with a warning about the hint shown before the mailed link.
    let stored = import(global_policy(
        "global",
        &[("sequence", "PW_RESET_SEQ"), ("force_change", "true")],
        vec![],
    ))
    .expect_code(0);
    assert!(
        stored.stderr.contains("warning")
            && stored
                .stderr
                .contains("password hint before the mailed code")
            && stored.stderr.contains("account exists"),
        "{}",
        stored.stderr
    );
    // The sequence cannot be deleted while the global policy names it.
    for verb in ["disable", "delete"] {
        let kept = sb.run(&["chain", verb, "PW_RESET_SEQ"]).expect_code(2);
        assert!(
            kept.stderr.contains(
                "chain PW_RESET_SEQ is the password reset sequence of the global policy and was not"
            ),
            "{verb}: {}",
            kept.stderr
        );
    }
    // `config check` repeats it with the rest of the lint.
    let checked = sb.run(&["config", "check"]);
    assert!(
        checked.stdout.contains("chain PW_RESET_SEQ, module 20")
            && checked
                .stdout
                .contains("password hint before the mailed code"),
        "{}{}",
        checked.stdout,
        checked.stderr
    );
    // Importing it again replaces it; a second unattached policy is refused.
    import(global_policy(
        "global",
        &[("sequence", "PW_RESET_SEQ")],
        vec![],
    ))
    .expect_code(0);
    let refused = import(global_policy("another", &[], vec![])).expect_code(2);
    assert!(
        refused.stderr.contains("one global policy")
            && refused
                .stderr
                .contains("global already is the global policy"),
        "{}",
        refused.stderr
    );
    let list = sb.run(&["policy", "list"]).expect_code(0).stdout;
    assert!(
        list.contains("global") && !list.contains("another"),
        "{list}"
    );
}
