use crate::util::Sandbox;
use latchkey_core::chain::builtin;
use latchkey_core::chain::{
    CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType,
};
use latchkey_core::repo::AuthConfigRepo;

/// `chain list` as (id, enabled, built in, purpose, modules) rows.
fn chains(sb: &Sandbox) -> Vec<(String, String, String, String, String)> {
    let run = sb.run(&["chain", "list"]).expect_code(0);
    let mut lines = run.stdout.lines();
    assert!(lines.next().unwrap().starts_with("ID "), "{}", run.stdout);
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (
                cells[0].to_owned(),
                cells[1].to_owned(),
                cells[2].to_owned(),
                cells[3].to_owned(),
                cells[4].to_owned(),
            )
        })
        .collect()
}

fn enabled(sb: &Sandbox, id: &str) -> Option<bool> {
    chains(sb)
        .into_iter()
        .find(|c| c.0 == id)
        .map(|c| c.1 == "yes")
}

/// Stores an enabled custom chain MINE with one password module (after the shipped
/// configuration is installed, so it is added to it).
fn add_custom_chain(sb: &Sandbox) {
    sb.run(&["chain", "list"]).expect_code(0);
    sb.with_store(async |store| {
        store
            .save_chain(&ChainDef {
                id: ChainId::new("MINE").unwrap(),
                description: "Mine".into(),
                enabled: true,
                builtin: false,
                abort_on_failure: false,
                cache_results: false,
                purpose: ChainPurpose::Authentication,
                modules: vec![ModuleDef {
                    cfg_id: "abcd0000-0000-4000-8000-000000000001"
                        .parse::<CfgId>()
                        .unwrap(),
                    order: 10,
                    kind: ModuleType::Password,
                    control: Control::Required,
                    description: String::new(),
                    bypass_on_retry: false,
                    increment_lockout: true,
                    settings: Default::default(),
                }],
            })
            .await
            .unwrap();
    });
}

#[test]
fn a_fresh_database_lists_the_seven_built_in_chains() {
    let sb = Sandbox::new();
    assert!(!sb.db_path().exists());
    let rows = chains(&sb);
    let mut ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    ids.sort_unstable();
    let mut expected = builtin::IDS.to_vec();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    for (id, enabled, builtin, _, _) in &rows {
        assert_eq!((enabled.as_str(), builtin.as_str()), ("yes", "yes"), "{id}");
    }
    let standard = rows
        .iter()
        .find(|r| r.0 == builtin::STANDARD_LOGIN)
        .unwrap();
    assert_eq!(
        (standard.3.as_str(), standard.4.as_str()),
        ("authentication", "5")
    );
    let ident = rows
        .iter()
        .find(|r| r.0 == builtin::USER_IDENTIFICATION)
        .unwrap();
    assert_eq!(ident.3, "identification");
}

#[test]
fn show_lists_the_modules_in_order_with_their_settings() {
    let sb = Sandbox::new();
    let run = sb
        .run(&["chain", "show", builtin::STANDARD_LOGIN])
        .expect_code(0);
    let modules: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("ORDER"))
        .skip(1)
        .take(5)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let kinds: Vec<(&str, &str, &str)> = modules.iter().map(|m| (m[0], m[1], m[2])).collect();
    assert_eq!(
        kinds,
        [
            ("10", "identify", "required"),
            ("20", "ident_ctrl", "requisite"),
            ("30", "glf_control", "requisite"),
            ("40", "cgijump", "requisite"),
            ("50", "select_chain", "required"),
        ],
        "{}",
        run.stdout
    );
    // CfgId, bypass, increment, settings.
    assert_eq!(
        &modules[4][3..],
        [
            builtin::cfg::STD_SELECT.to_string().as_str(),
            "no",
            "yes",
            "available=DEFAULT_LOGIN",
            "initial=DEFAULT_LOGIN"
        ]
    );
    let missing = sb.run(&["chain", "show", "NOPE"]).expect_code(2);
    assert!(
        missing.stderr.contains("there is no chain NOPE"),
        "{}",
        missing.stderr
    );
}

