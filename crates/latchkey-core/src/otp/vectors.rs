//! Published test vectors: RFC 4226 appendix D (HOTP) and RFC 6238 appendix B (TOTP).
//!
//! `totp-rs` has no HOTP entry point, so HOTP is computed here independently from RFC 4226 §5.3
//! (HMAC-SHA-1, dynamic truncation, modulo 10^digits) over the `hmac` crate; the TOTP codes of
//! `totp-rs` must equal HOTP(T) with T = floor(time / 30).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::{Totp, TotpAlgorithm, TotpParams, TotpSecret};
use hmac::{KeyInit, Mac};
use zeroize::Zeroizing;

/// RFC 4226 §5.3 over any of the three HMACs.
fn hotp(algorithm: TotpAlgorithm, key: &[u8], counter: u64, digits: u32) -> String {
    fn mac<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
        m.update(msg);
        m.finalize().into_bytes().to_vec()
    }
    let msg = counter.to_be_bytes();
    let hs = match algorithm {
        TotpAlgorithm::Sha1 => mac::<hmac::Hmac<sha1::Sha1>>(key, &msg),
        TotpAlgorithm::Sha256 => mac::<hmac::Hmac<sha2::Sha256>>(key, &msg),
        TotpAlgorithm::Sha512 => mac::<hmac::Hmac<sha2::Sha512>>(key, &msg),
    };
    let offset = usize::from(hs[hs.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([hs[offset], hs[offset + 1], hs[offset + 2], hs[offset + 3]]);
    let value = (word & 0x7fff_ffff) % 10u32.pow(digits);
    format!("{value:0width$}", width = digits as usize)
}

/// The RFC 6238 seeds: ASCII "1234567890" repeated to the hash's output length.
fn seed(algorithm: TotpAlgorithm) -> Vec<u8> {
    b"1234567890"
        .iter()
        .copied()
        .cycle()
        .take(algorithm.secret_bytes())
        .collect()
}

fn totp(algorithm: TotpAlgorithm, digits: u8) -> Totp {
    let secret = TotpSecret::from_bytes(Zeroizing::new(seed(algorithm))).unwrap();
    let params = TotpParams {
        algorithm,
        digits,
        step_seconds: 30,
    };
    Totp::new(&secret, params).unwrap()
}

#[test]
fn rfc4226_appendix_d_hotp() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    let key = b"12345678901234567890";
    for (counter, want) in expected.iter().enumerate() {
        let counter = counter as u64;
        assert_eq!(hotp(TotpAlgorithm::Sha1, key, counter, 6), *want);
        // totp-rs at time = counter × step is HOTP(counter).
        let t = totp(TotpAlgorithm::Sha1, 6);
        assert_eq!(t.code_at(counter * 30).as_str(), *want, "counter {counter}");
        assert_eq!(t.code_at(counter * 30 + 29).as_str(), *want);
    }
}

#[test]
fn rfc6238_appendix_b_totp() {
    use TotpAlgorithm::{Sha1, Sha256, Sha512};
    let table: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        // Past 2038: the step counter no longer fits in 32 bits of seconds.
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ];
    for (time, sha1, sha256, sha512) in table {
        for (algorithm, want) in [(Sha1, sha1), (Sha256, sha256), (Sha512, sha512)] {
            let t = totp(algorithm, 8);
            assert_eq!(t.code_at(time).as_str(), want, "{algorithm:?} at {time}");
            // Independent HOTP of T = floor(time / 30) agrees.
            assert_eq!(hotp(algorithm, &seed(algorithm), time / 30, 8), want);
            // And the verifier accepts it at that time.
            let now = time::OffsetDateTime::from_unix_timestamp(time as i64).unwrap();
            assert_eq!(
                t.verify(want, now, None),
                super::TotpCheck::Valid { step: time / 30 }
            );
        }
    }
}

#[test]
fn totp_equals_hotp_of_the_step_for_six_digits() {
    for algorithm in [
        TotpAlgorithm::Sha1,
        TotpAlgorithm::Sha256,
        TotpAlgorithm::Sha512,
    ] {
        let t = totp(algorithm, 6);
        for time in (0..200_000_000u64).step_by(9_999_991) {
            assert_eq!(
                t.code_at(time).as_str(),
                hotp(algorithm, &seed(algorithm), time / 30, 6)
            );
        }
    }
}
