#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::random::SeededRandom;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

fn count(p: &str, chars: &str) -> usize {
    p.chars().filter(|c| chars.contains(*c)).count()
}

fn allowed(policy: &GeneratorPolicy) -> String {
    let mut s = format!("{LOWER}{UPPER}{DIGITS}{}", policy.symbols);
    if policy.exclude_ambiguous {
        s.retain(|c| !AMBIGUOUS.contains(c));
    }
    s
}

#[test]
fn default_policy_meets_every_class_and_its_length() {
    let policy = GeneratorPolicy::default();
    policy.check().unwrap();
    let mut rng = SeededRandom::new(1);
    for _ in 0..500 {
        let p = generate(&policy, &mut rng).unwrap();
        let v = p.expose();
        assert_eq!(v.len(), 20);
        assert!(count(v, LOWER) >= 1);
        assert!(count(v, UPPER) >= 1);
        assert!(count(v, DIGITS) >= 1);
        assert!(count(v, DEFAULT_SYMBOLS) >= 1);
    }
}

#[test]
fn default_symbols_need_no_escaping() {
    for bad in ['"', '\'', '`', '\\', ' ', '$', '&', '<', '>', ';', '|', '*'] {
        assert!(!DEFAULT_SYMBOLS.contains(bad), "{bad:?} in default symbols");
    }
}

#[test]
fn lengths_are_exact_from_12_to_256() {
    let mut rng = SeededRandom::new(2);
    for length in [12, 13, 20, 64, 128, 255, 256] {
        let policy = GeneratorPolicy {
            length,
            ..GeneratorPolicy::default()
        };
        let p = generate(&policy, &mut rng).unwrap();
        assert_eq!(p.char_count(), length);
    }
}

#[test]
fn impossible_policies_are_refused_with_their_message() {
    let base = GeneratorPolicy::default();
    let cases: Vec<(GeneratorPolicy, &str)> = vec![
        (
            GeneratorPolicy {
                length: 11,
                ..base.clone()
            },
            "a generated password must be at least 12 characters",
        ),
        (
            GeneratorPolicy {
                length: 0,
                ..base.clone()
            },
            "a generated password must be at least 12 characters",
        ),
        (
            GeneratorPolicy {
                length: 257,
                ..base.clone()
            },
            "a generated password must be at most 256 characters",
        ),
        (
            GeneratorPolicy {
                length: 12,
                min_lower: 4,
                min_upper: 4,
                min_digits: 4,
                min_symbols: 1,
                ..base.clone()
            },
            "requires at least 13 characters from its classes but a length of only 12",
        ),
        (
            GeneratorPolicy {
                min_digits: usize::MAX,
                ..base.clone()
            },
            "from its classes but a length of only 20",
        ),
        (
            GeneratorPolicy {
                symbols: String::new(),
                min_symbols: 2,
                ..base.clone()
            },
            "requires at least 2 symbols but allows none",
        ),
        (
            GeneratorPolicy {
                symbols: "a-".into(),
                ..base.clone()
            },
            "the symbol 'a' is not allowed",
        ),
        (
            GeneratorPolicy {
                symbols: "- ".into(),
                ..base.clone()
            },
            "the symbol ' ' is not allowed",
        ),
        (
            GeneratorPolicy {
                symbols: "-€".into(),
                ..base.clone()
            },
            "the symbol '€' is not allowed",
        ),
    ];
    let mut rng = SeededRandom::new(3);
    for (policy, message) in cases {
        let err = policy.check().unwrap_err();
        assert!(err.to_string().contains(message), "{err} / {message}");
        assert_eq!(generate(&policy, &mut rng).unwrap_err(), err);
        assert_eq!(policy.entropy_bits(), 0.0);
    }
}

#[test]
fn empty_symbols_with_no_minimum_means_no_symbols() {
    let policy = GeneratorPolicy {
        symbols: String::new(),
        min_symbols: 0,
        ..GeneratorPolicy::default()
    };
    let mut rng = SeededRandom::new(4);
    for _ in 0..500 {
        let p = generate(&policy, &mut rng).unwrap();
        assert!(p.expose().chars().all(|c| c.is_ascii_alphanumeric()));
    }
}

