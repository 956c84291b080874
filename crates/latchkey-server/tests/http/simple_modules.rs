//! localauth, hint, attribute_verification and pii through real sign-ins.

use crate::client::Browser;
use crate::custom::{module, use_chain, user_with};
use crate::on_both;
use latchkey_core::chain::{Control, ModuleType};
use latchkey_core::repo::SettingsRepo;
use latchkey_core::settings::SettingRow;

const GENERIC: &str = "The user ID or password is not correct.";

on_both!(localauth_lets_loopback_in_without_a_password, |server| {
    server.add_user("lo", "los password").await.unwrap();
    use_chain(
        &server,
        "LOCAL",
        vec![module(10, ModuleType::LocalAuth, Control::Required, &[])],
    )
    .await;
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let answer = b.step(&first, &[("user", "lo")]).await;
    assert_eq!(answer.status, 303, "the test client is on 127.0.0.1");

    // A request that came through a proxy is not local, whatever the peer address says.
    let mut b = Browser::new(&server.url);
    let r = b
        .http
        .get(format!("{}/login", server.url))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    for set in r.headers().get_all("set-cookie") {
        let (pair, _) = set.to_str().unwrap().split_once(';').unwrap();
        let (k, v) = pair.split_once('=').unwrap();
        b.cookies.insert(k.into(), v.into());
    }
    let first = crate::client::Page {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    };
    let answer = b.step(&first, &[("user", "lo")]).await;
    assert_eq!(answer.status, 401);
});

on_both!(a_hint_is_shown_then_the_password_asked, |server| {
    user_with(
        &server,
        "hal",
        "hals password",
        &[("passwordHint", "the <b>cat</b>")],
    )
    .await;
    server.add_user("nohint", "nohints password").await.unwrap();
    let chain = |accept_empty: &str| {
        vec![
            module(
                10,
                ModuleType::Hint,
                Control::Required,
                &[("accept_empty", accept_empty)],
            ),
            module(20, ModuleType::Password, Control::Required, &[]),
        ]
    };
    use_chain(&server, "HINTED", chain("false")).await;
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let hint = b.step(&first, &[("user", "hal")]).await;
    assert!(
        hint.body.contains("Hint: the &#60;b&#62;cat&#60;/b&#62;") && !hint.body.contains("<b>cat"),
        "{}",
        hint.body
    );
    let pw = b.step(&hint, &[]).await;
    assert!(pw.body.contains("Enter your password"), "{}", pw.body);
    assert_eq!(
        b.step(&pw, &[("password", "hals password")]).await.status,
        303
    );

    // No hint: the hint module fails, so even the right password is refused...
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("nohint", "nohints password").await.status, 401);
    // ...unless the chain accepts an empty hint.
    use_chain(&server, "HINTED", chain("true")).await;
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("nohint", "nohints password").await.status, 303);
});

on_both!(attribute_verification_checks_every_field, |server| {
    user_with(
        &server,
        "ava",
        "avas password",
        &[("employeeNumber", "E-1001"), ("postcode", "SW1A 1AA")],
    )
    .await;
    server.add_user("bare", "bares password").await.unwrap();
    use_chain(
        &server,
        "ATTRS",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(
                20,
                ModuleType::AttributeVerification,
                Control::Required,
                &[("attributes", "employeeNumber:exact, postcode")],
            ),
        ],
    )
    .await;
    let attempt = |number: &'static str, postcode: &'static str| {
        let url = server.url.clone();
        async move {
            let mut b = Browser::new(&url);
            let (_, form) = b.sign_in_pages("ava", "avas password").await;
            assert!(form.body.contains("employeenumber"), "{}", form.body);
            b.step(&form, &[("attr_0", number), ("attr_1", postcode)])
                .await
        }
    };
    assert_eq!(attempt("E-1001", "  sw1a   1aa ").await.status, 303);
    let wrong = attempt("e-1001", "SW1A 1AA").await;
    assert_eq!(wrong.status, 401, "employeeNumber is compared exactly");
    assert!(wrong.body.contains(GENERIC) && !wrong.body.contains("employee"));
    assert_eq!(attempt("E-1001", "SW1A 1AB").await.status, 401);
    // Someone without the attributes on file is refused (missing = fail).
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("bare", "bares password").await.status, 401);
});

on_both!(pii_asks_the_configured_number_of_items, |server| {
    for (setting, value) in [
        ("DOB", "dateOfBirth"),
        ("DL", "driversLicence"),
        ("MMN", "mothersMaidenName"),
    ] {
        let row = SettingRow {
            namespace: "AUTHCHAIN_PII_ATTRS".into(),
            setting: setting.into(),
            value: value.into(),
        };
        server
            .store
            .replace_setting("AUTHCHAIN_PII_ATTRS", setting, &[row])
            .await
            .unwrap();
    }
    let required = SettingRow {
        namespace: "AUTHCHAIN_PII_CONFIG".into(),
        setting: "PII_REQUIRED".into(),
        value: "2".into(),
    };
    server
        .store
        .replace_setting("AUTHCHAIN_PII_CONFIG", "PII_REQUIRED", &[required])
        .await
        .unwrap();
    user_with(
        &server,
        "pia",
        "pias password",
        &[
            ("dateOfBirth", "1980-04-17"),
            ("mothersMaidenName", "Müller"),
        ],
    )
    .await;
    user_with(
        &server,
        "one",
        "ones password",
        &[("dateOfBirth", "1990-01-01")],
    )
    .await;
    use_chain(
        &server,
        "PII",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(20, ModuleType::Pii, Control::Required, &[]),
        ],
    )
    .await;
    let attempt = |dob: &'static str, mmn: &'static str| {
        let url = server.url.clone();
        async move {
            let mut b = Browser::new(&url);
            let (_, form) = b.sign_in_pages("pia", "pias password").await;
            assert!(form.body.contains("Date of birth"), "{}", form.body);
            assert!(form.body.contains("maiden name"), "{}", form.body);
            assert!(!form.body.contains("licence"), "{}", form.body);
            b.step(&form, &[("pii_dob", dob), ("pii_mmn", mmn)]).await
        }
    };
    assert_eq!(attempt("1980-04-17", " MÜLLER ").await.status, 303);
    let wrong = attempt("1980-04-17", "Mueller").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains(GENERIC));
    assert_eq!(attempt("1980-04-18", "Müller").await.status, 401);
    // Only one item on file but two required: refused.
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("one", "ones password").await.status, 401);
});
