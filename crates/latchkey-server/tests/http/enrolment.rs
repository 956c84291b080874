//! Self-service enrolment: `/account/totp` (QR code, confirm with a code, recovery codes shown
//! once) and `/account/questions` (checked, hashed, nothing stored on error), the fresh
//! sign-in and CSRF they want, and the push after sign-in (`ENROLMENT / TOTP|QUESTIONS` =
//! `force` / `force_allow_skip`, with "Not now" remembered server-side).

use crate::client::{Browser, Page};
use crate::custom::{module, use_chain};
use crate::on_both;
use crate::vault_pages::stale_browser;
use latchkey_core::chain::{Control, ModuleType};
use latchkey_core::ids::ProfileId;
use latchkey_core::otp::repo::TotpRepo;
use latchkey_core::otp::{Totp, TotpParams, TotpSecret};
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::repo::{AuditRepo, SettingsRepo};
use latchkey_core::settings::SettingRow;
use latchkey_testkit::TestServer;
use time::OffsetDateTime;
use zeroize::Zeroizing;

fn location(page: &Page) -> String {
    page.headers
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn set_mode(server: &TestServer, setting: &str, value: &str) {
    let rows = vec![SettingRow {
        namespace: "ENROLMENT".into(),
        setting: setting.into(),
        value: value.into(),
    }];
    server
        .store
        .replace_setting("ENROLMENT", setting, &rows)
        .await
        .unwrap();
}

/// RFC 4648 base32 (no padding) back to bytes, as a person would type it into an app.
fn base32(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u64, Vec::new());
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u64;
        value = (value << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    out
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).unwrap() + start.len();
    &body[from..from + body[from..].find(end).unwrap()]
}

/// The app of the secret shown on the page (read from the manual-entry key).
fn app_from(page: &Page) -> (Totp, String) {
    let key = between(&page.body, "<code id=\"totp-key\">", "</code>").to_owned();
    let secret = TotpSecret::from_bytes(Zeroizing::new(base32(&key))).unwrap();
    (Totp::new(&secret, TotpParams::default()).unwrap(), key)
}

fn now_secs() -> u64 {
    OffsetDateTime::now_utc().unix_timestamp() as u64
}

async fn signed_in(server: &TestServer, login: &str) -> (Browser, ProfileId) {
    let p = server.add_user(login, "a long password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let done = b.sign_in(login, "a long password").await;
    assert_eq!(done.status, 303, "{}", done.body);
    (b, p.id)
}

on_both!(an_app_enrolled_on_the_page_signs_in, |server| {
    let (mut b, p) = signed_in(&server, "tina").await;
    let page = b.get("/account/totp").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "an inline QR code");
    let (app, key) = app_from(&page);
    let pending = page.hidden("pending").unwrap();
    assert!(!pending.contains(&key.replace(' ', "")));

    // A wrong code stores nothing.
    let csrf = b.csrf();
    let wrong = b
        .post(
            "/account/totp",
            &[("csrf", &csrf), ("pending", &pending), ("code", "12345")],
        )
        .await;
    assert_eq!(wrong.status, 200);
    assert!(
        wrong.body.contains("That code is not right"),
        "{}",
        wrong.body
    );
    assert!(server.store.totp_enrolment(p).await.unwrap().is_none());

    // Without the CSRF token: refused.
    let code = app.code_at(now_secs());
    let forged = b
        .post("/account/totp", &[("pending", &pending), ("code", &code)])
        .await;
    assert_eq!(forged.status, 403);
    assert!(server.store.totp_enrolment(p).await.unwrap().is_none());

    let done = b
        .post(
            "/account/totp",
            &[("csrf", &csrf), ("pending", &pending), ("code", &code)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Recovery codes"));
    let recovery = between(&done.body, "<li><code>", "</code>").to_owned();
    assert!(server.store.totp_enrolment(p).await.unwrap().is_some());

    // The audit says what happened, never the secret or a code.
    let audit = server.store.recent_audit(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "totp.enrol"), "{audit:?}");
    let all = format!("{audit:?}");
    assert!(!all.contains(&key.replace(' ', "")) && !all.contains(&recovery));

    // Now a chain with TOTP lets the person in (the enrolling code was used: a recovery code).
    use_chain(
        &server,
        "PW_TOTP",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(
                20,
                ModuleType::Totp,
                Control::Required,
                &[("missing", "fail")],
            ),
        ],
    )
    .await;
    let mut other = Browser::new(&server.url);
    let (_, code_page) = other.sign_in_pages("tina", "a long password").await;
    assert!(
        code_page.body.contains("authentication code"),
        "{}",
        code_page.body
    );
    let answer = other.step(&code_page, &[("code", &recovery)]).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
});

