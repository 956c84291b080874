//! `evaluate`: normalisation, lengths, every failure listed, composition, user data, history.

use super::*;
use crate::password_hash::{Argon2Params, hash_password};
use std::cell::Cell;

#[test]
fn a_good_passphrase_passes_the_defaults_without_composition() {
    let v = check("correcthorsebatterystaple");
    assert!(v.ok, "{v:?}");
    assert!(v.failures.is_empty());
    assert!(v.strength.score >= 2);
    assert!(check("Blue coffee, seven trains").ok);
    assert!(
        check("Ünïcödé ünd Lêërzéichen").ok,
        "Unicode and spaces are fine"
    );
}

#[test]
fn nfkc_full_width_password_is_the_common_password() {
    let v = check("ｐａｓｓｗｏｒｄ");
    assert_eq!(normalise("ｐａｓｓｗｏｒｄ").expose(), "password");
    assert!(v.codes().contains(&"common"), "{v:?}");
    assert!(!v.ok);
}

#[test]
fn normalise_composes_and_keeps_case_and_spaces() {
    let decomposed = normalise("A\u{30A}ngstro\u{308}m Room");
    assert_eq!(decomposed.expose(), "Ångström Room");
    assert_eq!(normalise("\u{C5}").expose(), normalise("A\u{30A}").expose());
    assert_eq!(normalise(decomposed.expose()).expose(), decomposed.expose());
    assert_eq!(normalise("ﬁre ①").expose(), "fire 1");
}

#[test]
fn lengths_count_characters_after_nfkc_not_bytes() {
    // Eight letters, each typed as a letter and a combining accent: 16 scalar values typed,
    // 8 after NFKC, 16 bytes.
    let typed = "e\u{301}a\u{300}o\u{302}u\u{308}i\u{301}e\u{300}a\u{302}o\u{308}";
    assert_eq!(typed.chars().count(), 16);
    assert_eq!(normalise(typed).char_count(), 8);
    let nine = PasswordPolicy {
        min_length: 9,
        min_strength: 0,
        ..PasswordPolicy::default()
    };
    assert_eq!(codes_with(&nine, typed), ["too_short"]);
    let eight = PasswordPolicy {
        min_length: 8,
        ..nine
    };
    assert_eq!(codes_with(&eight, typed), Vec::<&str>::new());
    // A combining mark with no precomposed form stays two characters.
    assert_eq!(normalise("q\u{301}").char_count(), 2);
    // Multi-byte letters count once each: 8 characters, 24 bytes.
    assert_eq!(codes_with(&eight, "ᚠᚢᚦᚨᚱᚲᚷᚹ"), Vec::<&str>::new());
}

#[test]
fn lengths_at_the_edges() {
    let p = PasswordPolicy {
        min_strength: 0,
        ..PasswordPolicy::default()
    };
    assert_eq!(codes_with(&p, "zq7#vk2"), ["too_short"]);
    assert_eq!(codes_with(&p, "zq7#vk2m"), Vec::<&str>::new());
    let at_max = "xq7#".repeat(32);
    assert_eq!(codes_with(&p, &at_max), Vec::<&str>::new());
    let over = format!("{at_max}x");
    assert_eq!(
        codes_with(&p, &over),
        ["too_long"],
        "refused, never cut to 128"
    );
}

