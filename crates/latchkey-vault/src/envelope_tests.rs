#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use latchkey_core::random::SeededRandom;
use time::OffsetDateTime;

fn master(seed: u64) -> MasterKey {
    MasterKey::generate(&mut SeededRandom::new(seed))
}

fn item(rng: &mut SeededRandom) -> VaultItemId {
    VaultItemId::generate(OffsetDateTime::UNIX_EPOCH, rng)
}

/// A data key, wrapped, and a secret sealed with it, for `id`.
fn sealed_item(
    env: &Envelope,
    id: VaultItemId,
    secret: &str,
    rng: &mut SeededRandom,
) -> (Sealed, Sealed) {
    let dk = DataKey::generate(rng);
    let wrapped = env.wrap_key(id, &dk, rng).unwrap();
    let sealed = env
        .seal_secret(id, &dk, &Password::new(secret), rng)
        .unwrap();
    (wrapped, sealed)
}

#[test]
fn round_trip_through_text() {
    let mut rng = SeededRandom::new(1);
    let env = Envelope::new(&master(1), &[]).unwrap();
    let id = item(&mut rng);
    let (wrapped, sealed) = sealed_item(&env, id, "Tr0ub4dor&3-ünï", &mut rng);
    assert_eq!(env.key_id(), format!("{}-vault", master(1).key_id()));
    assert_eq!(wrapped.key_id(), env.key_id());
    assert_eq!(sealed.key_id(), DATA_KEY_ID);
    assert!(!sealed.to_string().contains("Tr0ub4dor"));
    let wrapped: Sealed = wrapped.to_string().parse().unwrap();
    let sealed: Sealed = sealed.to_string().parse().unwrap();
    let dk = env.unwrap_key(id, &wrapped).unwrap();
    assert_eq!(
        env.open_secret(id, &dk, &sealed).unwrap().expose(),
        "Tr0ub4dor&3-ünï"
    );
}

#[test]
fn values_are_bound_to_their_item() {
    let mut rng = SeededRandom::new(2);
    let env = Envelope::new(&master(2), &[]).unwrap();
    let (a, b) = (item(&mut rng), item(&mut rng));
    let (wrapped_a, sealed_a) = sealed_item(&env, a, "secret-of-a", &mut rng);
    let (wrapped_b, _) = sealed_item(&env, b, "secret-of-b", &mut rng);
    // A wrapped key copied onto another item does not open there.
    assert_eq!(
        env.unwrap_key(b, &wrapped_a).unwrap_err(),
        VaultError::Corrupt(b)
    );
    // Nor does a secret, even with that item's own data key or with the right data key.
    let dk_b = env.unwrap_key(b, &wrapped_b).unwrap();
    assert_eq!(
        env.open_secret(b, &dk_b, &sealed_a).unwrap_err(),
        VaultError::Corrupt(b)
    );
    let dk_a = env.unwrap_key(a, &wrapped_a).unwrap();
    assert_eq!(
        env.open_secret(b, &dk_a, &sealed_a).unwrap_err(),
        VaultError::Corrupt(b)
    );
    assert_eq!(
        env.open_secret(a, &dk_a, &sealed_a).unwrap().expose(),
        "secret-of-a"
    );
    // A secret is not a data key: the wrong AAD purpose fails too.
    assert_eq!(
        env.unwrap_key(a, &sealed_a).unwrap_err(),
        VaultError::Corrupt(a)
    );
}

#[test]
fn a_missing_key_is_named_and_a_foreign_key_does_not_open() {
    let mut rng = SeededRandom::new(3);
    let old = master(30);
    let env_old = Envelope::new(&old, &[]).unwrap();
    let id = item(&mut rng);
    let (wrapped, _) = sealed_item(&env_old, id, "pw", &mut rng);
    let env_new = Envelope::new(&master(31), &[]).unwrap();
    let err = env_new.unwrap_key(id, &wrapped).unwrap_err();
    assert_eq!(
        err,
        VaultError::WrongKey {
            key_id: old.key_id()
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the vault item was sealed with key {} which this node does not have: configure the previous master key to read it",
            old.key_id()
        )
    );
    // Same key id text, other key material (a forged or mixed-up key file): refused, not garbage.
    let text = wrapped
        .to_string()
        .replace(&old.key_id(), &master(31).key_id());
    let forged: Sealed = text.parse().unwrap();
    assert_eq!(
        env_new.unwrap_key(id, &forged).unwrap_err(),
        VaultError::Corrupt(id)
    );
}