#[test]
fn duplicate_symbols_do_not_skew_the_alphabet() {
    let a = GeneratorPolicy {
        symbols: "--__".into(),
        ..GeneratorPolicy::default()
    };
    let b = GeneratorPolicy {
        symbols: "-_".into(),
        ..GeneratorPolicy::default()
    };
    assert_eq!(a.entropy_bits(), b.entropy_bits());
}

#[test]
fn ambiguous_characters_can_be_excluded() {
    let policy = GeneratorPolicy {
        length: 64,
        exclude_ambiguous: true,
        ..GeneratorPolicy::default()
    };
    let mut rng = SeededRandom::new(5);
    for _ in 0..500 {
        let p = generate(&policy, &mut rng).unwrap();
        assert_eq!(count(p.expose(), AMBIGUOUS), 0, "{}", p.expose());
    }
}

#[test]
fn forbidden_substrings_never_appear_case_insensitively() {
    let mut policy = GeneratorPolicy {
        length: 256,
        ..GeneratorPolicy::default()
    };
    let mut rng = SeededRandom::new(6);
    // Without the rule, "abc" (any case) shows up in roughly 1 draw in 200: the check can fail.
    let unfiltered = (0..3000)
        .filter(|_| {
            let p = generate(&policy, &mut rng).unwrap();
            p.expose().to_lowercase().contains("abc")
        })
        .count();
    assert!(unfiltered > 5, "{unfiltered}");

    policy.forbid_substrings = vec!["ABC".into(), "jsmith".into(), "x9".into()];
    let mut short_seen = false;
    for _ in 0..3000 {
        let p = generate(&policy, &mut rng).unwrap();
        let lower = p.expose().to_lowercase();
        assert!(!lower.contains("abc"));
        assert!(!lower.contains("jsmith"));
        short_seen |= lower.contains("x9");
    }
    // Strings shorter than 3 characters are ignored, as Active Directory does.
    assert!(short_seen);
}

#[test]
fn forbidden_strings_that_cover_every_draw_give_up_with_an_error() {
    let alnum: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789".chars().collect();
    let mut forbid = Vec::new();
    for x in &alnum {
        for y in &alnum {
            forbid.push(format!("a{x}{y}"));
        }
    }
    let policy = GeneratorPolicy {
        length: 256,
        symbols: String::new(),
        min_symbols: 0,
        forbid_substrings: forbid,
        ..GeneratorPolicy::default()
    };
    policy.check().unwrap();
    let err = generate(&policy, &mut SeededRandom::new(7)).unwrap_err();
    assert_eq!(err, GeneratorError::ForbiddenSubstrings(MAX_ATTEMPTS));
    assert!(
        err.to_string()
            .contains("forbidden substrings in 64 attempts")
    );
}

#[test]
fn ten_thousand_draws_are_distinct_and_repeatable_per_seed() {
    let policy = GeneratorPolicy::default();
    let mut rng = SeededRandom::new(8);
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        assert!(seen.insert(generate(&policy, &mut rng).unwrap().expose().to_owned()));
    }
    let a = generate(&policy, &mut SeededRandom::new(9)).unwrap();
    let b = generate(&policy, &mut SeededRandom::new(9)).unwrap();
    assert_eq!(a.expose(), b.expose());
}

#[test]
fn characters_are_uniform_over_the_alphabet() {
    let policy = GeneratorPolicy {
        min_lower: 0,
        min_upper: 0,
        min_digits: 0,
        min_symbols: 0,
        ..GeneratorPolicy::default()
    };
    let alphabet = allowed(&policy);
    let k = alphabet.len();
    assert_eq!(k, 74);
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut rng = SeededRandom::new(10);
    let draws = 20_000;
    for _ in 0..draws {
        for c in generate(&policy, &mut rng).unwrap().expose().chars() {
            *counts.entry(c).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), k);
    let expected = (draws * policy.length) as f64 / k as f64;
    let chi2: f64 = counts
        .values()
        .map(|&n| (n as f64 - expected).powi(2) / expected)
        .sum();
    // 73 degrees of freedom: mean 73, standard deviation about 12. A modulo bias of even 1%
    // on some characters would push this far past the bound.
    assert!(chi2 < 140.0, "chi-square {chi2}");
}

