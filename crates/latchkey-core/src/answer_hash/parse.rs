//! From a stored string to its parts, with the cost limits applied before any hashing happens.

use super::limits::{check_argon2, check_bcrypt, check_pbkdf2, check_scrypt};
use super::{AnswerHashError, MAX_STORED_LEN, Scheme};
use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};

/// LDAP values: standard alphabet, padding optional (exports differ).
pub(super) const LDAP_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
/// PHC strings: standard alphabet, no padding.
pub(super) const PHC_B64: GeneralPurpose = STANDARD_NO_PAD;

/// The hash function inside PBKDF2 or a salted digest.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Digest {
    pub(super) fn len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha512 => 64,
        }
    }

    fn pbkdf2_scheme(self) -> Scheme {
        match self {
            Digest::Sha1 => Scheme::Pbkdf2Sha1,
            Digest::Sha256 => Scheme::Pbkdf2Sha256,
            Digest::Sha512 => Scheme::Pbkdf2Sha512,
        }
    }

    fn salted_scheme(self) -> Scheme {
        match self {
            Digest::Sha1 => Scheme::SaltedSha1,
            Digest::Sha256 => Scheme::SaltedSha256,
            Digest::Sha512 => Scheme::SaltedSha512,
        }
    }
}

/// A stored value taken apart. Deliberately without `Debug`: it holds digests and, for
/// plaintext, the answer.
pub(super) enum Parsed<'a> {
    /// Verified through `crate::password_hash` with the PHC string itself.
    Argon2id {
        phc: &'a str,
        version: u32,
        memory_kib: u32,
        time_cost: u32,
        parallelism: u32,
        /// Inside another marker (`{ARGON2}`): rehash into our own form.
        wrapped: bool,
    },
    Pbkdf2 {
        digest: Digest,
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    /// Verified by the bcrypt crate with the `$2?$…` string itself.
    Bcrypt {
        full: &'a str,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Salted {
        digest: Digest,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Plain(&'a str),
}

impl Parsed<'_> {
    pub(super) fn scheme(&self) -> Scheme {
        match self {
            Parsed::Argon2id { .. } => Scheme::Argon2id,
            Parsed::Pbkdf2 { digest, .. } => digest.pbkdf2_scheme(),
            Parsed::Bcrypt { .. } => Scheme::Bcrypt,
            Parsed::Scrypt { .. } => Scheme::Scrypt,
            Parsed::Salted { digest, .. } => digest.salted_scheme(),
            Parsed::Plain(_) => Scheme::Plaintext,
        }
    }
}

const SALT_LEN: std::ops::RangeInclusive<usize> = 1..=64;
const HASH_LEN: std::ops::RangeInclusive<usize> = 16..=64;
pub(super) const SCRYPT_HASH_LEN: usize = 32;

fn unsupported<'a>(name: &'static str) -> Result<Parsed<'a>, AnswerHashError> {
    Err(AnswerHashError::UnsupportedScheme(name))
}

fn malformed(scheme: Scheme, reason: &'static str) -> AnswerHashError {
    AnswerHashError::Malformed { scheme, reason }
}

pub(super) fn parse(stored: &str) -> Result<Parsed<'_>, AnswerHashError> {
    if stored.len() > MAX_STORED_LEN {
        return Err(AnswerHashError::TooLong);
    }
    if let Some(rest) = stored.strip_prefix('{') {
        let (label, body) = rest.split_once('}').ok_or(AnswerHashError::NoScheme)?;
        return parse_braced(label, body);
    }
    if stored.starts_with('$') {
        return parse_dollar(stored, false);
    }
    Err(AnswerHashError::NoScheme)
}

