#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::random::SeededRandom;

fn boxed(byte: u8, id: &str) -> SecretBox {
    SecretBox::new([byte; 32], id.to_owned()).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn round_trip_through_text() {
    let b = boxed(7, "k2026");
    let mut rng = SeededRandom::new(1);
    let sealed = b.seal(b"JBSWY3DPEHPK3PXP", b"totp:p1", &mut rng).unwrap();
    let text = sealed.to_string();
    assert!(text.starts_with("v1.k2026."));
    assert_eq!(text.split('.').count(), 4);
    assert!(!text.contains("JBSWY3DP"));
    let back: Sealed = text.parse().unwrap();
    assert_eq!(back, sealed);
    assert_eq!(
        b.open(&back, b"totp:p1").unwrap().as_slice(),
        b"JBSWY3DPEHPK3PXP"
    );
    // A fresh nonce each time: the same secret seals differently.
    let again = b.seal(b"JBSWY3DPEHPK3PXP", b"totp:p1", &mut rng).unwrap();
    assert_ne!(again.to_string(), text);
    assert_eq!(
        b.open(&again, b"totp:p1").unwrap().as_slice(),
        b"JBSWY3DPEHPK3PXP"
    );
    // Empty plaintext still carries a tag.
    let empty = b.seal(b"", b"", &mut rng).unwrap();
    assert!(b.open(&empty, b"").unwrap().is_empty());
}

#[test]
fn any_changed_part_fails() {
    let b = boxed(7, "k1");
    let text = b
        .seal(b"secret-bytes", b"totp:a", &mut SeededRandom::new(2))
        .unwrap()
        .to_string();
    let parts: Vec<&str> = text.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        for pos in [0, part.len() / 2, part.len() - 1] {
            let mut changed = part.as_bytes().to_vec();
            changed[pos] = if changed[pos] == b'A' { b'B' } else { b'A' };
            let mut all = parts.clone();
            let changed = String::from_utf8(changed).unwrap();
            all[i] = &changed;
            let tampered = all.join(".");
            let result = Sealed::parse(&tampered).and_then(|s| b.open(&s, b"totp:a"));
            assert!(result.is_err(), "part {i} pos {pos} opened: {tampered}");
        }
    }
    for bad in [
        "",
        "v1.k1.AAAA",
        "v1.k1.a.b.c",
        "v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert_eq!(Sealed::parse(bad), Err(SecretBoxError::Malformed), "{bad}");
    }
    // Padding or non-canonical trailing bits are not silently accepted.
    let padded = format!("{text}=");
    assert_eq!(Sealed::parse(&padded), Err(SecretBoxError::Malformed));
}

#[test]
fn wrong_aad_key_or_key_id_fails() {
    let b = boxed(7, "k1");
    let sealed = b
        .seal(b"secret", b"totp:alice", &mut SeededRandom::new(3))
        .unwrap();
    assert_eq!(
        b.open(&sealed, b"totp:bob"),
        Err(SecretBoxError::Unauthentic)
    );
    assert_eq!(b.open(&sealed, b""), Err(SecretBoxError::Unauthentic));
    // Same id, other key material (a misconfigured rotation).
    assert_eq!(
        boxed(8, "k1").open(&sealed, b"totp:alice"),
        Err(SecretBoxError::Unauthentic)
    );
    // Right key material under another id: refused before decrypting.
    assert!(matches!(
        boxed(7, "k2").open(&sealed, b"totp:alice"),
        Err(SecretBoxError::WrongKey { .. })
    ));
    // Relabelling the key id in the text does not help either.
    let relabelled = sealed.to_string().replacen("v1.k1.", "v1.k2.", 1);
    let relabelled = Sealed::parse(&relabelled).unwrap();
    assert!(b.open(&relabelled, b"totp:alice").is_err());
}

#[test]
fn key_ids_are_checked_and_keys_never_print() {
    for bad in ["", "a.b", "a b", "ä", &"k".repeat(65)] {
        assert_eq!(
            SecretBox::new([1; 32], bad.to_owned()).err(),
            Some(SecretBoxError::InvalidKeyId)
        );
    }
    let b = boxed(0xAB, "main");
    let shown = format!("{b:?}");
    assert!(shown.contains("main") && shown.contains("[redacted]"));
    assert!(!shown.to_lowercase().contains("abab"));
    assert!(!shown.contains("171"));
}

/// GCM specification (McGrew & Viega), test cases 13, 14 and 16 (AES-256), through the
/// cipher this module uses.
#[test]
fn gcm_spec_vectors_aes256() {
    let cases = [
        (
            "0000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000",
            "",
            "",
            "",
            "530f8afbc74536b9a963b4f1c4cb738b",
        ),
        (
            "0000000000000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000",
            "00000000000000000000000000000000",
            "",
            "cea7403d4d606b6e074ec5d3baf39d18",
            "d0d1c8a799996bf0265b98b5d48ab919",
        ),
        (
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "cafebabefacedbaddecaf888",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
             1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
             8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
        ),
    ];
    for (key, nonce, plain, aad, cipher, tag) in cases {
        let key: [u8; 32] = hex(key).try_into().unwrap();
        let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
        let (plain, aad) = (hex(plain), hex(aad));
        let mut expected = hex(cipher);
        expected.extend(hex(tag));
        let b = SecretBox::new(key, "nist".to_owned()).unwrap();
        let out = b
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &aad,
                },
            )
            .unwrap();
        assert_eq!(out, expected);
        // And the same bytes open through the public API.
        let sealed = Sealed {
            key_id: "nist".to_owned(),
            nonce,
            ciphertext: out,
        };
        assert_eq!(b.open(&sealed, &aad).unwrap().as_slice(), plain.as_slice());
    }
}
