//! The vault over the real store, once on SQLite and once on a PostgreSQL server started by the
//! testkit: who may read, what is audited, history, templates, rotation and redaction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "vault/common.rs"]
mod common;

use common::*;
use latchkey_core::admin::Privilege;
use latchkey_core::ids::VaultItemId;
use latchkey_core::keys::MasterKey;
use latchkey_core::repo::AuditRepo;
use latchkey_core::secret::Password;
use latchkey_core::vault::{FIELD_ACCOUNT_LINK, FIELD_USERNAME, VaultRepo};
use latchkey_vault::{Actor, VaultError, prepare};
use std::collections::BTreeMap;
on_both!(
    owner_reads_and_everyone_else_is_refused_and_audited,
    |store| {
        let key = MasterKey::generate(&mut rng());
        let v = vault(store, &key, &[]);
        let owner = profile(store, "ann").await;
        let root = admin(store, "root", Privilege::ManageVault).await;
        let mpr = admin(store, "operator", Privilege::MassPasswordReset).await;
        let id = cloned(&v, owner, &mpr, "S3cret-of-Ann!").await;

        assert_eq!(
            v.reveal(id, owner, now()).await.unwrap().expose(),
            "S3cret-of-Ann!"
        );
        let reads = audit(store, "vault.read").await;
        assert_eq!(reads.len(), 1);
        assert_eq!(
            (reads[0].actor, reads[0].subject.clone()),
            (Some(owner), Some(id.to_string()))
        );
        assert!(
            reads[0].detail.contains("LDAP_MAIN: uid=ann"),
            "{}",
            reads[0].detail
        );

        // An administrator with every privilege, and the operator who created the item, are refused
        // the secret and its history; each refusal is audited.
        for who in [root.admin(), mpr.admin()] {
            assert_eq!(
                v.reveal(id, who, now()).await.unwrap_err(),
                VaultError::NotOwner
            );
            assert_eq!(
                v.history(id, who, now()).await.unwrap_err(),
                VaultError::NotOwner
            );
            assert!(v.items_of(who).await.unwrap().is_empty());
        }
        assert_eq!(
            VaultError::NotOwner.to_string(),
            "only the owner of this item can see its secret"
        );
        let missing = VaultItemId::generate(now(), &mut rng());
        assert_eq!(
            v.reveal(missing, owner, now()).await.unwrap_err(),
            VaultError::NotFound(missing)
        );
        let refused = audit(store, "vault.read_refused").await;
        assert_eq!(refused.len(), 5);
        assert!(refused.iter().any(|e| e.actor == Some(root.admin())
            && e.subject == Some(id.to_string())
            && e.detail.contains("not_owner")));
        assert!(refused.iter().any(|e| e.detail.contains("not_found")));
        assert_eq!(
            audit(store, "vault.read").await.len(),
            1,
            "refusals are no reads"
        );

        // Nothing secret anywhere in the log.
        for event in store.recent_audit(10_000).await.unwrap() {
            assert!(
                !format!("{event:?}").contains("S3cret-of-Ann!"),
                "{event:?}"
            );
        }
    }
);