#[test]
fn any_changed_byte_is_refused() {
    let mut rng = SeededRandom::new(4);
    let env = Envelope::new(&master(4), &[]).unwrap();
    let id = item(&mut rng);
    let (wrapped, sealed) = sealed_item(&env, id, "correct horse", &mut rng);
    let dk = env.unwrap_key(id, &wrapped).unwrap();
    for (text, is_key) in [(wrapped.to_string(), true), (sealed.to_string(), false)] {
        let last = text.rfind('.').unwrap() + 1;
        for pos in [last, last + 5, text.len() - 1] {
            let mut bytes = text.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'A' { b'B' } else { b'A' };
            let Ok(tampered) = Sealed::parse(&String::from_utf8(bytes).unwrap()) else {
                continue;
            };
            if is_key {
                assert_eq!(
                    env.unwrap_key(id, &tampered).unwrap_err(),
                    VaultError::Corrupt(id)
                );
            } else {
                assert_eq!(
                    env.open_secret(id, &dk, &tampered).unwrap_err(),
                    VaultError::Corrupt(id)
                );
            }
        }
    }
}

#[test]
fn rotation_rewraps_the_key_and_keeps_the_secret_ciphertext() {
    let mut rng = SeededRandom::new(5);
    let (old, new) = (master(50), master(51));
    let before = Envelope::new(&old, &[]).unwrap();
    let id = item(&mut rng);
    let (wrapped, sealed) = sealed_item(&before, id, "kept across rotation", &mut rng);
    let secret_text = sealed.to_string();

    let during = Envelope::new(&new, std::slice::from_ref(&old)).unwrap();
    assert!(!during.is_current(&wrapped));
    let rewrapped = during.rewrap(id, &wrapped, &mut rng).unwrap().unwrap();
    assert_eq!(rewrapped.key_id(), format!("{}-vault", new.key_id()));
    assert!(
        during.rewrap(id, &rewrapped, &mut rng).unwrap().is_none(),
        "already current"
    );
    // The old wrapping still opens during rotation (previous keys open, the current one wraps).
    assert!(during.unwrap_key(id, &wrapped).is_ok());

    // After rotation the new key alone opens the untouched secret text.
    let after = Envelope::new(&new, &[]).unwrap();
    let dk = after.unwrap_key(id, &rewrapped).unwrap();
    let reparsed: Sealed = secret_text.parse().unwrap();
    assert_eq!(reparsed.to_string(), secret_text);
    assert_eq!(
        after.open_secret(id, &dk, &reparsed).unwrap().expose(),
        "kept across rotation"
    );
    assert_eq!(
        after.unwrap_key(id, &wrapped).unwrap_err(),
        VaultError::WrongKey {
            key_id: old.key_id()
        }
    );
}

#[test]
fn debug_never_shows_keys_or_secrets() {
    let mut rng = SeededRandom::new(6);
    let key = master(6);
    let env = Envelope::new(&key, &[master(7), master(7), master(6)]).unwrap();
    let dk = DataKey::generate(&mut rng);
    let shown = format!("{env:?} {dk:?}");
    assert_eq!(format!("{dk:?}"), "DataKey([redacted])");
    assert!(shown.contains(&key.key_id()) && shown.contains(&master(7).key_id()));
    assert_eq!(
        shown.matches(&master(7).key_id()).count(),
        1,
        "duplicates are dropped: {shown}"
    );
    assert!(!shown.contains(key.encode().as_str()));
    let raw: String = dk.0.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!shown.contains(&raw) && !shown.contains(&format!("{:?}", *dk.0)));
}
