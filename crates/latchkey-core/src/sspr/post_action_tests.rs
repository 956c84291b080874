#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn facts(login: &str, name: &str, mail: Option<&str>) -> Facts {
    Facts {
        login: login.into(),
        name: name.into(),
        mail: mail.map(str::to_owned),
        profile: "staff".into(),
        action: Action::Unlock,
        time: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

#[test]
fn a_post_gets_the_default_body_and_every_macro() {
    let hook = Webhook::parse("post https://hooks.example.org/reset?u=%login%").unwrap();
    assert_eq!(hook.method, Method::Post);
    let call = hook.render(&facts("alice", "Alice", None)).unwrap();
    assert_eq!(call.url, "https://hooks.example.org/reset?u=alice");
    assert_eq!(call.endpoint, "https://hooks.example.org:443");
    let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "login": "alice",
            "profile": "staff",
            "action": "unlock",
            "time": "2023-11-14T22:13:20Z",
        })
    );

    let hook = Webhook::parse(
        r#"PUT http://127.0.0.1:9/x {"who":{"%login%":["%name%","%mail%"]},"n":1,"%%":"100%"}"#,
    )
    .unwrap();
    let call = hook
        .render(&facts("bob", "Bob B", Some("b@x.org")))
        .unwrap();
    let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"who":{"bob":["Bob B","b@x.org"]},"n":1,"%%":"100%"})
    );
}

