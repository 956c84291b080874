#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::random::SeededRandom;

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap()
}

fn settings(length: usize, kind: PinType) -> PinSettings {
    PinSettings::new(
        length,
        kind,
        DEFAULT_EXPIRY,
        DEFAULT_TRIES,
        DEFAULT_MAX_EXPIRY,
    )
    .unwrap()
    .0
}

const TYPES: [PinType; 3] = [PinType::Numeric, PinType::Letters, PinType::Alphanumeric];

#[test]
fn alphabets_and_their_entropy() {
    let expect = [
        (PinType::Numeric, 10),
        (PinType::Letters, 48),
        (PinType::Alphanumeric, 56),
    ];
    for (kind, size) in expect {
        let a = kind.alphabet();
        assert_eq!(a.len(), size, "{kind:?}");
        let mut sorted = a.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), size, "{kind:?} has duplicates");
        assert!((kind.bits_per_char() - (size as f64).log2()).abs() < 1e-12);
        if kind != PinType::Numeric {
            for confusable in *b"0O1Il" {
                assert!(
                    !a.contains(&confusable),
                    "{kind:?} has {}",
                    confusable as char
                );
            }
            assert!(!a.contains(&b'o'));
        }
    }
    // The documented table.
    let bits = |k: PinType| (k.bits_per_char() * 100.0).round() / 100.0;
    assert_eq!(bits(PinType::Numeric), 3.32);
    assert_eq!(bits(PinType::Letters), 5.58);
    assert_eq!(bits(PinType::Alphanumeric), 5.81);
    assert!((settings(6, PinType::Numeric).entropy_bits() - 19.93).abs() < 0.01);
    assert!((PinSettings::default().entropy_bits() - 6.0 * 10f64.log2()).abs() < 1e-9);
}

#[test]
fn every_type_and_length_draws_from_its_alphabet() {
    let mut rng = SeededRandom::new(11);
    for kind in TYPES {
        for length in MIN_LENGTH..=MAX_LENGTH {
            for _ in 0..40 {
                let (pin, _) = issue(&settings(length, kind), t0(), &mut rng);
                let pin = pin.expose();
                assert_eq!(pin.len(), length);
                assert!(pin.bytes().all(|b| kind.alphabet().contains(&b)), "{pin}");
            }
        }
    }
}

/// Pearson's statistic of `counts` against a uniform expectation.
fn chi_square(counts: &[u32]) -> f64 {
    let total: u32 = counts.iter().sum();
    let expected = f64::from(total) / counts.len() as f64;
    counts
        .iter()
        .map(|c| (f64::from(*c) - expected).powi(2) / expected)
        .sum()
}

/// Five standard deviations above the mean of a chi-square with `k - 1` degrees of freedom.
fn bound(k: usize) -> f64 {
    let df = (k - 1) as f64;
    df + 5.0 * (2.0 * df).sqrt()
}

#[test]
fn draws_are_uniform() {
    for kind in TYPES {
        let alphabet = kind.alphabet();
        let mut counts = vec![0u32; alphabet.len()];
        let mut rng = SeededRandom::new(12);
        let s = settings(10, kind);
        for _ in 0..1_000 {
            let (pin, _) = issue(&s, t0(), &mut rng);
            for b in pin.expose().bytes() {
                counts[alphabet.iter().position(|a| *a == b).unwrap()] += 1;
            }
        }
        assert_eq!(counts.iter().sum::<u32>(), 10_000);
        let stat = chi_square(&counts);
        assert!(stat < bound(counts.len()), "{kind:?}: chi² {stat:.1}");
    }
    // The check can fail: one random byte taken modulo 56 over-weights the first 32 symbols.
    let mut rng = SeededRandom::new(12);
    let mut counts = [0u32; 56];
    for _ in 0..10_000 {
        let b: [u8; 1] = rng.bytes();
        counts[usize::from(b[0]) % 56] += 1;
    }
    assert!(chi_square(&counts) > bound(56), "biased draw passed");
}

#[test]
fn expiry_follows_a_stepped_clock() {
    let s = settings(6, PinType::Numeric);
    let (pin, issued) = issue(&s, t0(), &mut SeededRandom::new(13));
    assert_eq!(issued.expires_at, t0() + Duration::minutes(10));
    let mut early = issued.clone();
    assert_eq!(
        early.check(pin.expose(), t0() + Duration::seconds(599)),
        PinCheck::Accepted
    );
    let mut late = issued.clone();
    assert_eq!(
        late.check(pin.expose(), t0() + Duration::minutes(10)),
        PinCheck::Expired
    );
    assert_eq!(late.tries_left, 0);
    // Expired is final even if the clock were to go back.
    assert_eq!(late.check(pin.expose(), t0()), PinCheck::Dead);
}

