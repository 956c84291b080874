#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::random::SeededRandom;
use uuid::Uuid;

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap()
}

const ALICE: ProfileId = ProfileId(Uuid::from_u128(1));
const BOB: ProfileId = ProfileId(Uuid::from_u128(2));
const FLOW: FlowId = FlowId(Uuid::from_u128(10));
const OTHER_FLOW: FlowId = FlowId(Uuid::from_u128(11));

fn issued() -> (TokenSecret, IssuedNonce) {
    issue(
        &NonceSettings::default(),
        ALICE,
        FLOW,
        t0(),
        &mut SeededRandom::new(21),
    )
}

#[test]
fn token_is_256_bits_and_stored_hashed() {
    let (token, nonce) = issued();
    assert_eq!(token.expose().len(), 43);
    assert_eq!(nonce.hash, token.hash());
    let json = serde_json::to_string(&nonce).unwrap();
    assert!(!json.contains(token.expose()));
    assert!(json.contains(nonce.hash.as_str()));
    assert_eq!(serde_json::from_str::<IssuedNonce>(&json).unwrap(), nonce);
    let row = nonce.new_token();
    assert_eq!(
        (row.purpose.as_str(), row.subject, row.flow, row.expires_at),
        (
            TOKEN_PURPOSE,
            ALICE,
            Some(FLOW),
            t0() + Duration::minutes(60)
        )
    );
    assert_eq!(row.hash, token.hash());
}

#[test]
fn only_the_starting_browser_and_user_may_redeem() {
    let (token, nonce) = issued();
    let now = t0() + Duration::minutes(5);
    assert_eq!(
        nonce.check_link(&token, FLOW, ALICE, now),
        LinkCheck::Redeem
    );
    // Another browser (its own flow, or a scanner with no cookie and so no flow).
    assert_eq!(
        nonce.check_link(&token, OTHER_FLOW, ALICE, now),
        LinkCheck::Mismatch
    );
    // Same browser, but the flow was re-identified as someone else (authentik CVE-2023-26481).
    assert_eq!(
        nonce.check_link(&token, FLOW, BOB, now),
        LinkCheck::Mismatch
    );
    // Another token.
    let (other, _) = issue(
        &NonceSettings::default(),
        ALICE,
        FLOW,
        t0(),
        &mut SeededRandom::new(22),
    );
    assert_eq!(
        nonce.check_link(&other, FLOW, ALICE, now),
        LinkCheck::Mismatch
    );
    // The token as it comes back from the link's query string.
    let typed = TokenSecret::from_user(token.expose());
    assert_eq!(
        nonce.check_link(&typed, FLOW, ALICE, now),
        LinkCheck::Redeem
    );
}

#[test]
fn links_expire_at_max_age() {
    let (token, nonce) = issued();
    let last = t0() + Duration::minutes(60) - Duration::seconds(1);
    assert_eq!(
        nonce.check_link(&token, FLOW, ALICE, last),
        LinkCheck::Redeem
    );
    let end = t0() + Duration::minutes(60);
    assert_eq!(
        nonce.check_link(&token, FLOW, ALICE, end),
        LinkCheck::Expired
    );
}

#[test]
fn consumption_decides_once() {
    let (_, nonce) = issued();
    let mine = ConsumedToken {
        subject: ALICE,
        flow: Some(FLOW),
    };
    assert_eq!(redeemed(&nonce, Some(&mine)), Resolved::Success);
    // The second of two concurrent clicks gets nothing from the store.
    assert!(matches!(redeemed(&nonce, None), Resolved::Fail(_)));
    let foreign = ConsumedToken {
        subject: BOB,
        flow: Some(FLOW),
    };
    assert!(matches!(
        redeemed(&nonce, Some(&foreign)),
        Resolved::Fail(_)
    ));
    let unbound = ConsumedToken {
        subject: ALICE,
        flow: None,
    };
    assert!(matches!(
        redeemed(&nonce, Some(&unbound)),
        Resolved::Fail(_)
    ));
}

#[test]
fn max_age_defaults_to_an_hour_and_is_capped_at_a_day() {
    let lockout = NonceLockout::default();
    assert_eq!(NonceSettings::default().max_age(), Duration::minutes(60));
    let (s, warning) = NonceSettings::new(Duration::hours(24), lockout).unwrap();
    assert_eq!((s.max_age(), warning), (Duration::hours(24), None));
    let (s, warning) = NonceSettings::new(Duration::hours(48), lockout).unwrap();
    assert_eq!(s.max_age(), Duration::hours(24));
    assert_eq!(
        warning,
        Some(MaxAgeClamped {
            requested: Duration::hours(48),
            used: Duration::hours(24)
        })
    );
    let (_, nonce) = issue(&s, ALICE, FLOW, t0(), &mut SeededRandom::new(1));
    assert_eq!(nonce.expires_at, t0() + Duration::hours(24));
    assert_eq!(
        NonceSettings::new(Duration::ZERO, lockout).err(),
        Some(NonceSettingsError::MaxAge)
    );
    let bad = NonceLockout {
        max_failures: 0,
        ..lockout
    };
    assert_eq!(
        NonceSettings::new(Duration::hours(1), bad).err(),
        Some(NonceSettingsError::Lockout)
    );
}

