//! One-time PINs sent by email or SMS (the Email/SMS PIN module).
//!
//! **Settings.** Length 4–32 characters; one of three alphabets; an expiry (10 minutes unless
//! configured, and never more than the configured maximum — a longer value is cut to it and a
//! warning returned for the config report); a number of tries (3 unless configured, 1–10).
//!
//! **Alphabets.** Numeric PINs use all ten digits: they are typed on phone keypads and have no
//! letters to confuse them with. The letter alphabets leave out the characters that are read
//! wrong most often, `0 O o` and `1 I l`; comparison is case-sensitive.
//!
//! | type | symbols | bits per character | 6 characters |
//! |---|---|---|---|
//! | numeric | `0–9` (10) | 3.32 | 19.9 bits |
//! | letters | `A–Z a–z` without `I O l o` (48) | 5.58 | 33.5 bits |
//! | alphanumeric | `2–9` and the letters above (56) | 5.81 | 34.8 bits |
//!
//! With 3 tries an attacker guessing a 6-digit PIN wins with probability 3 / 10^6.
//!
//! **Generation** draws each character with [`RandomSource::below`] (rejection sampling, no
//! modulo bias). **Storage**: only a salted SHA-256 of the PIN, in the flow state
//! ([`IssuedPin`]). Honest limit: no hash makes a 20-bit secret irreversible to someone who reads
//! the row — what bounds that exposure is the expiry and that the flow state is keyed by the
//! hash of a token only the browser holds. The salt keeps equal PINs from having equal hashes.
//!
//! **Checking** is a pure state change on [`IssuedPin::check`]:
//!
//! ```text
//! tries_left = 0            → Dead     (used, exhausted or expired before)
//! now ≥ expires_at          → Expired  (and dead from now on)
//! right                     → Accepted (and dead from now on: one success per PIN)
//! wrong                     → Wrong    (tries_left − 1; at 0 the PIN is dead)
//! ```
//!
//! **Exact tries across nodes.** Two nodes may read the same flow state and both evaluate a
//! guess. Before calling `check`, the edge reserves the attempt with the store's counter:
//! `try_increment(issued.counter_key(), settings.tries(), now)`. `LimitReached` means the PIN is
//! dead without evaluating anything; `Counted` means evaluate, then save the new `IssuedPin`
//! with the flow's compare-and-set. So at most `tries` guesses are ever compared, however many
//! arrive in parallel.

use crate::chain::tally::Resolved;
use crate::random::RandomSource;
use crate::secret::Password;
use crate::token::constant_time_eq;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

/// Shortest PIN.
pub const MIN_LENGTH: usize = 4;
/// Longest PIN.
pub const MAX_LENGTH: usize = 32;
/// Length unless configured.
pub const DEFAULT_LENGTH: usize = 6;
/// Expiry unless configured.
pub const DEFAULT_EXPIRY: Duration = Duration::minutes(10);
/// The maximum expiry unless the operator configures another (spec: PINs expire within 10 min).
pub const DEFAULT_MAX_EXPIRY: Duration = Duration::minutes(10);
/// Tries unless configured.
pub const DEFAULT_TRIES: u32 = 3;
/// Most tries allowed per PIN.
pub const MAX_TRIES: u32 = 10;

const DIGITS: &[u8] = b"0123456789";
const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
const ALNUM: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";

/// Which characters a PIN is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinType {
    /// Digits `0–9`.
    #[default]
    Numeric,
    /// Upper- and lower-case letters without `I O l o`.
    Letters,
    /// Digits `2–9` and the letters of [`PinType::Letters`].
    Alphanumeric,
}

impl PinType {
    /// The symbols.
    pub fn alphabet(self) -> &'static [u8] {
        match self {
            PinType::Numeric => DIGITS,
            PinType::Letters => LETTERS,
            PinType::Alphanumeric => ALNUM,
        }
    }

    /// Entropy of one character: log2 of the alphabet size.
    pub fn bits_per_char(self) -> f64 {
        (self.alphabet().len() as f64).log2()
    }
}

/// Settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinSettingsError {
    /// Length outside 4–32.
    #[error("PIN length must be {MIN_LENGTH} to {MAX_LENGTH}, not {0}")]
    Length(usize),
    /// Tries outside 1–10.
    #[error("PIN tries must be 1 to {MAX_TRIES}, not {0}")]
    Tries(u32),
    /// Expiry (or maximum expiry) not positive.
    #[error("PIN expiry must be positive")]
    Expiry,
}

/// The configured expiry was longer than the maximum and was cut to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryClamped {
    /// What was configured.
    pub requested: Duration,
    /// What is used.
    pub used: Duration,
}

/// Validated PIN settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinSettings {
    length: usize,
    kind: PinType,
    expiry: Duration,
    tries: u32,
}

impl Default for PinSettings {
    fn default() -> Self {
        Self {
            length: DEFAULT_LENGTH,
            kind: PinType::Numeric,
            expiry: DEFAULT_EXPIRY,
            tries: DEFAULT_TRIES,
        }
    }
}

