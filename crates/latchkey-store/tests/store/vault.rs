//! The credential vault's store: items, owners, the one-item-per-account rule, secrets with
//! their bounded history and optimistic versions, key rotation and deletion.

use crate::common::{now, on_both, rng};
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::repo::RepoError;
use latchkey_core::secretbox::{Sealed, SecretBox};
use latchkey_core::vault::{HISTORY_LEN, ItemLink, VaultItem, VaultRepo, VaultWrite};
use std::collections::BTreeMap;

/// Seals `text` under key id `key` (the key material is the same; only the id differs).
pub fn seal_with(key: &str, text: &str) -> Sealed {
    SecretBox::new([7; 32], key.into())
        .unwrap()
        .seal(text.as_bytes(), b"vault-test", &mut rng())
        .unwrap()
}

pub fn seal(text: &str) -> Sealed {
    seal_with("k1", text)
}

/// An item with a data key and a secret, for `account` and `owner`.
pub fn item(name: &str, owner: Option<ProfileId>, account: Option<AccountId>) -> VaultItem {
    let t = now();
    VaultItem {
        id: VaultItemId::generate(t, &mut rng()),
        name: name.into(),
        owner,
        collection: Some("ops".into()),
        is_template: false,
        template: None,
        account,
        fields: BTreeMap::from([
            ("username".to_owned(), name.to_owned()),
            ("assocID".to_owned(), "ann@example.org".to_owned()),
        ]),
        wrapped_key: Some(seal("data key")),
        secret: Some(seal(&format!("first secret of {name}"))),
        secret_changed_at: Some(t),
        created_at: t,
        updated_at: t,
        version: 1,
    }
}

fn set_secret(
    item: &VaultItem,
    version: i64,
    secret: &Sealed,
    at: time::OffsetDateTime,
) -> VaultWrite {
    VaultWrite::SetSecret {
        id: item.id,
        expected_version: version,
        wrapped_key: item.wrapped_key.clone().unwrap(),
        secret: secret.clone(),
        changed_at: at,
    }
}

