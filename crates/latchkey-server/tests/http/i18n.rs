//! Pages in English and French: `?LANG=` (kept in a cookie, through the sign-in), the person's
//! `LASTLANG`, `Accept-Language`, and the same failure page for every user in French too.

use crate::client::{Browser, Page};
use crate::on_both;
use latchkey_core::repo::UserStatRepo;
use latchkey_core::userstat::UserStatTag;

fn french(page: &Page) -> bool {
    page.body.contains("<html lang=\"fr\">")
}

fn english(page: &Page) -> bool {
    page.body.contains("<html lang=\"en\">")
}

on_both!(lang_fr_gives_french_pages_through_the_sign_in, |server| {
    let ada = server.add_user("ada", "ada's long password").await.unwrap();
    let mut b = Browser::new(&server.url);
    let home = b.get("/?LANG=fr").await;
    assert!(french(&home), "{}", home.body);
    assert!(
        home.body
            .contains("Connectez-vous pour gérer votre mot de passe")
    );
    assert!(home.body.contains("href=\"/?LANG=en\""), "the switch");
    assert!(b.cookies.contains_key("__Host-latchkey_lang"));
    // No parameter from here on: the cookie keeps French.
    let first = b.get("/login").await;
    assert!(french(&first), "{}", first.body);
    assert!(first.body.contains("Saisissez votre identifiant."));
    assert!(first.body.contains("Mot de passe oublié ?"));
    let password = b.step(&first, &[("user", "ada")]).await;
    assert!(password.body.contains("Saisissez votre mot de passe"));
    assert!(password.body.contains("Connexion en tant que ada."));
    let done = b
        .step(&password, &[("password", "ada's long password")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let home = b.get("/").await;
    assert!(french(&home));
    assert!(home.body.contains("Bienvenue, Test ada"), "{}", home.body);
    for (path, text) in [
        ("/vault", "Votre coffre"),
        ("/account/sessions", "Où vous êtes connecté"),
        ("/account/password", "Changez votre mot de passe"),
        ("/account/totp", "Application d’authentification"),
        ("/no/such/page", "Il n’y a pas de page à cette adresse."),
    ] {
        let page = b.get(path).await;
        assert!(
            french(&page) && page.body.contains(text),
            "{path}: {}",
            page.body
        );
    }
    // Picked before signing in: remembered as the person's language.
    let stats = server.store.userstats(ada.id).await.unwrap();
    assert!(stats.contains(&(UserStatTag::LastLang, "fr".to_owned())));
    // Switching while signed in records it too, and English reads as before.
    let home = b.get("/?LANG=en").await;
    assert!(english(&home) && home.body.contains("Welcome, Test ada"));
    let stats = server.store.userstats(ada.id).await.unwrap();
    assert!(stats.contains(&(UserStatTag::LastLang, "en".to_owned())));
});

on_both!(lastlang_is_used_on_a_later_sign_in, |server| {
    let bob = server.add_user("bob", "bob's long password").await.unwrap();
    let mut first = Browser::new(&server.url);
    let page = first.get("/login?LANG=fr").await;
    let page = first.step(&page, &[("user", "bob")]).await;
    let done = first
        .step(&page, &[("password", "bob's long password")])
        .await;
    assert_eq!(done.status, 303);
    let stats = server.store.userstats(bob.id).await.unwrap();
    assert!(stats.contains(&(UserStatTag::LastLang, "fr".to_owned())));
    // Another browser, no parameter: English until bob is known, French after.
    let mut later = Browser::new(&server.url);
    let (password, done) = later.sign_in_pages("bob", "bob's long password").await;
    assert!(
        password.body.contains("Enter your password"),
        "{}",
        password.body
    );
    assert_eq!(done.status, 303);
    let home = later.get("/").await;
    assert!(french(&home), "{}", home.body);
    assert!(home.body.contains("Bienvenue, Test bob"));
});

on_both!(accept_language_and_unknown_lang, |server| {
    let b = Browser::new(&server.url);
    let page = b
        .http
        .get(format!("{}/", server.url))
        .header("accept-language", "fr-CA, fr;q=0.9, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("Se connecter"));
    let mut b = Browser::new(&server.url);
    let page = b.get("/?LANG=xx").await;
    assert!(english(&page), "{}", page.body);
    assert!(page.body.contains("Sign in to manage your password"));
    assert!(!b.cookies.contains_key("__Host-latchkey_lang"));
});

on_both!(the_french_failure_page_is_the_same_for_everyone, |server| {
    server
        .add_user("cleo", "cleo's long password")
        .await
        .unwrap();
    let mut seen = Vec::new();
    for (user, password) in [("cleo", "wrong password"), ("nobody", "wrong password")] {
        let mut b = Browser::new(&server.url);
        b.get("/?LANG=fr").await;
        let (prompt, denied) = b.sign_in_pages(user, password).await;
        let norm = |body: &str| body.replace(user, "USER").replace(&b.csrf(), "CSRF");
        seen.push((
            prompt.status,
            norm(&prompt.body),
            denied.status,
            norm(&denied.body),
        ));
    }
    assert_eq!(seen[0].2, 401);
    assert!(
        seen[0]
            .3
            .contains("L’identifiant ou le mot de passe est incorrect."),
        "{}",
        seen[0].3
    );
    assert!(
        !seen[0]
            .3
            .contains("The user ID or password is not correct.")
    );
    assert_eq!(seen[0], seen[1]);
});
