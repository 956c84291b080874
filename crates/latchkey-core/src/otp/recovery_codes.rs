//! Recovery codes: a handful of single-use codes shown once at enrolment, for a lost phone.
//!
//! **Format.** 16 characters of Crockford base32 (`0–9 A–Z` without `I L O U`), shown in four
//! groups of four: `7KQ2-M9XD-0PZR-44TB`. Each character is drawn uniformly from the 32
//! symbols with [`RandomSource::below`], so a code carries exactly 16 × 5 = [`CODE_BITS`] = 80
//! bits. Letters that look like digits are not in the set, and typing them is forgiven: `O` reads
//! as `0`, `I` and `L` as `1`; case, spaces and dashes are ignored.
//!
//! **Storage.** Only [`TokenHash`] (SHA-256) of the canonical 16 characters is stored. Like our
//! 256-bit tokens, the codes are random enough that an unsalted fast hash leaves nothing to
//! guess at: 2^80 SHA-256 evaluations per code is out of reach.
//!
//! **Single use.** [`check`] says which stored hash a typed code matches; the edge then removes
//! exactly that hash with a conditional delete (`… WHERE profile = ? AND hash = ?`, one row
//! affected) and passes whether it did to [`outcome`]. Two concurrent uses of one code: one
//! delete wins, the other affects no row and fails. Alternatively each hash is stored as a
//! one-time token with purpose [`TOKEN_PURPOSE`] and the profile as subject; then
//! `consume_token(hash_typed(code), TOKEN_PURPOSE)` is the single-use step and
//! `outcome(consumed.is_some_and(|t| t.subject == profile))` the decision. Generating a new set
//! removes the old one. Failed attempts count against the chain's lockout like any answer.

use super::OtpError;
use crate::chain::tally::Resolved;
use crate::random::RandomSource;
use crate::token::{TokenHash, constant_time_eq};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

/// Crockford's base32 symbols.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code (without the dashes).
pub const CODE_CHARS: usize = 16;
/// Entropy of one code in bits (5 per character).
pub const CODE_BITS: u32 = 80;
/// Codes per set unless configured otherwise.
pub const DEFAULT_COUNT: usize = 10;
/// Most codes in one set.
pub const MAX_COUNT: usize = 50;
// A recovery code must carry at least 64 bits (checked when compiling).
const _: () = assert!(CODE_BITS as usize == CODE_CHARS * 5 && CODE_BITS >= 64);

/// Purpose of recovery-code hashes when the edge keeps them as one-time tokens.
pub const TOKEN_PURPOSE: &str = "recovery_code";

/// One code, as shown to the user (`XXXX-XXXX-XXXX-XXXX`). Wiped on drop, never printed.
#[derive(Clone)]
pub struct RecoveryCode(SecretString);

impl RecoveryCode {
    /// The text to show. Declassifying: only on the page that lists the new set.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode([redacted])")
    }
}

/// Makes `count` codes and their hashes (same order). Show the codes once; store the hashes.
pub fn generate(
    count: usize,
    rng: &mut dyn RandomSource,
) -> Result<(Vec<RecoveryCode>, Vec<TokenHash>), OtpError> {
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(OtpError::InvalidRecoveryCount(count));
    }
    let mut codes = Vec::with_capacity(count);
    let mut hashes = Vec::with_capacity(count);
    for _ in 0..count {
        let mut canonical = Zeroizing::new(String::with_capacity(CODE_CHARS));
        for _ in 0..CODE_CHARS {
            canonical.push(symbol(rng));
        }
        let mut shown = String::with_capacity(CODE_CHARS + 3);
        for (i, c) in canonical.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                shown.push('-');
            }
            shown.push(c);
        }
        hashes.push(TokenHash::of(&canonical));
        codes.push(RecoveryCode(SecretString::from(shown)));
    }
    Ok((codes, hashes))
}

fn symbol(rng: &mut dyn RandomSource) -> char {
    let mut rng = rng;
    let index = RandomSource::below(&mut rng, 32);
    usize::try_from(index)
        .ok()
        .and_then(|i| ALPHABET.get(i))
        .map_or('0', |b| char::from(*b))
}

/// The hash a typed code would have, or `None` when it cannot be a code (wrong length, a
/// character outside the alphabet).
pub fn hash_typed(typed: &str) -> Option<TokenHash> {
    let mut canonical = Zeroizing::new(String::with_capacity(CODE_CHARS));
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' => continue,
            c if c.is_whitespace() => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        canonical.push(c);
        if canonical.len() > CODE_CHARS {
            return None;
        }
    }
    (canonical.len() == CODE_CHARS).then(|| TokenHash::of(&canonical))
}

/// What to do with a typed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryCheck {
    /// It matches this stored hash: remove it (conditionally) and pass the result to
    /// [`outcome`].
    Consume(TokenHash),
    /// It matches none of the stored codes.
    Reject,
}