#[test]
fn a_get_has_no_body_and_keeps_literal_percent_escapes() {
    let hook = Webhook::parse("GET https://h.example/a%20b/%LOGIN%?at=%time%&m=%mail%").unwrap();
    let call = hook.render(&facts("a b/c?d", "", None)).unwrap();
    assert_eq!(call.body, None);
    assert_eq!(
        call.url,
        "https://h.example/a%20b/a%20b%2Fc%3Fd?at=2023-11-14T22%3A13%3A20Z&m="
    );
    let err = Webhook::parse(r#"GET https://h.example/ {"a":"b"}"#).unwrap_err();
    assert!(matches!(err, PostActionError::Body(_)), "{err}");
}

#[test]
fn bad_rows_are_refused_with_a_reason() {
    let cases = [
        ("POST", "PROFILE METHOD URL"),
        ("DELETE https://h.example/", "not a webhook method"),
        (
            "POST https://h.example/%password%",
            "%password% is not a macro",
        ),
        (
            r#"POST https://h.example/ {"t":"%token%"}"#,
            "%token% is not a macro",
        ),
        ("POST http://hooks.example.org/", "must use https://"),
        ("POST http://10.0.0.1/", "loopback"),
        ("POST ftp://127.0.0.1/", "must be https://"),
        ("POST https://%login%.example.org/", "before its path"),
        ("POST https://h.example:%login%/", "before its path"),
        ("POST https://u:pw@h.example/", "user name or password"),
        ("POST not-a-url", "is not a URL"),
        (r#"POST https://h.example/ {"a":%login%}"#, "not JSON"),
        (r#"POST https://h.example/ {"a":"#, "not JSON"),
    ];
    for (row, expected) in cases {
        let err = Webhook::parse(row).unwrap_err().to_string();
        assert!(err.contains(expected), "{row}: {err}");
    }
    for ok in [
        "POST http://localhost:8080/hook",
        "POST http://127.0.0.2/hook",
        "GET http://[::1]:1/h?x=%action%",
        "PUT https://h.example",
    ] {
        Webhook::parse(ok).unwrap();
    }
}

fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\&=?#/%{}\\[\\],:\n\r\t\u{0}éß漢😀 a-z]{0,24}",
    ]
}

proptest! {
    /// Whatever the values, the body has the template's structure and holds them verbatim,
    /// and the URL keeps its host, path segments and query parameters.
    #[test]
    fn values_never_change_the_structure(
        login in tricky(),
        name in tricky(),
        mail in tricky(),
    ) {
        let hook = Webhook::parse(
            r#"POST https://h.example/u/%login%?n=%name%&m=%mail% {"user":"%login%","who":["x%name%y"],"nested":{"m":"%mail%","k":true}}"#,
        )
        .unwrap();
        let call = hook.render(&facts(&login, &name, Some(&mail))).unwrap();
        let body: Value = serde_json::from_str(call.body.as_deref().unwrap()).unwrap();
        prop_assert_eq!(
            body,
            serde_json::json!({
                "user": login.clone(),
                "who": [format!("x{name}y")],
                "nested": {"m": mail.clone(), "k": true},
            })
        );
        let url = url::Url::parse(&call.url).unwrap();
        prop_assert_eq!(url.host_str(), Some("h.example"));
        prop_assert_eq!(url.fragment(), None);
        let segments: Vec<_> = url.path_segments().unwrap().collect();
        prop_assert_eq!(segments.len(), 2);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        prop_assert_eq!(pairs, vec![("n".to_owned(), name.clone()), ("m".to_owned(), mail.clone())]);
        prop_assert_eq!(call.endpoint, "https://h.example:443");
    }

    /// Percent-encoding leaves only unreserved characters and escapes, and decodes back.
    #[test]
    fn percent_encoding_round_trips(value in tricky()) {
        let encoded = percent_encode(&value);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        let decoded: String = url::form_urlencoded::parse(format!("v={encoded}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        prop_assert_eq!(decoded, value);
    }
}

fn settings(rows: &[(&str, &str)]) -> crate::settings::Settings {
    crate::settings::Settings::new(
        rows.iter()
            .map(|(setting, value)| crate::settings::SettingRow {
                namespace: crate::sspr::NS_FORGOTTEN_PASSWORD.into(),
                setting: (*setting).into(),
                value: (*value).into(),
            })
            .collect(),
    )
}

#[test]
fn webhooks_belong_to_their_profile_in_order() {
    let cfg = crate::sspr::ForgottenPassword::from_settings(&settings(&[
        ("PROFILES", "staff"),
        ("PROFILES", "students"),
        ("POST_ACTION_WEBHOOK", "STAFF post https://a.example/1"),
        (
            "POST_ACTION_WEBHOOK",
            "students GET http://127.0.0.1:8/%login%",
        ),
        (
            "POST_ACTION_WEBHOOK",
            "staff PUT https://a.example/2 {\"u\":\"%login%\"}",
        ),
    ]))
    .unwrap();
    let urls = |i: usize| -> Vec<&str> {
        cfg.profiles[i]
            .webhooks
            .iter()
            .map(|w| w.url.as_str())
            .collect()
    };
    assert_eq!(urls(0), ["https://a.example/1", "https://a.example/2"]);
    assert_eq!(urls(1), ["http://127.0.0.1:8/%login%"]);
    let none = crate::sspr::ForgottenPassword::from_settings(&settings(&[])).unwrap();
    assert!(none.profiles[0].webhooks.is_empty());
}

#[test]
fn bad_webhook_rows_name_the_setting_and_profile() {
    let bad = |rows: &[(&str, &str)]| {
        crate::sspr::ForgottenPassword::from_settings(&settings(rows))
            .unwrap_err()
            .to_string()
    };
    let unknown = bad(&[("POST_ACTION_WEBHOOK", "staff POST https://a.example/")]);
    assert!(
        unknown.contains("FORGOTTEN_PASSWORD/POST_ACTION_WEBHOOK")
            && unknown.contains("no profile staff"),
        "{unknown}"
    );
    let http = bad(&[("POST_ACTION_WEBHOOK", "default POST http://a.example/")]);
    assert!(
        http.contains("FORGOTTEN_PASSWORD/POST_ACTION_WEBHOOK for profile default")
            && http.contains("https://")
            && http.contains("loopback"),
        "{http}"
    );
    let secret = bad(&[(
        "POST_ACTION_WEBHOOK",
        "default POST https://a.example/?p=%password%",
    )]);
    assert!(
        secret.contains("profile default") && secret.contains("%password% is not a macro"),
        "{secret}"
    );
    let short = bad(&[("POST_ACTION_WEBHOOK", "default")]);
    assert!(short.contains("POST_ACTION_WEBHOOK"), "{short}");
}
