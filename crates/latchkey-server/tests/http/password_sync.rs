//! `PASSWORD_SYNC / TARGETS`: a person's own password change and every self-service recovery
//! set the password on their accounts on a real slapd first (as the person on the change
//! page, so the directory's own rules apply; as the service account in a reset), mark it
//! must-change there for `send_expired`, unlock a lockout made by real failed binds; a
//! refusal is shown in plain words and changes nothing; a target that cannot be reached
//! stops the run, says which systems took the password, and leaves the reset flow usable.

use crate::client::{Browser, Page};
use crate::forgot::{can_sign_in, set_new, unlock_only, verified};
use crate::on_both;
use crate::targets::{ldap_target, own};
use latchkey_core::profile::{LoginId, Profile};
use latchkey_core::repo::{AuditRepo, ProfileRepo, SettingsRepo};
use latchkey_core::secret::Password;
use latchkey_core::settings::validate_row;
use latchkey_core::target::{TargetConnector, TargetError};
use latchkey_targets::Connector;
use latchkey_testkit::{Slapd, SlapdOptions, TestServer};

const SECOND: &str = "violet tractor umbrella 42";
const THIRD: &str = "silent quartz meadow 7 kite";

fn pw(s: &str) -> Password {
    Password::new(s)
}

fn slapd(min_length: u32) -> Slapd {
    Slapd::start(SlapdOptions {
        users: 2,
        dbnosync: true,
        min_length,
        ..SlapdOptions::default()
    })
    .unwrap()
}

/// The profile `user0000<i>` with the slapd entry's password and mail, owning that entry on
/// every target in `targets`.
async fn person(server: &TestServer, i: usize, targets: &[&str]) -> Profile {
    let mut p = server
        .add_user(&Slapd::user_uid(i), &Slapd::initial_password(i))
        .await
        .unwrap();
    p.email = Some(format!("{}@example.org", Slapd::user_uid(i)));
    server.store.update_profile(&p).await.unwrap();
    for t in targets {
        own(server, p.id, t, &Slapd::user_dn(i)).await;
    }
    p
}

async fn sync_to(server: &TestServer, targets: &[&str]) {
    let rows: Vec<_> = targets
        .iter()
        .map(|t| validate_row("PASSWORD_SYNC", "TARGETS", t, false).unwrap())
        .collect();
    server
        .store
        .replace_setting("PASSWORD_SYNC", "TARGETS", &rows)
        .await
        .unwrap();
}

/// One test's world: a slapd (`pwdMinLength` `min_length`) defined as target `LDAP`, target
/// `DOWN` where nothing listens when `sync` names it, `PASSWORD_SYNC` listing `sync`, and the
/// person `user0000<i>` owning their entry on each of those targets.
struct Rig {
    /// Keep it bound (`dir: _dir`): the slapd stops when this is dropped.
    dir: Slapd,
    ldap: Connector,
    login: String,
    old: String,
    profile: Profile,
}

async fn rig(server: &TestServer, min_length: u32, sync: &[&str], i: usize) -> Rig {
    let dir = slapd(min_length);
    let ldap = ldap_target(server, "LDAP", &dir.url()).await;
    if sync.contains(&"DOWN") {
        ldap_target(server, "DOWN", &nowhere()).await;
    }
    sync_to(server, sync).await;
    let profile = person(server, i, sync).await;
    Rig {
        dir,
        ldap,
        login: Slapd::user_uid(i),
        old: Slapd::initial_password(i),
        profile,
    }
}

async fn change(b: &mut Browser, current: &str, new: &str) -> Page {
    let form = b.get("/account/password").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = b.csrf();
    b.post(
        "/account/password",
        &[
            ("csrf", csrf.as_str()),
            ("current", current),
            ("new", new),
            ("confirm", new),
        ],
    )
    .await
}

async fn signed_in(server: &TestServer, login: &str, password: &str) -> Browser {
    let mut b = Browser::new(&server.url);
    let page = b.sign_in(login, password).await;
    assert_eq!(page.status, 303, "{}", page.body);
    b
}

