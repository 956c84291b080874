//! Password history: a change pushes the old hash, keeps the newest `keep`, and concurrent
//! changes of one profile lose no entry.

use crate::common::{now, on_both, profile};
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::password_policy::repo::PasswordHistoryRepo;
use latchkey_core::repo::{ProfileRepo, RepoError};
use std::sync::Arc;

fn hash(n: u32) -> PasswordHashString {
    // The store treats hashes as opaque text.
    PasswordHashString::from_stored(format!("$argon2id$v=19$m=8,t=1,p=1$c2FsdA${n}"))
}

fn texts(hashes: &[PasswordHashString]) -> Vec<&str> {
    hashes.iter().map(PasswordHashString::as_str).collect()
}

on_both!(changes_push_the_old_hash_and_trim, |store| {
    let p = profile("hanna", None);
    store.create_profile(&p, Some(&hash(0))).await.unwrap();
    assert!(store.previous_hashes(p.id, 10).await.unwrap().is_empty());

    for n in 1..=4 {
        store
            .set_password_hash_with_history(p.id, &hash(n), 3, now())
            .await
            .unwrap();
    }
    assert_eq!(store.password_hash(p.id).await.unwrap(), Some(hash(4)));
    let previous = store.previous_hashes(p.id, 10).await.unwrap();
    // Newest first, only 3 kept: 3, 2, 1 (0 was dropped).
    assert_eq!(
        texts(&previous),
        texts(&[hash(3), hash(2), hash(1)]),
        "history after four changes"
    );
    assert_eq!(store.previous_hashes(p.id, 2).await.unwrap().len(), 2);

    // keep = 0 empties the history.
    store
        .set_password_hash_with_history(p.id, &hash(5), 0, now())
        .await
        .unwrap();
    assert!(store.previous_hashes(p.id, 10).await.unwrap().is_empty());
    assert_eq!(store.password_hash(p.id).await.unwrap(), Some(hash(5)));
});

on_both!(a_profile_without_password_gets_no_entry, |store| {
    let p = profile("nopass", None);
    store.create_profile(&p, None).await.unwrap();
    store
        .set_password_hash_with_history(p.id, &hash(1), 5, now())
        .await
        .unwrap();
    assert!(store.previous_hashes(p.id, 5).await.unwrap().is_empty());
    assert_eq!(store.password_hash(p.id).await.unwrap(), Some(hash(1)));

    let missing = profile("ghost", None).id;
    let err = store
        .set_password_hash_with_history(missing, &hash(2), 5, now())
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound(_)), "{err:?}");
});

on_both!(history_is_per_profile, |store| {
    let a = profile("anna", None);
    let b = profile("bert", None);
    store.create_profile(&a, Some(&hash(10))).await.unwrap();
    store.create_profile(&b, Some(&hash(20))).await.unwrap();
    store
        .set_password_hash_with_history(a.id, &hash(11), 5, now())
        .await
        .unwrap();
    assert_eq!(
        texts(&store.previous_hashes(a.id, 5).await.unwrap()),
        [hash(10).as_str()]
    );
    assert!(store.previous_hashes(b.id, 5).await.unwrap().is_empty());
});

on_both!(concurrent_changes_lose_no_entry, |store| {
    let p = profile("race", None);
    store.create_profile(&p, Some(&hash(0))).await.unwrap();
    let shared = Arc::new(store.clone());
    let id: ProfileId = p.id;
    let mut tasks = Vec::new();
    for n in 1..=8 {
        let s = Arc::clone(&shared);
        tasks.push(tokio::spawn(async move {
            s.set_password_hash_with_history(id, &hash(n), 24, now())
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // Every old hash (0 and seven of 1..=8) is in the history exactly once; the eighth is current.
    let previous = store.previous_hashes(id, 24).await.unwrap();
    assert_eq!(previous.len(), 8);
    let current = store.password_hash(id).await.unwrap().unwrap();
    let mut all: Vec<&str> = texts(&previous);
    all.push(current.as_str());
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 9);
});
