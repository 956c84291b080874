//! `/forgot` "the midPoint way" (seed 002): the global policy's reset settings name a
//! sequence; class policies add security questions (organization) and an attribute check
//! (archetype); the `authorization` class keeps everyone else on the unknown user's decoy walk.

use crate::client::{Browser, Page};
use crate::forgot::{answer, can_sign_in, mailed_link, mails_of, set_new, without_tokens};
use crate::mailbox::outbox;
use crate::on_both;
use crate::questions::{asked, enrolled, right};
use latchkey_core::chain::policy::{PolicyRole, SecurityPolicy, Settings};
use latchkey_core::chain::{
    CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType, builtin,
};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo, UserClassRepo};
use latchkey_core::userclass::{RuleMode, UserClass};
use latchkey_testkit::TestServer;

const OLD: &str = "correct horse battery";
const NEW: &str = "violet tractor umbrella 42";
const SEQUENCE: &str = "PW_RESET_SEQ";

fn module(
    n: u128,
    order: u32,
    kind: ModuleType,
    control: Control,
    s: &[(&str, &str)],
) -> ModuleDef {
    ModuleDef {
        cfg_id: CfgId(uuid::Uuid::from_u128(0x5E0_0000 | n)),
        order,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: s.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
    }
}

fn sequence(modules: Vec<ModuleDef>) -> ChainDef {
    ChainDef {
        id: ChainId::new(SEQUENCE).unwrap(),
        description: "Password reset".into(),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules,
    }
}

fn reset(pairs: &[(&str, &str)]) -> Option<Settings> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    )
}

/// The seed's realistic example: the person found by their address (requisite), the hint
/// (optional, skipped when there is none), then the mailed link (required); and the global
/// policy naming it, with `extra` reset settings.
async fn realistic(server: &TestServer, extra: &[(&str, &str)]) {
    let chain = sequence(vec![
        module(
            1,
            10,
            ModuleType::FocusIdent,
            Control::Requisite,
            &[("attributes", "mail")],
        ),
        module(
            2,
            20,
            ModuleType::Hint,
            Control::Optional,
            &[("accept_empty", "true")],
        ),
        module(3, 30, ModuleType::MailNonce, Control::Required, &[]),
    ]);
    server.store.save_chain(&chain).await.unwrap();
    let mut settings = vec![("sequence", SEQUENCE)];
    settings.extend_from_slice(extra);
    let global = SecurityPolicy {
        id: "global".into(),
        credentials: latchkey_core::chain::policy::CredentialSettings {
            reset: reset(&settings),
            ..Default::default()
        },
        ..SecurityPolicy::default()
    };
    server.store.save_policy(&global).await.unwrap();
}

async fn class(server: &TestServer, id: &str, members: &[ProfileId]) {
    let class = UserClass {
        id: id.parse().unwrap(),
        description: String::new(),
        static_members: members.iter().copied().collect(),
        rules: vec![],
        mode: RuleMode::All,
    };
    server.store.save_user_class(&class).await.unwrap();
    server
        .store
        .replace_members(
            &class.id,
            &class.static_members,
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
}

async fn attach(server: &TestServer, id: &str, class: &str, role: PolicyRole, m: ModuleDef) {
    let policy = SecurityPolicy {
        id: id.into(),
        attached_to: Some((class.parse().unwrap(), role)),
        sequences: vec![sequence(vec![m])],
        ..SecurityPolicy::default()
    };
    server.store.save_policy(&policy).await.unwrap();
}

async fn with_attribute(server: &TestServer, login: &str, name: &str, value: &str) -> Profile {
    let mut p = server.add_user(login, OLD).await.unwrap();
    p.attributes.set(name, vec![value.into()]).unwrap();
    server.store.update_profile(&p).await.unwrap();
    p
}

/// Opens `/forgot` and gives the address `login@example.org`: the page after identification.
async fn identify(server: &TestServer, login: &str) -> (Browser, Page) {
    let mut b = Browser::new(&server.url);
    let first = b.get("/forgot").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Reset your password"), "{}", first.body);
    assert!(first.body.contains("name=\"attr_mail\""), "{}", first.body);
    let address = format!("{login}@example.org");
    let page = answer(&mut b, &first, &[("attr_mail", address.as_str())]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    (b, page)
}

fn links_to(server: &TestServer, login: &str) -> usize {
    let to = format!("{login}@example.org");
    outbox(server)
        .iter()
        .filter(|m| m.message.to == to && m.message.kind == latchkey_notify::MessageKind::Link)
        .count()
}

/// From the link page: the `nth` link mailed to `login` opened in this browser, then Continue.
async fn open_link(server: &TestServer, b: &mut Browser, login: &str, nth: usize) -> Page {
    let to = format!("{login}@example.org");
    mails_of(server, &to, latchkey_notify::MessageKind::Link, nth).await;
    let path = mailed_link(server, &to).await;
    assert!(path.starts_with("/forgot/link?token="), "{path}");
    let opened = b.get(&path).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    answer(b, &opened, &[]).await
}

const LINK_PAGE: &str = "we sent a link there";

on_both!(the_hint_then_the_mailed_link, |server| {
    realistic(&server, &[]).await;
    with_attribute(&server, "hana", "passwordHint", "the usual, with a 7").await;
    server.add_user("ivo", OLD).await.unwrap();

    let (mut b, hint) = identify(&server, "hana").await;
    assert!(
        hint.body.contains("Hint: the usual, with a 7"),
        "{}",
        hint.body
    );
    assert!(hint.body.contains("Reset your password"), "{}", hint.body);
    // Nothing is mailed before the person chose to go on.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(links_to(&server, "hana"), 0);
    let link_page = answer(&mut b, &hint, &[]).await;
    assert_eq!(link_page.status, 200, "{}", link_page.body);
    assert!(link_page.body.contains(LINK_PAGE), "{}", link_page.body);
    let done = open_link(&server, &mut b, "hana", 1).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.headers["location"], "/forgot/new-password");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&server, "hana", NEW).await);

    // No hint: straight to the link page, the very page an unknown address gets.
    let (_, ivo) = identify(&server, "ivo").await;
    assert!(ivo.body.contains(LINK_PAGE), "{}", ivo.body);
    let (_, nobody) = identify(&server, "nobody-at-all").await;
    assert_eq!(without_tokens(&ivo.body), without_tokens(&nobody.body));
    assert_eq!(links_to(&server, "ivo"), 1);
});