#[test]
fn lockout_counts_in_a_window_and_expires() {
    let policy = NonceLockout::default(); // 3 failures in 3 min lock for 15 min
    let mut state = FailureState::default();
    let open = |n| LockStatus::Open { failures_left: n };
    assert_eq!(policy.status(&state, t0()), open(3));

    state = policy.record_failure(&state, t0());
    state = policy.record_failure(&state, t0() + Duration::minutes(1));
    assert_eq!(policy.status(&state, t0() + Duration::minutes(1)), open(1));
    // The window closes: old failures no longer count.
    assert_eq!(policy.status(&state, t0() + Duration::minutes(3)), open(3));
    let fresh = policy.record_failure(&state, t0() + Duration::minutes(3));
    assert_eq!(
        (fresh.failures, fresh.window_start),
        (1, Some(t0() + Duration::minutes(3)))
    );

    // Third failure inside the window locks for 15 minutes.
    let third = t0() + Duration::minutes(2);
    state = policy.record_failure(&state, third);
    let until = third + Duration::minutes(15);
    assert_eq!(policy.status(&state, third), LockStatus::Locked { until });
    assert_eq!(
        policy.status(&state, until - Duration::seconds(1)),
        LockStatus::Locked { until }
    );
    // Failures while locked change nothing (they are not even evaluated at the edge).
    assert_eq!(
        policy.record_failure(&state, third + Duration::minutes(1)),
        state
    );
    // The lock ends; counting starts over.
    assert_eq!(policy.status(&state, until), open(3));
    let after = policy.record_failure(&state, until);
    assert_eq!((after.failures, after.locked_until), (1, None));
    assert_eq!(policy.status(&after, until), open(2));
    // Success clears everything.
    assert_eq!(policy.record_success(), FailureState::default());
    // One allowed failure locks at once.
    let strict = NonceLockout {
        max_failures: 1,
        ..policy
    };
    let s = strict.record_failure(&FailureState::default(), t0());
    assert!(matches!(strict.status(&s, t0()), LockStatus::Locked { .. }));
    // The state is kept as JSON with the profile.
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<FailureState>(&json).unwrap(), s);
}

#[test]
fn link_is_built_from_the_public_url_under_its_prefix() {
    let (token, _) = issued();
    let want = format!(
        "https://sso.example/latchkey/reset/confirm?token={}",
        token.expose()
    );
    for base in [
        "https://sso.example/latchkey/",
        "https://sso.example/latchkey",
    ] {
        for path in ["reset/confirm", "/reset/confirm"] {
            let public = Url::parse(base).unwrap();
            assert_eq!(
                link(&public, path, &token).unwrap().as_str(),
                want,
                "{base} {path}"
            );
        }
    }
    let root = Url::parse("https://sso.example").unwrap();
    assert_eq!(
        link(&root, "reset/confirm", &token).unwrap().as_str(),
        format!("https://sso.example/reset/confirm?token={}", token.expose())
    );
    let port = Url::parse("http://127.0.0.1:8443/x/").unwrap();
    let built = link(&port, "nonce", &token).unwrap();
    assert_eq!(built.host_str(), Some("127.0.0.1"));
    assert_eq!(built.port(), Some(8443));
    // The token comes back out of the query unchanged.
    let back = built
        .query_pairs()
        .find(|(k, _)| k == TOKEN_PARAM)
        .unwrap()
        .1;
    assert_eq!(back, token.expose());
}

#[test]
fn link_ignores_everything_but_configuration() {
    // A request that arrived with `Host: evil.example` and `X-Forwarded-Host: evil.example`:
    // `link` has no parameter through which either could reach the URL, so the configured host
    // is the only one that can appear — the same link comes out whatever the request said.
    let (token, _) = issued();
    let public = Url::parse("https://sso.example/latchkey/").unwrap();
    let a = link(&public, "reset/confirm", &token).unwrap();
    let b = link(&public, "reset/confirm", &token).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.host_str(), Some("sso.example"));
    assert!(!a.as_str().contains("evil"));
}

#[test]
fn bad_public_urls_and_paths_are_refused() {
    let (token, _) = issued();
    for bad in [
        "ftp://sso.example/",
        "https://user:pw@sso.example/",
        "https://sso.example/?a=b",
        "https://sso.example/#f",
        "mailto:admin@sso.example",
        "file:///etc/",
    ] {
        let url = Url::parse(bad).unwrap();
        assert_eq!(
            link(&url, "reset", &token),
            Err(LinkError::PublicUrl),
            "{bad}"
        );
    }
    let public = Url::parse("https://sso.example/latchkey/").unwrap();
    for bad in [
        "",
        "../admin",
        "a/../../b",
        "a//b",
        "a/./b",
        "x?y=1",
        "x#y",
        "https://evil.example/",
        "//evil.example/x",
        "%2e%2e/x",
        "a\\b",
        "é",
        "reset/",
    ] {
        assert_eq!(
            link(&public, bad, &token),
            Err(LinkError::Path(bad.to_owned())),
            "{bad}"
        );
    }
}
