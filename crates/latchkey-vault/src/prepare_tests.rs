#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use latchkey_core::keys::MasterKey;
use latchkey_core::random::SeededRandom;

fn now() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000)
}

fn created(write: VaultWrite) -> VaultItem {
    match write {
        VaultWrite::Create(item) => item,
        other => panic!("expected Create, got {other:?}"),
    }
}

fn spec(owner: ProfileId, password: Option<&str>) -> ItemSpec {
    ItemSpec {
        name: "LDAP_MAIN: uid=ann".into(),
        owner,
        collection: None,
        account: None,
        username: Some("ann".into()),
        account_link: Some("LDAP_MAIN:uid=ann,ou=people".into()),
        association: Some("ann@example.com".into()),
        password: password.map(Password::new),
    }
}

fn reveal(env: &Envelope, item: &VaultItem) -> String {
    let dk = env
        .unwrap_key(item.id, item.wrapped_key.as_ref().unwrap())
        .unwrap();
    env.open_secret(item.id, &dk, item.secret.as_ref().unwrap())
        .unwrap()
        .expose()
        .to_owned()
}

#[test]
fn a_clone_copies_the_template_and_sets_its_own_fields() {
    let mut rng = SeededRandom::new(1);
    let env = Envelope::new(&MasterKey::generate(&mut rng), &[]).unwrap();
    let fields: BTreeMap<String, String> = [
        ("url", "ldaps://ldap.example.com"),
        ("notes", "rotated by mass reset"),
        (FIELD_USERNAME, "placeholder"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut template = created(new_template("ldap accounts", fields, now(), &mut rng));
    template.collection = Some("ops".into());
    assert!(template.is_template && template.owner.is_none() && template.secret.is_none());

    let owner = ProfileId::generate(now(), &mut rng);
    let write = new_item(
        &env,
        &spec(owner, Some("first-pw")),
        Some(&template),
        now(),
        &mut rng,
    )
    .unwrap();
    let item = created(write);
    assert_eq!(item.owner, Some(owner));
    assert_eq!(item.template, Some(template.id));
    assert_eq!(item.collection.as_deref(), Some("ops"));
    assert!(!item.is_template);
    assert_eq!(item.fields["url"], "ldaps://ldap.example.com");
    assert_eq!(item.fields[FIELD_USERNAME], "ann");
    assert_eq!(
        item.fields[FIELD_ACCOUNT_LINK],
        "LDAP_MAIN:uid=ann,ou=people"
    );
    assert_eq!(item.fields[FIELD_ASSOCIATION], "ann@example.com");
    assert_eq!(item.secret_changed_at, Some(now()));
    assert_eq!(reveal(&env, &item), "first-pw");

    // An ordinary item is no template.
    assert_eq!(
        new_item(&env, &spec(owner, None), Some(&item), now(), &mut rng).unwrap_err(),
        VaultError::NotTemplate(item.id)
    );
    // Without a password: no key, no secret.
    let bare = created(new_item(&env, &spec(owner, None), None, now(), &mut rng).unwrap());
    assert!(bare.wrapped_key.is_none() && bare.secret.is_none() && bare.template.is_none());
}

#[test]
fn set_secret_keeps_the_data_key_or_makes_one() {
    let mut rng = SeededRandom::new(2);
    let (old, new) = (MasterKey::generate(&mut rng), MasterKey::generate(&mut rng));
    let env_old = Envelope::new(&old, &[]).unwrap();
    let owner = ProfileId::generate(now(), &mut rng);
    let mut item =
        created(new_item(&env_old, &spec(owner, Some("one")), None, now(), &mut rng).unwrap());
    item.version = 7;
    let first_secret = item.secret.clone().unwrap();

    // The node now runs with a new master key: setting a secret re-wraps under it.
    let env = Envelope::new(&new, std::slice::from_ref(&old)).unwrap();
    let later = now() + time::Duration::hours(1);
    let VaultWrite::SetSecret {
        id,
        expected_version,
        wrapped_key,
        secret,
        changed_at,
    } = set_secret(&env, &item, &Password::new("two"), later, &mut rng).unwrap()
    else {
        panic!("expected SetSecret");
    };
    assert_eq!((id, expected_version, changed_at), (item.id, 7, later));
    assert!(env.is_current(&wrapped_key));
    // Same data key: the earlier secret (now history) still opens with the new wrapping.
    let dk = env.unwrap_key(item.id, &wrapped_key).unwrap();
    assert_eq!(
        env.open_secret(item.id, &dk, &secret).unwrap().expose(),
        "two"
    );
    assert_eq!(
        env.open_secret(item.id, &dk, &first_secret)
            .unwrap()
            .expose(),
        "one"
    );

    // An item without a key gets one.
    let mut bare = created(new_item(&env, &spec(owner, None), None, now(), &mut rng).unwrap());
    let VaultWrite::SetSecret {
        wrapped_key,
        secret,
        ..
    } = set_secret(&env, &bare, &Password::new("three"), later, &mut rng).unwrap()
    else {
        panic!("expected SetSecret");
    };
    bare.wrapped_key = Some(wrapped_key);
    bare.secret = Some(secret);
    assert_eq!(reveal(&env, &bare), "three");

    // A template holds no secret; a secret without a key is damage; a key we lack is named.
    let template = created(new_template("t", BTreeMap::new(), now(), &mut rng));
    assert_eq!(
        set_secret(&env, &template, &Password::new("x"), later, &mut rng).unwrap_err(),
        VaultError::Template
    );
    let mut broken = bare.clone();
    broken.wrapped_key = None;
    assert_eq!(
        set_secret(&env, &broken, &Password::new("x"), later, &mut rng).unwrap_err(),
        VaultError::Corrupt(bare.id)
    );
    let stranger = Envelope::new(&MasterKey::generate(&mut rng), &[]).unwrap();
    assert_eq!(
        set_secret(&stranger, &item, &Password::new("x"), later, &mut rng).unwrap_err(),
        VaultError::WrongKey {
            key_id: old.key_id()
        }
    );
}
