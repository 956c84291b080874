//! Round trips, rehash flags, malformed input and the cost limits.

use super::*;
use crate::random::SeededRandom;
use proptest::prelude::*;

pub(super) fn pw(s: &str) -> Password {
    Password::new(s)
}

/// Cheap costs so the round trips run fast in debug builds.
pub(super) fn cheap() -> HashCosts {
    HashCosts {
        argon2: Argon2Params {
            memory_kib: 64,
            time_cost: 1,
            parallelism: 1,
        },
        pbkdf2_sha1_iterations: 10,
        pbkdf2_sha256_iterations: 10,
        pbkdf2_sha512_iterations: 10,
        bcrypt_cost: 4,
        scrypt: ScryptCost {
            log_n: 4,
            r: 1,
            p: 1,
        },
    }
}

pub(super) fn producible() -> impl Iterator<Item = Scheme> {
    Scheme::ALL.into_iter().filter(|s| *s != Scheme::Plaintext)
}

pub(super) fn make(scheme: Scheme, answer: &str, seed: u64) -> StoredAnswerHash {
    hash(&pw(answer), scheme, &cheap(), &mut SeededRandom::new(seed)).unwrap()
}

#[test]
fn every_scheme_round_trips_and_non_default_ones_ask_for_a_rehash() {
    let answer = "Fluffy the Cat, 1987 — ünïcödé";
    let mut all: Vec<(Scheme, StoredAnswerHash)> =
        producible().map(|s| (s, make(s, answer, 1))).collect();
    all.push((Scheme::Plaintext, encode_plaintext_insecure(&pw(answer))));
    for (scheme, stored) in &all {
        assert_eq!(identify(stored.as_str()), Ok(*scheme));
        assert_eq!(stored.scheme(), Ok(*scheme));
        let right = verify(&pw(answer), stored.as_str(), &cheap().argon2).unwrap();
        assert_eq!(
            right,
            Verified {
                matches: true,
                needs_rehash: !scheme.is_default()
            },
            "{scheme}"
        );
        for wrong in [
            "",
            "fluffy the cat, 1987 — ünïcödé",
            "Fluffy the Cat, 1987 — ünïcödé ",
        ] {
            let v = verify(&pw(wrong), stored.as_str(), &cheap().argon2).unwrap();
            assert!(!v.matches && !v.needs_rehash, "{scheme} accepted {wrong:?}");
        }
    }
}

#[test]
fn produced_strings_use_the_documented_formats() {
    let prefixes = [
        (Scheme::Argon2id, "$argon2id$v=19$m=64,t=1,p=1$"),
        (Scheme::Pbkdf2Sha1, "$pbkdf2$i=10,l=20$"),
        (Scheme::Pbkdf2Sha256, "$pbkdf2-sha256$i=10,l=32$"),
        (Scheme::Pbkdf2Sha512, "$pbkdf2-sha512$i=10,l=64$"),
        (Scheme::Bcrypt, "$2b$04$"),
        (Scheme::Scrypt, "$scrypt$ln=4,r=1,p=1$"),
        (Scheme::SaltedSha1, "{SSHA}"),
        (Scheme::SaltedSha256, "{SSHA256}"),
        (Scheme::SaltedSha512, "{SSHA512}"),
    ];
    for (scheme, prefix) in prefixes {
        let h = make(scheme, "x", 2);
        assert!(h.as_str().starts_with(prefix), "{}", h.as_str());
    }
    assert_eq!(make(Scheme::Bcrypt, "x", 2).as_str().len(), 60);
    assert_eq!(
        encode_plaintext_insecure(&pw("x")).into_string(),
        "{PLAIN}x"
    );
}

#[test]
fn salts_come_from_the_random_source() {
    for scheme in producible() {
        assert_eq!(make(scheme, "x", 3).as_str(), make(scheme, "x", 3).as_str());
        assert_ne!(make(scheme, "x", 3).as_str(), make(scheme, "x", 4).as_str());
    }
}