on_both!(history_keeps_five_and_concurrent_sets_both_land, |store| {
    let key = MasterKey::generate(&mut rng());
    let v = vault(store, &key, &[]);
    let owner = profile(store, "bob").await;
    let mpr = admin(store, "operator", Privilege::MassPasswordReset).await;
    let id = cloned(&v, owner, &mpr, "pw-0").await;
    for n in 1..=7 {
        v.set_secret(
            id,
            &Password::new(format!("pw-{n}")),
            Actor::Owner(owner),
            now(),
            &mut rng(),
        )
        .await
        .unwrap();
    }
    assert_eq!(v.reveal(id, owner, now()).await.unwrap().expose(), "pw-7");
    let past = v.history(id, owner, now()).await.unwrap();
    let texts: Vec<&str> = past.iter().map(|p| p.secret.expose()).collect();
    assert_eq!(texts, ["pw-6", "pw-5", "pw-4", "pw-3", "pw-2"]);
    assert_eq!(audit(store, "vault.history").await.len(), 1);
    assert_eq!(audit(store, "vault.set").await.len(), 7);

    // Others may not set it; an administrator needs the vault or mass-reset privilege.
    let stranger = profile(store, "eve").await;
    let helpdesk = admin(store, "helpdesk", Privilege::HelpUsers).await;
    let pw = Password::new("intruder");
    let err = v
        .set_secret(id, &pw, Actor::Owner(stranger), now(), &mut rng())
        .await;
    assert_eq!(err.unwrap_err(), VaultError::NotOwner);
    let err = v
        .set_secret(id, &pw, Actor::Admin(helpdesk), now(), &mut rng())
        .await;
    assert_eq!(
        err.unwrap_err(),
        VaultError::Forbidden(Privilege::ManageVault)
    );
    // The operator may set it (and still cannot read it).
    v.set_secret(
        id,
        &Password::new("pw-8"),
        Actor::Admin(mpr),
        now(),
        &mut rng(),
    )
    .await
    .unwrap();

    // Two writers at once: the loser of the version race reads again and lands too.
    let (mut r1, mut r2) = (rng(), rng());
    let (a, b) = (Password::new("pw-A"), Password::new("pw-B"));
    let (x, y) = tokio::join!(
        v.set_secret(id, &a, Actor::Owner(owner), now(), &mut r1),
        v.set_secret(id, &b, Actor::Owner(owner), now(), &mut r2),
    );
    x.unwrap();
    y.unwrap();
    let current = v.reveal(id, owner, now()).await.unwrap();
    let past = v.history(id, owner, now()).await.unwrap();
    let mut last_two = [current.expose(), past[0].secret.expose()];
    last_two.sort_unstable();
    assert_eq!(last_two, ["pw-A", "pw-B"]);
    assert_eq!(past[1].secret.expose(), "pw-8");

    // Debug of everything the vault hands out or holds never shows a secret or the key.
    let item = store.item(id).await.unwrap().unwrap();
    let shown = format!(
        "{v:?} {current:?} {past:?} {item:?} {:?} {:?} {:?}",
        v.items_of(owner).await.unwrap(),
        spec(owner, "uid=bob", Some("pw-spec")),
        prepare::set_secret(
            v.envelope(),
            &item,
            &Password::new("pw-C"),
            now(),
            &mut rng()
        )
        .unwrap(),
    );
    for secret in [
        "pw-A",
        "pw-B",
        "pw-8",
        "pw-spec",
        "pw-C",
        key.encode().as_str(),
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
});

on_both!(templates_are_cloned_with_their_fields, |store| {
    let key = MasterKey::generate(&mut rng());
    let v = vault(store, &key, &[]);
    let manager = admin(store, "root", Privilege::ManageVault).await;
    let helpdesk = admin(store, "helpdesk", Privilege::HelpUsers).await;
    let owner = profile(store, "carol").await;
    let fields: BTreeMap<String, String> = [("url", "ldaps://ldap.example.com"), ("assocID", "")]
        .into_iter()
        .map(|(k, val)| (k.to_owned(), val.to_owned()))
        .collect();
    let err = v
        .create_template("t", fields.clone(), &helpdesk, now(), &mut rng())
        .await;
    assert_eq!(
        err.unwrap_err(),
        VaultError::Forbidden(Privilege::ManageVault)
    );
    let template = v
        .create_template("LDAP template", fields, &manager, now(), &mut rng())
        .await
        .unwrap();
    let templates = v.templates().await.unwrap();
    assert_eq!(templates.len(), 1);
    assert!(!templates[0].has_secret);

    let item_spec = spec(owner, "uid=carol", None);
    let id = v
        .clone_template(template, &item_spec, &manager, now(), &mut rng())
        .await
        .unwrap();
    let listed = v.items_of(owner).await.unwrap();
    assert_eq!(listed.len(), 1);
    let summary = &listed[0];
    assert_eq!(
        (summary.id, summary.has_secret, summary.secret_changed_at),
        (id, false, None)
    );
    assert_eq!(summary.fields["url"], "ldaps://ldap.example.com");
    assert_eq!(summary.fields["assocID"], "uid=carol@example.com");
    assert_eq!(summary.fields[FIELD_USERNAME], "uid=carol");
    assert_eq!(summary.fields[FIELD_ACCOUNT_LINK], "LDAP_MAIN:uid=carol");
    let stored = store.item(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.template, stored.account),
        (Some(template), item_spec.account)
    );
    assert_eq!(
        v.reveal(id, owner, now()).await.unwrap_err(),
        VaultError::NoSecret
    );

    // The first secret makes the data key; then it reads.
    let at = now();
    v.set_secret(
        id,
        &Password::new("first"),
        Actor::Owner(owner),
        at,
        &mut rng(),
    )
    .await
    .unwrap();
    assert_eq!(v.reveal(id, owner, now()).await.unwrap().expose(), "first");
    assert_eq!(
        v.items_of(owner).await.unwrap()[0].secret_changed_at,
        Some(at)
    );

    // Clones need a template; an account gets one item only.
    let err = v
        .clone_template(id, &spec(owner, "uid=x", None), &manager, now(), &mut rng())
        .await;
    assert_eq!(err.unwrap_err(), VaultError::NotTemplate(id));
    let err = v
        .clone_template(template, &item_spec, &manager, now(), &mut rng())
        .await;
    assert!(matches!(err, Err(VaultError::Repo(_))), "{err:?}");
    let err = v
        .clone_template(template, &item_spec, &helpdesk, now(), &mut rng())
        .await;
    assert_eq!(
        err.unwrap_err(),
        VaultError::Forbidden(Privilege::ManageVault)
    );
    let x = Password::new("x");
    let err = v
        .set_secret(template, &x, Actor::Admin(manager), now(), &mut rng())
        .await;
    assert_eq!(err.unwrap_err(), VaultError::Template);
});

