//! Property tests: `evaluate` never panics on any Unicode, its verdict is consistent, and
//! normalisation is stable.

use super::*;
use proptest::prelude::*;

/// Any Unicode text, weighted towards what is hard: combining marks, full-width and
/// compatibility forms, case pairs, digits of other scripts, and strings past 100 characters.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('Z'),
                Just('7'),
                Just('!'),
                Just(' '),
                Just('\u{301}'),
                Just('\u{30A}'),
                Just('ｐ'),
                Just('Ａ'),
                Just('ﬁ'),
                Just('ß'),
                Just('İ'),
                Just('٣'),
                Just('漢'),
                Just('\u{0}'),
                Just('\u{FEFF}'),
                Just('😀'),
                any::<char>(),
            ],
            0..180,
        )
        .prop_map(|chars| chars.into_iter().collect()),
        ("(password|monkey|dragon|picard|jean)", "[0-9!@#]{0,5}")
            .prop_map(|(word, tail)| format!("{word}{tail}")),
    ]
}

fn policy() -> impl Strategy<Value = PasswordPolicy> {
    (
        8usize..20,
        64usize..200,
        0usize..4,
        0usize..3,
        0usize..6,
        0u8..5,
        any::<bool>(),
        0usize..3,
    )
        .prop_map(
            |(min_length, max_length, lower, upper, classes, min_strength, user, history)| {
                PasswordPolicy {
                    min_length,
                    max_length,
                    history,
                    min_lower: lower,
                    min_upper: upper,
                    min_digits: lower,
                    min_symbols: upper,
                    min_classes: classes,
                    min_strength,
                    check_user_attributes: user,
                }
            },
        )
}

fn user() -> impl Strategy<Value = UserContext> {
    (
        any::<String>(),
        proptest::option::of("\\PC{0,12}"),
        proptest::option::of(any::<String>()),
        proptest::option::of("\\PC{0,8}@?\\PC{0,8}"),
    )
        .prop_map(|(login_id, given_name, surname, mail)| UserContext {
            login_id,
            given_name,
            surname,
            mail,
            other: vec![],
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn evaluate_never_panics_and_ok_means_no_failures(
        candidate in typed(),
        policy in policy(),
        user in user(),
        previous in any::<bool>(),
    ) {
        let history = |_: &Password| previous;
        let v = evaluate(&policy, &EMBEDDED, &normalise(&candidate), &user, &history);
        prop_assert_eq!(v.ok, v.failures.is_empty());
        prop_assert!(v.strength.score <= 4);
        prop_assert!(v.strength.guesses_log10.is_finite() && v.strength.guesses_log10 >= 0.0);
        // Failures come in the policy's order, each at most once.
        let order = policy.rules();
        let positions: Vec<usize> = v
            .failures
            .iter()
            .map(|f| order.iter().position(|r| r == f).unwrap())
            .collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "{:?}", v.failures);
        // Length verdicts agree with the character count after NFKC.
        let n = normalise(&candidate).char_count();
        prop_assert_eq!(v.codes().contains(&"too_short"), n < policy.min_length);
        prop_assert_eq!(v.codes().contains(&"too_long"), n > policy.max_length);
        prop_assert_eq!(v.codes().contains(&"reused"), previous && policy.history > 0);
    }

    #[test]
    fn evaluating_raw_or_normalised_input_is_the_same(candidate in typed()) {
        let user = jean();
        let policy = PasswordPolicy::default();
        let raw = evaluate(&policy, &EMBEDDED, &Password::new(candidate.clone()), &user, &NoHistory);
        let normalised = evaluate(&policy, &EMBEDDED, &normalise(&candidate), &user, &NoHistory);
        prop_assert_eq!(raw, normalised);
    }

    #[test]
    fn normalise_is_idempotent(candidate in typed()) {
        let once = normalise(&candidate);
        let twice = normalise(once.expose());
        prop_assert_eq!(once.expose(), twice.expose());
    }

    #[test]
    fn operator_lists_never_panic_and_every_entry_is_found(text in any::<String>()) {
        let list = Blocklist::from_text(&text);
        for line in text.lines() {
            let entry = line.trim();
            if !entry.is_empty() && !entry.starts_with('#') {
                prop_assert!(list.contains_word(entry), "{:?}", entry);
            }
        }
    }
}
