//! Stored hashes of security answers, PINs at rest and imported password hashes.
//!
//! New values are always Argon2id (through [`crate::password_hash`], the same code the internal
//! directory uses). Everything else exists so that hashes imported from other products (NetIQ
//! SSPR / PWM response sets, LDAP `userPassword` values, passlib- or RustCrypto-made PHC strings)
//! keep working until the person next answers correctly; then [`Verified::needs_rehash`] tells
//! the caller to store [`hash_default`] of the same answer in their place.
//!
//! Data moves like this: the answer is normalised elsewhere (case, whitespace, NFKC), then
//! [`verify`] parses the stored string, refuses absurd cost parameters *before* doing any work,
//! recomputes the digest and compares it in constant time. Nothing here reads a clock or the
//! operating system's randomness: [`hash`] takes a [`RandomSource`] for the salt.
//!
//! # Stored formats
//!
//! Each value names its scheme, so a bare string is an error: a typo or an unconverted import
//! cannot silently become a plaintext comparison. LDAP-style labels (`{SSHA}` …) are matched
//! without regard to case, as RFC 2307 asks. "B64" is standard base64 without padding (PHC);
//! "ab64" is passlib's adapted base64 (`.` instead of `+`, no padding).
//!
//! | scheme | produced by [`hash`] | also accepted |
//! |---|---|---|
//! | Argon2id | `$argon2id$v=19$m=<KiB>,t=<n>,p=<n>$<B64 salt>$<B64 hash>` | `v=16` or no `v`; `{ARGON2}` + the PHC string (OpenLDAP) |
//! | PBKDF2-SHA1 | `$pbkdf2$i=<n>,l=20$<B64 salt>$<B64 dk>` | `$pbkdf2-sha1$…`; passlib `$pbkdf2$<n>$<ab64>$<ab64>`; OpenLDAP `{PBKDF2}` / `{PBKDF2-SHA1}<n>$<ab64 salt>$<ab64 dk>` |
//! | PBKDF2-SHA256 | `$pbkdf2-sha256$i=<n>,l=32$…` (RustCrypto PHC) | passlib `$pbkdf2-sha256$<n>$…`; `{PBKDF2-SHA256}<n>$…` |
//! | PBKDF2-SHA512 | `$pbkdf2-sha512$i=<n>,l=64$…` | passlib and `{PBKDF2-SHA512}` forms as above |
//! | bcrypt | `$2b$<cost>$<22 salt><31 hash>` (bcrypt's own base64) | `$2a$`, `$2y$`; `{CRYPT}` + any of these |
//! | scrypt | `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<B64 salt>$<B64 hash>` | — |
//! | salted SHA-1/256/512 | `{SSHA}` / `{SSHA256}` / `{SSHA512}` + base64(digest(answer ‖ salt) ‖ salt) | missing padding |
//! | plaintext | `{PLAIN}<answer>`, only from [`encode_plaintext_insecure`] | — |
//!
//! Produced salts are 16 bytes. Accepted salts are 1 to 64 bytes (Argon2id: 8 to 48); digests 16
//! to 64 bytes (a shorter "hash" would match wrong answers by chance). PBKDF2 and scrypt outputs have the
//! prefix property (the first k bytes of a longer output *are* the k-byte output), so a value cut
//! short would still verify; their lengths are therefore pinned to what the producers write:
//! PHC PBKDF2 to its `l=` (32 when absent, as in RustCrypto), passlib and OpenLDAP PBKDF2 to the
//! digest length, scrypt to 32 bytes. Known but unsupported schemes (`$2x$`,
//! `$6$`, `{SHA}`, `{MD5}`, `$argon2i$` …) are named in [`AnswerHashError::UnsupportedScheme`];
//! no error message ever contains the stored value or the answer.
//!
//! # Cost limits
//!
//! An imported hash chooses its own cost, so a hostile or corrupt import could make one verification
//! run for minutes. [`verify`], [`identify`] and [`hash`] refuse, with
//! [`AnswerHashError::CostTooHigh`], anything above the `MAX_*` constants below. The worst cases
//! that pass still take seconds (PBKDF2-HMAC-SHA512 at 10 M iterations, bcrypt 16, scrypt at
//! 1 GiB of mixing, Argon2id at 4 GiB·passes): run verification off the async executor, behind
//! a semaphore, and rate-limit attempts as for passwords.

