//! `focus_identification`: the user is found by attributes typed, each with its matching rule.

use crate::client::Browser;
use crate::on_both;
use latchkey_core::chain::{
    CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType, builtin,
};
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo};

fn module(n: u128, kind: ModuleType, settings: &[(&str, &str)]) -> ModuleDef {
    ModuleDef {
        cfg_id: CfgId(uuid::Uuid::from_u128(0xF0C05 << 16 | n)),
        order: n as u32 * 10,
        kind,
        control: Control::Required,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: settings
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    }
}

async fn install(server: &latchkey_testkit::TestServer) {
    let focus = ChainDef {
        id: ChainId::new("FOCUS_LOGIN").unwrap(),
        description: "Details and password".into(),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules: vec![
            module(
                1,
                ModuleType::FocusIdent,
                &[
                    ("attributes", "mail, employeeNumber:exact"),
                    ("label:employeenumber", "Employee number"),
                ],
            ),
            module(2, ModuleType::Password, &[]),
        ],
    };
    let mut default_login =
        builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
    default_login.modules[0]
        .settings
        .insert("available".into(), "FOCUS_LOGIN".into());
    default_login.modules[0]
        .settings
        .insert("initial".into(), "FOCUS_LOGIN".into());
    server.store.save_chain(&focus).await.unwrap();
    server.store.save_chain(&default_login).await.unwrap();
}

async fn with_number(server: &latchkey_testkit::TestServer, login: &str, number: &str) {
    let mut p = server
        .add_user(login, &format!("{login} password"))
        .await
        .unwrap();
    p.attributes
        .set("employeeNumber", vec![number.into()])
        .unwrap();
    server.store.update_profile(&p).await.unwrap();
}

on_both!(found_by_attributes_with_their_rules, |server| {
    install(&server).await;
    with_number(&server, "gina", "E-77").await;
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let details = b.step(&first, &[("user", "gina")]).await;
    assert!(details.body.contains("Employee number"), "{}", details.body);
    // mail is compared normalised (case and full-width letters do not matter) …
    let pw = b
        .step(
            &details,
            &[
                ("attr_mail", " ＧＩＮＡ@Example.org "),
                ("attr_employeenumber", "E-77"),
            ],
        )
        .await;
    assert!(pw.body.contains("Enter your password"), "{}", pw.body);
    assert_eq!(
        b.step(&pw, &[("password", "gina password")]).await.status,
        303
    );
    // … the employee number exactly.
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let details = b.step(&first, &[("user", "gina")]).await;
    // A wrong detail is not revealed: the password is still asked, and the attempt fails.
    let pw = b
        .step(
            &details,
            &[
                ("attr_mail", "gina@example.org"),
                ("attr_employeenumber", "e-77"),
            ],
        )
        .await;
    assert!(pw.body.contains("Enter your password"), "{}", pw.body);
    let denied = b.step(&pw, &[("password", "gina password")]).await;
    assert_eq!(denied.status, 401);
    assert!(
        denied
            .body
            .contains("The user ID or password is not correct.")
    );
});

on_both!(several_matches_fail_like_none, |server| {
    install(&server).await;
    with_number(&server, "hal", "E-1").await;
    // A second profile with the same mail and number: ambiguous, never guessed.
    let mut twin = server.add_user("hal2", "x").await.unwrap();
    twin.attributes
        .set("mail", vec!["hal@example.org".into()])
        .unwrap();
    twin.attributes
        .set("employeeNumber", vec!["E-1".into()])
        .unwrap();
    server.store.update_profile(&twin).await.unwrap();
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let details = b.step(&first, &[("user", "hal")]).await;
    let pw = b
        .step(
            &details,
            &[
                ("attr_mail", "hal@example.org"),
                ("attr_employeenumber", "E-1"),
            ],
        )
        .await;
    let denied = b.step(&pw, &[("password", "hal password")]).await;
    assert_eq!(denied.status, 401);
});
