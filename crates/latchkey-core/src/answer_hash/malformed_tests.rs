//! Malformed values, truncation and the cost limits: errors, never matches, never long work.

use super::tests::{cheap, make, producible, pw};
use super::*;
use crate::random::SeededRandom;

/// The kind of error expected, without the details.
#[derive(Debug, PartialEq)]
enum Kind {
    NoScheme,
    Unrecognised,
    Unsupported,
    Malformed(Scheme),
    InvalidCost,
    Other,
}

fn kind(e: &AnswerHashError) -> Kind {
    match e {
        AnswerHashError::NoScheme => Kind::NoScheme,
        AnswerHashError::UnrecognisedScheme => Kind::Unrecognised,
        AnswerHashError::UnsupportedScheme(_) => Kind::Unsupported,
        AnswerHashError::Malformed { scheme, .. } => Kind::Malformed(*scheme),
        AnswerHashError::InvalidCost { .. } => Kind::InvalidCost,
        _ => Kind::Other,
    }
}

const ARGON_TAIL: &str = "c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
const BCRYPT_TAIL: &str = "CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
/// "salt" and 16 zero bytes, in PHC base64.
const SALT_HASH16: &str = "c2FsdA$AAAAAAAAAAAAAAAAAAAAAA";

#[test]
fn malformed_values_are_errors_with_the_right_kind() {
    use Kind::*;
    use Scheme::*;
    let cases: Vec<(String, Kind)> = vec![
        ("{SSHA".into(), NoScheme),
        ("{SSHA}!!not base64!!".into(), Malformed(SaltedSha1)),
        // A bare SHA-1 digest: no salt.
        (
            "{SSHA}qZk+NkcGgWq6PiVxeFDCbJzQ2J0=".into(),
            Malformed(SaltedSha1),
        ),
        ("{SSHA512}".into(), Malformed(SaltedSha512)),
        ("{FOO}bar".into(), Unrecognised),
        ("$foo$bar".into(), Unrecognised),
        ("{SHA}qZk+NkcGgWq6PiVxeFDCbJzQ2J0=".into(), Unsupported),
        ("{CLEARTEXT}x".into(), Unsupported),
        ("$6$salt$hash".into(), Unsupported),
        (format!("$2x$05${BCRYPT_TAIL}"), Unsupported),
        (
            format!("$argon2i$v=19$m=256,t=2,p=1${ARGON_TAIL}"),
            Unsupported,
        ),
        (
            format!("$argon2id$v=19$m=256,t=2${ARGON_TAIL}"),
            Malformed(Argon2id),
        ),
        (
            format!("$argon2id$v=19$m=256,t=2,p=1,x=1${ARGON_TAIL}"),
            Malformed(Argon2id),
        ),
        (
            format!("$argon2id$v=18$m=256,t=2,p=1${ARGON_TAIL}"),
            Malformed(Argon2id),
        ),
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQ".into(),
            Malformed(Argon2id),
        ),
        (
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ".into(),
            Malformed(Argon2id),
        ),
        (
            "$pbkdf2-sha256$i=1000,l=32$c2FsdA$".into(),
            Malformed(Pbkdf2Sha256),
        ),
        (
            format!("$pbkdf2-sha256$i=abc${SALT_HASH16}"),
            Malformed(Pbkdf2Sha256),
        ),
        (
            format!("$pbkdf2-sha256$i=1,i=2${SALT_HASH16}"),
            Malformed(Pbkdf2Sha256),
        ),
        (
            format!("$pbkdf2-sha256$i=1,l=17${SALT_HASH16}"),
            Malformed(Pbkdf2Sha256),
        ),
        // 16 bytes where RustCrypto (no l=) and passlib mean 32: a cut-short value.
        (
            format!("$pbkdf2-sha256$i=1${SALT_HASH16}"),
            Malformed(Pbkdf2Sha256),
        ),
        (
            format!("$pbkdf2-sha256$1${SALT_HASH16}"),
            Malformed(Pbkdf2Sha256),
        ),
        (
            format!("$pbkdf2-sha256$i=1${SALT_HASH16}$x"),
            Malformed(Pbkdf2Sha256),
        ),
        (
            "$pbkdf2-sha256$i=1$c2F*dA$AAAAAAAAAAAAAAAAAAAAAA".into(),
            Malformed(Pbkdf2Sha256),
        ),
        (
            "$pbkdf2-sha256$i=1$c2FsdA$AAAAAAAA".into(),
            Malformed(Pbkdf2Sha256),
        ),
        ("{PBKDF2-SHA512}1000$c2FsdA".into(), Malformed(Pbkdf2Sha512)),
        (format!("$pbkdf2$-5${SALT_HASH16}"), Malformed(Pbkdf2Sha1)),
        (format!("$scrypt$ln=4,r=1${SALT_HASH16}"), Malformed(Scrypt)),
        ("$2b$04$short".into(), Malformed(Bcrypt)),
        (format!("$2b$4x${BCRYPT_TAIL}"), Malformed(Bcrypt)),
        (format!("$2b$05${}!", &BCRYPT_TAIL[..52]), Malformed(Bcrypt)),
        (format!("$pbkdf2$0${SALT_HASH16}"), InvalidCost),
        (format!("$2b$03${BCRYPT_TAIL}"), InvalidCost),
    ];
    for (stored, expected) in cases {
        let err = verify(&pw("x"), &stored, &cheap().argon2).unwrap_err();
        assert_eq!(kind(&err), expected, "{stored}: {err:?}");
        assert_eq!(identify(&stored).unwrap_err(), err, "{stored}");
    }
    let long = format!("{{PLAIN}}{}", "x".repeat(MAX_STORED_LEN));
    assert_eq!(identify(&long), Err(AnswerHashError::TooLong));
}