mod compute;
mod limits;
mod parse;

#[cfg(test)]
mod kat_tests;
#[cfg(test)]
mod malformed_tests;
#[cfg(test)]
mod tests;

use crate::password_hash::{self, Argon2Params};
use crate::random::RandomSource;
use crate::secret::Password;
use std::fmt;
use zeroize::Zeroize;

/// The longest stored value we parse; longer input is refused before any work.
pub const MAX_STORED_LEN: usize = 4096;
/// Most PBKDF2 iterations accepted (RFC 6070's 16,777,216-iteration vector is refused); an
/// output longer than one digest multiplies the work, so iterations × blocks is held to it too.
pub const MAX_PBKDF2_ITERATIONS: u64 = 10_000_000;
/// Highest bcrypt cost (log2 of rounds) accepted.
pub const MAX_BCRYPT_COST: u64 = 16;
/// Highest scrypt log2(N) accepted.
pub const MAX_SCRYPT_LOG_N: u64 = 20;
/// Highest scrypt parallelisation `p` accepted.
pub const MAX_SCRYPT_P: u64 = 16;
/// Most memory (128 · r · N bytes) one scrypt verification may take: 1 GiB.
pub const MAX_SCRYPT_MEMORY_BYTES: u64 = 1 << 30;
/// Most total mixing work (128 · r · N · p bytes) one scrypt verification may take: with the
/// memory limit, N = 2^20 and r = 8 (RFC 7914's largest vector) only with p = 1.
pub const MAX_SCRYPT_WORK_BYTES: u64 = 1 << 30;
/// Most Argon2 memory accepted, in KiB: 1 GiB.
pub const MAX_ARGON2_MEMORY_KIB: u64 = 1 << 20;
/// Most Argon2 work (memory in KiB · passes) accepted: four passes over 1 GiB.
pub const MAX_ARGON2_WORK_KIB: u64 = 4 << 20;
/// Most Argon2 lanes accepted.
pub const MAX_ARGON2_PARALLELISM: u64 = 16;

/// A stored-hash scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Argon2id (the default for everything new).
    Argon2id,
    /// PBKDF2-HMAC-SHA1.
    Pbkdf2Sha1,
    /// PBKDF2-HMAC-SHA256.
    Pbkdf2Sha256,
    /// PBKDF2-HMAC-SHA512.
    Pbkdf2Sha512,
    /// bcrypt (`$2a$`, `$2b$`, `$2y$`).
    Bcrypt,
    /// scrypt.
    Scrypt,
    /// LDAP `{SSHA}`: SHA-1 over answer ‖ salt.
    SaltedSha1,
    /// LDAP `{SSHA256}`.
    SaltedSha256,
    /// LDAP `{SSHA512}`.
    SaltedSha512,
    /// `{PLAIN}`: the answer itself. Accepted for migration only.
    Plaintext,
}

impl Scheme {
    /// Every scheme, default first.
    pub const ALL: [Scheme; 10] = [
        Scheme::Argon2id,
        Scheme::Pbkdf2Sha1,
        Scheme::Pbkdf2Sha256,
        Scheme::Pbkdf2Sha512,
        Scheme::Bcrypt,
        Scheme::Scrypt,
        Scheme::SaltedSha1,
        Scheme::SaltedSha256,
        Scheme::SaltedSha512,
        Scheme::Plaintext,
    ];

