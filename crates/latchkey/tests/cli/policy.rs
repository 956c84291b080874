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
