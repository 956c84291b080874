//! The policy's defaults, its checks when loaded, and what pages are shown.

use super::*;

#[test]
fn defaults_follow_nist() {
    let p = PasswordPolicy::default();
    assert_eq!((p.min_length, p.max_length, p.history), (8, 128, 5));
    assert_eq!(
        (
            p.min_lower,
            p.min_upper,
            p.min_digits,
            p.min_symbols,
            p.min_classes
        ),
        (0, 0, 0, 0, 0),
        "no composition rules by default"
    );
    assert_eq!(p.min_strength, 2);
    assert!(p.check_user_attributes);
    assert_eq!(p.check(), Ok(()));
}

#[test]
fn missing_settings_take_the_defaults_and_unknown_ones_are_refused() {
    let p: PasswordPolicy = toml::from_str("min_length = 12\nmin_classes = 3").unwrap();
    assert_eq!(p.min_length, 12);
    assert_eq!(p.min_classes, 3);
    assert_eq!(p.max_length, 128);
    assert_eq!(p.history, 5);
    let typo = toml::from_str::<PasswordPolicy>("min_lenght = 12");
    assert!(typo.is_err());
}

#[test]
fn a_maximum_below_64_is_refused_with_a_clear_message() {
    let p = PasswordPolicy {
        max_length: 63,
        ..PasswordPolicy::default()
    };
    let err = p.check().unwrap_err();
    assert_eq!(err, PolicyError::MaxLengthTooLow(63));
    let text = err.to_string();
    assert!(text.contains("max_length is 63"), "{text}");
    assert!(text.contains("at least 64"), "{text}");
    let ok = PasswordPolicy {
        max_length: 64,
        ..PasswordPolicy::default()
    };
    assert_eq!(ok.check(), Ok(()));
}

#[test]
fn unusable_policies_are_refused() {
    let d = PasswordPolicy::default;
    let cases = [
        (
            PasswordPolicy {
                min_length: 7,
                ..d()
            },
            PolicyError::MinLengthTooLow(7),
        ),
        (
            PasswordPolicy {
                max_length: 2000,
                ..d()
            },
            PolicyError::MaxLengthTooHigh(2000),
        ),
        (
            PasswordPolicy {
                min_length: 200,
                ..d()
            },
            PolicyError::MinAboveMax { min: 200, max: 128 },
        ),
        (
            PasswordPolicy {
                min_lower: 60,
                min_digits: 60,
                min_symbols: 10,
                ..d()
            },
            PolicyError::CompositionTooLong {
                required: 130,
                max: 128,
            },
        ),
        (
            PasswordPolicy {
                min_classes: 6,
                ..d()
            },
            PolicyError::TooManyClasses(6),
        ),
        (
            PasswordPolicy {
                min_strength: 5,
                ..d()
            },
            PolicyError::StrengthOutOfRange(5),
        ),
        (
            PasswordPolicy { history: 25, ..d() },
            PolicyError::HistoryTooLong(25),
        ),
    ];
    for (policy, want) in cases {
        assert_eq!(policy.check(), Err(want));
    }
    let strict = PasswordPolicy {
        min_length: 15,
        min_classes: 5,
        min_strength: 4,
        history: 24,
        max_length: 1024,
        ..d()
    };
    assert_eq!(strict.check(), Ok(()));
}

#[test]
fn describe_lists_the_active_rules_in_order_with_numbers() {
    let shown = describe(&PasswordPolicy::default());
    let codes: Vec<_> = shown.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        [
            "too_short",
            "too_long",
            "common",
            "contains_user_data",
            "too_weak",
            "reused"
        ]
    );
    let texts: Vec<_> = shown.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts[0], "At least 8 characters");
    assert_eq!(texts[1], "At most 128 characters");
    assert_eq!(texts[5], "Not one of your last 5 passwords");
    assert!(shown[0].checkable_in_page && shown[1].checkable_in_page);
    assert!(!shown[2].checkable_in_page && !shown[5].checkable_in_page);

    let directory = PasswordPolicy {
        min_length: 12,
        min_lower: 1,
        min_upper: 2,
        min_digits: 1,
        min_symbols: 1,
        min_classes: 3,
        check_user_attributes: false,
        min_strength: 0,
        history: 1,
        ..PasswordPolicy::default()
    };
    let shown = describe(&directory);
    let lines: Vec<_> = shown.iter().map(|r| (r.code, r.text.as_str())).collect();
    assert_eq!(
        lines,
        [
            ("too_short", "At least 12 characters"),
            ("too_long", "At most 128 characters"),
            ("needs_lower", "At least 1 lower-case letter"),
            ("needs_upper", "At least 2 upper-case letters"),
            ("needs_digits", "At least 1 digit"),
            ("needs_symbols", "At least 1 symbol"),
            (
                "needs_classes",
                "Characters of at least 3 of these kinds: lower-case letters, upper-case \
                 letters, digits, symbols, letters without case"
            ),
            ("common", "Not a common or leaked password"),
            ("reused", "Not your previous password"),
        ]
    );
}

#[test]
fn rules_serialise_with_their_code_and_numbers() {
    let json = serde_json::to_value(Rule::TooShort { min: 8 }).unwrap();
    assert_eq!(json, serde_json::json!({"code": "too_short", "min": 8}));
    let json = serde_json::to_value(Rule::Common).unwrap();
    assert_eq!(json, serde_json::json!({"code": "common"}));
    assert_eq!(
        Rule::TooShort { min: 8 }.message(),
        "Use at least 8 characters."
    );
    assert_eq!(
        Rule::NeedsDigits { min: 1 }.message(),
        "Use at least 1 digit."
    );
    assert_eq!(
        Rule::Reused { count: 3 }.to_string(),
        Rule::Reused { count: 3 }.message()
    );
}