#[test]
fn no_truncation_anywhere() {
    let base: String = "Tangerine Meadow Quartz Lantern "
        .chars()
        .cycle()
        .take(100)
        .collect();
    let mut chars: Vec<char> = base.chars().collect();
    chars[89] = if chars[89] == '#' { '%' } else { '#' };
    let differs_at_90: String = chars.into_iter().collect();
    assert_ne!(base, differs_at_90);

    // History: only the exact previous password matches.
    let previous = normalise(&base);
    let history = |candidate: &Password| candidate.expose() == previous.expose();
    let policy = PasswordPolicy::default();
    let user = jean();
    let reused = evaluate(&policy, &EMBEDDED, &normalise(&base), &user, &history);
    assert_eq!(reused.codes(), ["reused"]);
    let fresh = evaluate(
        &policy,
        &EMBEDDED,
        &normalise(&differs_at_90),
        &user,
        &history,
    );
    assert!(fresh.ok, "{fresh:?}");

    // Blocklist: a 100-character entry does not block its near twin.
    let list = Blocklist::from_text(&base);
    assert!(list.is_blocked(&normalise(&base)));
    assert!(!list.is_blocked(&normalise(&differs_at_90)));
}

#[test]
fn every_failure_is_listed_not_just_the_first() {
    let strict = PasswordPolicy {
        min_length: 12,
        min_upper: 1,
        min_digits: 1,
        min_symbols: 1,
        min_classes: 3,
        ..PasswordPolicy::default()
    };
    let history = |_: &Password| true;
    let v = evaluate(&strict, &EMBEDDED, &normalise("picard"), &jean(), &history);
    assert_eq!(
        v.codes(),
        [
            "too_short",
            "needs_upper",
            "needs_digits",
            "needs_symbols",
            "needs_classes",
            "common",
            "contains_user_data",
            "too_weak",
            "reused"
        ]
    );
    assert!(!v.ok);
    assert!(v.failures[0].message().contains("at least 12 characters"));
}

#[test]
fn verdict_never_shows_the_password() {
    let secret = "Hunter2Hunter2Hunter2";
    let v = check(secret);
    let shown = format!("{v:?} {}", serde_json::to_string(&v).unwrap());
    let texts: String = v.failures.iter().map(Rule::message).collect();
    for part in ["Hunter2", "hunter2", "unter"] {
        assert!(!shown.contains(part), "{shown}");
        assert!(!texts.contains(part), "{texts}");
    }
    assert_eq!(format!("{:?}", normalise(secret)), "Password([redacted])");
}

#[test]
fn composition_rules_count_kinds_of_character() {
    let p = PasswordPolicy {
        min_lower: 2,
        min_upper: 2,
        min_digits: 2,
        min_symbols: 2,
        min_strength: 0,
        ..PasswordPolicy::default()
    };
    assert_eq!(codes_with(&p, "abCD12!?"), Vec::<&str>::new());
    assert_eq!(
        codes_with(&p, "abcdefgh"),
        ["needs_upper", "needs_digits", "needs_symbols"]
    );
    assert_eq!(
        codes_with(&p, "ÉÀéà٣٤ ¿"),
        Vec::<&str>::new(),
        "Unicode counts"
    );
    assert_eq!(
        codes_with(&p, "ＡＢａｂ１２！？"),
        Vec::<&str>::new(),
        "full-width becomes ASCII first"
    );

    let three_kinds = PasswordPolicy {
        min_classes: 3,
        min_strength: 0,
        ..PasswordPolicy::default()
    };
    assert_eq!(codes_with(&three_kinds, "lowercaseonly"), ["needs_classes"]);
    assert_eq!(codes_with(&three_kinds, "lower UPPER"), Vec::<&str>::new());
    assert_eq!(codes_with(&three_kinds, "漢字かなmixed"), ["needs_classes"]);
    assert_eq!(
        codes_with(&three_kinds, "漢字かなmixed7"),
        Vec::<&str>::new()
    );
    assert_eq!(CharClass::of('漢'), CharClass::OtherLetter);
    assert_eq!(CharClass::of(' '), CharClass::Symbol);
}

