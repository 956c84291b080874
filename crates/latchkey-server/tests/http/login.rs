//! Signing in through STANDARD_TWO-PHASE_LOGIN_FLOW, and out.

use crate::client::Browser;
use crate::on_both;
use latchkey_core::repo::{ProfileRepo, SessionRepo, UserStatRepo};
use latchkey_core::token::TokenSecret;
use latchkey_core::userstat::UserStatTag;

on_both!(
    right_password_signs_in_with_a_hardened_session_cookie,
    |server| {
        server
            .add_user("alice", "correct horse battery")
            .await
            .unwrap();
        let mut b = Browser::new(&server.url);
        let (password_page, page) = b.sign_in_pages("Alice", "correct horse battery").await;
        assert!(
            password_page.body.contains("Enter your password"),
            "{}",
            password_page.body
        );
        assert!(password_page.body.contains("Signing in as Alice."));
        assert_eq!(page.status, 303, "{}", page.body);
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
        assert!(
            !b.cookies.contains_key("__Host-latchkey_flow"),
            "the flow cookie is cleared"
        );
        let home = b.get("/").await;
        assert!(home.body.contains("Welcome, Test alice"), "{}", home.body);
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

on_both!(every_failure_gets_the_same_pages, |server| {
    server
        .add_user("alice", "correct horse battery")
        .await
        .unwrap();
    let mut disabled = server
        .add_user("dora", "correct horse battery")
        .await
        .unwrap();
    disabled.enabled = false;
    server.store.update_profile(&disabled).await.unwrap();
    let mut seen = Vec::new();
    for (user, password) in [
        ("alice", "wrong password"),
        ("nobody", "wrong password"),
        ("dora", "correct horse battery"),
        ("has space", "x"),
    ] {
        let mut b = Browser::new(&server.url);
        let (prompt, denied) = b.sign_in_pages(user, password).await;
        // The typed ID is echoed into the password page; the CSRF token differs per browser.
        let norm = |body: &str| body.replace(user, "USER").replace(&b.csrf(), "CSRF");
        seen.push((
            prompt.status,
            norm(&prompt.body),
            denied.status,
            norm(&denied.body),
        ));
    }
    assert_eq!(seen[0].0, 200);
    assert_eq!(seen[0].2, 401);
    assert!(
        seen[0]
            .3
            .contains("The user ID or password is not correct.")
    );
    for other in &seen[1..] {
        assert_eq!(other, &seen[0]);
    }
});

on_both!(user_id_link_goes_straight_to_the_password, |server| {
    let erin = server.add_user("erin", "erins password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let page = b.get("/login?USERID=erin&LANG=fr").await;
    // LANG=fr also puts the pages in French (tests/http/i18n.rs).
    assert!(
        page.body.contains("Saisissez votre mot de passe"),
        "{}",
        page.body
    );
    let done = b.step(&page, &[("password", "erins password")]).await;
    assert_eq!(done.status, 303);
    let stats = server.store.userstats(erin.id).await.unwrap();
    assert!(
        stats.contains(&(UserStatTag::LastLang, "fr".to_owned())),
        "{stats:?}"
    );
});

on_both!(
    a_user_with_questions_picks_a_chain_and_psf_ext_is_checked,
    |server| {
        let p = server.add_user("quinn", "quinns password").await.unwrap();
        server
            .store
            .set_userstat(
                p.id,
                &UserStatTag::PsqDone,
                "1",
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        let mut b = Browser::new(&server.url);
        let first = b.get("/login").await;
        let menu = b.step(&first, &[("user", "quinn")]).await;
        assert!(menu.body.contains("Choose how to sign in"), "{}", menu.body);
        assert!(menu.body.contains("value=\"SECURITY_QUESTIONS\""));
        // A pick that was not offered is not taken: the menu comes back.
        let again = b.step(&menu, &[("chain", "HELPDESK_LOGIN")]).await;
        assert!(again.body.contains("Choose how to sign in"));
        let pw = b.step(&again, &[("chain", "PASSWORD")]).await;
        assert!(pw.body.contains("Enter your password"), "{}", pw.body);
        assert_eq!(
            b.step(&pw, &[("password", "quinns password")]).await.status,
            303
        );

        // PSF_EXT straight into an offered chain; a chain not offered to this user is refused.
        let mut b = Browser::new(&server.url);
        let pw = b.get("/login?USERID=quinn&PSF_EXT=PASSWORD").await;
        assert!(pw.body.contains("Enter your password"), "{}", pw.body);
        server.add_user("rita", "ritas password").await.unwrap();
        let mut b = Browser::new(&server.url);
        let refused = b.get("/login?USERID=rita&PSF_EXT=SECURITY_QUESTIONS").await;
        assert!(
            refused
                .body
                .contains("The user ID or password is not correct."),
            "{}",
            refused.body
        );
    }
);

on_both!(stale_and_skipped_steps_are_refused, |server| {
    server.add_user("sam", "sams password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    // A password posted at the identification step does nothing: the step is asked again.
    let same = b.step(&first, &[("password", "sams password")]).await;
    assert!(same.body.contains("Enter your user ID."), "{}", same.body);
    let pw = b.step(&same, &[("user", "sam")]).await;
    // Replaying an old page is refused as out of date.
    let stale = b.step(&first, &[("user", "sam")]).await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("out of date"));
    assert_eq!(
        b.step(&pw, &[("password", "sams password")]).await.status,
        303
    );
    // The finished flow cannot be used again.
    let reused = b.step(&pw, &[("password", "sams password")]).await;
    assert_ne!(reused.status, 303);
});

on_both!(sign_out_ends_the_session, |server| {
    server.add_user("bob", "bobs password 1").await.unwrap();
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("bob", "bobs password 1").await.status, 303);
    let stolen = b.cookies["__Host-latchkey_session"].clone();
    let csrf = b.csrf();
    assert_eq!(b.post("/logout", &[("csrf", &csrf)]).await.status, 303);
    assert!(!b.cookies.contains_key("__Host-latchkey_session"));
    b.cookies.insert("__Host-latchkey_session".into(), stolen);
    assert!(!b.get("/").await.body.contains("Welcome"));
});

on_both!(forms_need_the_csrf_token_and_our_origin, |server| {
    let mut b = Browser::new(&server.url);
    let first = b.get("/login").await;
    let version = first.hidden("version").unwrap();
    let page = b
        .post(
            "/login",
            &[("csrf", "forged"), ("version", &version), ("user", "x")],
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
            ("version", version.as_str()),
            ("user", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // `Origin: null` is what Chromium sends for our own forms under `no-referrer`: the token
    // decides. With it the form goes through; without it, it does not.
    let post = |token: &str| {
        b.http
            .post(format!("{}/login", server.url))
            .header("cookie", format!("__Host-latchkey_csrf={csrf}"))
            .header("origin", "null")
            .form(&[
                ("csrf", token),
                ("version", version.as_str()),
                ("user", "x"),
            ])
            .send()
    };
    assert_ne!(post(&csrf).await.unwrap().status().as_u16(), 403);
    assert_eq!(post("forged").await.unwrap().status().as_u16(), 403);
});

on_both!(changed_hash_parameters_rehash_on_sign_in, |server| {
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

on_both!(passwords_are_compared_after_nfkc_normalisation, |server| {
    // Set with full-width letters (what some input methods type), signed in with ASCII, and the
    // other way round: NFKC makes them one password, as the password policy checks it.
    server
        .add_user("frank", "ｆｕｌｌｗｉｄｔｈ pass 42")
        .await
        .unwrap();
    server.add_user("gwen", "plain words 42").await.unwrap();
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("frank", "fullwidth pass 42").await.status, 303);
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("gwen", "ｐｌａｉｎ words 42").await.status, 303);
    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("gwen", "plain words 43").await.status, 401);
});