#[test]
fn tries_are_counted_and_the_pin_dies() {
    let s = settings(6, PinType::Numeric);
    let (pin, issued) = issue(&s, t0(), &mut SeededRandom::new(14));
    let now = t0() + Duration::minutes(1);
    let wrong = if pin.expose() == "000000" {
        "111111"
    } else {
        "000000"
    };

    let mut p = issued.clone();
    assert_eq!(p.check(wrong, now), PinCheck::Wrong { tries_left: 2 });
    assert_eq!(p.check(wrong, now), PinCheck::Wrong { tries_left: 1 });
    assert_eq!(p.check(wrong, now), PinCheck::Wrong { tries_left: 0 });
    // Exhausted: even the right PIN fails now.
    assert_eq!(p.check(pin.expose(), now), PinCheck::Dead);

    let mut p = issued.clone();
    assert_eq!(p.check(wrong, now), PinCheck::Wrong { tries_left: 2 });
    assert_eq!(
        p.check(&format!(" {} ", pin.expose()), now),
        PinCheck::Accepted
    );
    // One success per PIN.
    assert_eq!(p.check(pin.expose(), now), PinCheck::Dead);
    assert_eq!(PinCheck::Accepted.resolved(), Resolved::Success);
    assert_eq!(PinCheck::Dead.resolved(), Resolved::Fail("pin.dead".into()));
}

#[test]
fn comparison_is_over_fixed_length_digests() {
    let s = settings(8, PinType::Alphanumeric);
    let (pin, issued) = issue(&s, t0(), &mut SeededRandom::new(15));
    let pin = pin.expose();
    // Whatever was typed, the same-length digest strings are compared.
    let stored_len = issued.hash.0.len();
    assert_eq!(stored_len, 22 + 1 + 43);
    for typed in ["", &pin[..7], &format!("{pin}x"), "x".repeat(1000).as_str()] {
        assert_eq!(
            PinHash::compute(issued.hash.salt(), typed).0.len(),
            stored_len
        );
        assert!(!issued.hash.matches(typed));
    }
    assert!(issued.hash.matches(pin));
    // Case matters for letters.
    let swapped: String = pin
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    if swapped != pin {
        assert!(!issued.hash.matches(&swapped));
    }
}

#[test]
fn stored_form_hides_the_pin() {
    let s = settings(6, PinType::Numeric);
    let mut rng = SeededRandom::new(16);
    let (pin, a) = issue(&s, t0(), &mut rng);
    assert!(!a.hash.0.contains(pin.expose()));
    assert_eq!(format!("{:?}", a.hash), "PinHash([redacted])");
    assert!(!format!("{a:?}").contains(pin.expose()));
    // Same PIN issued twice: different salts, different hashes, different counters.
    let (_, b) = issue(&s, t0(), &mut rng);
    let same_pin_b = IssuedPin {
        hash: PinHash::compute(b.hash.salt(), pin.expose()),
        ..b.clone()
    };
    assert_ne!(same_pin_b.hash, a.hash);
    assert_ne!(a.counter_key(), b.counter_key());
    assert!(a.counter_key().starts_with("pin:"));
    // The flow state round-trips through JSON.
    let json = serde_json::to_string(&a).unwrap();
    let back: IssuedPin = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    assert!(!json.contains(pin.expose()));
}

#[test]
fn settings_are_validated_and_expiry_is_capped() {
    let new = |len, tries, expiry, max| PinSettings::new(len, PinType::Numeric, expiry, tries, max);
    let ten = Duration::minutes(10);
    assert_eq!(new(3, 3, ten, ten).err(), Some(PinSettingsError::Length(3)));
    assert_eq!(
        new(33, 3, ten, ten).err(),
        Some(PinSettingsError::Length(33))
    );
    assert!(new(4, 3, ten, ten).is_ok() && new(32, 3, ten, ten).is_ok());
    assert_eq!(new(6, 0, ten, ten).err(), Some(PinSettingsError::Tries(0)));
    assert_eq!(
        new(6, 11, ten, ten).err(),
        Some(PinSettingsError::Tries(11))
    );
    assert_eq!(
        new(6, 3, Duration::ZERO, ten).err(),
        Some(PinSettingsError::Expiry)
    );
    let (s, warning) = new(6, 3, Duration::minutes(30), ten).unwrap();
    assert_eq!(s.expiry(), ten);
    assert_eq!(
        warning,
        Some(ExpiryClamped {
            requested: Duration::minutes(30),
            used: ten
        })
    );
    let (s, warning) = new(6, 5, Duration::minutes(5), ten).unwrap();
    assert_eq!(
        (s.expiry(), s.tries(), warning),
        (Duration::minutes(5), 5, None)
    );
    let d = PinSettings::default();
    assert_eq!(
        (d.length(), d.kind(), d.expiry(), d.tries()),
        (6, PinType::Numeric, ten, 3)
    );
}