/// `{LABEL}body` (RFC 2307 style; labels are case-insensitive).
fn parse_braced<'a>(label: &str, body: &'a str) -> Result<Parsed<'a>, AnswerHashError> {
    let label = label.to_ascii_uppercase();
    match label.as_str() {
        "SSHA" => salted(Digest::Sha1, body),
        "SSHA256" => salted(Digest::Sha256, body),
        "SSHA512" => salted(Digest::Sha512, body),
        "PLAIN" => Ok(Parsed::Plain(body)),
        "PBKDF2" | "PBKDF2-SHA1" => ldap_pbkdf2(Digest::Sha1, body),
        "PBKDF2-SHA256" => ldap_pbkdf2(Digest::Sha256, body),
        "PBKDF2-SHA512" => ldap_pbkdf2(Digest::Sha512, body),
        "ARGON2" if body.starts_with("$argon2id$") => parse_dollar(body, true),
        "CRYPT" if body.starts_with("$2") => parse_dollar(body, true),
        "ARGON2" => unsupported("{ARGON2} other than argon2id"),
        "CRYPT" => unsupported("{CRYPT} other than bcrypt"),
        "SHA" | "SHA256" | "SHA384" | "SHA512" => unsupported("unsalted SHA ({SHA…})"),
        "SSHA384" => unsupported("{SSHA384}"),
        "MD5" | "SMD5" => unsupported("MD5 ({MD5}/{SMD5})"),
        "CLEARTEXT" => unsupported("{CLEARTEXT} (use {PLAIN})"),
        "PBKDF2_SHA256" => unsupported("389-ds {PBKDF2_SHA256}"),
        "PKCS5S2" => unsupported("{PKCS5S2}"),
        _ => Err(AnswerHashError::UnrecognisedScheme),
    }
}

/// `$id$…` (PHC strings and bcrypt).
fn parse_dollar(full: &str, wrapped: bool) -> Result<Parsed<'_>, AnswerHashError> {
    let id = full.split('$').nth(1).unwrap_or_default();
    let body = full.get(id.len() + 2..).unwrap_or_default();
    match id {
        "argon2id" => argon2id(full, body, wrapped),
        "pbkdf2" | "pbkdf2-sha1" => phc_pbkdf2(Digest::Sha1, body),
        "pbkdf2-sha256" => phc_pbkdf2(Digest::Sha256, body),
        "pbkdf2-sha512" => phc_pbkdf2(Digest::Sha512, body),
        "scrypt" => scrypt(body),
        "2a" | "2b" | "2y" => bcrypt(full),
        "2x" => unsupported("$2x$ (crypt_blowfish's buggy bcrypt)"),
        "2" => unsupported("$2$ (original bcrypt)"),
        "argon2i" | "argon2d" => unsupported("argon2i/argon2d"),
        "1" | "apr1" => unsupported("MD5-crypt"),
        "5" | "6" => unsupported("SHA-crypt ($5$/$6$)"),
        "y" | "7" | "gy" => unsupported("yescrypt / scrypt-crypt"),
        _ => Err(AnswerHashError::UnrecognisedScheme),
    }
}

fn salted(digest: Digest, body: &str) -> Result<Parsed<'_>, AnswerHashError> {
    let scheme = digest.salted_scheme();
    let mut bytes = LDAP_B64
        .decode(body)
        .map_err(|_| malformed(scheme, "not valid base64"))?;
    if bytes.len() <= digest.len() {
        return Err(malformed(scheme, "no salt after the digest"));
    }
    let salt = bytes.split_off(digest.len());
    if !SALT_LEN.contains(&salt.len()) {
        return Err(malformed(scheme, "salt longer than 64 bytes"));
    }
    Ok(Parsed::Salted {
        digest,
        salt,
        hash: bytes,
    })
}

/// passlib's and OpenLDAP's adapted base64: `.` for `+`, no padding.
fn ab64_decode(s: &str) -> Option<Vec<u8>> {
    if s.contains('+') {
        return None;
    }
    LDAP_B64.decode(s.replace('.', "+")).ok()
}

