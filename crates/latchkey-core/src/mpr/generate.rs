//! New passwords for a mass reset or onboarding run.
//!
//! The job runner calls [`generate`] once per account (and again when a target refuses the value
//! on policy grounds), seals the result in the vault journal, and only then touches the target.
//! What the target accepts is described by a [`GeneratorPolicy`] (plain serde data from the
//! target's configuration); [`GeneratorPolicy::check`] refuses a policy that cannot be met before
//! a run starts, so a bad policy fails the plan, not account 4,000.
//!
//! **Alphabets.** Four classes: `a–z`, `A–Z`, `0–9` and the policy's symbols. The default symbols
//! `-_.!@#%+=:,?` need no escaping in LDIF values, CSV cells or command lines: no quotes,
//! backslash, space, `$`, `&`, `<` or `>`. `exclude_ambiguous` drops `0 O 1 l I`. Every class
//! with characters is part of the alphabet; a minimum of 0 means "allowed, not required" (leave
//! `symbols` empty to allow none).
//!
//! **Drawing.** For each class, its minimum number of characters is drawn uniformly from that
//! class; the remaining positions are drawn uniformly from the whole alphabet; then an unbiased
//! Fisher–Yates shuffle spreads the required characters over the password. Every draw uses
//! [`RandomSource::below`] (rejection sampling, no modulo bias).
//!
//! **Forbidden substrings.** Active Directory refuses a password that contains the account's
//! `sAMAccountName`, or a token of its display name, of 3 or more characters (case-insensitive).
//! The caller passes those strings in `forbid_substrings`; shorter ones are ignored, as AD does.
//! A draw that contains one is discarded and redrawn, at most [`MAX_ATTEMPTS`] times.
//!
//! **Entropy.** [`GeneratorPolicy::entropy_bits`] is a lower bound on the min-entropy: for any
//! fixed shuffle the draws map one-to-one onto the output, so no output is more likely than
//! `∏ 1/|alphabet of draw i|`. The default policy (74 characters, 20 long, one of each class)
//! gives 16·log2(74) + 2·log2(26) + log2(10) + log2(12) ≈ 115.6 bits. Rejecting forbidden
//! substrings removes a negligible share of outputs.
//!
//! The password exists only inside a zeroizing buffer and then a [`Password`]; errors never
//! carry it.

use crate::random::RandomSource;
use crate::secret::Password;
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

/// Shortest password a policy may ask for.
pub const MIN_LENGTH: usize = 12;
/// Longest password a policy may ask for.
pub const MAX_LENGTH: usize = 256;
/// Draws before [`generate`] gives up on avoiding the forbidden substrings.
pub const MAX_ATTEMPTS: usize = 64;
/// Symbols used when the policy names none: safe unescaped in LDIF, CSV and shell-like contexts.
pub const DEFAULT_SYMBOLS: &str = "-_.!@#%+=:,?";
/// Forbidden strings shorter than this are ignored (Active Directory's rule).
pub const MIN_FORBIDDEN_LEN: usize = 3;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const AMBIGUOUS: &str = "0O1lI";

/// What a target accepts in a new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneratorPolicy {
    /// Number of characters (12–256).
    pub length: usize,
    /// At least this many of `a–z`.
    pub min_lower: usize,
    /// At least this many of `A–Z`.
    pub min_upper: usize,
    /// At least this many of `0–9`.
    pub min_digits: usize,
    /// At least this many of `symbols`.
    pub min_symbols: usize,
    /// The symbol alphabet: printable ASCII punctuation; duplicates are ignored.
    pub symbols: String,
    /// Leave out `0 O 1 l I`, for passwords a person may have to read.
    pub exclude_ambiguous: bool,
    /// Strings the password must not contain (case-insensitive; shorter than 3 are ignored).
    pub forbid_substrings: Vec<String>,
}

