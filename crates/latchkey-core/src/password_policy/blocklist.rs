//! The blocklist of common and breached passwords (the `common` rule).
//!
//! The shipped list ([`Blocklist::embedded`], `common-passwords.txt` next to this file, 199 KB)
//! holds 24,138 entries taken, most common first, from the 30,000 leaked passwords zxcvbn ranks;
//! the file's header says exactly which and why. An operator extends it with their own words (the company name, the
//! product, local sports teams) or replaces it with a larger breach corpus, in the same format:
//! one password per line, lines starting with `#` are comments, blank lines are ignored,
//! surrounding whitespace is trimmed. Only whole lines are comments, since `#` is a fine
//! character inside a password.
//!
//! **Matching.** Entries and candidates are compared after NFKC and lower-casing, so
//! `ＰＡＳＳＷＯＲＤ` is `password`. The whole password is compared, never a substring (a list
//! word inside a longer passphrase is fine). Because people satisfy old composition rules by
//! decorating a common word, the candidate is also refused when a run of digits and symbols
//! taken off its end (`Password123!` → `password`), or off both ends (`!!monkey99` → `monkey`),
//! leaves a listed word of at least [`MIN_STRIPPED_WORD`] characters. Shorter stems (`abc`,
//! `qwe`) are left to the strength score, so a three-letter word before twenty random digits
//! is not refused for the word alone.
//!
//! Build the list once at start-up and share it: parsing the embedded file normalises every
//! entry.

use super::normalise;
use crate::secret::Password;
use std::collections::HashSet;
use std::fmt;
use zeroize::Zeroizing;

/// The shipped list, as text (see the file's header for its source).
pub const EMBEDDED_TEXT: &str = include_str!("common-passwords.txt");

/// A listed word is still refused with digits and symbols around it when it has at least this
/// many characters.
pub const MIN_STRIPPED_WORD: usize = 4;

/// A set of refused passwords, compared after NFKC and lower-casing.
#[derive(Clone, Default)]
pub struct Blocklist {
    words: HashSet<String>,
}

impl Blocklist {
    /// The shipped list of common and breached passwords.
    pub fn embedded() -> Self {
        Self::from_text(EMBEDDED_TEXT)
    }

    /// A list with nothing on it (the `common` rule then refuses nothing).
    pub fn empty() -> Self {
        Self::default()
    }

    /// A list from text: one password per line, `#` comment lines and blank lines ignored.
    /// Use it to replace the shipped list.
    pub fn from_text(text: &str) -> Self {
        let mut list = Self::empty();
        list.extend_from_text(text);
        list
    }

    /// Adds every password in `text` (same format as [`Blocklist::from_text`]). Use it to extend
    /// the shipped list.
    pub fn extend_from_text(&mut self, text: &str) {
        for line in text.lines() {
            let entry = line.trim();
            if !entry.is_empty() && !entry.starts_with('#') {
                self.insert(entry);
            }
        }
    }

    /// Adds one password. Returns false when it was already listed or is empty.
    pub fn insert(&mut self, word: &str) -> bool {
        let key = canonical(word);
        !key.is_empty() && self.words.insert(key)
    }

    /// How many distinct entries the list holds.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// True when `word` itself is an entry (after NFKC and lower-casing); no stripping.
    pub fn contains_word(&self, word: &str) -> bool {
        self.words.contains(canonical(word).as_str())
    }

    /// True when `candidate` must be refused: it is listed whole, or it is a listed word of at
    /// least [`MIN_STRIPPED_WORD`] characters with digits and symbols around it.
    pub fn is_blocked(&self, candidate: &Password) -> bool {
        let lower = Zeroizing::new(canonical(candidate.expose()));
        self.is_blocked_lower(&lower)
    }

    /// [`Blocklist::is_blocked`] for a candidate already normalised and lower-cased.
    pub(super) fn is_blocked_lower(&self, lower: &str) -> bool {
        if self.words.contains(lower) {
            return true;
        }
        let decoration = |c: char| !c.is_alphabetic();
        let trailing = lower.trim_end_matches(decoration);
        let both = trailing.trim_start_matches(decoration);
        [trailing, both].into_iter().any(|stem| {
            stem.len() < lower.len()
                && stem.chars().count() >= MIN_STRIPPED_WORD
                && self.words.contains(stem)
        })
    }
}

impl fmt::Debug for Blocklist {
    /// The size only: the entries are not secret, but 24,000 of them are noise in a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocklist")
            .field("entries", &self.words.len())
            .finish()
    }
}

/// The form entries and candidates are compared in: NFKC, then lower case.
pub(super) fn canonical(text: &str) -> String {
    normalise(text).expose().to_lowercase()
}