    /// A short lower-case name for logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Argon2id => "argon2id",
            Scheme::Pbkdf2Sha1 => "pbkdf2-sha1",
            Scheme::Pbkdf2Sha256 => "pbkdf2-sha256",
            Scheme::Pbkdf2Sha512 => "pbkdf2-sha512",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Scrypt => "scrypt",
            Scheme::SaltedSha1 => "ssha",
            Scheme::SaltedSha256 => "ssha256",
            Scheme::SaltedSha512 => "ssha512",
            Scheme::Plaintext => "plaintext",
        }
    }

    /// True for the scheme every answer ends up in.
    pub fn is_default(self) -> bool {
        self == Scheme::Argon2id
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a stored value could not be produced, parsed or checked. No variant carries the stored
/// value or the answer, so these are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerHashError {
    /// Empty, or text without a scheme marker. Bare text is never compared as plaintext.
    #[error(
        "the stored value names no hash scheme; bare text is never accepted as a plaintext answer \
         (prefix it with {{PLAIN}} only if plaintext storage is really intended)"
    )]
    NoScheme,
    /// A marker we do not recognise at all.
    #[error("the stored value has an unrecognised hash scheme marker")]
    UnrecognisedScheme,
    /// A known scheme that we deliberately do not verify.
    #[error("the hash scheme {0} is not supported; convert or reset these answers")]
    UnsupportedScheme(&'static str),
    /// The value names a supported scheme but is not well formed.
    #[error("malformed {scheme} hash: {reason}")]
    Malformed {
        /// The scheme the value claims.
        scheme: Scheme,
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// A cost parameter above our limit (denial-of-service guard).
    #[error("{scheme} {parameter} = {value} exceeds the limit of {max}; refusing to compute it")]
    CostTooHigh {
        /// The scheme.
        scheme: Scheme,
        /// Which parameter.
        parameter: &'static str,
        /// The value found or asked for.
        value: u64,
        /// Our limit.
        max: u64,
    },
    /// A cost parameter the algorithm cannot use (zero iterations, bcrypt cost below 4 …).
    #[error("{scheme} {parameter} = {value} is not a usable value")]
    InvalidCost {
        /// The scheme.
        scheme: Scheme,
        /// Which parameter.
        parameter: &'static str,
        /// The value found or asked for.
        value: u64,
    },
    /// The stored value is longer than [`MAX_STORED_LEN`].
    #[error("the stored value is longer than {MAX_STORED_LEN} bytes")]
    TooLong,
    /// [`hash`] was asked for plaintext; only [`encode_plaintext_insecure`] produces it.
    #[error("plaintext is not produced by hash(); call encode_plaintext_insecure deliberately")]
    PlaintextRefused,
    /// bcrypt ignores everything after 72 bytes, so we refuse to produce such a hash.
    #[error("bcrypt uses only the first 72 bytes; this answer is {0} bytes long")]
    TooLongForBcrypt(usize),
    /// The underlying implementation failed (should not happen once parameters are checked).
    #[error("{scheme} hashing failed: {detail}")]
    Backend {
        /// The scheme.
        scheme: Scheme,
        /// The library's message (never contains the answer or the stored value).
        detail: String,
    },
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The answer is right.
    pub matches: bool,
    /// The answer is right and the stored value is not Argon2id with the current parameters:
    /// store [`hash_default`] of the same answer.
    pub needs_rehash: bool,
}

/// A stored hash string as produced by [`hash`]. Zeroized on drop; `Debug` shows only the scheme
/// (a hash is an offline guessing target, and `{PLAIN}` holds the answer itself).
#[derive(Clone)]
pub struct StoredAnswerHash(String);

impl StoredAnswerHash {
    /// The string to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string to store, by value.
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }

    /// The scheme of this value.
    pub fn scheme(&self) -> Result<Scheme, AnswerHashError> {
        identify(&self.0)
    }
}

impl Drop for StoredAnswerHash {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for StoredAnswerHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match identify(&self.0) {
            Ok(scheme) => write!(f, "StoredAnswerHash({scheme}, …)"),
            Err(_) => f.write_str("StoredAnswerHash(unrecognised, …)"),
        }
    }
}

/// scrypt cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScryptCost {
    /// log2 of N.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelisation.
    pub p: u32,
}

