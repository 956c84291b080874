//! Recomputing a parsed value's digest for an answer, and producing new values.
//!
//! Every comparison of digests goes through [`ct_eq`] (or the bcrypt and argon2 crates' own
//! constant-time checks), so the time taken does not depend on how many bytes matched.

use super::limits;
use super::parse::{self, Digest, LDAP_B64, PHC_B64, Parsed};
use super::{AnswerHashError, HashCosts, Scheme, backend, from_password_hash_error};
use crate::password_hash::{self, Argon2Params, PasswordHashString};
use crate::secret::Password;
use base64::Engine;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

/// Whether `answer` matches, and whether the value is already in the current default form.
pub(super) fn check(
    parsed: &Parsed<'_>,
    answer: &Password,
    default: &Argon2Params,
) -> Result<(bool, bool), AnswerHashError> {
    let secret = answer.expose().as_bytes();
    match parsed {
        Parsed::Argon2id {
            phc,
            version,
            memory_kib,
            time_cost,
            parallelism,
            wrapped,
        } => {
            let stored = PasswordHashString::from_stored((*phc).to_owned());
            let outcome = password_hash::verify_password(answer, &stored, default)
                .map_err(from_password_hash_error)?;
            let current = *version == 19
                && !wrapped
                && *memory_kib == default.memory_kib
                && *time_cost == default.time_cost
                && *parallelism == default.parallelism;
            Ok((outcome.matches, current))
        }
        Parsed::Pbkdf2 {
            digest,
            iterations,
            salt,
            hash,
        } => {
            let mut out = vec![0u8; hash.len()];
            pbkdf2(*digest, secret, salt, *iterations, &mut out);
            Ok((ct_eq(&out, hash), false))
        }
        Parsed::Bcrypt { full } => {
            // The crate truncates at 72 bytes like every other bcrypt, so imports verify; it
            // compares the 23-byte digests with `subtle`.
            let matches = bcrypt::verify(secret, full).map_err(|_| AnswerHashError::Malformed {
                scheme: Scheme::Bcrypt,
                reason: "not a decodable bcrypt string",
            })?;
            Ok((matches, false))
        }
        Parsed::Scrypt {
            log_n,
            r,
            p,
            salt,
            hash,
        } => {
            let mut out = vec![0u8; hash.len()];
            scrypt(secret, salt, *log_n, *r, *p, &mut out)?;
            Ok((ct_eq(&out, hash), false))
        }
        Parsed::Salted { digest, salt, hash } => {
            Ok((ct_eq(&salted_digest(*digest, secret, salt), hash), false))
        }
        Parsed::Plain(stored) => {
            // Compare digests, not the strings, so that the time does not reveal the length.
            let a = sha256(secret);
            let b = sha256(stored.as_bytes());
            Ok((ct_eq(&a, &b), false))
        }
    }
}

