//! SCRAM-SHA-256 verifiers for PostgreSQL (RFC 5802, RFC 7677), made on our side so the clear
//! password never appears in SQL text, in the server's statement log or in `pg_stat_activity`.
//!
//! The stored form is the one PostgreSQL writes itself:
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (standard base64), with
//! SaltedPassword = PBKDF2-HMAC-SHA-256(SASLprep(password), salt, iterations),
//! StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")) and
//! ServerKey = HMAC(SaltedPassword, "Server Key").
//!
//! The password is normalised the way PostgreSQL does (its `pg_saslprep`): an all-ASCII password
//! is used as it is; any other goes through SASLprep (RFC 4013), and when SASLprep rejects it the
//! raw bytes are used. Clients (libpq, sqlx) do the same when they log in, so both sides hash the
//! same bytes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use latchkey_core::secret::Password;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// PostgreSQL's default `scram_iterations`.
pub(crate) const ITERATIONS: u32 = 4096;
/// Salt length PostgreSQL uses.
pub(crate) const SALT_BYTES: usize = 16;

/// The bytes PostgreSQL hashes for `password`.
fn prepared(password: &str) -> Zeroizing<Vec<u8>> {
    if password.is_ascii() {
        return Zeroizing::new(password.as_bytes().to_vec());
    }
    match stringprep::saslprep(password) {
        Ok(prepped) => Zeroizing::new(prepped.as_bytes().to_vec()),
        Err(_) => Zeroizing::new(password.as_bytes().to_vec()),
    }
}

fn hmac(key: &[u8], message: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // HMAC takes keys of any length; this cannot fail.
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        mac.update(message);
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// The salted password and the two keys derived from it.
struct Keys {
    stored: [u8; 32],
    server: Zeroizing<[u8; 32]>,
}

fn keys(password: &str, salt: &[u8], iterations: u32) -> Keys {
    let mut salted = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(&prepared(password), salt, iterations, salted.as_mut_slice());
    let client = hmac(salted.as_slice(), b"Client Key");
    let mut stored = [0u8; 32];
    stored.copy_from_slice(&Sha256::digest(client.as_slice()));
    Keys {
        stored,
        server: hmac(salted.as_slice(), b"Server Key"),
    }
}

/// The verifier for `password` with `salt` and `iterations`.
pub(crate) fn verifier(password: &Password, salt: &[u8], iterations: u32) -> String {
    let k = keys(password.expose(), salt, iterations);
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(k.stored),
        STANDARD.encode(k.server.as_slice())
    )
}

/// A verifier with a fresh random salt from the operating system.
pub(crate) fn new_verifier(password: &Password) -> Result<String, getrandom::Error> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt)?;
    Ok(verifier(password, &salt, ITERATIONS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's example exchange (user "user", password "pencil"): the server signature it
    /// shows must come out of our ServerKey.
    #[test]
    fn matches_the_rfc_7677_example() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let k = keys("pencil", &salt, 4096);
        let auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,\
            r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,\
            c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let signature = hmac(k.server.as_slice(), auth_message.as_bytes());
        assert_eq!(
            STANDARD.encode(signature.as_slice()),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let v = verifier(&Password::new("pencil"), &salt, 4096);
        assert!(
            v.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
            "{v}"
        );
        assert!(!v.contains("pencil"));
    }

    #[test]
    fn non_ascii_passwords_are_saslprepped() {
        // U+00A0 (no-break space) maps to a space; U+00AD (soft hyphen) maps to nothing.
        assert_eq!(prepared("a\u{A0}b\u{AD}c").as_slice(), b"a bc");
        assert_eq!(prepared("plain\u{7}ascii").as_slice(), b"plain\x07ascii");
    }
}
