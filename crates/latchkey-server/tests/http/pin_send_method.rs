//! `emailsmspin`'s `send_method` at `/forgot`, with mail going to a real SMTP server and text
//! messages to a real HTTP SMS gateway on loopback: each method reaches the right channels with
//! the same code, the `*_first` methods fall back, `choice` shows the same page to a person with
//! one address and to an unknown user, and a bad value is refused naming the module.

use crate::client::{Browser, Page};
use crate::forgot::{answer, can_sign_in, set_new, without_tokens};
use crate::mailbox::{add_user_without_email, pin_in, set};
use latchkey_core::chain::ChainId;
use latchkey_core::chain::builtin::{self, cfg};
use latchkey_core::repo::{AuditRepo, AuthConfigRepo, ProfileRepo};
use latchkey_testkit::{Database, SmtpSink, TestServer};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CODE: usize = 6;
const NEW: &str = "violet tractor umbrella 42";

/// A server sending mail to `sink` and text messages to a gateway recording each request line.
struct Rig {
    server: TestServer,
    sink: Arc<SmtpSink>,
    texts: Arc<Mutex<Vec<String>>>,
}

async fn rig(db: Database, method: &str) -> Rig {
    let sink = Arc::new(
        tokio::task::spawn_blocking(|| SmtpSink::start().unwrap())
            .await
            .unwrap(),
    );
    let server = TestServer::start_with_smtp(db, sink.host(), sink.port())
        .await
        .unwrap();
    // The gateway is configured after the server started (its database only exists then):
    // the module sees it at once, and so does the queue worker (it reads the settings again
    // when a message fails for a configuration reason, see `outgoing` tests).
    let (port, texts) = crate::outgoing::recording_gateway(|_| 200).await;
    let url = format!("http://127.0.0.1:{port}/send?to={{to}}&message={{message}}");
    set(&server, "SMS_HTTP_GATEWAY", "URL", &url).await;
    set(&server, "SMS_HTTP_GATEWAY", "METHOD", "GET").await;
    send_method(&server, method).await;
    Rig {
        server,
        sink,
        texts,
    }
}

/// Sets `send_method` on PASSWORD_RESET's PIN module.
async fn send_method(server: &TestServer, value: &str) {
    let id = ChainId::new(builtin::PASSWORD_RESET).unwrap();
    let mut chain = server
        .store
        .chains()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| builtin::shipped(&id).unwrap());
    let pin = chain
        .modules
        .iter_mut()
        .find(|m| m.cfg_id == cfg::RESET_PIN)
        .unwrap();
    pin.settings.insert("send_method".into(), value.into());
    server.store.save_chain(&chain).await.unwrap();
}

/// A person with an email address (`login@example.org`) and/or a mobile number.
async fn person(server: &TestServer, login: &str, email: bool, mobile: Option<&str>) {
    let mut profile = if email {
        server.add_user(login, "first password 1").await.unwrap()
    } else {
        let id = add_user_without_email(server, login).await;
        server.store.profile_by_id(id).await.unwrap().unwrap()
    };
    if let Some(number) = mobile {
        profile.attributes.add("mobile", number).unwrap();
    }
    server.store.update_profile(&profile).await.unwrap();
}

