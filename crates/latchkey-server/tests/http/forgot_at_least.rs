//! `/forgot` with "the mailed code (required) plus at least one of {security questions,
//! TOTP}": the `at_least` module's menu after the code, a method per sub-chain, "Use another
//! method", a failed method never offered again, the same menu and pages whoever enrolled in
//! what, no way to the new-password step before enough methods, and `allow_locked` on the
//! questions and TOTP modules.

use crate::client::{Browser, Page};
use crate::custom::module;
use crate::forgot::{answer, identify, lock_by_failed_logins, mails_of};
use crate::mailbox::pin_in;
use crate::on_both;
use crate::questions::{asked, enrolled, right};
use crate::totp::{enrol, now_secs};
use latchkey_core::chain::{ChainDef, ChainId, ChainPurpose, Control, ModuleType, builtin};
use latchkey_core::repo::AuthConfigRepo;
use latchkey_notify::MessageKind;
use latchkey_server::login::forgot::FAILED;
use latchkey_testkit::TestServer;

const QUESTIONS: &str = "RESET_QUESTIONS";
const TOTP: &str = "RESET_TOTP";

/// PASSWORD_RESET + `at_least` (methods QUESTIONS, TOTP; minimum 1), each method a chain of
/// one module with `allow_locked = locked`.
async fn configure(server: &TestServer, allow_locked: &str) {
    let mut reset = builtin::shipped(&ChainId::new(builtin::PASSWORD_RESET).unwrap()).unwrap();
    reset.modules.push(module(
        90,
        ModuleType::AtLeast,
        Control::Required,
        &[
            ("methods", &format!("{QUESTIONS},{TOTP}")),
            ("minimum", "1"),
        ],
    ));
    server.store.save_chain(&reset).await.unwrap();
    for (id, description, kind) in [
        (
            QUESTIONS,
            "Answer your security questions",
            ModuleType::Response,
        ),
        (
            TOTP,
            "Enter a code from your authenticator app",
            ModuleType::Totp,
        ),
    ] {
        let method = ChainDef {
            id: ChainId::new(id).unwrap(),
            description: description.into(),
            enabled: true,
            builtin: false,
            abort_on_failure: false,
            cache_results: false,
            purpose: ChainPurpose::Authentication,
            modules: vec![module(
                10,
                kind,
                Control::Required,
                &[("allow_locked", allow_locked)],
            )],
        };
        server.store.save_chain(&method).await.unwrap();
    }
}

/// Identification and the mailed code: the menu of methods.
async fn to_menu(server: &TestServer, login: &str) -> (Browser, Page) {
    let to = format!("{login}@example.org");
    let before = mails_of(server, &to, MessageKind::Pin, 0).await.len();
    let (mut b, page) = identify(server, login).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mail = mails_of(server, &to, MessageKind::Pin, before + 1).await;
    let code = pin_in(&mail.last().unwrap().message.body_text, 6);
    let menu = answer(&mut b, &page, &[("pin", &code)]).await;
    assert_eq!(menu.status, 200, "{}", menu.body);
    (b, menu)
}

fn offers(page: &Page, method: &str) -> bool {
    page.body
        .contains(&format!("name=\"chain\" value=\"{method}\""))
}

/// The body without the per-request CSRF token and flow version.
fn shape(page: &Page) -> String {
    let mut body = page.body.clone();
    for name in ["csrf", "version"] {
        if let Some(v) = page.hidden(name) {
            body = body.replace(&v, "…");
        }
    }
    body
}

/// The new-password step is refused (step skipping).
async fn no_new_password(b: &mut Browser) {
    assert_eq!(b.get("/forgot/new-password").await.status, 403);
    let csrf = b.csrf();
    let posted = b
        .post(
            "/forgot/new-password",
            &[
                ("csrf", csrf.as_str()),
                ("new", "x y z w 1 2 3 4"),
                ("confirm", "x y z w 1 2 3 4"),
            ],
        )
        .await;
    assert_eq!(posted.status, 403, "{}", posted.body);
}

/// Posts `answers` (question id, answer) on a questions page of the reset flow.
async fn post(b: &mut Browser, page: &Page, answers: &[(String, String)]) -> Page {
    let named: Vec<(String, &str)> = answers
        .iter()
        .map(|(q, a)| (format!("answer.STANDARD.{q}"), a.as_str()))
        .collect();
    let fields: Vec<(&str, &str)> = named.iter().map(|(n, a)| (n.as_str(), *a)).collect();
    answer(b, page, &fields).await
}

fn verified(page: &Page) {
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.headers["location"], "/forgot/new-password");
}