#[test]
fn the_persons_own_data_is_refused() {
    for typed in [
        "xX-JPicard-Xx-92731",
        "my name is jean and 11",
        "ILOVEPICARD!!",
        "Ｐｉｃａｒｄ rocks the house",
        "luc-of-the-stars-99",
    ] {
        assert!(
            check(typed).codes().contains(&"contains_user_data"),
            "{typed}"
        );
    }
    // Parts shorter than 3, and the mail domain, are not looked for.
    let lu = UserContext {
        login_id: "lu".into(),
        given_name: Some("Al".into()),
        mail: Some("lu@enterprise.example".into()),
        ..UserContext::default()
    };
    let v = evaluate(
        &PasswordPolicy::default(),
        &EMBEDDED,
        &normalise("alluring enterprise volcano"),
        &lu,
        &NoHistory,
    );
    assert!(v.ok, "{v:?}");
    // The rule can be turned off.
    let off = PasswordPolicy {
        check_user_attributes: false,
        ..PasswordPolicy::default()
    };
    assert_eq!(codes_with(&off, "xX-JPicard-Xx-92731"), Vec::<&str>::new());
    // Other context words count too.
    let mut ctx = jean();
    ctx.other.push("Latchkey".into());
    let v = evaluate(
        &PasswordPolicy::default(),
        &EMBEDDED,
        &normalise("my latchkey password 7"),
        &ctx,
        &NoHistory,
    );
    assert_eq!(v.codes(), ["contains_user_data"]);
    assert_eq!(
        jean().words(),
        [
            "jpicard",
            "jean-luc",
            "jean",
            "luc",
            "picard",
            "jean-luc.picard"
        ]
    );
}

#[test]
fn history_is_asked_only_when_the_policy_keeps_one() {
    let asked = Cell::new(0);
    let counting = |_: &Password| {
        asked.set(asked.get() + 1);
        true
    };
    let off = PasswordPolicy {
        history: 0,
        ..PasswordPolicy::default()
    };
    let v = evaluate(
        &off,
        &EMBEDDED,
        &normalise("correcthorsebatterystaple"),
        &jean(),
        &counting,
    );
    assert!(v.ok);
    assert_eq!(asked.get(), 0);
    let on = PasswordPolicy::default();
    let v = evaluate(
        &on,
        &EMBEDDED,
        &normalise("correcthorsebatterystaple"),
        &jean(),
        &counting,
    );
    assert_eq!(v.codes(), ["reused"]);
    assert_eq!(asked.get(), 1);
}

#[test]
fn stored_history_verifies_the_normalised_password_against_argon2_hashes() {
    let params = Argon2Params {
        memory_kib: 64,
        time_cost: 1,
        parallelism: 1,
    };
    let hashed =
        |typed: &str, salt: u8| hash_password(&normalise(typed), &params, &[salt; 16]).unwrap();
    let stored = vec![
        hashed("newest passphrase here", 1),
        hashed("ｆｕｌｌ ｗｉｄｔｈ ｐａｓｓｐｈｒａｓｅ", 2),
        hashed("oldest passphrase here", 3),
        crate::password_hash::PasswordHashString::from_stored("not a hash".into()),
    ];
    let policy = PasswordPolicy::default();
    let run = |typed: &str, depth: usize| {
        evaluate(
            &policy,
            &EMBEDDED,
            &normalise(typed),
            &jean(),
            &StoredHistory::new(&stored, depth),
        )
        .codes()
    };
    assert_eq!(run("newest passphrase here", 5), ["reused"]);
    assert_eq!(
        run("full width passphrase", 5),
        ["reused"],
        "NFKC before hashing and checking"
    );
    assert_eq!(run("oldest passphrase here", 5), ["reused"]);
    assert_eq!(
        run("oldest passphrase here", 2),
        Vec::<&str>::new(),
        "beyond the depth"
    );
    assert_eq!(
        run("a brand new passphrase", 5),
        Vec::<&str>::new(),
        "garbage never matches"
    );
    let dynamic: &dyn History = &NoHistory;
    assert!(
        evaluate(
            &policy,
            &EMBEDDED,
            &normalise("a brand new passphrase"),
            &jean(),
            dynamic
        )
        .ok
    );
}
