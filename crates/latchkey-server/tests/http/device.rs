//! The device cookie: set on every sign-in, recognised at the next one for the same person
//! only, and usable as a second factor (the selector rule FINGERPRINT → SUCCESS, as in the
//! 2factor component).

use crate::client::Browser;
use crate::custom::{module, use_chain};
use crate::on_both;
use latchkey_core::chain::model::SUCCESS_CHAIN;
use latchkey_core::chain::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
use latchkey_core::chain::{ChainId, Control, ModuleType};
use latchkey_core::condition::Condition;
use latchkey_core::repo::AuthConfigRepo;
use latchkey_testkit::TestServer;

const DEVICE: &str = "__Host-latchkey_device";

/// Signs in with the password and returns the device cookie the server set.
async fn device_cookie_of(server: &TestServer, user: &str, password: &str) -> String {
    let mut b = Browser::new(&server.url);
    let page = b.sign_in(user, password).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let set = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{DEVICE}=")))
        .expect("a device cookie after a sign-in");
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=31536000",
    ] {
        assert!(set.contains(attr), "{set} lacks {attr}");
    }
    b.cookies[DEVICE].clone()
}

/// Password, then a selector whose only rule is the 2factor component's first one: a
/// recognised browser (state FINGERPRINT) selects SUCCESS; nothing else offers a second factor.
async fn password_then_browser(server: &TestServer) {
    let select = module(
        20,
        ModuleType::SelectChain,
        Control::Required,
        &[("available", SUCCESS_CHAIN), ("initial", "")],
    );
    let rule = SelectorRule {
        stage: 1,
        rule: 10,
        skip_remaining: SkipRemaining::All,
        cfg_id: Some(select.cfg_id),
        match_type: MatchType::State,
        match_key: "FINGERPRINT".into(),
        condition: Condition::Set,
        match_value: String::new(),
        action: RuleAction::Flush,
        chain_id: Some(ChainId::new(SUCCESS_CHAIN).unwrap()),
        error_msg: String::new(),
        comment: "a recognised browser is the second factor".into(),
        owner: String::new(),
    };
    use_chain(
        server,
        "PW_2F",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            select,
        ],
    )
    .await;
    server.store.add_selector_rule(&rule).await.unwrap();
}

/// Signs in (user ID, password) presenting `device` as the device cookie; returns the status.
async fn sign_in_with(server: &TestServer, device: Option<&str>, user: &str, pw: &str) -> u16 {
    let mut b = Browser::new(&server.url);
    if let Some(d) = device {
        b.cookies.insert(DEVICE.into(), d.into());
    }
    b.sign_in(user, pw).await.status
}

fn tamper(cookie: &str) -> String {
    let mut chars: Vec<char> = cookie.chars().collect();
    // A character of the device id, well before the signature.
    let i = cookie.find('.').unwrap() + 40;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

on_both!(a_recognised_browser_is_a_second_factor, |server| {
    server.add_user("dana", "danas password").await.unwrap();
    server.add_user("eli", "elis password").await.unwrap();
    let dana = device_cookie_of(&server, "dana", "danas password").await;
    let eli = device_cookie_of(&server, "eli", "elis password").await;
    assert_ne!(dana, eli);

    password_then_browser(&server).await;
    // Neither has a second factor on file: only a recognised browser gets them in.
    assert_eq!(
        sign_in_with(&server, None, "dana", "danas password").await,
        401
    );
    assert_eq!(
        sign_in_with(&server, Some(&dana), "dana", "danas password").await,
        303,
        "the password, then SUCCESS for the recognised browser"
    );
    assert_eq!(
        sign_in_with(&server, Some(&dana), "dana", "wrong").await,
        401,
        "a recognised browser is not a password"
    );
    assert_eq!(
        sign_in_with(&server, Some(&eli), "dana", "danas password").await,
        401,
        "another person's cookie is not recognised"
    );
    assert_eq!(
        sign_in_with(&server, Some(&tamper(&dana)), "dana", "danas password").await,
        401,
        "a tampered cookie is not recognised"
    );
    assert_eq!(
        sign_in_with(&server, Some(&eli), "eli", "elis password").await,
        303
    );
});

on_both!(the_fingerprint_module_follows_the_cookie, |server| {
    server.add_user("fay", "fays password").await.unwrap();
    server.add_user("gus", "gus password").await.unwrap();
    let fay = device_cookie_of(&server, "fay", "fays password").await;
    // Password, then a recognised browser as a required (weak) second module.
    use_chain(
        &server,
        "PW_BROWSER",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(20, ModuleType::Fingerprint, Control::Required, &[]),
        ],
    )
    .await;
    assert_eq!(
        sign_in_with(&server, Some(&fay), "fay", "fays password").await,
        303
    );
    assert_eq!(
        sign_in_with(&server, None, "fay", "fays password").await,
        401
    );
    assert_eq!(
        sign_in_with(&server, Some(&fay), "gus", "gus password").await,
        401
    );
    // missing = ignore: an unknown browser is skipped, the password decides.
    use_chain(
        &server,
        "PW_BROWSER",
        vec![
            module(10, ModuleType::Password, Control::Required, &[]),
            module(
                20,
                ModuleType::Fingerprint,
                Control::Required,
                &[("missing", "ignore")],
            ),
        ],
    )
    .await;
    assert_eq!(
        sign_in_with(&server, None, "gus", "gus password").await,
        303
    );
});
