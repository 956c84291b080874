//! Enrolment, the acceptance window, replay, sealing and redaction.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::ids::ProfileId;
use crate::random::SeededRandom;
use crate::secretbox::{SecretBox, SecretBoxError};
use time::OffsetDateTime;
use uuid::Uuid;

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap()
}

fn enrolled(seed: u64) -> (TotpSecret, Totp) {
    let params = TotpParams::default();
    let secret = TotpSecret::generate(&params, &mut SeededRandom::new(seed));
    let totp = Totp::new(&secret, params).unwrap();
    (secret, totp)
}

#[test]
fn secrets_have_at_least_160_bits_from_the_random_source() {
    for (algorithm, bits) in [
        (TotpAlgorithm::Sha1, 160),
        (TotpAlgorithm::Sha256, 256),
        (TotpAlgorithm::Sha512, 512),
    ] {
        let params = TotpParams {
            algorithm,
            ..TotpParams::default()
        };
        let a = TotpSecret::generate(&params, &mut SeededRandom::new(1));
        let b = TotpSecret::generate(&params, &mut SeededRandom::new(1));
        let c = TotpSecret::generate(&params, &mut SeededRandom::new(2));
        assert_eq!(a.bits(), bits);
        // Deterministic given the source (so it is the source, not totp-rs, that draws it).
        assert_eq!(a.expose_bytes(), b.expose_bytes());
        assert_ne!(a.expose_bytes(), c.expose_bytes());
    }
    let short = zeroize::Zeroizing::new(vec![1u8; 19]);
    assert_eq!(
        TotpSecret::from_bytes(short).err(),
        Some(OtpError::SecretTooShort(152))
    );
}

#[test]
fn enrolment_uri_names_latchkey_and_the_login() {
    let (secret, totp) = enrolled(3);
    let uri = totp.enrolment_uri("alice@example.org").unwrap();
    let parsed = url::Url::parse(&uri).unwrap();
    assert_eq!(parsed.scheme(), "otpauth");
    assert_eq!(parsed.host_str(), Some("totp"));
    assert_eq!(parsed.path(), "/Latchkey:alice%40example.org");
    let query: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    assert!(query.contains(&("secret".to_owned(), secret.to_base32().to_string())));
    assert!(query.contains(&("issuer".to_owned(), "Latchkey".to_owned())));
    // Defaults are left implicit, which is what apps that ignore them assume anyway.
    assert!(!query.iter().any(|(k, _)| k == "algorithm" || k == "digits"));
    // Base32 of 160 bits is 32 characters with no padding.
    assert_eq!(secret.to_base32().len(), 32);

    let sha512 = TotpParams {
        algorithm: TotpAlgorithm::Sha512,
        digits: 8,
        step_seconds: 60,
    };
    let strong = Totp::new(
        &TotpSecret::generate(&sha512, &mut SeededRandom::new(3)),
        sha512,
    )
    .unwrap()
    .enrolment_uri("bob")
    .unwrap();
    for part in ["algorithm=SHA512", "digits=8", "period=60"] {
        assert!(
            strong.contains(part),
            "{part} missing in {}",
            strong.as_str()
        );
    }
    assert_eq!(
        totp.enrolment_uri("a:b").err(),
        Some(OtpError::InvalidAccountName)
    );
    assert_eq!(
        totp.enrolment_uri("").err(),
        Some(OtpError::InvalidAccountName)
    );
}

#[test]
fn window_is_current_and_previous_step_only() {
    let (_, totp) = enrolled(4);
    let now = 1_700_000_015; // 15 s into step 56_666_667
    let step = 1_700_000_015 / 30;
    let code = |s: u64| totp.code_at(s * 30).to_string();
    assert_eq!(
        totp.verify(&code(step), at(now), None),
        TotpCheck::Valid { step }
    );
    assert_eq!(
        totp.verify(&code(step - 1), at(now), None),
        TotpCheck::Valid { step: step - 1 }
    );
    assert_eq!(
        totp.verify(&code(step - 2), at(now), None),
        TotpCheck::Invalid
    );
    assert_eq!(
        totp.verify(&code(step + 1), at(now), None),
        TotpCheck::Invalid
    );
    // The previous step's code stops working as soon as the step after the next begins.
    let prev = code(step);
    assert_eq!(
        totp.verify(&prev, at((step as i64 + 1) * 30 + 29), None),
        TotpCheck::Valid { step }
    );
    assert_eq!(
        totp.verify(&prev, at((step as i64 + 2) * 30), None),
        TotpCheck::Invalid
    );
}