on_both!(
    rotation_rewraps_a_thousand_items_and_keeps_their_secrets,
    |store| {
        let (old, new) = (
            MasterKey::generate(&mut rng()),
            MasterKey::generate(&mut rng()),
        );
        let before = vault(store, &old, &[]);
        let owner = profile(store, "dave").await;
        let mut r = rng();
        let mut ids = Vec::new();
        for n in 0..1_000 {
            let s = spec(
                owner,
                &format!("uid=user{n:04}"),
                Some(&format!("secret-{n:04}")),
            );
            let write = prepare::new_item(before.envelope(), &s, None, now(), &mut r).unwrap();
            store.write_item(&write).await.unwrap();
            ids.push(write.item_id());
        }
        // One item with history, to check earlier secrets survive too.
        let first = ids[0];
        before
            .set_secret(
                first,
                &Password::new("secret-new"),
                Actor::Owner(owner),
                now(),
                &mut r,
            )
            .await
            .unwrap();
        let texts = |items: Vec<latchkey_core::vault::VaultItem>| -> BTreeMap<VaultItemId, String> {
            items
                .into_iter()
                .map(|i| (i.id, i.secret.unwrap().to_string()))
                .collect()
        };
        let secrets_before = texts(store.items_of_owner(owner).await.unwrap());
        let history_before = store.history(first).await.unwrap();
        assert_eq!(secrets_before.len(), 1_000);

        // Without the old key the rotation stops, naming it, and changes nothing.
        let err = before
            .rotate(&new, &[], 64, now(), &mut r)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            VaultError::WrongKey {
                key_id: old.key_id()
            }
        );

        let report = before
            .rotate(&new, std::slice::from_ref(&old), 64, now(), &mut r)
            .await
            .unwrap();
        assert_eq!((report.rewrapped, report.already_current), (1_000, 0));
        let again = before
            .rotate(&new, std::slice::from_ref(&old), 64, now(), &mut r)
            .await;
        assert_eq!(again.unwrap().rewrapped, 0);
        assert!(
            store
                .items_not_wrapped_by(&format!("{}-vault", new.key_id()), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(audit(store, "vault.rotate").await.len(), 2);

        // The secrets' stored text is byte for byte what it was.
        assert_eq!(
            texts(store.items_of_owner(owner).await.unwrap()),
            secrets_before
        );
        assert_eq!(store.history(first).await.unwrap(), history_before);

        // With only the new key everything reads; with only the old key nothing does.
        let after = vault(store, &new, &[]);
        for (n, id) in ids.iter().enumerate().step_by(97).skip(1) {
            let pw = after.reveal(*id, owner, now()).await.unwrap();
            assert_eq!(pw.expose(), format!("secret-{n:04}"));
        }
        assert_eq!(
            after.reveal(first, owner, now()).await.unwrap().expose(),
            "secret-new"
        );
        let past = after.history(first, owner, now()).await.unwrap();
        assert_eq!(past[0].secret.expose(), "secret-0000");
        let stale = vault(store, &old, &[]);
        let err = stale.reveal(ids[1], owner, now()).await.unwrap_err();
        assert_eq!(
            err,
            VaultError::WrongKey {
                key_id: new.key_id()
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the vault item was sealed with key {} which this node does not have: configure the previous master key to read it",
                new.key_id()
            )
        );
    }
);