on_both!(a_stale_session_signs_in_again_first, |server| {
    let p = server.add_user("sam", "a long password").await.unwrap();
    let mut b = stale_browser(&server, &p).await;
    let page = b.get("/account/totp").await;
    assert_eq!(page.status, 303);
    assert_eq!(location(&page), "/login?USERID=sam&next=%2Faccount%2Ftotp");
    let page = b.get("/account/questions").await;
    assert_eq!(page.status, 303);
    assert!(location(&page).starts_with("/login?USERID=sam"));
});

/// The three first questions of the shipped set on the page, answered `answers`.
async fn post_answers(b: &mut Browser, answers: [&str; 3]) -> Page {
    let csrf = b.csrf();
    let names = ["first_pet", "first_school", "first_car"];
    let fields: Vec<(String, String)> = names
        .iter()
        .zip(answers)
        .map(|(q, a)| (format!("answer.STANDARD.{q}"), a.to_owned()))
        .collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend(fields.iter().map(|(n, a)| (n.as_str(), a.as_str())));
    b.post("/account/questions", &form).await
}

on_both!(questions_are_checked_then_stored_and_sign_in, |server| {
    let (mut b, p) = signed_in(&server, "quin").await;
    let page = b.get("/account/questions").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"answer.STANDARD.first_pet\""));

    let bad = post_answers(&mut b, ["Rex the dog", "Rex the dog", "no"]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(bad.body.contains("answer.STANDARD.first_car-error"));
    assert!(
        !bad.body.contains("Rex the dog"),
        "answers are not written back"
    );
    assert!(server.store.enrolment(p).await.unwrap().is_none());

    let good = post_answers(&mut b, ["Rex the dog", "Jules Ferry", "Renault 5"]).await;
    assert_eq!(good.status, 303, "{}", good.body);
    assert!(server.store.enrolment(p).await.unwrap().is_some());
    let all = format!("{:?}", server.store.recent_audit(50).await.unwrap());
    assert!(all.contains("questions.enrol") && !all.contains("Jules"));

    // The SECURITY_QUESTIONS chain now lets the person in.
    let answer_to = |q: &str| match q {
        "first_pet" => "rex the dog",
        "first_school" => "jules ferry",
        _ => "renault 5",
    };
    let mut other = Browser::new(&server.url);
    let first = other.get("/login").await;
    let menu = other.step(&first, &[("user", "quin")]).await;
    let asked = other.step(&menu, &[("chain", "SECURITY_QUESTIONS")]).await;
    let marker = "name=\"answer.STANDARD.";
    let names: Vec<String> = asked
        .body
        .match_indices(marker)
        .map(|(i, _)| {
            let rest = &asked.body[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    assert!(!names.is_empty(), "{}", asked.body);
    let fields: Vec<(String, &str)> = names
        .iter()
        .map(|q| (format!("answer.STANDARD.{q}"), answer_to(q)))
        .collect();
    let form: Vec<(&str, &str)> = fields.iter().map(|(n, a)| (n.as_str(), *a)).collect();
    let done = other.step(&asked, &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
});

on_both!(forced_enrolment_follows_sign_in, |server| {
    set_mode(&server, "TOTP", "force").await;
    server.add_user("fay", "a long password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let done = b.sign_in("fay", "a long password").await;
    assert_eq!(done.status, 303);
    assert_eq!(location(&done), "/account/totp");
    let page = b.get("/account/totp").await;
    assert!(!page.body.contains("Not now"), "force allows no skip");
    let csrf = b.csrf();
    let refused = b.post("/account/totp/skip", &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, 404);
});

on_both!(a_skip_is_allowed_and_remembered, |server| {
    set_mode(&server, "QUESTIONS", "force_allow_skip").await;
    server.add_user("sky", "a long password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let done = b.sign_in("sky", "a long password").await;
    assert_eq!(location(&done), "/account/questions");
    let page = b.get("/account/questions").await;
    assert!(page.body.contains("Not now"));
    let csrf = b.csrf();
    let skipped = b.post("/account/questions/skip", &[("csrf", &csrf)]).await;
    assert_eq!(skipped.status, 303, "{}", skipped.body);
    assert_eq!(location(&skipped), "/");

    let mut again = Browser::new(&server.url);
    let done = again.sign_in("sky", "a long password").await;
    assert_eq!(location(&done), "/", "the skip is remembered");
});