#[test]
fn a_used_step_is_a_replay() {
    let (_, totp) = enrolled(5);
    let now = at(1_800_000_000);
    let step = 1_800_000_000 / 30;
    let code = totp.code_at(step * 30).to_string();
    let TotpCheck::Valid { step: used } = totp.verify(&code, now, None) else {
        unreachable!("fresh code refused");
    };
    // The edge stores `used`; the same code in the same step is now a replay.
    assert_eq!(totp.verify(&code, now, Some(used)), TotpCheck::Replay);
    assert_eq!(
        totp.verify(&code, at(1_800_000_000 + 29), Some(used)),
        TotpCheck::Replay
    );
    // So is the previous step's code once a later one was used.
    let previous = totp.code_at((step - 1) * 30).to_string();
    assert_eq!(totp.verify(&previous, now, Some(used)), TotpCheck::Replay);
    // The next step's code is fine.
    let next = totp.code_at((step + 1) * 30).to_string();
    assert_eq!(
        totp.verify(&next, at((step as i64 + 1) * 30), Some(used)),
        TotpCheck::Valid { step: step + 1 }
    );
    assert_eq!(
        TotpCheck::Replay.resolved(),
        crate::chain::tally::Resolved::Fail("totp.replay".into())
    );
    assert_eq!(
        TotpCheck::Valid { step }.resolved(),
        crate::chain::tally::Resolved::Success
    );
}

#[test]
fn malformed_input_is_just_wrong() {
    let (_, totp) = enrolled(6);
    let now = at(1_650_000_000);
    let code = totp.code_at(1_650_000_000).to_string();
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    assert!(matches!(
        totp.verify(&spaced, now, None),
        TotpCheck::Valid { .. }
    ));
    for bad in [
        "",
        "12345",
        "1234567",
        "+12345",
        "12345a",
        "١٢٣٤٥٦",
        "-12345",
    ] {
        assert_eq!(totp.verify(bad, now, None), TotpCheck::Invalid, "{bad}");
    }
    // Before 1970 nothing is valid.
    assert_eq!(totp.verify(&code, at(-30), None), TotpCheck::Invalid);
}

#[test]
fn parameters_are_checked() {
    let secret = TotpSecret::generate(&TotpParams::default(), &mut SeededRandom::new(7));
    for digits in [0, 5, 7, 9] {
        let p = TotpParams {
            digits,
            ..TotpParams::default()
        };
        assert_eq!(
            Totp::new(&secret, p).err(),
            Some(OtpError::InvalidDigits(digits))
        );
    }
    for step in [0, 14, 301] {
        let p = TotpParams {
            step_seconds: step,
            ..TotpParams::default()
        };
        assert_eq!(
            Totp::new(&secret, p).err(),
            Some(OtpError::InvalidStep(step))
        );
    }
    let eight = TotpParams {
        digits: 8,
        ..TotpParams::default()
    };
    assert_eq!(Totp::new(&secret, eight).unwrap().code_at(0).len(), 8);
}

#[test]
fn secret_is_sealed_for_its_profile() {
    let (secret, totp) = enrolled(8);
    let alice = ProfileId(Uuid::from_u128(1));
    let bob = ProfileId(Uuid::from_u128(2));
    let sbox = SecretBox::new([9; 32], "k1".to_owned()).unwrap();
    let mut rng = SeededRandom::new(9);
    let sealed = seal_secret(&secret, &sbox, alice, &mut rng).unwrap();
    assert!(!sealed.to_string().contains(secret.to_base32().as_str()));
    let opened = open_secret(&sbox, &sealed, alice).unwrap();
    assert_eq!(opened.expose_bytes(), secret.expose_bytes());
    let again = Totp::new(&opened, totp.params()).unwrap();
    assert_eq!(again.code_at(1_000), totp.code_at(1_000));
    // Moved to Bob's record: does not open.
    assert_eq!(
        open_secret(&sbox, &sealed, bob).err(),
        Some(OtpError::SecretBox(SecretBoxError::Unauthentic))
    );
    assert_eq!(
        totp_aad(alice),
        b"totp:00000000-0000-0000-0000-000000000001"
    );
}

#[test]
fn debug_never_shows_the_secret() {
    let (secret, totp) = enrolled(10);
    let b32 = secret.to_base32().to_string();
    let bytes = secret.expose_bytes();
    let hex: String = bytes[..4].iter().map(|b| format!("{b:02x}")).collect();
    let decimal = format!("{}, {}, {}", bytes[0], bytes[1], bytes[2]);
    assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
    let shown = format!("{totp:?}");
    assert!(shown.contains("[redacted]"), "{shown}");
    for leak in [&b32[..8], hex.as_str(), decimal.as_str()] {
        assert!(!shown.contains(leak), "{shown}");
    }
}
