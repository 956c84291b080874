//! `/account/sessions`: a person sees where they are signed in, ends one other session or all
//! of them, never someone else's, and only with the CSRF token.

use crate::client::{Browser, Page};
use latchkey_core::repo::{AuditRepo, SessionRepo};
use latchkey_testkit::TestServer;
use time::OffsetDateTime;

/// A browser that sends `agent` as its User-Agent and is signed in as `user`.
async fn signed_in(server: &TestServer, agent: &str, user: &str, password: &str) -> Browser {
    let mut b = Browser::new(&server.url);
    b.http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(agent)
        .build()
        .unwrap();
    let done = b.sign_in(user, password).await;
    assert_eq!(done.status, 303, "{}", done.body);
    b
}

/// The session references offered on a page (one per *other* session).
fn references(page: &Page) -> Vec<String> {
    let marker = "name=\"session\" value=\"";
    page.body
        .match_indices(marker)
        .map(|(at, _)| {
            let rest = &page.body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn end(b: &mut Browser, reference: &str) -> Page {
    let csrf = b.csrf();
    b.post(
        "/account/sessions/end",
        &[("csrf", &csrf), ("session", reference)],
    )
    .await
}

async fn is_signed_in(b: &mut Browser) -> bool {
    b.get("/account/sessions").await.status == 200
}

async fn live(server: &TestServer, profile: latchkey_core::ids::ProfileId) -> usize {
    server
        .store
        .sessions_of(profile, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .len()
}

on_both!(the_page_lists_both_sessions_and_marks_this_one, |server| {
    let ann = server.add_user("ann", "anns password").await.unwrap();
    let mut laptop = signed_in(&server, "Laptop-Firefox/1.0", "ann", "anns password").await;
    let _phone = signed_in(&server, "Phone-Safari/2.0", "ann", "anns password").await;

    let home = laptop.get("/").await;
    assert!(
        home.body.contains("href=\"/account/sessions\""),
        "{}",
        home.body
    );
    let page = laptop.get("/account/sessions").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Laptop-Firefox/1.0"), "{}", page.body);
    assert!(page.body.contains("Phone-Safari/2.0"), "{}", page.body);
    assert_eq!(
        page.body.matches(">this session<").count(),
        1,
        "{}",
        page.body
    );
    let this = page.body.find("Laptop-Firefox/1.0").unwrap();
    let mark = page.body.find(">this session<").unwrap();
    let other = page.body.find("Phone-Safari/2.0").unwrap();
    assert!(this < mark && mark < other, "{}", page.body);
    // One reference (the other session), and never a stored hash.
    let refs = references(&page);
    assert_eq!(refs.len(), 1, "{}", page.body);
    for s in server
        .store
        .sessions_of(ann.id, OffsetDateTime::now_utc())
        .await
        .unwrap()
    {
        assert!(!page.body.contains(s.hash.as_str()));
    }
    assert!(page.body.contains("Sign out everywhere else"));
    // Device cookies are stateless: the page says so.
    assert!(page.body.contains("keeps no list"), "{}", page.body);

    // Signed out: sent to sign in, coming back here.
    let mut stranger = Browser::new(&server.url);
    let away = stranger.get("/account/sessions").await;
    assert_eq!(away.status, 303);
    assert_eq!(
        away.headers["location"],
        "/login?next=%2Faccount%2Fsessions"
    );
});

on_both!(one_browser_ends_the_other, |server| {
    let ann = server.add_user("ann", "anns password").await.unwrap();
    let mut laptop = signed_in(&server, "Laptop", "ann", "anns password").await;
    let mut phone = signed_in(&server, "Phone", "ann", "anns password").await;
    let page = laptop.get("/account/sessions").await;
    let refs = references(&page);
    assert_eq!(refs.len(), 1);
    assert!(page.body.contains("Phone"));

    let done = end(&mut laptop, &refs[0]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(!is_signed_in(&mut phone).await, "the phone is signed out");
    assert!(is_signed_in(&mut laptop).await, "the laptop is not");
    assert_eq!(live(&server, ann.id).await, 1);
    let after = laptop.get(done.headers["location"].to_str().unwrap()).await;
    assert!(
        after.body.contains("1 session was signed out"),
        "{}",
        after.body
    );
    assert!(!after.body.contains(">Phone"), "{}", after.body);
    // The same reference again: that session is gone.
    assert_eq!(end(&mut laptop, &refs[0]).await.status, 404);

    let audit = server.store.recent_audit(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "session.revoke" && e.actor == Some(ann.id)),
        "{audit:?}"
    );
});

on_both!(one_browser_ends_all_others, |server| {
    let ann = server.add_user("ann", "anns password").await.unwrap();
    let bob = server.add_user("bob", "bobs password").await.unwrap();
    let mut laptop = signed_in(&server, "Laptop", "ann", "anns password").await;
    let mut phone = signed_in(&server, "Phone", "ann", "anns password").await;
    let mut tablet = signed_in(&server, "Tablet", "ann", "anns password").await;
    let mut bobs = signed_in(&server, "Bob's", "bob", "bobs password").await;
    assert_eq!(live(&server, ann.id).await, 3);

    let csrf = laptop.csrf();
    let done = laptop
        .post("/account/sessions/others", &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(!is_signed_in(&mut phone).await);
    assert!(!is_signed_in(&mut tablet).await);
    assert!(is_signed_in(&mut laptop).await);
    assert!(is_signed_in(&mut bobs).await, "another person is untouched");
    assert_eq!(live(&server, ann.id).await, 1);
    assert_eq!(live(&server, bob.id).await, 1);
    let after = laptop.get(done.headers["location"].to_str().unwrap()).await;
    assert!(
        after.body.contains("2 sessions were signed out"),
        "{}",
        after.body
    );
    assert!(after.body.contains("not signed in anywhere else"));
});

on_both!(
    another_persons_reference_is_refused_and_changes_nothing,
    |server| {
        let ann = server.add_user("ann", "anns password").await.unwrap();
        let bob = server.add_user("bob", "bobs password").await.unwrap();
        let mut anns = signed_in(&server, "Ann laptop", "ann", "anns password").await;
        let mut bob_laptop = signed_in(&server, "Bob laptop", "bob", "bobs password").await;
        let mut bob_phone = signed_in(&server, "Bob phone", "bob", "bobs password").await;
        let bobs_refs = references(&bob_laptop.get("/account/sessions").await);
        assert_eq!(bobs_refs.len(), 1);

        let refused = end(&mut anns, &bobs_refs[0]).await;
        assert_eq!(refused.status, 404, "{}", refused.body);
        let made_up = end(&mut anns, "0123456789abcdef").await;
        assert_eq!(made_up.status, 404);
        assert_eq!(made_up.body, refused.body, "one answer for every refusal");
        assert!(is_signed_in(&mut bob_phone).await);
        assert!(is_signed_in(&mut bob_laptop).await);
        assert!(is_signed_in(&mut anns).await);
        assert_eq!(live(&server, bob.id).await, 2);
        assert_eq!(live(&server, ann.id).await, 1);
        // Ann's own current session is not ended from here either.
        let mine = server
            .store
            .sessions_of(ann.id, OffsetDateTime::now_utc())
            .await
            .unwrap();
        let own = latchkey_server::pages::sessions::reference(&mine[0].hash);
        assert_eq!(end(&mut anns, &own).await.status, 404);
        assert!(is_signed_in(&mut anns).await);
    }
);

on_both!(
    ending_sessions_without_the_csrf_token_is_refused,
    |server| {
        let ann = server.add_user("ann", "anns password").await.unwrap();
        let mut laptop = signed_in(&server, "Laptop", "ann", "anns password").await;
        let mut phone = signed_in(&server, "Phone", "ann", "anns password").await;
        let refs = references(&laptop.get("/account/sessions").await);
        assert_eq!(refs.len(), 1);

        let one = laptop
            .post("/account/sessions/end", &[("session", refs[0].as_str())])
            .await;
        assert_eq!(one.status, 403, "{}", one.body);
        let all = laptop.post("/account/sessions/others", &[]).await;
        assert_eq!(all.status, 403, "{}", all.body);
        let wrong = laptop
            .post("/account/sessions/others", &[("csrf", "not-the-token")])
            .await;
        assert_eq!(wrong.status, 403);
        assert!(is_signed_in(&mut phone).await);
        assert_eq!(live(&server, ann.id).await, 2);
    }
);