#[test]
fn required_characters_are_spread_over_every_position() {
    let policy = GeneratorPolicy {
        length: 12,
        min_lower: 0,
        min_upper: 0,
        min_digits: 1,
        min_symbols: 0,
        symbols: String::new(),
        ..GeneratorPolicy::default()
    };
    let mut per_position = [0usize; 12];
    let mut rng = SeededRandom::new(11);
    let draws = 10_000;
    for _ in 0..draws {
        let p = generate(&policy, &mut rng).unwrap();
        for (i, c) in p.expose().chars().enumerate() {
            if c.is_ascii_digit() {
                per_position[i] += 1;
            }
        }
    }
    let mean = per_position.iter().sum::<usize>() as f64 / 12.0;
    for n in per_position {
        // Without the shuffle the first position would hold a digit in every draw.
        assert!((n as f64 - mean).abs() < mean * 0.1, "{per_position:?}");
    }
}

#[test]
fn entropy_of_the_default_is_over_100_bits() {
    let bits = GeneratorPolicy::default().entropy_bits();
    assert!(bits >= 100.0, "{bits}");
    assert!((bits - 115.6).abs() < 0.1, "{bits}");
    let longer = GeneratorPolicy {
        length: 32,
        ..GeneratorPolicy::default()
    };
    assert!(longer.entropy_bits() > bits);
    let readable = GeneratorPolicy {
        exclude_ambiguous: true,
        ..GeneratorPolicy::default()
    };
    assert!(readable.entropy_bits() < bits);
    assert!(readable.entropy_bits() >= 100.0);
}

#[test]
fn the_output_debug_is_redacted_and_errors_hold_no_value() {
    let p = generate(&GeneratorPolicy::default(), &mut SeededRandom::new(12)).unwrap();
    assert_eq!(format!("{p:?}"), "Password([redacted])");
    assert!(!format!("{p:?}").contains(p.expose()));
}

#[test]
fn policy_reads_from_serde_with_defaults() {
    let empty: GeneratorPolicy = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, GeneratorPolicy::default());
    let ad: GeneratorPolicy =
        serde_json::from_str(r#"{"length": 32, "forbid_substrings": ["jsmith"]}"#).unwrap();
    assert_eq!(ad.length, 32);
    assert_eq!(ad.min_symbols, 1);
    assert_eq!(ad.forbid_substrings, vec!["jsmith".to_owned()]);
    assert!(serde_json::from_str::<GeneratorPolicy>(r#"{"lenght": 32}"#).is_err());
    let back: GeneratorPolicy = serde_json::from_str(&serde_json::to_string(&ad).unwrap()).unwrap();
    assert_eq!(back, ad);
}

fn policy_strategy() -> impl Strategy<Value = GeneratorPolicy> {
    (
        (8usize..=80, 0usize..=5, 0usize..=5, 0usize..=5, 0usize..=5),
        proptest::sample::subsequence(DEFAULT_SYMBOLS.chars().collect::<Vec<_>>(), 0..=12),
        any::<bool>(),
        proptest::collection::vec("[a-cA-C0-2]{1,4}", 0..4),
    )
        .prop_map(
            |((length, lo, up, di, sy), symbols, exclude_ambiguous, forbid)| GeneratorPolicy {
                length,
                min_lower: lo,
                min_upper: up,
                min_digits: di,
                min_symbols: sy,
                symbols: symbols.into_iter().collect(),
                exclude_ambiguous,
                forbid_substrings: forbid,
            },
        )
}

proptest! {
    #[test]
    fn random_policies_are_always_met(policy in policy_strategy(), seed in any::<u64>()) {
        let mut rng = SeededRandom::new(seed);
        match policy.check() {
            Err(e) => prop_assert_eq!(generate(&policy, &mut rng).unwrap_err(), e),
            Ok(()) => {
                let p = generate(&policy, &mut rng).unwrap();
                let v = p.expose();
                let allowed = allowed(&policy);
                prop_assert_eq!(v.len(), policy.length);
                prop_assert!(v.chars().all(|c| allowed.contains(c)));
                prop_assert!(count(v, LOWER) >= policy.min_lower);
                prop_assert!(count(v, UPPER) >= policy.min_upper);
                prop_assert!(count(v, DIGITS) >= policy.min_digits);
                prop_assert!(count(v, &policy.symbols) >= policy.min_symbols);
                let lower = v.to_lowercase();
                for f in policy.forbid_substrings.iter().filter(|f| f.len() >= 3) {
                    prop_assert!(!lower.contains(&f.to_lowercase()));
                }
                prop_assert!(policy.entropy_bits() > 0.0);
            }
        }
    }
}
