//! Kinds of character, for the composition rules that some directories demand.
//!
//! Off by default (NIST SP 800-63B: no composition rules). When a directory enforces them, our
//! check must agree with it, so the kinds are Active Directory's five, counted on the
//! normalised password with Unicode's own properties (so `É` is an upper-case letter and `٣` a
//! digit).

use serde::Serialize;

/// One kind of character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    /// A lower-case letter (`a`, `é`, `ß`).
    Lower,
    /// An upper-case letter (`A`, `É`).
    Upper,
    /// A digit or other number (`7`, `٣`).
    Digit,
    /// Neither letter nor digit: punctuation, symbols, spaces, marks.
    Symbol,
    /// A letter without case (most Chinese, Japanese, Arabic, Hebrew, Indic letters).
    OtherLetter,
}

impl CharClass {
    /// The five kinds in words, for messages.
    pub const LIST: &'static str = "lower-case letters, upper-case letters, digits, symbols, \
                                    letters without case";

    /// The kind of `c`.
    pub fn of(c: char) -> Self {
        if c.is_lowercase() {
            CharClass::Lower
        } else if c.is_uppercase() {
            CharClass::Upper
        } else if c.is_alphabetic() {
            CharClass::OtherLetter
        } else if c.is_numeric() {
            CharClass::Digit
        } else {
            CharClass::Symbol
        }
    }
}

/// How many characters of each kind a password has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ClassCounts {
    pub lower: usize,
    pub upper: usize,
    pub digit: usize,
    pub symbol: usize,
    pub other_letter: usize,
}

impl ClassCounts {
    pub fn of(password: &str) -> Self {
        let mut counts = Self::default();
        for c in password.chars() {
            let slot = match CharClass::of(c) {
                CharClass::Lower => &mut counts.lower,
                CharClass::Upper => &mut counts.upper,
                CharClass::Digit => &mut counts.digit,
                CharClass::Symbol => &mut counts.symbol,
                CharClass::OtherLetter => &mut counts.other_letter,
            };
            *slot = slot.saturating_add(1);
        }
        counts
    }

    /// How many kinds occur at least once.
    pub fn kinds(&self) -> usize {
        [
            self.lower,
            self.upper,
            self.digit,
            self.symbol,
            self.other_letter,
        ]
        .iter()
        .filter(|n| **n > 0)
        .count()
    }
}