#[test]
fn enabled_chains_cannot_be_deleted_and_disabled_custom_ones_can() {
    let sb = Sandbox::new();
    add_custom_chain(&sb);
    assert_eq!(enabled(&sb, "MINE"), Some(true));

    let run = sb.run(&["chain", "delete", "MINE"]).expect_code(2);
    assert!(
        run.stderr
            .contains("chain MINE is enabled: disable it before changing it"),
        "{}",
        run.stderr
    );
    assert_eq!(enabled(&sb, "MINE"), Some(true));

    sb.run(&["chain", "disable", "MINE"]).expect_code(0);
    assert_eq!(enabled(&sb, "MINE"), Some(false));
    let again = sb.run(&["chain", "disable", "MINE"]).expect_code(0);
    assert!(
        again.stdout.contains("already disabled"),
        "{}",
        again.stdout
    );

    let run = sb.run(&["chain", "delete", "MINE"]).expect_code(0);
    assert!(run.stdout.contains("chain MINE deleted"), "{}", run.stdout);
    assert_eq!(enabled(&sb, "MINE"), None);
    sb.run(&["chain", "delete", "MINE"]).expect_code(2);
}

#[test]
fn built_in_chains_are_never_deleted_and_fall_back_when_disabled() {
    let sb = Sandbox::new();
    let run = sb.run(&["chain", "delete", "PASSWORD"]).expect_code(2);
    assert!(
        run.stderr
            .contains("chain PASSWORD is built in and cannot be deleted"),
        "{}",
        run.stderr
    );
    let run = sb
        .run(&["chain", "disable", builtin::DEFAULT_LOGIN])
        .expect_code(0);
    assert!(run.stdout.contains("shipped definition"), "{}", run.stdout);
    assert_eq!(enabled(&sb, builtin::DEFAULT_LOGIN), Some(false));
    let show = sb
        .run(&["chain", "show", builtin::DEFAULT_LOGIN])
        .expect_code(0);
    assert!(show.stdout.contains("enabled: no"), "{}", show.stdout);
    // Disabled, still built in: still refused.
    sb.run(&["chain", "delete", builtin::DEFAULT_LOGIN])
        .expect_code(2);
    sb.run(&["chain", "enable", builtin::DEFAULT_LOGIN])
        .expect_code(0);
    assert_eq!(enabled(&sb, builtin::DEFAULT_LOGIN), Some(true));
    assert_eq!(chains(&sb).len(), builtin::IDS.len());
}

#[test]
fn a_chain_a_selector_still_offers_is_not_deleted() {
    let sb = Sandbox::new();
    let shipped = sb.export("shipped.toml");
    let offered = "available = \"PASSWORD,SECURITY_QUESTIONS\"";
    assert!(shipped.contains(offered), "{shipped}");
    let edited = shipped.replace(offered, "available = \"PASSWORD,SECURITY_QUESTIONS,MINE\"")
        + "\n[[chain]]\nid = \"MINE\"\nenabled = false\n\n[[chain.module]]\n\
           cfg_id = \"abcd0000-0000-4000-8000-000000000001\"\norder = 10\n\
           type = \"password\"\ncontrol = \"required\"\n";
    let file = sb.write("edited.toml", &edited);
    sb.run(&["authcfg", "import", &file]).expect_code(0);
    assert_eq!(enabled(&sb, "MINE"), Some(false));

    let run = sb.run(&["chain", "delete", "MINE"]).expect_code(2);
    assert!(
        run.stderr.contains("chain MINE does not exist")
            && run
                .stderr
                .contains("chain MINE is still in use and was not deleted"),
        "{}",
        run.stderr
    );
    assert_eq!(enabled(&sb, "MINE"), Some(false));
}