impl Default for GeneratorPolicy {
    fn default() -> Self {
        Self {
            length: 20,
            min_lower: 1,
            min_upper: 1,
            min_digits: 1,
            min_symbols: 1,
            symbols: DEFAULT_SYMBOLS.to_owned(),
            exclude_ambiguous: false,
            forbid_substrings: Vec::new(),
        }
    }
}

/// A character class of the generator, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// `a–z`.
    Lower,
    /// `A–Z`.
    Upper,
    /// `0–9`.
    Digit,
    /// The policy's symbols.
    Symbol,
}

impl fmt::Display for CharClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Lower => "lower-case letters",
            Self::Upper => "upper-case letters",
            Self::Digit => "digits",
            Self::Symbol => "symbols",
        })
    }
}

/// Why no password was generated. Never contains a generated value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeneratorError {
    /// The policy's length is below [`MIN_LENGTH`].
    #[error("a generated password must be at least 12 characters (the policy asks for {0})")]
    TooShort(usize),
    /// The policy's length is above [`MAX_LENGTH`].
    #[error("a generated password must be at most 256 characters (the policy asks for {0})")]
    TooLong(usize),
    /// The class minimums add up to more than the length.
    #[error(
        "the policy requires at least {required} characters from its classes but a length of only {length}"
    )]
    MinimumsExceedLength {
        /// Sum of the four minimums.
        required: usize,
        /// The policy's length.
        length: usize,
    },
    /// A class has a minimum but no characters (empty symbols, or all removed as ambiguous).
    #[error("the policy requires at least {required} {class} but allows none")]
    EmptyClass {
        /// The class without characters.
        class: CharClass,
        /// Its minimum.
        required: usize,
    },
    /// A symbol is not printable ASCII punctuation.
    #[error(
        "the symbol {0:?} is not allowed: symbols must be printable ASCII punctuation (no letters, digits, spaces or other characters)"
    )]
    InvalidSymbol(char),
    /// Every forbidden-substring-free draw failed; the forbidden strings cover too much.
    #[error(
        "could not generate a password without the forbidden substrings in {0} attempts; check the policy's forbidden strings"
    )]
    ForbiddenSubstrings(usize),
}

/// The four class alphabets of a checked policy, as ASCII bytes.
struct Alphabets {
    classes: [(Vec<u8>, usize); 4],
    all: Vec<u8>,
}

impl GeneratorPolicy {
    /// Refuses a policy no password can meet, with a message for the operator.
    pub fn check(&self) -> Result<(), GeneratorError> {
        self.alphabets().map(|_| ())
    }

    /// A lower bound on the bits of min-entropy of a generated password (see the module docs);
    /// 0 for a policy that [`check`](Self::check) refuses.
    pub fn entropy_bits(&self) -> f64 {
        let Ok(alphabets) = self.alphabets() else {
            return 0.0;
        };
        let required: usize = alphabets.classes.iter().map(|(_, min)| min).sum();
        let free = self.length.saturating_sub(required);
        let mut bits = bits_of(free, alphabets.all.len());
        for (chars, min) in &alphabets.classes {
            bits += bits_of(*min, chars.len());
        }
        bits
    }