/// Five wrong passwords, then waits until the directory records `dn` as locked. Once in CI the
/// right password still bound right after five failures (and a successful bind clears the
/// count), so the lockout is read from the entry, not assumed. Every half second without it, one
/// more wrong password, in case a failure went uncounted.
async fn lock_out(ldap: &Connector, dn: &str) {
    for _ in 0..5 {
        assert_eq!(
            ldap.verify_password(dn, &pw("wrong")).await,
            Err(TargetError::BadCredentials)
        );
    }
    for tick in 1..=50 {
        if ldap.read_account(dn).await.unwrap().state.locked {
            return;
        }
        if tick % 10 == 0 {
            let again = ldap.verify_password(dn, &pw("wrong")).await;
            assert!(
                matches!(
                    again,
                    Err(TargetError::BadCredentials | TargetError::Locked)
                ),
                "{again:?}"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("wrong passwords did not lock {dn} on the directory");
}

/// A loopback address where nothing listens.
fn nowhere() -> String {
    format!(
        "ldap://127.0.0.1:{}",
        latchkey_testkit::free_port().unwrap()
    )
}

async fn sync_audits(server: &TestServer) -> Vec<serde_json::Value> {
    server
        .store
        .recent_audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "password.sync")
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect()
}

on_both!(a_changed_password_is_set_on_the_target_too, |server| {
    let Rig {
        dir: _dir,
        ldap,
        login,
        old,
        ..
    } = rig(&server, 0, &["LDAP"], 0).await;

    let mut b = signed_in(&server, &login, &old).await;
    let done = change(&mut b, &old, SECOND).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        ldap.verify_password(&Slapd::user_dn(0), &pw(SECOND))
            .await
            .is_ok()
    );
    assert_eq!(
        ldap.verify_password(&Slapd::user_dn(0), &pw(&old)).await,
        Err(TargetError::BadCredentials)
    );
    assert!(can_sign_in(&server, &login, SECOND).await);
    let audits = sync_audits(&server).await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0]["operation"], "change");
    assert_eq!(audits[0]["applied"], serde_json::json!(["LDAP"]));
    for entry in server.store.recent_audit(1000).await.unwrap() {
        assert!(
            !entry.detail.contains(SECOND),
            "a password in the audit log"
        );
    }
});

on_both!(
    a_directory_refusal_is_shown_in_plain_words_and_changes_nothing,
    |server| {
        // slapd checks the length of a user's own change: 30 characters at least.
        let Rig {
            dir: _dir,
            ldap,
            login,
            old,
            ..
        } = rig(&server, 30, &["LDAP"], 0).await;

        let mut b = signed_in(&server, &login, &old).await;
        let refused = change(&mut b, &old, SECOND).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(
            refused.body.contains(
                "Your password was not changed. LDAP did not accept it: it is too short."
            ),
            "{}",
            refused.body
        );
        assert!(!refused.body.contains(SECOND), "the password was echoed");
        assert!(
            ldap.verify_password(&Slapd::user_dn(0), &pw(&old))
                .await
                .is_ok()
        );
        assert!(
            can_sign_in(&server, &login, &old).await,
            "the internal password changed"
        );
        assert!(!can_sign_in(&server, &login, SECOND).await);
        let audits = sync_audits(&server).await;
        assert_eq!(audits[0]["stopped"], "LDAP");
        assert_eq!(audits[0]["why"], "refused");

        // In French too.
        let mut fr = signed_in(&server, &login, &old).await;
        fr.get("/?LANG=fr").await;
        let refused = change(&mut fr, &old, SECOND).await;
        assert!(
            refused
                .body
                .contains("Votre mot de passe n’a pas été changé. LDAP ne l’a pas accepté : il est trop court."),
            "{}",
            refused.body
        );
    }
);

on_both!(
    a_target_that_cannot_be_reached_stops_the_run_and_a_retry_finishes,
    |server| {
        let Rig {
            dir: _dir,
            ldap,
            login,
            old,
            ..
        } = rig(&server, 0, &["LDAP", "DOWN"], 0).await;

        let mut b = signed_in(&server, &login, &old).await;
        let stopped = change(&mut b, &old, SECOND).await;
        assert_eq!(stopped.status, 503, "{}", stopped.body);
        for said in [
            "Your new password was set on LDAP only",
            "DOWN could not be reached or did not answer",
            "Choose a password again to finish.",
        ] {
            assert!(stopped.body.contains(said), "{said}: {}", stopped.body);
        }
        assert!(
            can_sign_in(&server, &login, &old).await,
            "the internal password changed"
        );

        // The operator takes DOWN out; the person tries again. LDAP already has the new password,
        // so a change as the person fails there and the service account sets it instead.
        sync_to(&server, &["LDAP"]).await;
        let done = change(&mut b, &old, THIRD).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(
            ldap.verify_password(&Slapd::user_dn(0), &pw(THIRD))
                .await
                .is_ok()
        );
        assert!(can_sign_in(&server, &login, THIRD).await);
    }
);

