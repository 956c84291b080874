//! `/forgot` with forgotten-password settings (namespace `FORGOTTEN_PASSWORD`): a configured
//! user search form whose values cannot change the search filter (PWM #690), exactly one match
//! or the unknown-user pages, profiles whose match filter picks the chain, and a broken
//! configuration refused without showing it.

use crate::client::{Browser, Page};
use crate::forgot::{answer, can_sign_in, mailed_link, mails_of, set_new, without_tokens};
use crate::mailbox::pin_in;
use crate::on_both;
use latchkey_core::chain::{CfgId, ChainId, ModuleType, builtin};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditRepo, AuthConfigRepo, ProfileRepo, SettingsRepo};
use latchkey_core::settings::validate_row;
use latchkey_core::sspr::NS_FORGOTTEN_PASSWORD;
use latchkey_notify::MessageKind;
use latchkey_testkit::TestServer;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";

/// Replaces the forgotten-password settings with `rows` (in order).
async fn configure(server: &TestServer, rows: &[(&str, &str)]) {
    let mut settings: Vec<&str> = rows.iter().map(|(s, _)| *s).collect();
    settings.dedup();
    for setting in settings {
        let values: Vec<_> = rows
            .iter()
            .filter(|(s, _)| *s == setting)
            .map(|(s, v)| validate_row(NS_FORGOTTEN_PASSWORD, s, v, false).unwrap())
            .collect();
        server
            .store
            .replace_setting(NS_FORGOTTEN_PASSWORD, setting, &values)
            .await
            .unwrap();
    }
}

/// A user with these attributes besides `mail`.
async fn person(server: &TestServer, login: &str, attributes: &[(&str, &str)]) -> Profile {
    let mut p = server.add_user(login, OLD).await.unwrap();
    for (k, v) in attributes {
        p.attributes.add(k, *v).unwrap();
    }
    server.store.update_profile(&p).await.unwrap();
    p
}

/// Opens `/forgot` and submits `fields`: the page after identification.
async fn search(server: &TestServer, fields: &[(&str, &str)]) -> (Browser, Page) {
    let mut b = Browser::new(&server.url);
    let first = b.get("/forgot").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let page = answer(&mut b, &first, fields).await;
    (b, page)
}

async fn unknown_count(server: &TestServer) -> usize {
    let audit = server.store.recent_audit(1000).await.unwrap();
    audit
        .iter()
        .filter(|e| e.action == "password.reset.unknown")
        .count()
}

