//! Signing in and out.

use crate::client::Browser;
use crate::on_both;
use latchkey_core::repo::{ProfileRepo, SessionRepo};
use latchkey_core::token::TokenSecret;

on_both!(
    right_password_signs_in_with_a_hardened_session_cookie,
    |server| {
        server
            .add_user("alice", "correct horse battery")
            .await
            .unwrap();
        let mut b = Browser::new(&server.url);
        let page = b.sign_in("Alice", "correct horse battery").await;
        assert_eq!(page.status, 303);
        assert_eq!(page.headers["location"], "/");
        let set = page
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>();
        let session = set
            .iter()
            .find(|c| c.starts_with("__Host-latchkey_session="))
            .expect("session cookie");
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attr), "{session} lacks {attr}");
        }
        let home = b.get("/").await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("Welcome, Test alice"), "{}", home.body);
        // The store keeps only the hash of the session id.
        let raw = b.cookies["__Host-latchkey_session"].clone();
        let hash = TokenSecret::from_user(&raw).hash();
        assert!(
            server
                .store
                .session(&hash, time::OffsetDateTime::now_utc())
                .await
                .unwrap()
                .is_some()
        );
        assert_ne!(hash.as_str(), raw);
    }
);

on_both!(every_failure_gets_the_same_answer, |server| {
    let alice = server
        .add_user("alice", "correct horse battery")
        .await
        .unwrap();
    let mut disabled = server
        .add_user("dora", "correct horse battery")
        .await
        .unwrap();
    disabled.enabled = false;
    server.store.update_profile(&disabled).await.unwrap();
    let _ = alice;
    let mut b = Browser::new(&server.url);
    let _ = b.get("/login").await;
    let csrf = b.csrf();
    let mut answers = Vec::new();
    for (user, password) in [
        ("alice", "wrong password"),
        ("nobody", "wrong password"),
        ("dora", "correct horse battery"),
        ("has space", "x"),
    ] {
        let page = b
            .post(
                "/login",
                &[("csrf", &csrf), ("user", user), ("password", password)],
            )
            .await;
        // The typed user ID is echoed back into the form; normalise it to compare the rest.
        answers.push((page.status, page.body.replace(user, "USER")));
    }
    assert_eq!(answers[0].0, 401);
    assert!(
        answers[0]
            .1
            .contains("The user ID or password is not correct.")
    );
    for other in &answers[1..] {
        assert_eq!(other, &answers[0]);
    }
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
});

on_both!(sign_out_ends_the_session_everywhere_it_was_used, |server| {
    server.add_user("bob", "bobs password 1").await.unwrap();
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("bob", "bobs password 1").await.status, 303);
    let stolen = b.cookies["__Host-latchkey_session"].clone();
    let csrf = b.csrf();
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    // Replaying the old cookie no longer works.
    b.cookies.insert("__Host-latchkey_session".into(), stolen);
    let home = b.get("/").await;
    assert!(!home.body.contains("Welcome"), "{}", home.body);
});

on_both!(forms_need_the_csrf_token_and_our_origin, |server| {
    server.add_user("carol", "carols password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let _ = b.get("/login").await;
    let page = b
        .post(
            "/login",
            &[
                ("csrf", "forged"),
                ("user", "carol"),
                ("password", "carols password"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("This form has expired"));
    let csrf = b.csrf();
    let r = b
        .http
        .post(format!("{}/login", server.url))
        .header("cookie", format!("__Host-latchkey_csrf={csrf}"))
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("user", "carol"),
            ("password", "carols password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // A form missing its fields gets a clear 400, not a raw extractor message.
    let page = b.post("/login", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("The sign-in form was incomplete"));
});

on_both!(changed_hash_parameters_rehash_on_sign_in, |server| {
    // Stored with a cost other than the configured one (1024 KiB, t=1).
    let p = server.add_user("erin", "erins password").await.unwrap();
    let old = latchkey_core::password_hash::hash_password(
        &latchkey_core::secret::Password::new("erins password"),
        &latchkey_core::password_hash::Argon2Params {
            memory_kib: 512,
            time_cost: 1,
            parallelism: 1,
        },
        &[3; 16],
    )
    .unwrap();
    server
        .store
        .set_password_hash(p.id, &old, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("erin", "erins password").await.status, 303);
    let now = server.store.password_hash(p.id).await.unwrap().unwrap();
    assert!(now.as_str().contains("m=1024,t=1,p=1"), "{now:?}");
});
