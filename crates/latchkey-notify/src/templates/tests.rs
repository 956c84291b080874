use super::*;

fn every_value() -> Vars {
    Vars::new()
        .with(Macro::Name, "Jörg Müller")
        .with(Macro::Login, "jmuller")
        .with(Macro::Pin, "482913")
        .with(Macro::Link, "https://id.example.com/reset?t=abc")
        .with(Macro::ExpiryMinutes, "10")
        .with(Macro::Time, "Fri, 01 May 2026 12:00:00 +0000")
        .with(Macro::Browser, "Firefox 140")
        .with(Macro::Site, "https://id.example.com/")
        .with(Macro::Password, "Gx7-kPq2.vRt9mWz#hYc")
}

#[test]
fn every_kind_renders_in_english_and_french() {
    let templates = Templates::builtin();
    assert_eq!(
        templates.texts.len(),
        builtin::BUILTIN.len(),
        "a shipped text does not parse"
    );
    for kind in MessageKind::ALL {
        assert_eq!(templates.languages(kind), ["en", "fr"], "{kind:?}");
        let en = templates.render(kind, "en", &every_value()).unwrap();
        let fr = templates.render(kind, "fr-CA", &every_value()).unwrap();
        assert_ne!(en.subject, fr.subject, "{kind:?}");
        assert!(
            en.body.starts_with("Hello Jörg Müller,"),
            "{kind:?}: {}",
            en.body
        );
        assert!(
            fr.body.starts_with("Bonjour Jörg Müller,"),
            "{kind:?}: {}",
            fr.body
        );
        for text in [&en.body, &fr.body, &en.subject, &fr.subject] {
            assert!(
                !text.contains(['{', '}']),
                "{kind:?}: unfilled macro in {text}"
            );
        }
        // Each kind shows the value it exists for.
        let key = match kind {
            MessageKind::Pin => "482913",
            MessageKind::Link => "https://id.example.com/reset?t=abc",
            MessageKind::SignInNotice
            | MessageKind::PasswordChanged
            | MessageKind::AccountUnlocked => "Firefox 140",
            MessageKind::Test => "https://id.example.com/",
            MessageKind::NewPassword => "Gx7-kPq2.vRt9mWz#hYc",
        };
        assert!(en.body.contains(key) && fr.body.contains(key), "{kind:?}");
    }
    // Unknown languages fall back to English.
    let de = templates
        .render(MessageKind::Pin, "de", &every_value())
        .unwrap();
    assert_eq!(de.subject, "Your verification code");
}

#[test]
fn operators_override_and_add_languages() {
    let rows = [
        ("PIN_EN_SUBJECT", "Code for {login}"),
        ("PIN_DE_SUBJECT", "Ihr Code"),
        ("PIN_DE_BODY", "Hallo {name},"),
        (
            "PIN_DE_BODY",
            "Ihr Code: {pin} ({expiry_minutes} Min.) {{nicht weitergeben}}",
        ),
        ("link_fr_body", "Lien : {link}"),
    ];
    let templates = Templates::with_overrides(rows).unwrap();
    let en = templates
        .render(MessageKind::Pin, "en", &every_value())
        .unwrap();
    assert_eq!(en.subject, "Code for jmuller");
    assert!(
        en.body.contains("your verification code is 482913"),
        "body kept: {}",
        en.body
    );
    let de = templates
        .render(MessageKind::Pin, "de-AT", &every_value())
        .unwrap();
    assert_eq!(de.subject, "Ihr Code");
    assert_eq!(
        de.body,
        "Hallo Jörg Müller,\nIhr Code: 482913 (10 Min.) {nicht weitergeben}"
    );
    let fr = templates
        .render(MessageKind::Link, "fr", &every_value())
        .unwrap();
    assert_eq!(
        fr.subject, "Réinitialisez votre mot de passe",
        "subject kept"
    );
    assert_eq!(fr.body, "Lien : https://id.example.com/reset?t=abc");
}

#[test]
fn bad_overrides_are_refused_at_load_naming_the_setting() {
    for (rows, setting, expected) in [
        (
            vec![("PIN_EN_BODY", "Code {pni}")],
            "PIN_EN_BODY",
            "unknown macro {pni}",
        ),
        (
            vec![("SIGN_IN_NOTICE_FR_BODY", "PIN {pin}")],
            "SIGN_IN_NOTICE_FR_BODY",
            "not available here",
        ),
        (
            vec![("PIN_EN_BODY", "Code {pin")],
            "PIN_EN_BODY",
            "without its `}`",
        ),
        (
            vec![("PIN_EN_SUBJECT", "Code {pin}")],
            "PIN_EN_SUBJECT",
            "not available here",
        ),
        (
            vec![("LINK_FR_SUBJECT", "{link}")],
            "LINK_FR_SUBJECT",
            "not available here",
        ),
        (
            vec![("PINN_EN_BODY", "x")],
            "PINN_EN_BODY",
            "not a kind of message",
        ),
        (
            vec![("PIN_ENGLISH_BODY", "x")],
            "PIN_ENGLISH_BODY",
            "not a language code",
        ),
        (
            vec![("PIN_EN_FOOTER", "x")],
            "PIN_EN_FOOTER",
            "expected <KIND>",
        ),
        (
            vec![("PIN_EN_SUBJECT", "a"), ("PIN_EN_SUBJECT", "b")],
            "PIN_EN_SUBJECT",
            "one line",
        ),
        (
            vec![("PIN_EN_SUBJECT", "a\nBcc: x")],
            "PIN_EN_SUBJECT",
            "one line",
        ),
        (
            vec![("PIN_DE_BODY", "{pin}")],
            "PIN_DE_BODY",
            "PIN_DE_SUBJECT must be set",
        ),
    ] {
        let err = Templates::with_overrides(rows.clone()).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, TemplateError::Setting { setting: s, .. } if s == setting),
            "{rows:?}: {text}"
        );
        assert!(text.contains(expected), "{rows:?}: {text}");
        assert!(text.starts_with("MESSAGE_TEMPLATES/"), "{text}");
    }
}

#[test]
fn subjects_refuse_line_breaks_and_missing_values_are_errors() {
    let templates =
        Templates::with_overrides([("SIGN_IN_NOTICE_EN_SUBJECT", "Hi {name}")]).unwrap();
    let vars = every_value().with(Macro::Name, "Eve\r\nBcc: victim@example.com");
    let err = templates
        .render(MessageKind::SignInNotice, "en", &vars)
        .unwrap_err();
    assert_eq!(
        err,
        TemplateError::LineBreak {
            kind: "sign_in_notice"
        }
    );
    // In a body, a value is inserted as it is: plain text escapes nothing.
    let body = Templates::builtin()
        .render(
            MessageKind::Pin,
            "en",
            &every_value().with(Macro::Name, "<b>&amp;</b>"),
        )
        .unwrap()
        .body;
    assert!(body.starts_with("Hello <b>&amp;</b>,"), "{body}");

    let err = Templates::builtin()
        .render(MessageKind::Pin, "en", &Vars::new().with(Macro::Name, "x"))
        .unwrap_err();
    assert!(
        matches!(err, TemplateError::MissingValue { kind: "pin", .. }),
        "{err}"
    );
    assert!(!format!("{:?}", every_value()).contains("482913"));
}