    /// Checks the policy and builds its alphabets.
    fn alphabets(&self) -> Result<Alphabets, GeneratorError> {
        if self.length < MIN_LENGTH {
            return Err(GeneratorError::TooShort(self.length));
        }
        if self.length > MAX_LENGTH {
            return Err(GeneratorError::TooLong(self.length));
        }
        let mut symbols: Vec<u8> = Vec::new();
        for c in self.symbols.chars() {
            let b = match u8::try_from(c) {
                Ok(b) if b.is_ascii_punctuation() => b,
                _ => return Err(GeneratorError::InvalidSymbol(c)),
            };
            if !symbols.contains(&b) {
                symbols.push(b);
            }
        }
        let keep = |b: &u8| !(self.exclude_ambiguous && AMBIGUOUS.as_bytes().contains(b));
        let class = |s: &[u8]| s.iter().copied().filter(keep).collect::<Vec<u8>>();
        let classes = [
            (class(LOWER.as_bytes()), self.min_lower),
            (class(UPPER.as_bytes()), self.min_upper),
            (class(DIGITS.as_bytes()), self.min_digits),
            (class(&symbols), self.min_symbols),
        ];
        let names = [
            CharClass::Lower,
            CharClass::Upper,
            CharClass::Digit,
            CharClass::Symbol,
        ];
        let mut required = 0usize;
        for ((chars, min), name) in classes.iter().zip(names) {
            if chars.is_empty() && *min > 0 {
                return Err(GeneratorError::EmptyClass {
                    class: name,
                    required: *min,
                });
            }
            required = required.saturating_add(*min);
        }
        if required > self.length {
            return Err(GeneratorError::MinimumsExceedLength {
                required,
                length: self.length,
            });
        }
        let all = classes
            .iter()
            .flat_map(|(c, _)| c.iter().copied())
            .collect();
        Ok(Alphabets { classes, all })
    }

    /// The forbidden strings that count (3 characters or more), lower-cased.
    fn forbidden(&self) -> Vec<String> {
        self.forbid_substrings
            .iter()
            .filter(|s| s.chars().count() >= MIN_FORBIDDEN_LEN)
            .map(|s| s.to_lowercase())
            .collect()
    }
}

/// `count · log2(size)`, 0 when either is 0.
fn bits_of(count: usize, size: usize) -> f64 {
    if count == 0 || size == 0 {
        return 0.0;
    }
    count as f64 * (size as f64).log2()
}

/// A uniformly drawn byte of `alphabet` (which is never longer than 256 bytes).
fn pick(alphabet: &[u8], rng: &mut impl RandomSource) -> u8 {
    let bound = u32::try_from(alphabet.len()).unwrap_or(u32::MAX);
    let i = usize::try_from(rng.below(bound)).unwrap_or(0);
    alphabet.get(i).copied().unwrap_or(b'-')
}

/// One draw: required characters per class, the rest from the whole alphabet, then shuffled.
fn draw(alphabets: &Alphabets, length: usize, rng: &mut impl RandomSource) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(length));
    for (chars, min) in &alphabets.classes {
        for _ in 0..*min {
            out.push(pick(chars, rng));
        }
    }
    while out.len() < length {
        out.push(pick(&alphabets.all, rng));
    }
    // Fisher–Yates: position i swaps with a uniform j in 0..=i, so every order is equally likely.
    for i in (1..out.len()).rev() {
        let bound = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let j = usize::try_from(rng.below(bound)).unwrap_or(0);
        out.swap(i, j.min(i));
    }
    out
}

/// A new password meeting `policy`, drawn from `rng` (the operating system's CSPRNG in
/// production).
pub fn generate(
    policy: &GeneratorPolicy,
    rng: &mut impl RandomSource,
) -> Result<Password, GeneratorError> {
    let alphabets = policy.alphabets()?;
    let forbidden = policy.forbidden();
    for _ in 0..MAX_ATTEMPTS {
        let bytes = draw(&alphabets, policy.length, rng);
        // The alphabet is ASCII, so each byte is one char and lower-casing keeps positions.
        let mut lower = Zeroizing::new(String::with_capacity(bytes.len()));
        lower.extend(bytes.iter().map(|b| char::from(b.to_ascii_lowercase())));
        if forbidden.iter().any(|f| lower.contains(f.as_str())) {
            continue;
        }
        // Exact capacity: moving the String into the Password's boxed str does not reallocate,
        // so no stray copy of the value is left unzeroized.
        let mut clear = Zeroizing::new(String::with_capacity(bytes.len()));
        clear.extend(bytes.iter().map(|b| char::from(*b)));
        return Ok(Password::new(std::mem::take(&mut *clear)));
    }
    Err(GeneratorError::ForbiddenSubstrings(MAX_ATTEMPTS))
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