/// A new stored string for `scheme` (never plaintext) with the given salt.
pub(super) fn produce(
    answer: &Password,
    scheme: Scheme,
    costs: &HashCosts,
    salt: &[u8; 16],
) -> Result<String, AnswerHashError> {
    let secret = answer.expose().as_bytes();
    match scheme {
        Scheme::Argon2id => {
            let a = &costs.argon2;
            limits::check_argon2(
                a.memory_kib.into(),
                a.time_cost.into(),
                a.parallelism.into(),
            )?;
            let h =
                password_hash::hash_password(answer, a, salt).map_err(from_password_hash_error)?;
            Ok(h.as_str().to_owned())
        }
        Scheme::Pbkdf2Sha1 => {
            produce_pbkdf2(Digest::Sha1, costs.pbkdf2_sha1_iterations, secret, salt)
        }
        Scheme::Pbkdf2Sha256 => {
            produce_pbkdf2(Digest::Sha256, costs.pbkdf2_sha256_iterations, secret, salt)
        }
        Scheme::Pbkdf2Sha512 => {
            produce_pbkdf2(Digest::Sha512, costs.pbkdf2_sha512_iterations, secret, salt)
        }
        Scheme::Bcrypt => {
            let cost = limits::check_bcrypt(costs.bcrypt_cost.into())?;
            // Refuse rather than silently ignore everything after byte 72.
            let parts = bcrypt::non_truncating_hash_with_salt(secret, cost, *salt).map_err(
                |e| match e {
                    bcrypt::BcryptError::Truncation(_) => {
                        AnswerHashError::TooLongForBcrypt(secret.len())
                    }
                    other => backend(Scheme::Bcrypt, other),
                },
            )?;
            Ok(parts.format_for_version(bcrypt::Version::TwoB))
        }
        Scheme::Scrypt => {
            let c = costs.scrypt;
            let (log_n, r, p) = limits::check_scrypt(c.log_n.into(), c.r.into(), c.p.into())?;
            let mut out = [0u8; parse::SCRYPT_HASH_LEN];
            scrypt(secret, salt, log_n, r, p, &mut out)?;
            Ok(format!(
                "$scrypt$ln={log_n},r={r},p={p}${}${}",
                PHC_B64.encode(salt),
                PHC_B64.encode(out)
            ))
        }
        Scheme::SaltedSha1 => Ok(produce_salted(Digest::Sha1, "SSHA", secret, salt)),
        Scheme::SaltedSha256 => Ok(produce_salted(Digest::Sha256, "SSHA256", secret, salt)),
        Scheme::SaltedSha512 => Ok(produce_salted(Digest::Sha512, "SSHA512", secret, salt)),
        Scheme::Plaintext => Err(AnswerHashError::PlaintextRefused),
    }
}

fn produce_pbkdf2(
    digest: Digest,
    iterations: u32,
    secret: &[u8],
    salt: &[u8; 16],
) -> Result<String, AnswerHashError> {
    let (id, scheme) = match digest {
        Digest::Sha1 => ("pbkdf2", Scheme::Pbkdf2Sha1),
        Digest::Sha256 => ("pbkdf2-sha256", Scheme::Pbkdf2Sha256),
        Digest::Sha512 => ("pbkdf2-sha512", Scheme::Pbkdf2Sha512),
    };
    let iterations = limits::check_pbkdf2(scheme, iterations.into(), 1)?;
    // One block of the PRF: a longer output only multiplies our work, not an attacker's.
    let mut out = vec![0u8; digest.len()];
    pbkdf2(digest, secret, salt, iterations, &mut out);
    Ok(format!(
        "${id}$i={iterations},l={}${}${}",
        out.len(),
        PHC_B64.encode(salt),
        PHC_B64.encode(&out)
    ))
}

fn produce_salted(digest: Digest, label: &str, secret: &[u8], salt: &[u8; 16]) -> String {
    let mut value = salted_digest(digest, secret, salt);
    value.extend_from_slice(salt);
    format!("{{{label}}}{}", LDAP_B64.encode(&value))
}

fn pbkdf2(digest: Digest, secret: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    match digest {
        Digest::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(secret, salt, iterations, out),
        Digest::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(secret, salt, iterations, out),
        Digest::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(secret, salt, iterations, out),
    }
}

pub(super) fn scrypt(
    secret: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<(), AnswerHashError> {
    let params = scrypt::Params::new(log_n, r, p).map_err(|e| backend(Scheme::Scrypt, e))?;
    scrypt::scrypt(secret, salt, &params, out).map_err(|e| backend(Scheme::Scrypt, e))
}

/// digest(answer ‖ salt), the RFC 2307 / OpenLDAP salted-hash construction.
fn salted_digest(digest: Digest, secret: &[u8], salt: &[u8]) -> Vec<u8> {
    fn run<D: sha2::Digest>(secret: &[u8], salt: &[u8]) -> Vec<u8> {
        let mut h = D::new();
        h.update(secret);
        h.update(salt);
        h.finalize().to_vec()
    }
    match digest {
        Digest::Sha1 => run::<Sha1>(secret, salt),
        Digest::Sha256 => run::<Sha256>(secret, salt),
        Digest::Sha512 => run::<Sha512>(secret, salt),
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    Sha256::digest(data).to_vec()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
