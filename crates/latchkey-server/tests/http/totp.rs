//! TOTP as a second factor: password then a code from the app (computed here from the enrolled
//! secret), one use per code, a narrow window, single-use recovery codes, and what happens to
//! people without an enrolment.

use crate::client::{Browser, Page};
use crate::custom::{module, use_chain};
use crate::on_both;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::{Control, ModuleType};
use latchkey_core::ids::ProfileId;
use latchkey_core::otp::repo::{BOX_PURPOSE, TotpEnrolment, TotpRepo};
use latchkey_core::otp::{Totp, TotpParams, TotpSecret, recovery, seal_secret};
use latchkey_core::random::SeededRandom;
use latchkey_core::repo::CounterRepo;
use latchkey_testkit::TestServer;
use time::OffsetDateTime;

/// Enrols `profile` as `latchkey totp enrol` does; returns the app's view and the codes.
pub(crate) async fn enrol(
    server: &TestServer,
    profile: ProfileId,
) -> (Totp, Vec<String>, TotpSecret) {
    let params = TotpParams::default();
    let mut rng = SeededRandom::new(u64::from_le_bytes(
        profile.0.as_bytes()[8..].try_into().unwrap(),
    ));
    let secret = TotpSecret::generate(&params, &mut rng);
    let boxed = server
        .state
        .master_key
        .as_ref()
        .unwrap()
        .secret_box(BOX_PURPOSE)
        .unwrap();
    let sealed = seal_secret(&secret, &boxed, profile, &mut rng).unwrap();
    let (codes, hashes) = recovery::generate(3, &mut rng).unwrap();
    let enrolment = TotpEnrolment {
        profile,
        sealed_secret: sealed,
        params,
        last_used_step: None,
        enrolled_at: OffsetDateTime::now_utc(),
    };
    server
        .store
        .save_totp_enrolment(&enrolment, &hashes)
        .await
        .unwrap();
    let codes = codes.iter().map(|c| c.expose().to_owned()).collect();
    (Totp::new(&secret, params).unwrap(), codes, secret)
}

pub(crate) fn now_secs() -> u64 {
    OffsetDateTime::now_utc().unix_timestamp() as u64
}

async fn password_and_totp(server: &TestServer, missing: &str) {
    use_chain(
        server,
        "PW_TOTP",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(
                20,
                ModuleType::Totp,
                Control::Required,
                &[("missing", missing)],
            ),
        ],
    )
    .await;
}

/// User ID, password, then `code`; returns (code page, answer).
async fn sign_in(server: &TestServer, user: &str, password: &str, code: &str) -> (Page, Page) {
    let mut b = Browser::new(&server.url);
    let (_, code_page) = b.sign_in_pages(user, password).await;
    let answer = b.step(&code_page, &[("code", code)]).await;
    (code_page, answer)
}

on_both!(a_code_from_the_app_signs_in_once, |server| {
    password_and_totp(&server, "fail").await;
    let p = server.add_user("tess", "tess password").await.unwrap();
    let (app, _, secret) = enrol(&server, p.id).await;

    // A code from two steps ago is outside the window (nothing was used yet: not a replay).
    let old = app.code_at(now_secs() - 60);
    let (page, answer) = sign_in(&server, "tess", "tess password", &old).await;
    assert!(page.body.contains("authentication code"), "{}", page.body);
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("The user ID or password is not correct.")
    );

    let code = app.code_at(now_secs());
    let (_, answer) = sign_in(&server, "tess", "tess password", &code).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    // A right code gives its lockout slot back: only the early failure counts.
    let key = LockoutPolicy::counter_key(p.id);
    assert_eq!(
        server.store.counter(&key).await.unwrap(),
        0,
        "success resets the counter"
    );

    // The same code again, from another browser: refused.
    let (_, again) = sign_in(&server, "tess", "tess password", &code).await;
    assert_eq!(again.status, 401, "a used code is refused");

    // The right password with a wrong code is still refused.
    let (_, wrong) = sign_in(&server, "tess", "tess password", "000000").await;
    assert_eq!(wrong.status, 401);

    // At rest the secret is sealed.
    let stored = server.store.totp_enrolment(p.id).await.unwrap().unwrap();
    let text = stored.sealed_secret.to_string();
    assert!(!text.contains(secret.to_base32().as_str()));
    assert!(stored.last_used_step.is_some());
});

on_both!(each_recovery_code_works_once, |server| {
    password_and_totp(&server, "fail").await;
    let p = server.add_user("rory", "rory password").await.unwrap();
    let (_, codes, _) = enrol(&server, p.id).await;
    let sloppy = codes[1].to_lowercase().replace('-', " ");
    let (_, answer) = sign_in(&server, "rory", "rory password", &sloppy).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let (_, again) = sign_in(&server, "rory", "rory password", &codes[1]).await;
    assert_eq!(again.status, 401, "a recovery code is single use");
    assert_eq!(
        server.store.recovery_code_hashes(p.id).await.unwrap().len(),
        2
    );
    let (_, other) = sign_in(&server, "rory", "rory password", &codes[0]).await;
    assert_eq!(other.status, 303);
    let (_, made_up) = sign_in(&server, "rory", "rory password", "ABCD-EFGH-JKMN-PQRS").await;
    assert_eq!(made_up.status, 401);
});

on_both!(parallel_uses_of_one_code_let_one_in, |server| {
    password_and_totp(&server, "fail").await;
    let p = server.add_user("para", "para password").await.unwrap();
    let (app, _, _) = enrol(&server, p.id).await;
    let mut ready = Vec::new();
    for _ in 0..5 {
        let mut b = Browser::new(&server.url);
        let (_, code_page) = b.sign_in_pages("para", "para password").await;
        assert!(code_page.body.contains("authentication code"));
        ready.push((b, code_page));
    }
    let code = app.code_at(now_secs());
    let handles: Vec<_> = ready
        .into_iter()
        .map(|(mut b, page)| {
            let code = code.clone();
            tokio::spawn(async move { b.step(&page, &[("code", &code)]).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        4,
        "{statuses:?}"
    );
});

on_both!(people_without_an_enrolment, |server| {
    password_and_totp(&server, "fail").await;
    server.add_user("nora", "nora password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let answer = b.sign_in("nora", "nora password").await;
    assert_eq!(
        answer.status, 401,
        "missing = fail: the unenrolled are refused"
    );

    password_and_totp(&server, "ignore").await;
    let mut b = Browser::new(&server.url);
    let answer = b.sign_in("nora", "nora password").await;
    assert_eq!(answer.status, 303, "missing = ignore: the password decides");
});