#[test]
fn truncated_values_never_match() {
    let answer = "the answer";
    for scheme in producible() {
        let full = make(scheme, answer, 7).into_string();
        for cut in 1..full.len() {
            let Some(prefix) = full.get(..cut) else {
                continue;
            };
            // Dropping only base64 padding leaves the same value.
            if full.trim_end_matches('=') == prefix {
                continue;
            }
            if let Ok(v) = verify(&pw(answer), prefix, &cheap().argon2) {
                assert!(!v.matches, "{scheme}: {prefix} matched");
            }
        }
    }
}

fn limit(stored: &str) -> Option<&'static str> {
    match identify(stored) {
        Err(AnswerHashError::CostTooHigh { parameter, .. }) => Some(parameter),
        _ => None,
    }
}

#[test]
fn absurd_costs_are_refused_before_any_work() {
    let a = ARGON_TAIL;
    let cases = [
        (format!("$pbkdf2-sha256$i=10000001${a}"), "iterations"),
        (format!("{{PBKDF2}}4000000000${a}"), "iterations"),
        // 64 bytes of PBKDF2-SHA1 are four blocks: 2.6 M iterations cost 10.4 M.
        (
            format!("$pbkdf2$i=2600000,l=64$c2FsdA${}", "A".repeat(86)),
            "iterations × output blocks",
        ),
        (format!("$2b$17${BCRYPT_TAIL}"), "cost"),
        (format!("$2a$31${BCRYPT_TAIL}"), "cost"),
        (format!("$scrypt$ln=21,r=1,p=1${a}"), "log2(N)"),
        (
            format!("$scrypt$ln=20,r=16,p=1${a}"),
            "memory (128·r·N bytes)",
        ),
        (
            format!("$scrypt$ln=20,r=8,p=2${a}"),
            "work (128·r·N·p bytes)",
        ),
        (format!("$scrypt$ln=10,r=8,p=17${a}"), "p"),
        (
            format!("$argon2id$v=19$m=1048577,t=1,p=1${a}"),
            "memory (KiB)",
        ),
        (
            format!("$argon2id$v=19$m=4194304,t=1,p=1${a}"),
            "memory (KiB)",
        ),
        (
            format!("$argon2id$v=19$m=1048576,t=5,p=1${a}"),
            "memory × passes (KiB)",
        ),
        (
            format!("$argon2id$v=19$m=65536,t=1,p=17${a}"),
            "parallelism",
        ),
    ];
    for (stored, parameter) in cases {
        assert_eq!(limit(&stored), Some(parameter), "{stored}");
    }
    // At the limits the values are accepted (identify does no hashing).
    let at_limit = [
        (format!("$2b$16${BCRYPT_TAIL}"), Scheme::Bcrypt),
        (format!("$scrypt$ln=20,r=8,p=1${a}"), Scheme::Scrypt),
        (
            format!("$argon2id$v=19$m=1048576,t=4,p=1${a}"),
            Scheme::Argon2id,
        ),
    ];
    for (stored, scheme) in at_limit {
        assert_eq!(identify(&stored), Ok(scheme), "{stored}");
    }
    let err = verify(&pw("x"), &format!("$2b$31${BCRYPT_TAIL}"), &cheap().argon2);
    let message = err.unwrap_err().to_string();
    assert!(message.contains("exceeds the limit of 16"), "{message}");
}

#[test]
fn production_respects_the_same_limits() {
    let mut rng = SeededRandom::new(9);
    let mut costs = cheap();
    costs.pbkdf2_sha256_iterations = 20_000_000;
    costs.bcrypt_cost = 20;
    costs.scrypt.log_n = 24;
    costs.argon2.memory_kib = 2 << 20;
    for scheme in [
        Scheme::Pbkdf2Sha256,
        Scheme::Bcrypt,
        Scheme::Scrypt,
        Scheme::Argon2id,
    ] {
        let err = hash(&pw("x"), scheme, &costs, &mut rng).unwrap_err();
        let too_high = matches!(err, AnswerHashError::CostTooHigh { .. });
        assert!(too_high, "{scheme}: {err:?}");
    }
    costs.pbkdf2_sha1_iterations = 0;
    costs.bcrypt_cost = 3;
    for scheme in [Scheme::Pbkdf2Sha1, Scheme::Bcrypt] {
        let err = hash(&pw("x"), scheme, &costs, &mut rng).unwrap_err();
        assert_eq!(kind(&err), Kind::InvalidCost, "{scheme}");
    }
}
