//! Hashes of the internal directory's passwords: Argon2id in PHC string format.
//!
//! PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) carry their own parameters, so the
//! configured cost can change later: old hashes still verify and [`Verification::needs_rehash`]
//! says when to store a fresh one. The defaults are OWASP's minimum for Argon2id
//! (m = 19 MiB, t = 2, p = 1), about 40 hashes a second per core on our reference machine — too
//! slow for bulk work, which is why generated mass-reset passwords are never hashed here.
//!
//! The salt is passed in (16 bytes from the caller's CSPRNG) so this module stays pure.

use crate::secret::Password;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub time_cost: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            time_cost: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Params {
    fn hasher(&self) -> Result<Argon2<'static>, HashError> {
        let params = Params::new(self.memory_kib, self.time_cost, self.parallelism, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// A stored password hash in PHC format. Not secret in the way a password is, but an offline
/// guessing target: `Debug` shows only the algorithm.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHashString(String);

impl PasswordHashString {
    /// Wraps a stored PHC string (checked when verifying).
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    /// The PHC string, for storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alg = self.0.split('$').nth(1).unwrap_or("?");
        write!(f, "PasswordHashString(${alg}$…)")
    }
}

/// Hashing failed (bad parameters or a stored string that is not a PHC hash we support).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The cost parameters are out of range.
    #[error("argon2 parameters are not valid: {0}")]
    Params(String),
    /// The stored hash cannot be parsed.
    #[error("stored password hash is not a supported PHC string")]
    Malformed,
    /// Hashing itself failed.
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Hashes `password` with Argon2id and the given 16-byte salt.
pub fn hash_password(
    password: &Password,
    params: &Argon2Params,
    salt: &[u8; 16],
) -> Result<PasswordHashString, HashError> {
    let hash = params
        .hasher()?
        .hash_password_with_salt(password.expose().as_bytes(), salt)
        .map_err(|e| HashError::Hash(e.to_string()))?;
    Ok(PasswordHashString(hash.to_string()))
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    /// The password is right.
    pub matches: bool,
    /// The hash was made with other parameters or another algorithm: store a fresh one.
    pub needs_rehash: bool,
}

/// Checks `password` against `stored`, in constant time with respect to the hash output.
pub fn verify_password(
    password: &Password,
    stored: &PasswordHashString,
    current: &Argon2Params,
) -> Result<Verification, HashError> {
    let parsed = PasswordHash::new(stored.as_str()).map_err(|_| HashError::Malformed)?;
    if parsed.algorithm.as_str() != "argon2id" {
        return Err(HashError::Malformed);
    }
    let matches = Argon2::default()
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok();
    let same_params = Params::try_from(&parsed).is_ok_and(|p| {
        p.m_cost() == current.memory_kib
            && p.t_cost() == current.time_cost
            && p.p_cost() == current.parallelism
    });
    Ok(Verification {
        matches,
        needs_rehash: matches && !same_params,
    })
}

/// A hash of a random-looking fixed value, verified against when a login id is unknown so the
/// answer costs the same time as for a known user with a wrong password.
pub fn decoy_hash(params: &Argon2Params) -> Result<PasswordHashString, HashError> {
    hash_password(
        &Password::new("latchkey-decoy-password-never-valid"),
        params,
        b"latchkey-decoy!!",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Params {
        Argon2Params {
            memory_kib: 64,
            time_cost: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn hash_verify_and_rehash() {
        let pw = Password::new("correct horse battery staple");
        let h = hash_password(&pw, &cheap(), &[7; 16]).unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let ok = verify_password(&pw, &h, &cheap()).unwrap();
        assert_eq!(
            ok,
            Verification {
                matches: true,
                needs_rehash: false
            }
        );
        let wrong = verify_password(&Password::new("nope"), &h, &cheap()).unwrap();
        assert!(!wrong.matches && !wrong.needs_rehash);
        let stronger = Argon2Params {
            memory_kib: 128,
            ..cheap()
        };
        assert!(verify_password(&pw, &h, &stronger).unwrap().needs_rehash);
        assert!(!format!("{h:?}").contains(h.as_str().rsplit('$').next().unwrap()));
    }

    #[test]
    fn default_parameters_are_owasp_minimum() {
        let d = Argon2Params::default();
        assert_eq!((d.memory_kib, d.time_cost, d.parallelism), (19456, 2, 1));
    }

    #[test]
    fn garbage_is_refused_not_accepted() {
        let pw = Password::new("x");
        let bad = PasswordHashString::from_stored("plaintext".into());
        assert_eq!(
            verify_password(&pw, &bad, &cheap()),
            Err(HashError::Malformed)
        );
        assert!(
            hash_password(
                &pw,
                &Argon2Params {
                    memory_kib: 1,
                    ..cheap()
                },
                &[0; 16]
            )
            .is_err()
        );
        assert!(
            !verify_password(&pw, &decoy_hash(&cheap()).unwrap(), &cheap())
                .unwrap()
                .matches
        );
    }
}