on_both!(items_are_stored_listed_and_one_per_account, |store| {
    let owner = ProfileId::generate(now(), &mut rng());
    let account = AccountId::generate(now(), &mut rng());
    let b = item("b-item", Some(owner), Some(account));
    let a = item("a-item", Some(owner), None);
    let mut template = item("template", None, None);
    template.is_template = true;
    template.wrapped_key = None;
    template.secret = None;
    template.secret_changed_at = None;
    let mut clone = item(
        "other owner",
        Some(ProfileId::generate(now(), &mut rng())),
        None,
    );
    clone.template = Some(template.id);
    for i in [&b, &a, &template, &clone] {
        store
            .write_item(&VaultWrite::Create(i.clone()))
            .await
            .unwrap();
    }

    assert_eq!(store.item(b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(
        store.item(template.id).await.unwrap(),
        Some(template.clone())
    );
    assert_eq!(store.item(clone.id).await.unwrap(), Some(clone.clone()));
    let missing = VaultItemId::generate(now(), &mut rng());
    assert_eq!(store.item(missing).await.unwrap(), None);
    assert_eq!(
        store.items_of_owner(owner).await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(store.templates().await.unwrap(), vec![template.clone()]);
    assert_eq!(
        store.items_for_accounts(&[account, account]).await.unwrap(),
        vec![b.clone()]
    );

    // A second item for the same account, or the same id again, is refused; nothing changes.
    let twin = item("twin", Some(owner), Some(account));
    let err = store
        .write_item(&VaultWrite::Create(twin.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    let mut same_id = item("same id", None, None);
    same_id.id = a.id;
    let err = store
        .write_item(&VaultWrite::Create(same_id))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(store.item(twin.id).await.unwrap(), None);
    assert_eq!(store.items_of_owner(owner).await.unwrap(), vec![a, b]);
});

on_both!(
    a_new_secret_moves_the_old_one_to_a_history_of_five,
    |store| {
        let it = item("ann", None, Some(AccountId::generate(now(), &mut rng())));
        store
            .write_item(&VaultWrite::Create(it.clone()))
            .await
            .unwrap();
        let t0 = it.secret_changed_at.unwrap();
        let mut secrets = vec![it.secret.clone().unwrap()];
        for n in 1..=7i64 {
            let s = seal(&format!("secret {n}"));
            let at = t0 + time::Duration::seconds(n);
            store.write_item(&set_secret(&it, n, &s, at)).await.unwrap();
            secrets.push(s);
        }
        let stored = store.item(it.id).await.unwrap().unwrap();
        assert_eq!(stored.version, 8);
        assert_eq!(stored.secret.as_ref(), secrets.last());
        assert_eq!(
            stored.secret_changed_at,
            Some(t0 + time::Duration::seconds(7))
        );
        assert_eq!(stored.wrapped_key, it.wrapped_key);
        assert_eq!(stored.created_at, it.created_at);

        let history = store.history(it.id).await.unwrap();
        assert_eq!(history.len(), HISTORY_LEN);
        // Newest first: secrets 6, 5, 4, 3, 2, each with the time it had been set.
        for (k, h) in history.iter().enumerate() {
            let n = 6 - k as i64;
            assert_eq!(h.seq, n + 1);
            assert_eq!(&h.secret, &secrets[n as usize]);
            assert_eq!(h.changed_at, t0 + time::Duration::seconds(n));
        }

        // A writer that read an older version is refused and changes nothing.
        let stale = set_secret(&it, 7, &seal("lost update"), now());
        let err = store.write_item(&stale).await.unwrap_err();
        assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
        assert_eq!(store.item(it.id).await.unwrap().unwrap(), stored);
        assert_eq!(store.history(it.id).await.unwrap(), history);

        // An item that does not exist is not a conflict.
        let mut ghost = it.clone();
        ghost.id = VaultItemId::generate(now(), &mut rng());
        let err = store
            .write_item(&set_secret(&ghost, 1, &seal("x"), now()))
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::NotFound(_)), "{err:?}");
    }
);

on_both!(a_first_secret_leaves_no_history, |store| {
    let mut it = item("new", None, None);
    it.wrapped_key = None;
    it.secret = None;
    it.secret_changed_at = None;
    store
        .write_item(&VaultWrite::Create(it.clone()))
        .await
        .unwrap();
    let key = seal("data key");
    let s = seal("initial");
    let write = VaultWrite::SetSecret {
        id: it.id,
        expected_version: 1,
        wrapped_key: key.clone(),
        secret: s.clone(),
        changed_at: now(),
    };
    store.write_item(&write).await.unwrap();
    let stored = store.item(it.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.wrapped_key, stored.secret, stored.version),
        (Some(key), Some(s), 2)
    );
    assert!(store.history(it.id).await.unwrap().is_empty());
});

on_both!(rotation_finds_and_rewraps_items_of_an_old_key, |store| {
    let mut old = Vec::new();
    for n in 0..3 {
        let it = item(&format!("old {n}"), None, None);
        store
            .write_item(&VaultWrite::Create(it.clone()))
            .await
            .unwrap();
        old.push(it);
    }
    let mut fresh = item("fresh", None, None);
    fresh.wrapped_key = Some(seal_with("k2", "data key"));
    store
        .write_item(&VaultWrite::Create(fresh.clone()))
        .await
        .unwrap();
    let mut bare = item("no key yet", None, None);
    bare.wrapped_key = None;
    bare.secret = None;
    store.write_item(&VaultWrite::Create(bare)).await.unwrap();

    let mut ids: Vec<_> = old.iter().map(|i| i.id).collect();
    ids.sort();
    let found: Vec<_> = store
        .items_not_wrapped_by("k2", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(found, ids);
    assert_eq!(store.items_not_wrapped_by("k2", 2).await.unwrap().len(), 2);
    assert_eq!(
        store.items_not_wrapped_by("k1", 10).await.unwrap(),
        vec![fresh]
    );

    let first = &old[0];
    let rewrapped = seal_with("k2", "data key");
    assert!(store.rewrap_key(first.id, 1, &rewrapped).await.unwrap());
    // Stale version: refused.
    assert!(
        !store
            .rewrap_key(first.id, 1, &seal_with("k3", "x"))
            .await
            .unwrap()
    );
    let stored = store.item(first.id).await.unwrap().unwrap();
    assert_eq!(stored.wrapped_key, Some(rewrapped));
    assert_eq!(stored.secret, first.secret);
    assert_eq!(stored.version, 2);
    assert!(store.history(first.id).await.unwrap().is_empty());
    // A secret writer that read the old wrapped key must re-read.
    let err = store
        .write_item(&set_secret(first, 1, &seal("x"), now()))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
    assert_eq!(store.items_not_wrapped_by("k2", 10).await.unwrap().len(), 2);
});

on_both!(deleting_an_item_deletes_its_history, |store| {
    let it = item("gone", None, Some(AccountId::generate(now(), &mut rng())));
    store
        .write_item(&VaultWrite::Create(it.clone()))
        .await
        .unwrap();
    for v in 1..=3 {
        store
            .write_item(&set_secret(&it, v, &seal("next"), now()))
            .await
            .unwrap();
    }
    assert_eq!(store.history(it.id).await.unwrap().len(), 3);
    store.delete_item(it.id).await.unwrap();
    assert_eq!(store.item(it.id).await.unwrap(), None);
    // The same id and account again start clean: the history rows are gone, not hidden.
    store
        .write_item(&VaultWrite::Create(it.clone()))
        .await
        .unwrap();
    assert!(store.history(it.id).await.unwrap().is_empty());
    store.delete_item(it.id).await.unwrap();
    store.delete_item(it.id).await.unwrap();
});

on_both!(items_for_ten_thousand_accounts, |store| {
    let mut accounts: Vec<AccountId> = (0..10_000)
        .map(|_| AccountId::generate(now(), &mut rng()))
        .collect();
    let mut expected = Vec::new();
    // 600 items spread over the list: more than one chunk of the IN list has hits.
    for (n, account) in accounts
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 16 == 0)
        .take(600)
    {
        let it = item(&format!("acct {n}"), None, Some(*account));
        store
            .write_item(&VaultWrite::Create(it.clone()))
            .await
            .unwrap();
        expected.push(it);
    }
    accounts.reverse();
    let mut found = store.items_for_accounts(&accounts).await.unwrap();
    found.sort_by_key(|i| i.id);
    expected.sort_by_key(|i| i.id);
    assert_eq!(found.len(), 600);
    assert_eq!(found, expected);
    assert!(store.items_for_accounts(&[]).await.unwrap().is_empty());
    // The links say the same, without the contents.
    let mut links = store.item_links(&accounts).await.unwrap();
    links.sort_by_key(|l| l.id);
    let expected_links: Vec<ItemLink> = expected
        .iter()
        .map(|i| ItemLink {
            id: i.id,
            account: i.account.unwrap(),
            owner: i.owner,
        })
        .collect();
    assert_eq!(links, expected_links);
    assert!(store.item_links(&[]).await.unwrap().is_empty());
});

on_both!(racing_writers_of_one_version_have_one_winner, |store| {
    let it = item("raced", None, None);
    store
        .write_item(&VaultWrite::Create(it.clone()))
        .await
        .unwrap();
    let store = std::sync::Arc::new(store.clone());
    let tasks: Vec<_> = (0..10)
        .map(|n| {
            let (s, write) = (
                store.clone(),
                set_secret(&it, 1, &seal(&format!("w{n}")), now()),
            );
            tokio::spawn(async move { (s.write_item(&write).await, write) })
        })
        .collect();
    let mut winners = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (Ok(()), write) => winners.push(write),
            (Err(RepoError::Conflict(_)), _) => {}
            (Err(e), _) => panic!("{e:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let VaultWrite::SetSecret { secret, .. } = &winners[0] else {
        unreachable!()
    };
    let stored = store.item(it.id).await.unwrap().unwrap();
    assert_eq!((stored.version, stored.secret.as_ref()), (2, Some(secret)));
    let history = store.history(it.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(Some(&history[0].secret), it.secret.as_ref());
});