/// Exactly three `$`-separated fields.
fn three_fields(body: &str) -> Option<(&str, &str, &str)> {
    let mut it = body.split('$');
    let fields = (it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some(fields)
}

/// OpenLDAP pw-pbkdf2: `<iterations>$<ab64 salt>$<ab64 dk>`.
fn ldap_pbkdf2(digest: Digest, body: &str) -> Result<Parsed<'_>, AnswerHashError> {
    let scheme = digest.pbkdf2_scheme();
    let (iter, salt, hash) =
        three_fields(body).ok_or(malformed(scheme, "expected <iterations>$<salt>$<hash>"))?;
    let iterations = decimal(iter).ok_or(malformed(scheme, "iterations not a number"))?;
    let salt = ab64_decode(salt).ok_or(malformed(scheme, "salt not valid base64"))?;
    let hash = ab64_decode(hash).ok_or(malformed(scheme, "hash not valid base64"))?;
    // Both producers store one block of the PRF.
    pbkdf2_parts(digest, iterations, salt, hash, digest.len())
}

/// RustCrypto PHC (`i=<n>,l=<len>$B64$B64`) or passlib (`<n>$ab64$ab64`).
fn phc_pbkdf2(digest: Digest, body: &str) -> Result<Parsed<'_>, AnswerHashError> {
    let scheme = digest.pbkdf2_scheme();
    let (params, salt, hash) =
        three_fields(body).ok_or(malformed(scheme, "expected <params>$<salt>$<hash>"))?;
    if !params.contains('=') {
        return ldap_pbkdf2(digest, body);
    }
    let [i, l] = phc_params(params, ["i", "l"]).map_err(|reason| malformed(scheme, reason))?;
    let iterations = i.ok_or(malformed(scheme, "no i= parameter"))?;
    let salt = PHC_B64
        .decode(salt)
        .map_err(|_| malformed(scheme, "salt not valid base64"))?;
    let hash = PHC_B64
        .decode(hash)
        .map_err(|_| malformed(scheme, "hash not valid base64"))?;
    // Without `l=`, RustCrypto means 32 bytes.
    let expected = usize::try_from(l.unwrap_or(32)).unwrap_or(usize::MAX);
    pbkdf2_parts(digest, iterations, salt, hash, expected)
}

fn pbkdf2_parts<'a>(
    digest: Digest,
    iterations: u64,
    salt: Vec<u8>,
    hash: Vec<u8>,
    expected_len: usize,
) -> Result<Parsed<'a>, AnswerHashError> {
    let scheme = digest.pbkdf2_scheme();
    let blocks = hash.len().div_ceil(digest.len()) as u64;
    let iterations = check_pbkdf2(scheme, iterations, blocks)?;
    lengths(scheme, &salt, &hash)?;
    // Pinned because a PBKDF2 output cut short is still a valid (weaker) hash of the answer.
    if hash.len() != expected_len {
        return Err(malformed(scheme, "hash length differs from the format's"));
    }
    Ok(Parsed::Pbkdf2 {
        digest,
        iterations,
        salt,
        hash,
    })
}

fn scrypt(body: &str) -> Result<Parsed<'_>, AnswerHashError> {
    let scheme = Scheme::Scrypt;
    let (params, salt, hash) =
        three_fields(body).ok_or(malformed(scheme, "expected <params>$<salt>$<hash>"))?;
    let [ln, r, p] =
        phc_params(params, ["ln", "r", "p"]).map_err(|reason| malformed(scheme, reason))?;
    let (Some(ln), Some(r), Some(p)) = (ln, r, p) else {
        return Err(malformed(scheme, "needs ln=, r= and p="));
    };
    let (log_n, r, p) = check_scrypt(ln, r, p)?;
    let salt = PHC_B64
        .decode(salt)
        .map_err(|_| malformed(scheme, "salt not valid base64"))?;
    let hash = PHC_B64
        .decode(hash)
        .map_err(|_| malformed(scheme, "hash not valid base64"))?;
    lengths(scheme, &salt, &hash)?;
    // RustCrypto and passlib both store 32 bytes; as for PBKDF2, a shorter prefix would verify.
    if hash.len() != SCRYPT_HASH_LEN {
        return Err(malformed(scheme, "hash is not 32 bytes"));
    }
    Ok(Parsed::Scrypt {
        log_n,
        r,
        p,
        salt,
        hash,
    })
}