/// Compares a typed code with every stored hash (all of them, in constant time each).
pub fn check(stored: &[TokenHash], typed: &str) -> RecoveryCheck {
    let Some(hash) = hash_typed(typed) else {
        return RecoveryCheck::Reject;
    };
    let mut found = false;
    for candidate in stored {
        found |= constant_time_eq(candidate.as_str(), hash.as_str());
    }
    if found {
        RecoveryCheck::Consume(hash)
    } else {
        RecoveryCheck::Reject
    }
}

/// The module outcome once the edge tried to remove the matched hash: success only for the
/// caller whose removal took effect.
pub fn outcome(consumed: bool) -> Resolved {
    if consumed {
        Resolved::Success
    } else {
        Resolved::Fail("recovery_code.wrong_or_used".to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;
    use std::collections::HashSet;

    #[test]
    fn codes_are_formatted_and_carry_80_bits() {
        assert_eq!(ALPHABET.len(), 32);
        assert_eq!(ALPHABET.iter().collect::<HashSet<_>>().len(), 32);
        for ambiguous in *b"ILOU" {
            assert!(!ALPHABET.contains(&ambiguous));
        }
        // 5 bits per symbol, and at least the 64 bits asked of a recovery code.
        assert_eq!(
            CODE_BITS,
            CODE_CHARS as u32 * (ALPHABET.len() as f64).log2() as u32
        );

        let (codes, hashes) = generate(DEFAULT_COUNT, &mut SeededRandom::new(4)).unwrap();
        assert_eq!((codes.len(), hashes.len()), (10, 10));
        for (code, hash) in codes.iter().zip(&hashes) {
            let text = code.expose();
            assert_eq!(text.len(), 19);
            let groups: Vec<&str> = text.split('-').collect();
            assert_eq!(groups.len(), 4);
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(text.bytes().all(|b| b == b'-' || ALPHABET.contains(&b)));
            assert_eq!(hash_typed(text).as_ref(), Some(hash));
            assert!(!hash.as_str().contains(&text.replace('-', "")));
            assert_eq!(format!("{code:?}"), "RecoveryCode([redacted])");
        }
        assert_eq!(hashes.iter().collect::<HashSet<_>>().len(), 10);
        assert!(generate(0, &mut SeededRandom::new(1)).is_err());
        assert!(generate(MAX_COUNT + 1, &mut SeededRandom::new(1)).is_err());
    }

    #[test]
    fn every_symbol_is_used_about_equally() {
        let (codes, _) = generate(MAX_COUNT, &mut SeededRandom::new(5)).unwrap();
        let mut counts = [0u32; 32];
        for code in &codes {
            for b in code.expose().bytes().filter(|b| *b != b'-') {
                let i = ALPHABET.iter().position(|a| *a == b).unwrap();
                counts[i] += 1;
            }
        }
        // 800 draws over 32 symbols: 25 expected each.
        assert!(counts.iter().all(|c| (8..=45).contains(c)), "{counts:?}");
    }

    #[test]
    fn typing_is_forgiving_but_strict_on_content() {
        let (codes, hashes) = generate(1, &mut SeededRandom::new(6)).unwrap();
        let code = codes[0].expose().to_owned();
        let sloppy = format!(" {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(hash_typed(&sloppy).as_ref(), Some(&hashes[0]));
        assert_eq!(
            hash_typed("O1IL-0000-0000-0000"),
            hash_typed("0111000000000000")
        );
        assert_eq!(hash_typed(&code[..18]), None);
        assert_eq!(hash_typed(&format!("{code}0")), None);
        assert_eq!(hash_typed("UUUU-0000-0000-0000"), None);
        assert_eq!(hash_typed("ÄÄÄÄ-0000-0000-0000"), None);
        assert_eq!(hash_typed(""), None);
    }

    #[test]
    fn each_code_works_once() {
        let (codes, mut stored) = generate(3, &mut SeededRandom::new(7)).unwrap();
        let second = codes[1].expose();
        let RecoveryCheck::Consume(hash) = check(&stored, second) else {
            panic!("valid code rejected");
        };
        // The edge removes the hash; exactly one removal takes effect.
        let before = stored.len();
        stored.retain(|h| *h != hash);
        assert_eq!(outcome(stored.len() < before), Resolved::Success);
        // Same code again: nothing left to consume.
        assert_eq!(check(&stored, second), RecoveryCheck::Reject);
        // A racing second request that had matched before the removal affects no row.
        assert!(matches!(outcome(false), Resolved::Fail(_)));
        // The other codes still work; a made-up one never does.
        assert!(matches!(
            check(&stored, codes[0].expose()),
            RecoveryCheck::Consume(_)
        ));
        assert_eq!(check(&stored, "0000-0000-0000-0000"), RecoveryCheck::Reject);
        assert_eq!(check(&stored, "not a code"), RecoveryCheck::Reject);
    }
}