/// Completes a code flow for `login` and sets NEW.
async fn finish_with_code(server: &TestServer, b: &mut Browser, page: &Page, login: &str) {
    let to = format!("{login}@example.org");
    let mail = mails_of(server, &to, MessageKind::Pin, 1).await;
    let code = pin_in(&mail.last().unwrap().message.body_text, 6);
    let done = answer(b, page, &[("pin", &code)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(set_new(b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(server, login, NEW).await);
}

const MAIL_AND_SURNAME: [(&str, &str); 3] = [
    ("SEARCH_FIELDS", "mail required Email address"),
    ("SEARCH_FIELDS", "sn required Surname"),
    (
        "SEARCH_FILTER",
        "(&(objectClass=person)(mail=%mail%)(sn=%sn%))",
    ),
];

on_both!(search_form_values_cannot_change_the_filter, |server| {
    configure(&server, &MAIL_AND_SURNAME).await;
    person(&server, "alice", &[("sn", "Doe")]).await;
    // A surname full of filter syntax and non-ASCII, stored as it is.
    let odd = "Zoë (Ops)*\\ 山田";
    person(&server, "zoe", &[("sn", odd)]).await;

    let form = Browser::new(&server.url).get("/forgot").await;
    assert!(form.body.contains("Email address"), "{}", form.body);
    assert!(form.body.contains("name=\"sn\""), "{}", form.body);
    assert!(!form.body.contains("name=\"user\""), "{}", form.body);

    let (_, unknown) = search(&server, &[("mail", "nobody@example.org"), ("sn", "Nobody")]).await;
    assert_eq!(unknown.status, 200, "{}", unknown.body);
    let attempts: [[&str; 2]; 9] = [
        ["*", "*"],
        ["alice@example.org", "*"],
        ["alice@example.org)(sn=*", "x"],
        ["*)(|(mail=*", "*))"],
        ["alice@example.org", "Doe\0"],
        ["alice@example.org\0", "Doe"],
        ["alice@example.org", "D\\6fe"],
        ["zoe@example.org", "Zoë (Ops)"],
        ["zoe@example.org", "Zoe (Ops)*\\ 山田"],
    ];
    let before = unknown_count(&server).await;
    for [mail, sn] in attempts {
        let (_, page) = search(&server, &[("mail", mail), ("sn", sn)]).await;
        assert_eq!(page.status, unknown.status, "{mail:?} {sn:?}");
        assert_eq!(
            without_tokens(&page.body),
            without_tokens(&unknown.body),
            "{mail:?} {sn:?}"
        );
    }
    assert_eq!(
        unknown_count(&server).await,
        before + attempts.len(),
        "an injected search found somebody"
    );

    // The exact values find exactly that person (case-insensitively), and the flow is theirs.
    let (mut b, page) = search(
        &server,
        &[("mail", "ZOE@example.org"), ("sn", "zoë (ops)*\\ 山田")],
    )
    .await;
    assert_eq!(without_tokens(&page.body), without_tokens(&unknown.body));
    assert_eq!(unknown_count(&server).await, before + attempts.len());
    finish_with_code(&server, &mut b, &page, "zoe").await;
    assert!(can_sign_in(&server, "alice", OLD).await);
});

on_both!(several_matches_are_nobody, |server| {
    configure(
        &server,
        &[
            ("SEARCH_FIELDS", "sn required Surname"),
            ("SEARCH_FILTER", "(sn=%sn%)"),
        ],
    )
    .await;
    person(&server, "bob", &[("sn", "Roe"), ("givenName", "Bob")]).await;
    person(&server, "bea", &[("sn", "Roe"), ("givenName", "Bea")]).await;
    person(&server, "cal", &[("sn", "Poe")]).await;
    let before = unknown_count(&server).await;
    // Two people called Roe: nobody.
    search(&server, &[("sn", "Roe")]).await;
    assert_eq!(unknown_count(&server).await, before + 1);
    let (mut c, page) = search(&server, &[("sn", "Poe")]).await;
    assert_eq!(unknown_count(&server).await, before + 1);
    finish_with_code(&server, &mut c, &page, "cal").await;

    // An optional first name tells them apart; left empty, it matches only people without one.
    configure(
        &server,
        &[
            ("SEARCH_FIELDS", "sn required Surname"),
            ("SEARCH_FIELDS", "givenName optional First name"),
            (
                "SEARCH_FILTER",
                "(&(sn=%sn%)(|(givenName=%givenName%)(!(givenName=*))))",
            ),
        ],
    )
    .await;
    search(&server, &[("sn", "Roe"), ("givenName", "")]).await;
    assert_eq!(unknown_count(&server).await, before + 2);
    let (mut b, page) = search(&server, &[("sn", "roe"), ("givenName", "bea")]).await;
    assert_eq!(unknown_count(&server).await, before + 2);
    finish_with_code(&server, &mut b, &page, "bea").await;
    assert!(can_sign_in(&server, "bob", OLD).await);
});

/// STAFF_RESET: PASSWORD_RESET with a mailed link instead of a code.
async fn staff_chain(server: &TestServer) {
    let mut chain = builtin::shipped(&ChainId::new(builtin::PASSWORD_RESET).unwrap()).unwrap();
    chain.id = ChainId::new_custom("STAFF_RESET").unwrap();
    chain.description = "Staff reset by link".into();
    chain.builtin = false;
    for (n, module) in chain.modules.iter_mut().enumerate() {
        module.cfg_id = CfgId(uuid::Uuid::from_u128(0x5_7aff_0000 + n as u128));
        if module.kind == ModuleType::EmailSmsPin {
            module.kind = ModuleType::MailNonce;
            module.settings.remove("channel");
        }
    }
    server.store.save_chain(&chain).await.unwrap();
}

on_both!(a_profile_filter_chooses_the_chain, |server| {
    staff_chain(&server).await;
    configure(
        &server,
        &[
            ("PROFILES", "staff"),
            ("PROFILES", "everyone"),
            ("FILTER", "staff (&(objectClass=person)(ou=staff))"),
            ("CHAIN", "staff STAFF_RESET"),
        ],
    )
    .await;
    person(&server, "sam", &[("ou", "Staff")]).await;
    person(&server, "nora", &[("ou", "Sales")]).await;
    // The default form (the user ID) is unchanged.
    let (mut code_flow, code_page) = search(&server, &[("user", "nora")]).await;
    assert!(
        code_page.body.contains("we sent a one-time code"),
        "{}",
        code_page.body
    );
    let (mut b, page) = search(&server, &[("user", "Sam")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("we sent a link there"), "{}", page.body);
    let path = mailed_link(&server, "sam@example.org").await;
    assert!(path.starts_with("/forgot/link?token="), "{path}");
    let opened = b.get(&path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let done = answer(&mut b, &opened, &[]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&server, "sam", NEW).await);
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    // Nora's profile keeps the mailed code.
    finish_with_code(&server, &mut code_flow, &code_page, "nora").await;
});

on_both!(a_person_no_profile_takes_is_nobody, |server| {
    configure(
        &server,
        &[("PROFILES", "staff"), ("FILTER", "staff (ou=staff)")],
    )
    .await;
    person(&server, "olga", &[("ou", "Sales")]).await;
    let (_, unknown) = search(&server, &[("user", "no-such-person")]).await;
    let before = unknown_count(&server).await;
    let (_, page) = search(&server, &[("user", "olga")]).await;
    assert_eq!(page.status, unknown.status);
    assert_eq!(without_tokens(&page.body), without_tokens(&unknown.body));
    assert_eq!(unknown_count(&server).await, before + 1);
});

on_both!(a_broken_configuration_is_refused_and_not_shown, |server| {
    person(&server, "pia", &[]).await;
    let filter = "staff (&(ou=secret-unit)";
    configure(&server, &[("PROFILES", "staff"), ("FILTER", filter)]).await;
    let mut b = Browser::new(&server.url);
    let refused = b.get("/forgot").await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert!(
        refused.body.contains("tell your help desk"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("secret-unit"), "{}", refused.body);
    // Nothing was started or sent.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(crate::mailbox::outbox(&server).is_empty());
    // Repaired, the service is back as it was.
    server
        .store
        .replace_setting(NS_FORGOTTEN_PASSWORD, "FILTER", &[])
        .await
        .unwrap();
    server
        .store
        .replace_setting(NS_FORGOTTEN_PASSWORD, "PROFILES", &[])
        .await
        .unwrap();
    let (mut b, page) = search(&server, &[("user", "pia")]).await;
    finish_with_code(&server, &mut b, &page, "pia").await;
});