on_both!(the_code_and_the_questions_reset, |server| {
    configure(&server, "false").await;
    let p = enrolled(&server, "quentin", 3).await;
    enrol(&server, p.id).await;
    let (mut b, menu) = to_menu(&server, "quentin").await;
    assert!(
        offers(&menu, QUESTIONS) && offers(&menu, TOTP),
        "{}",
        menu.body
    );
    no_new_password(&mut b).await;

    // TOTP first, then "Use another method": back to the menu, TOTP no longer on it.
    let totp = answer(&mut b, &menu, &[("chain", TOTP)]).await;
    assert!(totp.body.contains("authenticator app"), "{}", totp.body);
    assert!(totp.body.contains("Use another method"), "{}", totp.body);
    let menu = answer(&mut b, &totp, &[("another_method", "1")]).await;
    assert!(
        offers(&menu, QUESTIONS) && !offers(&menu, TOTP),
        "{}",
        menu.body
    );

    let page = answer(&mut b, &menu, &[("chain", QUESTIONS)]).await;
    let questions = asked(&page);
    assert_eq!(questions.len(), 2, "{}", page.body);
    no_new_password(&mut b).await;
    let done = post(&mut b, &page, &right(&questions)).await;
    verified(&done);
    assert_eq!(b.get("/forgot/new-password").await.status, 200);
});

on_both!(the_code_and_totp_reset_even_locked_when_allowed, |server| {
    let p = server.add_user("tamsin", "tamsin password").await.unwrap();
    let (app, _, _) = enrol(&server, p.id).await;
    lock_by_failed_logins(&server, "tamsin").await;

    // Without `allow_locked`, a locked account gets nowhere with a right code.
    configure(&server, "false").await;
    let (mut b, menu) = to_menu(&server, "tamsin").await;
    let page = answer(&mut b, &menu, &[("chain", TOTP)]).await;
    let refused = answer(&mut b, &page, &[("code", &app.code_at(now_secs()))]).await;
    // TOTP did not pass: the questions (never enrolled here, but offered to everyone) are left.
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        offers(&refused, QUESTIONS) && !offers(&refused, TOTP),
        "{}",
        refused.body
    );
    no_new_password(&mut b).await;

    configure(&server, "true").await;
    let (mut b, menu) = to_menu(&server, "tamsin").await;
    let page = answer(&mut b, &menu, &[("chain", TOTP)]).await;
    assert!(page.body.contains("authenticator app"), "{}", page.body);
    let done = answer(&mut b, &page, &[("code", &app.code_at(now_secs()))]).await;
    verified(&done);
});

on_both!(a_failed_method_is_not_offered_again, |server| {
    configure(&server, "false").await;
    enrolled(&server, "fenella", 3).await;
    let (mut b, menu) = to_menu(&server, "fenella").await;
    let page = answer(&mut b, &menu, &[("chain", QUESTIONS)]).await;
    let mut wrong = right(&asked(&page));
    wrong[0].1 = "not this".into();
    let menu = post(&mut b, &page, &wrong).await;
    assert_eq!(menu.status, 200, "{}", menu.body);
    assert!(
        !offers(&menu, QUESTIONS) && offers(&menu, TOTP),
        "{}",
        menu.body
    );
    no_new_password(&mut b).await;
    // A pick that is not on the menu changes nothing.
    let again = answer(&mut b, &menu, &[("chain", QUESTIONS)]).await;
    assert!(
        !offers(&again, QUESTIONS) && offers(&again, TOTP),
        "{}",
        again.body
    );

    // TOTP, never enrolled: the same code page as anyone's, then the generic failure, since
    // no method is left.
    let page = answer(&mut b, &again, &[("chain", TOTP)]).await;
    assert!(page.body.contains("authenticator app"), "{}", page.body);
    let failed = answer(&mut b, &page, &[("code", "123456")]).await;
    assert_eq!(failed.status, 401, "{}", failed.body);
    assert!(failed.body.contains(FAILED), "{}", failed.body);
    no_new_password(&mut b).await;
});

on_both!(everyone_sees_the_same_menu_and_pages, |server| {
    configure(&server, "false").await;
    let p = enrolled(&server, "edith", 3).await;
    enrol(&server, p.id).await;
    server.add_user("nemo", "nemo password").await.unwrap();
    let (mut enrolled_b, enrolled_menu) = to_menu(&server, "edith").await;
    let (mut bare_b, bare_menu) = to_menu(&server, "nemo").await;
    assert_eq!(shape(&enrolled_menu), shape(&bare_menu));
    assert!(!bare_menu.body.contains("nemo") && !enrolled_menu.body.contains("edith"));
    let a = answer(&mut enrolled_b, &enrolled_menu, &[("chain", TOTP)]).await;
    let b = answer(&mut bare_b, &bare_menu, &[("chain", TOTP)]).await;
    assert_eq!(
        shape(&a),
        shape(&b),
        "the TOTP page does not tell who enrolled"
    );
    // Before the menu, an unknown user's page is the known users' page.
    let (_, known) = identify(&server, "edith").await;
    let (_, unknown) = identify(&server, "nobody-here").await;
    assert_eq!(shape(&known), shape(&unknown));
});