#[test]
fn hash_default_is_current_and_other_argon2_costs_are_not() {
    let costs = cheap();
    let h = hash_default(&pw("a"), &costs.argon2, &mut SeededRandom::new(5)).unwrap();
    let v = verify(&pw("a"), h.as_str(), &costs.argon2).unwrap();
    assert_eq!(
        v,
        Verified {
            matches: true,
            needs_rehash: false
        }
    );
    for other in [
        Argon2Params {
            memory_kib: 128,
            ..costs.argon2
        },
        Argon2Params {
            time_cost: 2,
            ..costs.argon2
        },
        Argon2Params {
            parallelism: 2,
            ..costs.argon2
        },
    ] {
        assert!(verify(&pw("a"), h.as_str(), &other).unwrap().needs_rehash);
        assert!(!verify(&pw("b"), h.as_str(), &other).unwrap().needs_rehash);
    }
}

#[test]
fn plaintext_is_produced_only_on_purpose() {
    let err = hash(
        &pw("x"),
        Scheme::Plaintext,
        &cheap(),
        &mut SeededRandom::new(1),
    );
    assert_eq!(err.unwrap_err(), AnswerHashError::PlaintextRefused);
    // A bare string is never taken as plaintext, even when it equals the answer.
    for bare in [
        "",
        "hunter2",
        "plain:hunter2",
        " {PLAIN}hunter2",
        "PLAIN}hunter2",
    ] {
        assert_eq!(
            verify(&pw(bare), bare, &cheap().argon2),
            Err(AnswerHashError::NoScheme)
        );
    }
}

#[test]
fn debug_and_errors_never_show_the_value() {
    let plain = encode_plaintext_insecure(&pw("my-secret-answer"));
    assert_eq!(format!("{plain:?}"), "StoredAnswerHash(plaintext, …)");
    let h = make(Scheme::Pbkdf2Sha256, "x", 6);
    let digest = h.as_str().rsplit('$').next().unwrap().to_owned();
    let shown = format!("{h:?}");
    assert!(shown.contains("pbkdf2-sha256") && !shown.contains(&digest));
    for stored in [
        "{FOO}my-secret-answer",
        "my-secret-answer",
        "{SSHA}my-secret-answer",
        "$pbkdf2-sha256$i=1,l=32$my-secret-answer$x",
    ] {
        let err = identify(stored).unwrap_err();
        assert!(!err.to_string().contains("my-secret-answer"), "{err}");
        assert!(!format!("{err:?}").contains("my-secret-answer"), "{err:?}");
    }
}

#[test]
fn bcrypt_refuses_to_produce_past_72_bytes_but_verifies_imports_that_did() {
    let long = "x".repeat(80);
    let err = hash(
        &pw(&long),
        Scheme::Bcrypt,
        &cheap(),
        &mut SeededRandom::new(1),
    );
    assert_eq!(err.unwrap_err(), AnswerHashError::TooLongForBcrypt(80));
    // Other bcrypt implementations silently used the first 72 bytes; such imports still work.
    let imported = bcrypt::hash_with_salt(&long, 4, [7; 16])
        .unwrap()
        .format_for_version(bcrypt::Version::TwoA);
    let v = verify(&pw(&"x".repeat(72)), &imported, &cheap().argon2).unwrap();
    assert!(v.matches && v.needs_rehash);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics_and_bare_text_is_refused(s in "\\PC{0,200}") {
        let result = identify(&s);
        if !s.starts_with('{') && !s.starts_with('$') {
            prop_assert_eq!(result, Err(AnswerHashError::NoScheme));
        }
    }

    #[test]
    fn a_changed_character_never_matches(seed in 0u64..1000, pos in 0usize..200, c in "[A-Za-z0-9./+=$]") {
        let scheme = Scheme::ALL[(seed % 9) as usize];
        let full = make(scheme, "answer", seed).into_string();
        let pos = pos % full.len();
        let mut changed: String = full.chars().take(pos).collect();
        changed.push_str(&c);
        changed.extend(full.chars().skip(pos + 1));
        // Labels are case-insensitive and $2a$/$2b$/$2y$ agree for short ASCII answers: those
        // edits keep the meaning, so they are not mutations.
        let same_meaning = changed.eq_ignore_ascii_case(&full)
            || (scheme == Scheme::Bcrypt && pos == 2 && matches!(c.as_str(), "a" | "y"));
        if !same_meaning && let Ok(v) = verify(&pw("answer"), &changed, &cheap().argon2) {
            prop_assert!(!v.matches, "{} matched", changed);
        }
    }
}
