//! `emailsmspin` behind the login page: the PIN arrives and signs in, dies after its tries,
//! expires, is evaluated exactly under concurrency, is stored only hashed, and a user without
//! an address sees the same pages; text messages go out or are refused as Error.

use crate::client::{Browser, Page};
use crate::mailbox::{
    add_user_without_email, failures_with, install, mail_to, offer_to_everyone, outbox, pin_in,
    set, sql, start,
};
use crate::on_both;
use latchkey_core::repo::ProfileRepo;
use latchkey_testkit::{Database, SmtpSink, TestServer};
use std::time::Duration;

async fn email_pin(server: &TestServer) {
    install(server, "emailpin").await;
    // Tries are what these tests watch: keep the global lockout out of the way.
    set(server, "AUTH", "MAX_USERAUTH_FAILURE", "100").await;
}

const PIN_LENGTH: usize = 8;

on_both!(the_mailed_pin_signs_in_and_is_stored_hashed, |server| {
    email_pin(&server).await;
    server.add_user("alice", "unused password").await.unwrap();
    let (mut b, page) = start(&server, "EMAIL_PIN", "alice").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Enter your PIN"), "{}", page.body);
    assert!(page.body.contains("a***@example.org"), "{}", page.body);
    assert!(!page.body.contains("alice@example.org"));
    let mail = mail_to(&server, "alice@example.org", 1).await;
    assert_eq!(mail[0].message.kind, latchkey_notify::MessageKind::Pin);
    let pin = pin_in(&mail[0].message.body_text, PIN_LENGTH);

    let flows = sql(&server, "SELECT state FROM flows");
    assert!(
        flows.contains("tries_left"),
        "the PIN's record is in the flow: {flows}"
    );
    assert!(!flows.contains(&pin), "the PIN is stored in clear: {flows}");

    let done = b.step(&page, &[("pin", &pin)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(b.cookies.contains_key("__Host-latchkey_session"));
});

on_both!(
    three_wrong_pins_kill_it_even_for_the_right_value,
    |server| {
        email_pin(&server).await;
        server.add_user("bob", "unused password").await.unwrap();
        let (mut b, mut page) = start(&server, "EMAIL_PIN", "bob").await;
        let pin = pin_in(
            &mail_to(&server, "bob@example.org", 1).await[0]
                .message
                .body_text,
            PIN_LENGTH,
        );
        let wrong = if pin == "00000000" {
            "11111111"
        } else {
            "00000000"
        };
        for attempt in 1..=3 {
            let failed = b.step(&page, &[("pin", wrong)]).await;
            assert_eq!(failed.status, 401, "attempt {attempt}: {}", failed.body);
            assert!(
                failed
                    .body
                    .contains("The user ID or password is not correct.")
            );
            // The same flow: identify again and come back to the same PIN.
            page = b.step(&failed, &[("user", "bob")]).await;
            assert!(page.body.contains("Enter your PIN"), "{}", page.body);
        }
        let refused = b.step(&page, &[("pin", &pin)]).await;
        assert_eq!(
            refused.status, 401,
            "a dead PIN signed in: {}",
            refused.body
        );
        assert!(!b.cookies.contains_key("__Host-latchkey_session"));
        assert_eq!(failures_with(&server, "pin.wrong").await, 3);
        assert_eq!(failures_with(&server, "pin.dead").await, 1);
        // The dead PIN was not replaced within 30 seconds of the last send.
        assert_eq!(mail_to(&server, "bob@example.org", 1).await.len(), 1);
    }
);

on_both!(a_new_pin_waits_its_turn, |server| {
    email_pin(&server).await;
    server.add_user("hugo", "unused password").await.unwrap();
    let (mut b, page) = start(&server, "EMAIL_PIN", "hugo").await;
    assert!(page.body.contains("Send a new PIN"), "{}", page.body);
    let again = b.step(&page, &[("resend", "1")]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(
        again.body.contains("A new PIN can be sent in"),
        "{}",
        again.body
    );
    let pin = pin_in(
        &mail_to(&server, "hugo@example.org", 1).await[0]
            .message
            .body_text,
        PIN_LENGTH,
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mail_to(&server, "hugo@example.org", 1).await.len(), 1);
    // The first PIN is still the one in force.
    assert_eq!(b.step(&again, &[("pin", &pin)]).await.status, 303);
});

on_both!(an_expired_pin_fails, |server| {
    email_pin(&server).await;
    set(&server, "AUTHCHAIN_EMAILPIN_CONFIG", "MAXLIFE", "1").await;
    server.add_user("carol", "unused password").await.unwrap();
    let (mut b, page) = start(&server, "EMAIL_PIN", "carol").await;
    let pin = pin_in(
        &mail_to(&server, "carol@example.org", 1).await[0]
            .message
            .body_text,
        PIN_LENGTH,
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = b.step(&page, &[("pin", &pin)]).await;
    assert_eq!(late.status, 401, "{}", late.body);
    assert_eq!(failures_with(&server, "pin.expired").await, 1);
});

on_both!(parallel_wrong_pins_are_evaluated_exactly, |server| {
    const PARALLEL: usize = 20;
    email_pin(&server).await;
    server.add_user("dave", "unused password").await.unwrap();
    let (b, page) = start(&server, "EMAIL_PIN", "dave").await;
    let pin = pin_in(
        &mail_to(&server, "dave@example.org", 1).await[0]
            .message
            .body_text,
        PIN_LENGTH,
    );
    let wrong = if pin == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let version = page.hidden("version").unwrap();
    let handles: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let mut clone = Browser::new(&b.base);
            clone.cookies = b.cookies.clone();
            let version = version.clone();
            tokio::spawn(async move {
                let csrf = clone.csrf();
                clone
                    .post(
                        "/login",
                        &[("csrf", &csrf), ("version", &version), ("pin", wrong)],
                    )
                    .await
                    .status
            })
        })
        .collect();
    for h in handles {
        let status = h.await.unwrap();
        assert!([401, 403, 409].contains(&status), "{status}");
    }
    // Requests that loaded the flow after another saved it are refused as stale (409) before
    // evaluation; the rest all read the PIN with three tries left.
    let evaluated =
        failures_with(&server, "pin.wrong").await + failures_with(&server, "pin.dead").await;
    assert!(
        evaluated > 3,
        "too few requests overlapped to test anything: {evaluated}"
    );
    assert_eq!(
        failures_with(&server, "pin.wrong").await,
        3,
        "exactly TRIES guesses were compared"
    );
});

/// Blanks what legitimately differs between two users' PIN pages.
fn normalized(page: &Page, login: &str, mask: &str) -> String {
    let mut body = page.body.replace(mask, "MASK").replace(login, "USER");
    for name in ["csrf", "version"] {
        if let Some(v) = page.hidden(name) {
            body = body.replace(&format!("value=\"{v}\""), "value=\"X\"");
        }
    }
    body
}

fn mask_in(body: &str) -> String {
    let at = body
        .find("***@")
        .unwrap_or_else(|| panic!("no mask in {body}"));
    let end = body[at..].find(". ").map(|e| at + e).unwrap();
    body[at - 1..end].to_owned()
}

on_both!(a_user_without_an_address_sees_the_same_pages, |server| {
    email_pin(&server).await;
    offer_to_everyone(&server, "EMAIL_PIN", 91).await;
    server.add_user("erin", "unused password").await.unwrap();
    let ghost = add_user_without_email(&server, "fred").await;
    let (mut b1, real) = start(&server, "EMAIL_PIN", "erin").await;
    let (mut b2, decoy) = start(&server, "EMAIL_PIN", "fred").await;
    assert_eq!(real.status, decoy.status);
    let (real_mask, decoy_mask) = (mask_in(&real.body), mask_in(&decoy.body));
    assert_eq!(real_mask, "e***@example.org");
    assert_eq!(
        normalized(&real, "erin", &real_mask),
        normalized(&decoy, "fred", &decoy_mask)
    );
    // The decoy is stable: a second flow shows the same one.
    let (_, again) = start(&server, "EMAIL_PIN", "fred").await;
    assert_eq!(mask_in(&again.body), decoy_mask);

    let a = b1.step(&real, &[("pin", "12345678")]).await;
    let z = b2.step(&decoy, &[("pin", "12345678")]).await;
    assert_eq!((a.status, z.status), (401, 401));
    assert_eq!(
        normalized(&a, "erin", &real_mask),
        normalized(&z, "fred", &decoy_mask)
    );
    // Nothing was sent for the user without an address.
    let profile = server.store.profile_by_id(ghost).await.unwrap().unwrap();
    assert!(profile.email.is_none());
    mail_to(&server, "erin@example.org", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        outbox(&server)
            .iter()
            .all(|m| m.message.to == "erin@example.org")
    );
});

async fn pin_over_smtp(db: Database) {
    let sink = std::sync::Arc::new(
        tokio::task::spawn_blocking(|| SmtpSink::start().unwrap())
            .await
            .unwrap(),
    );
    let server = TestServer::start_with_smtp(db, sink.host(), sink.port())
        .await
        .unwrap();
    email_pin(&server).await;
    server.add_user("gina", "unused password").await.unwrap();
    let (mut b, page) = start(&server, "EMAIL_PIN", "gina").await;
    let waiting = sink.clone();
    let mails =
        tokio::task::spawn_blocking(move || waiting.wait_for(1, Duration::from_secs(20)).unwrap())
            .await
            .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["gina@example.org"]);
    let pin = pin_in(&mails[0].body, PIN_LENGTH);
    let done = b.step(&page, &[("pin", &pin)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
}

mod the_pin_travels_through_real_smtp {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::pin_over_smtp(latchkey_testkit::Database::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::pin_over_smtp(latchkey_testkit::Database::Postgres).await;
    }
}

on_both!(
    a_link_with_the_user_id_sends_nothing_until_asked,
    |server| {
        email_pin(&server).await;
        server.add_user("ida", "unused password").await.unwrap();
        let mut b = Browser::new(&server.url);
        let offer = b.get("/login?USERID=ida&PSF_EXT=EMAIL_PIN").await;
        assert_eq!(offer.status, 200, "{}", offer.body);
        assert!(offer.body.contains("Send the PIN"), "{}", offer.body);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(outbox(&server).is_empty(), "a GET sent mail");
        let page = b.step(&offer, &[]).await;
        assert!(page.body.contains("Enter your PIN"), "{}", page.body);
        let pin = pin_in(
            &mail_to(&server, "ida@example.org", 1).await[0]
                .message
                .body_text,
            PIN_LENGTH,
        );
        assert_eq!(b.step(&page, &[("pin", &pin)]).await.status, 303);
    }
);

async fn with_mobile(server: &TestServer, login: &str, number: &str) {
    let mut profile = server.add_user(login, "unused password").await.unwrap();
    profile.attributes.add("mobile", number).unwrap();
    server.store.update_profile(&profile).await.unwrap();
}

on_both!(a_text_message_pin_goes_to_the_number, |server| {
    install(&server, "smspin_http").await;
    with_mobile(&server, "jo", "+1 (555) 123-4567").await;
    let (mut b, page) = start(&server, "SMS_PIN", "jo").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("***4567"), "{}", page.body);
    // The demo outbox records text messages as they would be sent.
    let sms = mail_to(&server, "sms:+15551234567", 1).await;
    let pin = pin_in(&sms[0].message.body_text, 6);
    assert_eq!(b.step(&page, &[("pin", &pin)]).await.status, 303);
});

on_both!(an_email_to_sms_pin_needs_a_known_carrier, |server| {
    install(&server, "smspin_email").await;
    for (login, number, carrier) in [
        ("lou", "+1 555 222 3333", "verizon"),
        ("max", "+1 555 444 5555", "nowhere"),
    ] {
        let mut profile = server.add_user(login, "unused password").await.unwrap();
        profile.attributes.add("mobile", number).unwrap();
        profile.attributes.add("mobileProvider", carrier).unwrap();
        server.store.update_profile(&profile).await.unwrap();
    }
    let (mut b, page) = start(&server, "SMS_PIN", "lou").await;
    assert!(page.body.contains("***3333"), "{}", page.body);
    let sms = mail_to(&server, "sms:+15552223333;carrier=verizon", 1).await;
    let pin = pin_in(&sms[0].message.body_text, 6);
    assert_eq!(b.step(&page, &[("pin", &pin)]).await.status, 303);
    // An unknown carrier is like no number: the same page, nothing sent.
    let (_, unknown) = start(&server, "SMS_PIN", "max").await;
    assert_eq!(unknown.status, 200, "{}", unknown.body);
    assert!(unknown.body.contains("Enter your PIN"), "{}", unknown.body);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        outbox(&server)
            .iter()
            .all(|m| !m.message.to.contains("5554445555"))
    );
});

async fn sms_without_gateway(db: Database) {
    // Mail goes to a port nobody listens on; no SMS gateway is configured.
    let port = latchkey_testkit::free_port().unwrap();
    let server = TestServer::start_with_smtp(db, "127.0.0.1", port)
        .await
        .unwrap();
    install(&server, "smspin_http").await;
    with_mobile(&server, "kai", "+1 555 987 6543").await;
    let (_, page) = start(&server, "SMS_PIN", "kai").await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(
        page.body
            .contains("The user ID or password is not correct.")
    );
    assert_eq!(
        failures_with(&server, "SMS delivery is not configured").await,
        1
    );
}

mod text_messages_without_a_gateway_are_an_error {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::sms_without_gateway(latchkey_testkit::Database::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::sms_without_gateway(latchkey_testkit::Database::Postgres).await;
    }
}