/// Costs used by [`hash`] for each scheme. Defaults follow OWASP's password storage cheat sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCosts {
    /// Argon2id (the default scheme).
    pub argon2: Argon2Params,
    /// PBKDF2-HMAC-SHA1 iterations (OWASP: 1,300,000).
    pub pbkdf2_sha1_iterations: u32,
    /// PBKDF2-HMAC-SHA256 iterations (OWASP: 600,000).
    pub pbkdf2_sha256_iterations: u32,
    /// PBKDF2-HMAC-SHA512 iterations (OWASP: 210,000).
    pub pbkdf2_sha512_iterations: u32,
    /// bcrypt cost (OWASP minimum: 10).
    pub bcrypt_cost: u32,
    /// scrypt (OWASP: N = 2^17, r = 8, p = 1).
    pub scrypt: ScryptCost,
}

impl Default for HashCosts {
    fn default() -> Self {
        Self {
            argon2: Argon2Params::default(),
            pbkdf2_sha1_iterations: 1_300_000,
            pbkdf2_sha256_iterations: 600_000,
            pbkdf2_sha512_iterations: 210_000,
            bcrypt_cost: 10,
            scrypt: ScryptCost {
                log_n: 17,
                r: 8,
                p: 1,
            },
        }
    }
}

/// The scheme of `stored`, after checking that it is well formed and within the cost limits:
/// `Ok` means [`verify`] will compute an answer for it. Does no hashing.
pub fn identify(stored: &str) -> Result<Scheme, AnswerHashError> {
    parse::parse(stored).map(|parsed| parsed.scheme())
}

/// Checks `answer` against `stored`. Digests are compared in constant time. `default` is the
/// Argon2id cost new values get; a match in any other scheme or cost asks for a rehash.
///
/// Errors are for stored values that cannot be checked (see [`identify`]); a wrong answer is
/// `Ok` with `matches: false`.
pub fn verify(
    answer: &Password,
    stored: &str,
    default: &Argon2Params,
) -> Result<Verified, AnswerHashError> {
    let parsed = parse::parse(stored)?;
    let (matches, current) = compute::check(&parsed, answer, default)?;
    Ok(Verified {
        matches,
        needs_rehash: matches && !current,
    })
}

/// Hashes `answer` with `scheme` at the costs in `costs`, with a fresh 16-byte salt from `rng`.
/// Every scheme except [`Scheme::Plaintext`] can be produced (migration tools and tests need
/// them); new answers should use [`hash_default`].
pub fn hash(
    answer: &Password,
    scheme: Scheme,
    costs: &HashCosts,
    rng: &mut dyn RandomSource,
) -> Result<StoredAnswerHash, AnswerHashError> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    compute::produce(answer, scheme, costs, &salt).map(StoredAnswerHash)
}

/// Argon2id of `answer` with `params`: what every answer is stored as, and what to store after a
/// verification that said [`Verified::needs_rehash`].
pub fn hash_default(
    answer: &Password,
    params: &Argon2Params,
    rng: &mut dyn RandomSource,
) -> Result<StoredAnswerHash, AnswerHashError> {
    let costs = HashCosts {
        argon2: *params,
        ..HashCosts::default()
    };
    hash(answer, Scheme::Argon2id, &costs, rng)
}

/// `{PLAIN}` + the answer. Insecure by construction: only for migration tools and tests that must
/// produce what an old system stored. Verifying such a value asks for a rehash on first use.
pub fn encode_plaintext_insecure(answer: &Password) -> StoredAnswerHash {
    StoredAnswerHash(format!("{{PLAIN}}{}", answer.expose()))
}

fn backend(scheme: Scheme, e: impl fmt::Display) -> AnswerHashError {
    AnswerHashError::Backend {
        scheme,
        detail: e.to_string(),
    }
}

fn from_password_hash_error(e: password_hash::HashError) -> AnswerHashError {
    match e {
        password_hash::HashError::Malformed => AnswerHashError::Malformed {
            scheme: Scheme::Argon2id,
            reason: "not a valid PHC string",
        },
        other => backend(Scheme::Argon2id, other),
    }
}
