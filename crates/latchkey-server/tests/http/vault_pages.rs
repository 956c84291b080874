//! The owner's view of the vault: the list shows one's own items only, revealing a secret wants
//! a fresh sign-in and a CSRF token, is audited, is never cached, and someone else's item is the
//! same 404 as no item at all.

use crate::client::{Browser, Page};
use crate::on_both;
use latchkey_core::ids::{ProfileId, VaultItemId};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditRepo, SessionRecord, SessionRepo};
use latchkey_core::secret::Password;
use latchkey_core::token::TokenSecret;
use latchkey_core::vault::VaultRepo;
use latchkey_server::os::OsRandom;
use latchkey_testkit::TestServer;
use latchkey_vault::{Envelope, ItemSpec, prepare};
use time::{Duration, OffsetDateTime};

/// A browser holding a session of `profile` that started ten minutes ago: live, but not fresh.
pub async fn stale_browser(server: &TestServer, profile: &Profile) -> Browser {
    let secret = TokenSecret::generate(&mut OsRandom);
    let now = OffsetDateTime::now_utc();
    server
        .store
        .create_session(&SessionRecord {
            hash: secret.hash(),
            profile: profile.id,
            created_at: now - Duration::minutes(10),
            expires_at: now + Duration::hours(1),
            user_agent: "test".into(),
        })
        .await
        .unwrap();
    let mut b = Browser::new(&server.url);
    b.cookies
        .insert("__Host-latchkey_session".into(), secret.expose().to_owned());
    b
}

/// A vault item of `owner` holding `password`.
pub async fn item(
    server: &TestServer,
    owner: ProfileId,
    name: &str,
    password: &str,
) -> VaultItemId {
    let master = server.state.master_key.as_ref().unwrap();
    let envelope = Envelope::new(master, &[]).unwrap();
    let spec = ItemSpec {
        name: name.into(),
        owner,
        collection: None,
        account: None,
        username: Some(name.to_lowercase()),
        account_link: Some(format!("uid={},ou=people", name.to_lowercase())),
        association: None,
        password: Some(Password::new(password)),
    };
    let write = prepare::new_item(
        &envelope,
        &spec,
        None,
        OffsetDateTime::now_utc(),
        &mut OsRandom,
    )
    .unwrap();
    server.store.write_item(&write).await.unwrap();
    write.item_id()
}

async fn reveal(b: &mut Browser, id: &str) -> Page {
    let csrf = b.csrf();
    b.post(&format!("/vault/{id}/reveal"), &[("csrf", &csrf)])
        .await
}

on_both!(owners_see_and_reveal_their_own_items_only, |server| {
    let ann = server.add_user("ann", "anns password").await.unwrap();
    let bob = server.add_user("bob", "bobs password").await.unwrap();
    let a = item(&server, ann.id, "Ann", "Ann-S3cret-Vault!").await;
    let b_item = item(&server, bob.id, "Bob", "Bob-S3cret-Vault!").await;

    let mut b = Browser::new(&server.url);
    assert_eq!(b.sign_in("ann", "anns password").await.status, 303);
    let home = b.get("/").await;
    assert!(home.body.contains("href=\"/vault\""), "{}", home.body);
    let list = b.get("/vault").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("uid=ann,ou=people"), "{}", list.body);
    assert!(!list.body.contains("Bob") && !list.body.contains(&b_item.to_string()));
    assert!(
        !list.body.contains("Ann-S3cret-Vault!"),
        "the list shows no secret"
    );

    let shown = reveal(&mut b, &a.to_string()).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("value=\"Ann-S3cret-Vault!\" readonly"),
        "{}",
        shown.body
    );
    assert_eq!(shown.headers["cache-control"], "no-store");
    assert_eq!(shown.headers["referrer-policy"], "no-referrer");
    let csp = shown.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("'nonce-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let audit = server.store.recent_audit(50).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "vault.read"
            && e.actor == Some(ann.id)
            && e.subject.as_deref() == Some(a.to_string().as_str())),
        "{audit:?}"
    );

    // Bob's item, an unknown id and a malformed one: the same 404, and no secret.
    let theirs = reveal(&mut b, &b_item.to_string()).await;
    let unknown = reveal(&mut b, "0190a000-0000-7000-8000-000000000000").await;
    let garbage = reveal(&mut b, "not-an-id").await;
    for refused in [&theirs, &unknown, &garbage] {
        assert_eq!(refused.status, 404);
        assert_eq!(refused.body, theirs.body);
        assert!(!refused.body.contains("Bob-S3cret-Vault!"));
    }
    let audit = server.store.recent_audit(50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "vault.read_refused" && e.actor == Some(ann.id)),
        "{audit:?}"
    );

    // Without the CSRF token nothing is shown.
    let forged = b.post(&format!("/vault/{a}/reveal"), &[("csrf", "")]).await;
    assert_eq!(forged.status, 403);
    assert!(!forged.body.contains("Ann-S3cret-Vault!"));

    let mut other = Browser::new(&server.url);
    other.sign_in("bob", "bobs password").await;
    let list = other.get("/vault").await;
    assert!(list.body.contains("uid=bob,ou=people"), "{}", list.body);
    assert!(!list.body.contains("uid=ann") && !list.body.contains(&a.to_string()));
    let refused = reveal(&mut other, &a.to_string()).await;
    assert_eq!(refused.status, 404);
    assert!(!refused.body.contains("Ann-S3cret-Vault!"));
});

on_both!(revealing_wants_a_fresh_sign_in, |server| {
    let ann = server.add_user("ann", "anns password").await.unwrap();
    let a = item(&server, ann.id, "Ann", "Ann-S3cret-Vault!").await;

    let mut anonymous = Browser::new(&server.url);
    let away = anonymous.get("/vault").await;
    assert_eq!(away.status, 303);
    assert_eq!(away.headers["location"], "/login?next=%2Fvault");

    let mut b = stale_browser(&server, &ann).await;
    let list = b.get("/vault").await;
    assert_eq!(list.status, 200, "a live session sees the list");
    let again = reveal(&mut b, &a.to_string()).await;
    assert_eq!(again.status, 303);
    assert!(!again.body.contains("Ann-S3cret-Vault!"));
    let location = again.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/login?USERID=ann&next=%2Fvault");
    let prompt = b.get(&location).await;
    assert!(
        prompt.body.contains("Enter your password"),
        "{}",
        prompt.body
    );
    let done = b.step(&prompt, &[("password", "anns password")]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.headers["location"], "/vault");
    let shown = reveal(&mut b, &a.to_string()).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(shown.body.contains("Ann-S3cret-Vault!"));
});
