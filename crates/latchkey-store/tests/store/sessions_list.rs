//! `sessions_of`: a person's own live sessions, newest first — never an expired one, never
//! someone else's — and what remains after signing out the others.

use crate::common::{now, on_both, profile};
use latchkey_core::repo::{ProfileRepo, SessionRecord, SessionRepo};
use latchkey_core::token::TokenHash;
use time::Duration;

on_both!(sessions_of_lists_live_sessions_of_one_person, |store| {
    let ann = profile("ann-sessions", None);
    let bob = profile("bob-sessions", None);
    store.create_profile(&ann, None).await.unwrap();
    store.create_profile(&bob, None).await.unwrap();
    let t = now();
    let mk = |owner: &latchkey_core::profile::Profile, h: &str, age_min: i64, ttl_min: i64| {
        SessionRecord {
            hash: TokenHash::of(h),
            profile: owner.id,
            created_at: t - Duration::minutes(age_min),
            expires_at: t + Duration::minutes(ttl_min),
            user_agent: format!("browser {h}"),
        }
    };
    let older = mk(&ann, "ann-laptop", 30, 60);
    let newer = mk(&ann, "ann-phone", 5, 60);
    let expired = mk(&ann, "ann-old", 600, -1);
    let theirs = mk(&bob, "bob-laptop", 1, 60);
    for s in [&older, &newer, &expired, &theirs] {
        store.create_session(s).await.unwrap();
    }

    let listed = store.sessions_of(ann.id, t).await.unwrap();
    assert_eq!(listed, vec![newer.clone(), older.clone()], "newest first");
    assert_eq!(
        store.sessions_of(bob.id, t).await.unwrap(),
        vec![theirs.clone()]
    );
    // A session counts until the instant it expires.
    assert_eq!(
        store
            .sessions_of(ann.id, t + Duration::minutes(60))
            .await
            .unwrap(),
        Vec::<SessionRecord>::new()
    );

    // Sign out everywhere else: only the kept one stays; Bob's is untouched.
    assert_eq!(
        store
            .delete_sessions_of(ann.id, Some(&newer.hash))
            .await
            .unwrap(),
        2,
        "the other live session and the expired one"
    );
    assert_eq!(store.sessions_of(ann.id, t).await.unwrap(), vec![newer]);
    assert_eq!(store.sessions_of(bob.id, t).await.unwrap(), vec![theirs]);

    let nobody = profile("nobody-sessions", None);
    assert!(store.sessions_of(nobody.id, t).await.unwrap().is_empty());
});