on_both!(
    a_reset_sets_the_target_and_a_stopped_one_keeps_the_flow,
    |server| {
        let Rig {
            dir: _dir,
            ldap,
            login,
            ..
        } = rig(&server, 0, &["DOWN", "LDAP"], 1).await;

        let mut b = verified(&server, &login).await;
        let stopped = set_new(&mut b, SECOND, SECOND).await;
        assert_eq!(stopped.status, 503, "{}", stopped.body);
        assert!(
            stopped
                .body
                .contains("Your password was not changed. DOWN could not be reached"),
            "{}",
            stopped.body
        );
        // The flow is still verified: the person tries again without a new code.
        sync_to(&server, &["LDAP"]).await;
        assert_eq!(b.get("/forgot/new-password").await.status, 200);
        let done = set_new(&mut b, SECOND, SECOND).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(
            ldap.verify_password(&Slapd::user_dn(1), &pw(SECOND))
                .await
                .is_ok()
        );
        assert!(can_sign_in(&server, &login, SECOND).await);
        // And only once.
        assert_eq!(set_new(&mut b, THIRD, THIRD).await.status, 403);
    }
);

on_both!(
    unlock_instead_of_reset_lifts_a_real_lockout_on_the_target,
    |server| {
        let Rig {
            dir: _dir,
            ldap,
            login,
            old,
            profile: p,
            ..
        } = rig(&server, 0, &["LDAP"], 0).await;
        let dn = Slapd::user_dn(0);
        let right = pw(&old);
        lock_out(&ldap, &dn).await;
        assert_eq!(
            ldap.verify_password(&dn, &right).await,
            Err(TargetError::Locked)
        );
        assert!(!p.locked, "locked on the directory only");

        let mut b = verified(&server, &login).await;
        let form = b.get("/forgot/new-password").await;
        assert!(
            form.body.contains("value=\"unlock\""),
            "unlock not offered: {}",
            form.body
        );
        let done = unlock_only(&mut b).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert!(!ldap.read_account(&dn).await.unwrap().state.locked);
        assert!(ldap.verify_password(&dn, &right).await.is_ok());
        let unlock = server
            .store
            .recent_audit(1000)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.action == "account.unlock")
            .unwrap();
        assert!(
            unlock.detail.contains("\"unlocked_on_targets\":1"),
            "{}",
            unlock.detail
        );

        // Nothing locked anywhere: nothing to unlock.
        let mut again = verified(&server, &login).await;
        let form = again.get("/forgot/new-password").await;
        assert!(!form.body.contains("value=\"unlock\""), "{}", form.body);
    }
);

on_both!(
    send_expired_marks_the_target_password_must_change,
    |server| {
        let Rig {
            dir: _dir,
            ldap,
            login,
            ..
        } = rig(&server, 0, &["LDAP"], 0).await;
        let rows = vec![
            validate_row(
                "FORGOTTEN_PASSWORD",
                "RECOVERY_MODE",
                "default send_expired",
                false,
            )
            .unwrap(),
        ];
        server
            .store
            .replace_setting("FORGOTTEN_PASSWORD", "RECOVERY_MODE", &rows)
            .await
            .unwrap();
        let mut b = verified(&server, &login).await;
        let csrf = b.csrf();
        let done = b
            .post(
                "/forgot/new-password",
                &[("csrf", csrf.as_str()), ("action", "send")],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        let entry = ldap.read_account(&Slapd::user_dn(0)).await.unwrap();
        assert!(entry.state.must_change, "pwdReset not set");
        assert_eq!(
            ldap.verify_password(&Slapd::user_dn(0), &pw(&Slapd::initial_password(0)))
                .await,
            Err(TargetError::BadCredentials),
            "the old password still works on the directory"
        );
        let id = LoginId::new(&login).unwrap();
        assert!(server.store.profile_by_login(&id).await.unwrap().is_some());
    }
);