on_both!(interns_may_answer_their_questions_instead, |server| {
    realistic(&server, &[]).await;
    let with_answers = enrolled(&server, "ina", 6).await;
    let without = server.add_user("jon", OLD).await.unwrap();
    class(&server, "INTERNS", &[with_answers.id, without.id]).await;
    let questions = builtin::shipped(&ChainId::new(builtin::SECURITY_QUESTIONS).unwrap()).unwrap();
    let mut settings: Vec<(String, String)> =
        questions.modules[0].settings.clone().into_iter().collect();
    settings.push(("incomplete".into(), "ignore".into()));
    let pairs: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = module(4, 25, ModuleType::Response, Control::Sufficient, &pairs);
    attach(
        &server,
        "interns",
        "INTERNS",
        PolicyRole::Organization,
        response,
    )
    .await;

    // Answers enrolled: the questions, and no mail needed.
    let (mut b, page) = identify(&server, "ina").await;
    assert!(
        page.body.contains("name=\"answer.STANDARD."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Resetting the password of ina.") && !page.body.contains("Signing in"),
        "{}",
        page.body
    );
    let form: Vec<(String, String)> = right(&asked(&page))
        .into_iter()
        .map(|(q, a)| (format!("answer.STANDARD.{q}"), a))
        .collect();
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = answer(&mut b, &page, &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.headers["location"], "/forgot/new-password");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    // (Signing in with it offers her the menu of password or questions: not checked here.)
    assert_eq!(links_to(&server, "ina"), 0);

    // No answers: the questions are skipped, the mailed link as for everyone.
    let (mut b, page) = identify(&server, "jon").await;
    assert!(page.body.contains(LINK_PAGE), "{}", page.body);
    let done = open_link(&server, &mut b, "jon", 1).await;
    assert_eq!(done.status, 303, "{}", done.body);
});

on_both!(
    internal_employees_confirm_their_number_after_the_link,
    |server| {
        realistic(&server, &[]).await;
        let kai = with_attribute(&server, "kai", "employeeNumber", "E-77").await;
        class(&server, "INTERNAL", &[kai.id]).await;
        let check = module(
            5,
            40,
            ModuleType::AttributeVerification,
            Control::Required,
            &[("attributes", "employeeNumber:exact")],
        );
        attach(
            &server,
            "internal",
            "INTERNAL",
            PolicyRole::Archetype,
            check,
        )
        .await;

        let (mut b, page) = identify(&server, "kai").await;
        assert!(page.body.contains(LINK_PAGE), "{}", page.body);
        let details = open_link(&server, &mut b, "kai", 1).await;
        assert_eq!(details.status, 200, "{}", details.body);
        assert!(
            details
                .body
                .contains("exactly as your organisation has them on file"),
            "{}",
            details.body
        );
        // The number is required: a wrong one ends the flow.
        let done = answer(&mut b, &details, &[("attr_0", "E-77")]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(done.headers["location"], "/forgot/new-password");

        let (mut b, _) = identify(&server, "kai").await;
        let details = open_link(&server, &mut b, "kai", 2).await;
        let wrong = answer(&mut b, &details, &[("attr_0", "E-78")]).await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);
        assert_eq!(b.get("/forgot/new-password").await.status, 403);
    }
);

on_both!(outside_the_authorization_class_is_a_decoy, |server| {
    realistic(&server, &[("authorization", "STAFF")]).await;
    let staff = server.add_user("lea", OLD).await.unwrap();
    server.add_user("max", OLD).await.unwrap();
    class(&server, "STAFF", &[staff.id]).await;

    let (_, outsider) = identify(&server, "max").await;
    let (mut b, unknown) = identify(&server, "nobody-at-all").await;
    assert!(outsider.body.contains(LINK_PAGE), "{}", outsider.body);
    assert_eq!(
        without_tokens(&outsider.body),
        without_tokens(&unknown.body)
    );
    // Continue: the same page again, for both, and never a mail.
    let again = answer(&mut b, &unknown, &[]).await;
    assert!(again.body.contains(LINK_PAGE), "{}", again.body);
    let (_, member) = identify(&server, "lea").await;
    assert!(member.body.contains(LINK_PAGE), "{}", member.body);
    mailed_link(&server, "lea@example.org").await;
    assert_eq!(links_to(&server, "max"), 0);
});

on_both!(the_new_password_step_cannot_be_skipped_to, |server| {
    realistic(&server, &[]).await;
    with_attribute(&server, "nia", "passwordHint", "blue").await;
    let (mut b, hint) = identify(&server, "nia").await;
    assert!(hint.body.contains("Hint: blue"), "{}", hint.body);
    let skipped = set_new(&mut b, NEW, NEW).await;
    assert_eq!(skipped.status, 403, "{}", skipped.body);
    assert_eq!(b.get("/forgot/new-password").await.status, 403);
    assert!(can_sign_in(&server, "nia", OLD).await);
    assert!(!can_sign_in(&server, "nia", NEW).await);
});

on_both!(force_change_comes_from_the_persons_policy, |server| {
    realistic(&server, &[("force_change", "false")]).await;
    let olga = server.add_user("olga", OLD).await.unwrap();
    server.add_user("pia", OLD).await.unwrap();
    class(&server, "INTERNS", &[olga.id]).await;
    let interns = SecurityPolicy {
        id: "interns".into(),
        attached_to: Some(("INTERNS".parse().unwrap(), PolicyRole::Organization)),
        credentials: latchkey_core::chain::policy::CredentialSettings {
            reset: reset(&[("force_change", "true")]),
            ..Default::default()
        },
        ..SecurityPolicy::default()
    };
    server.store.save_policy(&interns).await.unwrap();
    let flows = || crate::mailbox::sql(&server, "SELECT state FROM flows");
    identify(&server, "pia").await;
    assert!(flows().contains("\"force_change\":false"), "{}", flows());
    assert!(!flows().contains("\"force_change\":true"), "{}", flows());
    // The interns' reset settings, whole: force_change, and still the global sequence.
    let (mut b, page) = identify(&server, "olga").await;
    assert!(page.body.contains(LINK_PAGE), "{}", page.body);
    assert!(flows().contains("\"force_change\":true"), "{}", flows());

    // Her new password works once, to be changed: every page sends her to the password page.
    let done = open_link(&server, &mut b, "olga", 1).await;
    assert_eq!(done.headers["location"], "/forgot/new-password");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    let mut olga = Browser::new(&server.url);
    assert_eq!(olga.sign_in("olga", NEW).await.status, 303);
    let home = olga.get("/").await;
    assert_eq!(home.status, 303, "{}", home.body);
    assert_eq!(home.headers["location"], "/account/password");
    // Pia's policy says no: her new password is hers to keep.
    let (mut b, _) = identify(&server, "pia").await;
    let done = open_link(&server, &mut b, "pia", 2).await;
    assert_eq!(done.headers["location"], "/forgot/new-password");
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    let mut pia = Browser::new(&server.url);
    assert_eq!(pia.sign_in("pia", NEW).await.status, 303);
    assert_eq!(pia.get("/").await.status, 200);
});

on_both!(authorization_applies_to_the_built_in_reset_too, |server| {
    let global = SecurityPolicy {
        id: "global".into(),
        credentials: latchkey_core::chain::policy::CredentialSettings {
            reset: reset(&[("authorization", "STAFF")]),
            ..Default::default()
        },
        ..SecurityPolicy::default()
    };
    server.store.save_policy(&global).await.unwrap();
    let staff = server.add_user("quinn", OLD).await.unwrap();
    server.add_user("rory", OLD).await.unwrap();
    class(&server, "STAFF", &[staff.id]).await;
    let (_, outsider) = crate::forgot::identify(&server, "rory").await;
    let (_, unknown) = crate::forgot::identify(&server, "nobody-at-all").await;
    assert_eq!(
        without_tokens(&outsider.body),
        without_tokens(&unknown.body)
    );
    let mut b = crate::forgot::verified(&server, "quinn").await;
    assert_eq!(set_new(&mut b, NEW, NEW).await.status, 200);
    assert!(
        outbox(&server)
            .iter()
            .all(|m| m.message.to != "rory@example.org"),
        "an outsider was sent a code"
    );
});