fn argon2id<'a>(phc: &'a str, body: &str, wrapped: bool) -> Result<Parsed<'a>, AnswerHashError> {
    let scheme = Scheme::Argon2id;
    let (version, rest) = match body.strip_prefix("v=") {
        Some(after) => {
            let (v, rest) = after
                .split_once('$')
                .ok_or(malformed(scheme, "nothing after the version"))?;
            (
                decimal(v).ok_or(malformed(scheme, "version not a number"))?,
                rest,
            )
        }
        // PHC: a string without `v=` is version 1.0 (0x10).
        None => (16, body),
    };
    if version != 16 && version != 19 {
        return Err(malformed(scheme, "version is neither 16 nor 19"));
    }
    let (params, salt, hash) =
        three_fields(rest).ok_or(malformed(scheme, "expected <params>$<salt>$<hash>"))?;
    let [m, t, p] =
        phc_params(params, ["m", "t", "p"]).map_err(|reason| malformed(scheme, reason))?;
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return Err(malformed(scheme, "needs m=, t= and p="));
    };
    let (memory_kib, time_cost, parallelism) = check_argon2(m, t, p)?;
    let salt = PHC_B64
        .decode(salt)
        .map_err(|_| malformed(scheme, "salt not valid base64"))?;
    let hash = PHC_B64
        .decode(hash)
        .map_err(|_| malformed(scheme, "hash not valid base64"))?;
    if !(8..=48).contains(&salt.len()) {
        return Err(malformed(scheme, "salt must be 8 to 48 bytes"));
    }
    lengths(scheme, &salt, &hash)?;
    Ok(Parsed::Argon2id {
        phc,
        version: if version == 19 { 19 } else { 16 },
        memory_kib,
        time_cost,
        parallelism,
        wrapped,
    })
}

/// `$2b$NN$` + 53 characters; the bcrypt crate decodes the rest when verifying.
fn bcrypt(full: &str) -> Result<Parsed<'_>, AnswerHashError> {
    let scheme = Scheme::Bcrypt;
    if full.len() != 60 || !full.is_ascii() {
        return Err(malformed(scheme, "not 60 characters"));
    }
    let cost = full
        .get(4..6)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && full.get(6..7) == Some("$"))
        .and_then(decimal)
        .ok_or(malformed(scheme, "cost is not two digits"))?;
    check_bcrypt(cost)?;
    let tail_ok = full.get(7..).is_some_and(|t| {
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
    });
    if !tail_ok || full.parse::<bcrypt::HashParts>().is_err() {
        return Err(malformed(scheme, "salt or hash not in bcrypt's base64"));
    }
    Ok(Parsed::Bcrypt { full })
}

fn lengths(scheme: Scheme, salt: &[u8], hash: &[u8]) -> Result<(), AnswerHashError> {
    if !SALT_LEN.contains(&salt.len()) {
        return Err(malformed(scheme, "salt must be 1 to 64 bytes"));
    }
    if !HASH_LEN.contains(&hash.len()) {
        return Err(malformed(scheme, "hash must be 16 to 64 bytes"));
    }
    Ok(())
}

/// A plain decimal of at most 10 digits (no sign, no spaces).
fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `k=v,k=v` with every key from `keys` at most once and no other key.
fn phc_params<const N: usize>(s: &str, keys: [&str; N]) -> Result<[Option<u64>; N], &'static str> {
    let mut out = [None; N];
    for pair in s.split(',') {
        let (k, v) = pair.split_once('=').ok_or("parameter without =")?;
        let slot = keys
            .iter()
            .position(|key| *key == k)
            .and_then(|i| out.get_mut(i))
            .ok_or("unknown parameter")?;
        if slot.is_some() {
            return Err("repeated parameter");
        }
        *slot = Some(decimal(v).ok_or("parameter not a number")?);
    }
    Ok(out)
}