impl PinSettings {
    /// Validates settings; an expiry above `max_expiry` is cut to it and reported.
    pub fn new(
        length: usize,
        kind: PinType,
        expiry: Duration,
        tries: u32,
        max_expiry: Duration,
    ) -> Result<(Self, Option<ExpiryClamped>), PinSettingsError> {
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
            return Err(PinSettingsError::Length(length));
        }
        if !(1..=MAX_TRIES).contains(&tries) {
            return Err(PinSettingsError::Tries(tries));
        }
        if !expiry.is_positive() || !max_expiry.is_positive() {
            return Err(PinSettingsError::Expiry);
        }
        let clamped = (expiry > max_expiry).then_some(ExpiryClamped {
            requested: expiry,
            used: max_expiry,
        });
        let settings = Self {
            length,
            kind,
            expiry: expiry.min(max_expiry),
            tries,
        };
        Ok((settings, clamped))
    }

    /// Characters per PIN.
    pub fn length(&self) -> usize {
        self.length
    }
    /// Alphabet.
    pub fn kind(&self) -> PinType {
        self.kind
    }
    /// Lifetime of a PIN.
    pub fn expiry(&self) -> Duration {
        self.expiry
    }
    /// Guesses allowed per PIN (the counter limit at the edge).
    pub fn tries(&self) -> u32 {
        self.tries
    }
    /// Entropy of one PIN in bits.
    pub fn entropy_bits(&self) -> f64 {
        self.kind.bits_per_char() * self.length as f64
    }
}

/// Salted SHA-256 of a PIN: `<base64url salt>.<base64url digest>`. Not printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PinHash(String);

impl PinHash {
    fn compute(salt: &str, pin: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"latchkey-pin-v1\0");
        h.update(salt.as_bytes());
        h.update(b"\0");
        h.update(pin.as_bytes());
        Self(format!("{salt}.{}", URL_SAFE_NO_PAD.encode(h.finalize())))
    }

    fn salt(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }

    /// Whether `typed` hashes to this; the digests are compared in constant time, so the time
    /// taken does not depend on how much of the guess was right.
    fn matches(&self, typed: &str) -> bool {
        constant_time_eq(&Self::compute(self.salt(), typed).0, &self.0)
    }
}

impl fmt::Debug for PinHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash([redacted])")
    }
}

/// A PIN that was sent: what the flow state keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPin {
    /// Salted hash of the PIN.
    pub hash: PinHash,
    /// Not valid from this time on.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Guesses left; 0 means dead.
    pub tries_left: u32,
}

/// The verdict on a typed PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    /// Right, in time, first success.
    Accepted,
    /// Wrong; this many guesses are left.
    Wrong {
        /// Guesses left (0: the PIN is now dead).
        tries_left: u32,
    },
    /// Too late.
    Expired,
    /// Already used, exhausted or expired: nothing is compared.
    Dead,
}

impl PinCheck {
    /// The module outcome for the chain.
    pub fn resolved(self) -> Resolved {
        let reason = match self {
            PinCheck::Accepted => return Resolved::Success,
            PinCheck::Wrong { .. } => "pin.wrong",
            PinCheck::Expired => "pin.expired",
            PinCheck::Dead => "pin.dead",
        };
        Resolved::Fail(reason.to_owned())
    }
}

/// Draws a PIN: the clear value goes to the user's mailbox or phone, the [`IssuedPin`] into the
/// flow state.
pub fn issue(
    settings: &PinSettings,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> (Password, IssuedPin) {
    let pin = generate(settings.kind, settings.length, rng);
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = URL_SAFE_NO_PAD.encode(salt);
    let issued = IssuedPin {
        hash: PinHash::compute(&salt, &pin),
        expires_at: now.saturating_add(settings.expiry),
        tries_left: settings.tries,
    };
    (Password::new(pin.to_string()), issued)
}

fn generate(kind: PinType, length: usize, rng: &mut dyn RandomSource) -> Zeroizing<String> {
    let alphabet = kind.alphabet();
    let bound = u32::try_from(alphabet.len()).unwrap_or(u32::MAX);
    let mut rng = rng;
    let mut pin = Zeroizing::new(String::with_capacity(length));
    for _ in 0..length {
        let i = RandomSource::below(&mut rng, bound);
        let c = usize::try_from(i).ok().and_then(|i| alphabet.get(i));
        pin.push(c.map_or('0', |b| char::from(*b)));
    }
    pin
}

impl IssuedPin {
    /// Applies one typed guess at `now` (surrounding spaces ignored, case-sensitive).
    pub fn check(&mut self, typed: &str, now: OffsetDateTime) -> PinCheck {
        if self.tries_left == 0 {
            return PinCheck::Dead;
        }
        if now >= self.expires_at {
            self.tries_left = 0;
            return PinCheck::Expired;
        }
        if self.hash.matches(typed.trim()) {
            self.tries_left = 0;
            PinCheck::Accepted
        } else {
            self.tries_left -= 1;
            PinCheck::Wrong {
                tries_left: self.tries_left,
            }
        }
    }

    /// The store counter that makes tries exact across nodes (one per PIN: its random salt).
    pub fn counter_key(&self) -> String {
        format!("pin:{}", self.hash.salt())
    }
}

#[cfg(test)]
#[path = "pin_tests.rs"]
mod tests;
