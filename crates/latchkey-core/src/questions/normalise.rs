//! How an answer is normalised before it is hashed or checked.
//!
//! People type answers months apart, on other keyboards, phones and input methods; the rule below
//! makes the same words compare equal without making different words equal. The rule, in order:
//!
//! 1. **Invisible characters are dropped**: control characters other than whitespace, the soft
//!    hyphen, zero-width space/joiners, direction marks and isolates, the byte-order mark and
//!    variation selectors. (They come from copy and paste, not from the person.)
//! 2. **Unicode NFKC**: compatibility forms become the plain letter (full-width `ＡＢＣ` → `ABC`,
//!    the ligature `ﬁ` → `fi`, `①` → `1`), and a letter followed by a combining accent becomes
//!    the precomposed letter (`e` + U+0301 → `é`).
//! 3. **Lower case**, Unicode's default (locale-independent) mapping, plus the two case
//!    foldings where lower-casing alone leaves two spellings of one word: final sigma `ς` → `σ`,
//!    sharp s `ß` → `ss` (so `STRASSE` = `straße`). Then NFKC again.
//! 4. **Whitespace**: every run of Unicode whitespace (spaces, tabs, newlines, no-break and
//!    ideographic spaces) becomes one ASCII space; leading and trailing whitespace goes.
//!
//! Not folded, on purpose: accents (`é` ≠ `e`) and the Turkish i. Unicode's default mapping is
//! used for every language: `I` → `i`, `İ` (dotted capital) → `i` + U+0307 (combining dot),
//! `ı` (dotless) stays `ı`. A person who typed `İzmir` at enrolment must type `İzmir` (or
//! `i̇zmir`) again; `izmir` and `ızmir` are different answers. Doing otherwise would need the
//! person's locale at enrolment and at every login, and would make answers silently depend on it.

use crate::secret::Password;
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroize;

/// An answer after [`normalise`]: what is hashed and compared. Secret: zeroized on drop,
/// `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct NormalisedAnswer(Password);

impl NormalisedAnswer {
    /// The normalised text. Declassifying: call only to hash or verify it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The normalised text as a secret, for hashing APIs that take one.
    pub fn as_password(&self) -> &Password {
        &self.0
    }

    /// Length in Unicode scalar values (what length rules count).
    pub fn char_count(&self) -> usize {
        self.0.char_count()
    }

    /// Nothing left after normalisation.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for NormalisedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NormalisedAnswer([redacted])")
    }
}

impl PartialEq for NormalisedAnswer {
    /// Equal texts. Only enrolment uses this (to refuse two identical answers), where both
    /// sides belong to the person typing them; never compare against a stored answer.
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

fn is_invisible(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
        )
}

fn fold_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'ς' => out.push('σ'),
            'ß' => out.push_str("ss"),
            other => out.push(other),
        }
    }
    out
}

/// Normalises `raw` by the rule in the [module docs](self). Idempotent:
/// `normalise(normalise(x)) == normalise(x)`.
pub fn normalise(raw: &str) -> NormalisedAnswer {
    let mut visible: String = raw.chars().filter(|c| !is_invisible(*c)).collect();
    let mut composed: String = visible.nfkc().collect();
    let mut lower = fold_case(&composed);
    let mut recomposed: String = lower.nfkc().collect();
    let mut out = String::with_capacity(recomposed.len());
    for word in recomposed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    visible.zeroize();
    composed.zeroize();
    lower.zeroize();
    recomposed.zeroize();
    NormalisedAnswer(Password::new(out))
}

/// Normalises non-secret text the same way (question texts, login ids), for comparisons with
/// answers.
pub(crate) fn normalise_plain(raw: &str) -> String {
    normalise(raw).expose().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> String {
        normalise(s).expose().to_owned()
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed() {
        assert_eq!(n("  Fluffy \t the\n\r\ncat  "), "fluffy the cat");
        assert_eq!(
            n("no\u{00A0}break\u{3000}ideographic"),
            "no break ideographic"
        );
        assert_eq!(n(" \t\n "), "");
    }

    #[test]
    fn full_width_letters_become_plain() {
        assert_eq!(n("ＲＯＶＥＲ"), "rover");
        assert_eq!(n("ｒｏｖｅｒ　１２"), "rover 12");
    }

    #[test]
    fn combining_accents_compose_but_are_not_dropped() {
        assert_eq!(n("Jose\u{301}"), n("José"));
        assert_eq!(n("JOSÉ"), "josé");
        assert_ne!(n("José"), n("Jose"));
    }

    #[test]
    fn ligatures_and_compatibility_forms_unfold() {
        assert_eq!(n("ﬁreﬂy"), "firefly");
        assert_eq!(n("Ⅻ ①"), "xii 1");
    }

    #[test]
    fn invisible_characters_are_dropped() {
        assert_eq!(n("pass\u{200B}word"), "password");
        assert_eq!(n("\u{FEFF}bom"), "bom");
        assert_eq!(n("soft\u{00AD}hyphen"), "softhyphen");
        assert_eq!(n("bell\u{7}"), "bell");
    }

    #[test]
    fn turkish_i_follows_the_default_mapping() {
        // Dotless capital I lowers to ASCII i; dotted capital İ lowers to i + combining dot.
        assert_eq!(n("IZMIR"), "izmir");
        assert_eq!(n("İzmir"), "i\u{307}zmir");
        assert_ne!(n("İzmir"), n("izmir"));
        assert_eq!(n("ızmir"), "ızmir");
        assert_ne!(n("ızmir"), n("izmir"));
    }

    #[test]
    fn sigma_and_sharp_s_fold() {
        assert_eq!(n("ΟΔΟΣ"), n("οδοσ"));
        assert_eq!(n("Straße"), n("STRASSE"));
    }

    #[test]
    fn debug_is_redacted() {
        let a = normalise("secret answer");
        assert_eq!(format!("{a:?}"), "NormalisedAnswer([redacted])");
        assert_eq!(a.char_count(), 13);
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent(s in "\\PC{0,24}|[ \\t\\nA-Za-zİıßΣς\u{301}\u{FF21}-\u{FF3A}]{0,24}") {
            let once = n(&s);
            prop_assert_eq!(n(&once), once.clone());
            prop_assert_eq!(once.trim(), once.as_str());
            prop_assert!(!once.contains("  "));
        }

        #[test]
        fn case_does_not_matter_for_ascii(s in "[A-Za-z ]{0,24}") {
            prop_assert_eq!(n(&s.to_uppercase()), n(&s.to_lowercase()));
        }
    }
}