impl Rig {
    /// The codes mailed to `to` so far (waits up to `wait` for `count`).
    async fn mails(&self, to: &str, count: usize, wait: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let sink = self.sink.clone();
            let found: Vec<String> = tokio::task::spawn_blocking(move || sink.messages().unwrap())
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t == to))
                .map(|m| pin_in(&m.body, CODE))
                .collect();
            if (count > 0 && found.len() >= count) || std::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The codes texted to a number ending in `digits` (waits up to `wait` for `count`).
    async fn texts(&self, digits: &str, count: usize, wait: Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let found: Vec<String> = self
                .texts
                .lock()
                .unwrap()
                .iter()
                .filter_map(|line| {
                    let path = line.split_whitespace().nth(1)?;
                    let url = url::Url::parse(&format!("http://x{path}")).ok()?;
                    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                    let to = q.iter().find(|(k, _)| k == "to")?.1.clone();
                    let message = q.iter().find(|(k, _)| k == "message")?.1.clone();
                    to.ends_with(digits).then(|| pin_in(&message, CODE))
                })
                .collect();
            if (count > 0 && found.len() >= count) || std::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

const SOON: Duration = Duration::from_secs(20);
const QUIET: Duration = Duration::from_secs(2);

/// Uses `code` and sets a new password; the person can then sign in with it.
async fn reset_with(rig: &Rig, b: &mut Browser, page: &Page, login: &str, code: &str) {
    let done = answer(b, page, &[("pin", code)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(set_new(b, NEW, NEW).await.status, 200);
    assert!(can_sign_in(&rig.server, login, NEW).await);
}

async fn identify(rig: &Rig, login: &str) -> (Browser, Page) {
    crate::forgot::identify(&rig.server, login).await
}

macro_rules! on_both_rigs {
    ($name:ident, $method:literal, |$rig:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $rig = rig(Database::Sqlite, $method).await;
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $rig = rig(Database::Postgres, $method).await;
                $body
            }
        }
    };
}

on_both_rigs!(sms_goes_only_by_text_message, "sms", |rig| {
    person(&rig.server, "sam", true, Some("+1 555 000 0001")).await;
    let (mut b, page) = identify(&rig, "sam").await;
    let texts = rig.texts("5550000001", 1, SOON).await;
    assert_eq!(texts.len(), 1, "{texts:?} {:?}", rig.texts.lock().unwrap());
    assert!(rig.mails("sam@example.org", 0, QUIET).await.is_empty());
    reset_with(&rig, &mut b, &page, "sam", &texts[0]).await;
});

on_both_rigs!(email_goes_only_by_mail, "email", |rig| {
    person(&rig.server, "eve", true, Some("+1 555 000 0002")).await;
    let (mut b, page) = identify(&rig, "eve").await;
    let mails = rig.mails("eve@example.org", 1, SOON).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(rig.texts("5550000002", 0, QUIET).await.is_empty());
    reset_with(&rig, &mut b, &page, "eve", &mails[0]).await;
});

on_both_rigs!(both_sends_the_same_code_to_each_address, "both", |rig| {
    person(&rig.server, "bo", true, Some("+1 555 000 0003")).await;
    let (mut b, page) = identify(&rig, "bo").await;
    let texts = rig.texts("5550000003", 1, SOON).await;
    let mails = rig.mails("bo@example.org", 1, SOON).await;
    assert_eq!((texts.len(), mails.len()), (1, 1), "{texts:?} {mails:?}");
    assert_eq!(texts[0], mails[0], "not the same code");
    reset_with(&rig, &mut b, &page, "bo", &texts[0]).await;
});

on_both_rigs!(email_first_falls_back_to_sms, "email_first", |rig| {
    person(&rig.server, "ann", true, Some("+1 555 000 0004")).await;
    person(&rig.server, "nomail", false, Some("+1 555 000 0005")).await;
    let (_, _) = identify(&rig, "ann").await;
    assert_eq!(rig.mails("ann@example.org", 1, SOON).await.len(), 1);
    let (mut b, page) = identify(&rig, "nomail").await;
    let texts = rig.texts("5550000005", 1, SOON).await;
    assert_eq!(texts.len(), 1, "no fallback to SMS: {texts:?}");
    assert!(
        rig.texts("5550000004", 0, QUIET).await.is_empty(),
        "ann had an email"
    );
    reset_with(&rig, &mut b, &page, "nomail", &texts[0]).await;
});

on_both_rigs!(sms_first_falls_back_to_email, "sms_first", |rig| {
    person(&rig.server, "tex", true, Some("+1 555 000 0006")).await;
    person(&rig.server, "nophone", true, None).await;
    identify(&rig, "tex").await;
    assert_eq!(rig.texts("5550000006", 1, SOON).await.len(), 1);
    let (mut b, page) = identify(&rig, "nophone").await;
    let mails = rig.mails("nophone@example.org", 1, SOON).await;
    assert_eq!(mails.len(), 1, "no fallback to email: {mails:?}");
    assert!(
        rig.mails("tex@example.org", 0, QUIET).await.is_empty(),
        "tex had a number"
    );
    reset_with(&rig, &mut b, &page, "nophone", &mails[0]).await;
});

/// The page with the two destinations blanked.
fn options_blanked(page: &Page) -> String {
    let mut body = without_tokens(&page.body);
    for label in ["Email to ", "Text message to "] {
        let at = body
            .find(label)
            .unwrap_or_else(|| panic!("no {label:?} option in {}", page.body));
        let end = at + body[at..].find('<').unwrap();
        body.replace_range(at + label.len()..end, "MASK");
    }
    body
}

on_both_rigs!(
    choice_looks_the_same_for_everyone_and_works,
    "choice",
    |rig| {
        person(&rig.server, "una", false, Some("+1 555 000 0007")).await;
        person(&rig.server, "cho", true, Some("+1 555 000 0008")).await;
        let (mut one, one_page) = identify(&rig, "una").await;
        let (_, nobody) = identify(&rig, "nobody-at-all").await;
        assert_eq!((one_page.status, nobody.status), (200, 200));
        assert!(
            one_page.body.contains("value=\"email\""),
            "{}",
            one_page.body
        );
        assert!(one_page.body.contains("value=\"sms\""), "{}", one_page.body);
        assert!(one_page.body.contains("***0007"), "{}", one_page.body);
        assert_eq!(options_blanked(&one_page), options_blanked(&nobody));
        // The unknown user's decoys are stable.
        let (_, again) = identify(&rig, "nobody-at-all").await;
        assert_eq!(without_tokens(&again.body), without_tokens(&nobody.body));

        // una picks the address she lacks: nothing is sent, and no code can work.
        let code_page = answer(&mut one, &one_page, &[("send_to", "email")]).await;
        assert_eq!(code_page.status, 200, "{}", code_page.body);
        assert!(
            code_page.body.contains("name=\"pin\""),
            "{}",
            code_page.body
        );
        assert!(rig.texts("5550000007", 0, QUIET).await.is_empty());
        let wrong = answer(&mut one, &code_page, &[("pin", "123456")]).await;
        assert_eq!(wrong.status, 401, "{}", wrong.body);

        // cho picks text messages: the code arrives there only and resets the password.
        let (mut b, page) = identify(&rig, "cho").await;
        assert_eq!(options_blanked(&page), options_blanked(&nobody));
        let code_page = answer(&mut b, &page, &[("send_to", "sms")]).await;
        let texts = rig.texts("5550000008", 1, SOON).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(rig.mails("cho@example.org", 0, QUIET).await.is_empty());
        reset_with(&rig, &mut b, &code_page, "cho", &texts[0]).await;
    }
);

on_both_rigs!(
    a_bad_send_method_is_refused_naming_the_module,
    "fax",
    |rig| {
        // A configuration error, the same for everyone: a known person and an unknown user
        // get the same "tell your help desk" page, nobody gets a code, and the audit log
        // (like the server log) names the module and the setting.
        person(&rig.server, "fay", true, Some("+1 555 000 0009")).await;
        let (_, page) = identify(&rig, "fay").await;
        assert_eq!(page.status, 500, "{}", page.body);
        assert!(page.body.contains("tell your help desk"), "{}", page.body);
        let (_, nobody) = identify(&rig, "nobody-at-all").await;
        assert_eq!(nobody.status, 500, "{}", nobody.body);
        assert_eq!(without_tokens(&nobody.body), without_tokens(&page.body));
        let audit = rig.server.store.recent_audit(1000).await.unwrap();
        let reasons: Vec<String> = audit
            .iter()
            .filter(|e| e.action == "password.reset.failure")
            .filter_map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).ok()?;
                detail["reason"].as_str().map(str::to_owned)
            })
            .collect();
        assert_eq!(reasons.len(), 2, "{audit:?}");
        assert!(
            reasons
                .iter()
                .all(|r| r.contains("emailsmspin") && r.contains("send_method = \"fax\"")),
            "{reasons:?}"
        );
        assert!(
            !audit.iter().any(|e| e.action == "password.reset.unknown"),
            "{audit:?}"
        );
        assert!(rig.mails("fay@example.org", 0, QUIET).await.is_empty());
        assert!(rig.texts("5550000009", 0, QUIET).await.is_empty());
    }
);
