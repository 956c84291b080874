//! The strength score (the `too_weak` rule and the meter a page may show), from zxcvbn.
//!
//! zxcvbn estimates how many guesses an informed attacker needs: it finds the cheapest way to
//! build the password from dictionary words (common passwords, English words, names), the
//! person's own data, keyboard walks, repeats, sequences and dates, and scores the total from 0
//! (under 10^3 guesses) to 4 (over 10^10).
//!
//! **No truncation here either.** zxcvbn reads only the first 100 characters of what it is
//! given. A longer password is scored in pieces of 100 characters whose guess counts multiply
//! (their log10 add up), so characters after the 100th still count; only a password already
//! refused as too long is scored on its first `max_length` characters, which bounds the work.
//!
//! **Purity.** zxcvbn keeps one piece of outside state: it reads the clock once per process for
//! the current year (dates near it are easier to guess) and times its own work (which we drop).
//! The score of a password with a date in it can therefore move when the year changes; nothing
//! else depends on when or where it runs.
//!
//! zxcvbn copies the password into buffers of its own that are not zeroized on drop; the
//! copies live only for the call.

use serde::Serialize;
use zeroize::Zeroizing;

/// zxcvbn looks at this many characters of its input.
const PIECE: usize = 100;

/// Score thresholds as zxcvbn draws them: fewer than 10^3 + 5 guesses is 0, 10^6 + 5 is 1 …
const THRESHOLDS: [f64; 4] = [1_005.0, 1_000_005.0, 100_000_005.0, 10_000_000_005.0];

/// How hard a password is to guess.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Strength {
    /// zxcvbn's score: 0 (trivial) to 4 (over 10^10 guesses).
    pub score: u8,
    /// Estimated guesses, as a base-10 logarithm (0 for an empty password).
    pub guesses_log10: f64,
}

impl Strength {
    /// The score of an empty password.
    pub const NONE: Strength = Strength {
        score: 0,
        guesses_log10: 0.0,
    };
}

/// Scores `password` (already normalised) on at most `max_chars` characters, with the person's
/// own words (lower case) as extra dictionary entries.
pub(super) fn estimate(password: &str, user_inputs: &[&str], max_chars: usize) -> Strength {
    let mut pieces: Vec<Zeroizing<String>> = Vec::new();
    let mut current = Zeroizing::new(String::new());
    let mut in_piece = 0usize;
    for c in password.chars().take(max_chars) {
        if in_piece == PIECE {
            pieces.push(std::mem::replace(
                &mut current,
                Zeroizing::new(String::new()),
            ));
            in_piece = 0;
        }
        current.push(c);
        in_piece += 1;
    }
    if in_piece > 0 {
        pieces.push(current);
    }
    match pieces.as_slice() {
        [] => Strength::NONE,
        [only] => {
            let entropy = zxcvbn::zxcvbn(only, user_inputs);
            Strength {
                score: u8::from(entropy.score()),
                guesses_log10: finite(entropy.guesses_log10()),
            }
        }
        many => {
            let guesses_log10 = many
                .iter()
                .map(|piece| finite(zxcvbn::zxcvbn(piece, user_inputs).guesses_log10()))
                .sum();
            Strength {
                score: score_of(guesses_log10),
                guesses_log10,
            }
        }
    }
}

/// The zxcvbn score for a number of guesses given as its log10.
fn score_of(guesses_log10: f64) -> u8 {
    let below = THRESHOLDS
        .iter()
        .take_while(|limit| guesses_log10 >= limit.log10())
        .count();
    u8::try_from(below).unwrap_or(4)
}

/// zxcvbn answers −∞ for an empty input; serialisers and sums want a number.
fn finite(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_passwords_are_scored_past_the_hundredth_character() {
        let weak_start = "a".repeat(100);
        let only_start = estimate(&weak_start, &[], 1024);
        assert!(only_start.score <= 1, "{only_start:?}");
        let whole = format!("{weak_start}Xk9#mQ2$vL7@pR4!wZ8&nB3^tY6*");
        let scored = estimate(&whole, &[], 1024);
        assert_eq!(scored.score, 4, "{scored:?}");
        assert!(scored.guesses_log10 > only_start.guesses_log10 + 10.0);
        // Capped: only the first 100 characters are looked at.
        assert_eq!(estimate(&whole, &[], 100), only_start);
    }

    #[test]
    fn score_thresholds_match_zxcvbn() {
        for pw in [
            "",
            "a",
            "password",
            "Tr0ub4dour&3",
            "correct horse battery staple",
        ] {
            let ours = score_of(finite(zxcvbn::zxcvbn(pw, &[]).guesses_log10()));
            assert_eq!(ours, estimate(pw, &[], 1024).score, "{pw}");
        }
        assert_eq!(score_of(2.9), 0);
        assert_eq!(score_of(5.0), 1);
        assert_eq!(score_of(7.5), 2);
        assert_eq!(score_of(9.5), 3);
        assert_eq!(score_of(10.5), 4);
    }

    #[test]
    fn the_persons_own_words_lower_the_score() {
        let alone = estimate("marguerite1987", &[], 128);
        let known = estimate("marguerite1987", &["marguerite"], 128);
        assert!(
            known.guesses_log10 < alone.guesses_log10,
            "{alone:?} {known:?}"
        );
    }
}
