//! The OpenLDAP connector against a real slapd with the password-policy overlay.

use crate::util::{TestResult, ldap_def, ldap_target, pw, slapd};
use latchkey_core::secret::Password;
use latchkey_core::target::{PasswordMethod, RefusalKind, TargetConnector, TargetError, Verified};
use latchkey_targets::LdapTarget;
use latchkey_testkit::Slapd;

#[tokio::test]
async fn verify_accepts_the_right_password_and_refuses_wrong_and_empty_ones() -> TestResult {
    let dir = slapd(3, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(0);
    assert_eq!(
        t.verify_password(&dn, &pw(&Slapd::initial_password(0)))
            .await,
        Ok(Verified { must_change: false })
    );
    assert_eq!(
        t.verify_password(&dn, &pw("wrong")).await,
        Err(TargetError::BadCredentials)
    );
    // An empty password would be an anonymous bind, which LDAP answers with success.
    assert_eq!(
        t.verify_password(&dn, &pw("")).await,
        Err(TargetError::BadCredentials)
    );
    let nobody = "uid=nobody,ou=people,dc=example,dc=org";
    assert_eq!(
        t.verify_password(nobody, &pw("x")).await,
        Err(TargetError::BadCredentials)
    );
    let info = t.test_connection().await?;
    assert!(info.server.contains("dc=example,dc=org"), "{}", info.server);
    assert!(!info.encrypted);
    Ok(())
}

#[tokio::test]
async fn a_wrong_service_password_is_a_configuration_error() -> TestResult {
    let dir = slapd(1, 0)?;
    let t = LdapTarget::new(ldap_def(&dir, PasswordMethod::Exop), Some(pw("nope")))?;
    let got = t.test_connection().await;
    assert!(
        matches!(&got, Err(TargetError::Config(m)) if m.contains("cannot log in")),
        "{got:?}"
    );
    Ok(())
}

async fn admin_reset_then_bind(method: PasswordMethod) -> TestResult {
    let dir = slapd(3, 0)?;
    let t = ldap_target(&dir, method);
    let dn = Slapd::user_dn(1);
    t.set_password(&dn, &pw("Reset-Passw0rd-1")).await?;
    // The policy has pwdMustChange: an administrator's reset sets pwdReset.
    assert_eq!(
        t.verify_password(&dn, &pw("Reset-Passw0rd-1")).await,
        Ok(Verified { must_change: true })
    );
    assert_eq!(
        t.verify_password(&dn, &pw(&Slapd::initial_password(1)))
            .await,
        Err(TargetError::BadCredentials)
    );
    let entry = t.read_account(&dn).await?;
    assert!(entry.state.must_change, "{entry:?}");
    assert_eq!(entry.attributes.first("uid"), Some("user00001"));
    assert!(
        entry.attributes.get("userpassword").is_empty(),
        "no hashes read"
    );
    // The stored value is hashed by the server, never kept in clear.
    let ldif = dir.ldapsearch(&dn, "(objectClass=*)", &["userPassword"])?;
    assert!(!ldif.contains("Reset-Passw0rd-1"), "{ldif}");
    // The user changes it as asked; must-change is gone.
    t.change_password(&dn, &pw("Reset-Passw0rd-1"), &pw("Own-Passw0rd-2"))
        .await?;
    assert_eq!(
        t.verify_password(&dn, &pw("Own-Passw0rd-2")).await,
        Ok(Verified { must_change: false })
    );
    Ok(())
}

#[tokio::test]
async fn admin_reset_by_password_modify_then_bind_with_the_new_one() -> TestResult {
    admin_reset_then_bind(PasswordMethod::Exop).await
}

#[tokio::test]
async fn admin_reset_by_attribute_replace_then_bind_with_the_new_one() -> TestResult {
    admin_reset_then_bind(PasswordMethod::Replace).await
}

#[tokio::test]
async fn user_change_with_a_wrong_old_password_is_refused() -> TestResult {
    let dir = slapd(3, 0)?;
    for method in [PasswordMethod::Exop, PasswordMethod::Replace] {
        let t = ldap_target(&dir, method);
        let i = if method == PasswordMethod::Exop { 0 } else { 1 };
        let dn = Slapd::user_dn(i);
        assert_eq!(
            t.change_password(&dn, &pw("not-the-old-one"), &pw("New-Passw0rd-9"))
                .await,
            Err(TargetError::BadCredentials)
        );
        // Nothing changed.
        t.verify_password(&dn, &pw(&Slapd::initial_password(i)))
            .await?;
        t.change_password(&dn, &pw(&Slapd::initial_password(i)), &pw("New-Passw0rd-9"))
            .await?;
        t.verify_password(&dn, &pw("New-Passw0rd-9")).await?;
    }
    Ok(())
}

#[tokio::test]
async fn unlock_lifts_a_lockout_made_by_real_failed_binds() -> TestResult {
    let dir = slapd(3, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(2);
    let right = pw(&Slapd::initial_password(2));
    for _ in 0..5 {
        assert_eq!(
            t.verify_password(&dn, &pw("wrong")).await,
            Err(TargetError::BadCredentials)
        );
    }
    // Once in CI the right password still bound right after five failures (a successful bind
    // clears the count): wait until the entry shows the lockout (2.5 s at most).
    for _ in 0..50 {
        if t.read_account(&dn).await?.state.locked {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The right password no longer works, and the reason is known from the policy control.
    assert_eq!(
        t.verify_password(&dn, &right).await,
        Err(TargetError::Locked)
    );
    assert!(t.read_account(&dn).await?.state.locked);
    t.unlock(&dn).await?;
    assert_eq!(
        t.verify_password(&dn, &right).await,
        Ok(Verified { must_change: false })
    );
    assert!(!t.read_account(&dn).await?.state.locked);
    // Unlocking an account that is not locked is fine.
    t.unlock(&dn).await?;
    Ok(())
}

#[tokio::test]
async fn expire_makes_the_directory_demand_a_change() -> TestResult {
    let dir = slapd(2, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(0);
    t.expire(&dn).await?;
    assert_eq!(
        t.verify_password(&dn, &pw(&Slapd::initial_password(0)))
            .await,
        Ok(Verified { must_change: true })
    );
    assert!(t.read_account(&dn).await?.state.must_change);
    Ok(())
}

#[tokio::test]
async fn refusals_carry_the_directorys_reason_in_plain_words() -> TestResult {
    let dir = slapd(2, 8)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(0);
    let first = Slapd::initial_password(0);
    let got = t.change_password(&dn, &pw(&first), &pw("short")).await;
    let Err(TargetError::Refused(refusal)) = got else {
        panic!("expected a refusal, got {got:?}");
    };
    assert_eq!(refusal.kind, RefusalKind::TooShort);
    assert_eq!(
        refusal.to_string(),
        "the directory refused this password: it is too short"
    );
    assert!(!refusal.directory_message.is_empty());

    t.change_password(&dn, &pw(&first), &pw("Second-Passw0rd"))
        .await?;
    let got = t
        .change_password(&dn, &pw("Second-Passw0rd"), &pw(&first))
        .await;
    let Err(TargetError::Refused(refusal)) = got else {
        panic!("expected a refusal, got {got:?}");
    };
    assert_eq!(refusal.kind, RefusalKind::InHistory);
    assert!(
        refusal.to_string().contains("it was used before"),
        "{refusal}"
    );
    assert!(
        refusal.directory_message.contains("history"),
        "{}",
        refusal.directory_message
    );
    Ok(())
}

/// A directory that goes away between operations: stale pooled connections make writes fail
/// as unreachable (never retried, never half-applied), reads recover once it is back.
#[tokio::test]
async fn a_stopped_directory_is_unreachable_and_nothing_is_half_done() -> TestResult {
    let dir = slapd(3, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let dn = Slapd::user_dn(0);
    let old = pw(&Slapd::initial_password(0));
    t.verify_password(&dn, &old).await?;
    t.read_account(&dn).await?;
    dir.stop()?;
    for got in [
        t.set_password(&dn, &pw("During-Outage-1")).await,
        t.unlock(&dn).await,
        t.verify_password(&dn, &old).await.map(drop),
    ] {
        assert!(matches!(got, Err(TargetError::Unreachable(_))), "{got:?}");
    }
    dir.start_again()?;
    // The old password still works: the reset was not applied, not even partly.
    assert_eq!(
        t.verify_password(&dn, &old).await,
        Ok(Verified { must_change: false })
    );
    t.set_password(&dn, &pw("After-Outage-1")).await?;
    t.verify_password(&dn, &pw("After-Outage-1")).await?;
    Ok(())
}

/// Resets in flight when the directory stops: each one either happened whole (the new password
/// works) or not at all (the old one does); none reports success without being applied.
#[tokio::test]
async fn resets_in_flight_when_the_directory_stops_are_all_or_nothing() -> TestResult {
    let n = 300;
    let dir = std::sync::Arc::new(slapd(n, 0)?);
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let mut tasks = Vec::new();
    for i in 0..n {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let new = Password::new(format!("Flight-{i}-Passw0rd"));
            t.set_password(&Slapd::user_dn(i), &new).await
        }));
    }
    let stopper = {
        let dir = std::sync::Arc::clone(&dir);
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(std::time::Duration::from_millis(15));
            dir.stop()
        })
    };
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await?);
    }
    stopper.await??;
    dir.start_again()?;
    let check = ldap_target(&dir, PasswordMethod::Exop);
    let (mut applied, mut failed) = (0, 0);
    for (i, outcome) in outcomes.iter().enumerate() {
        let dn = Slapd::user_dn(i);
        let new_works = check
            .verify_password(&dn, &pw(&format!("Flight-{i}-Passw0rd")))
            .await
            .is_ok();
        let old_works = check
            .verify_password(&dn, &pw(&Slapd::initial_password(i)))
            .await
            .is_ok();
        match outcome {
            Ok(()) => {
                applied += 1;
                assert!(new_works && !old_works, "user {i}: reported done");
            }
            Err(e) => {
                failed += 1;
                assert!(e.is_transient(), "user {i}: {e:?}");
                assert!(
                    new_works != old_works,
                    "user {i}: exactly one password works"
                );
            }
        }
    }
    eprintln!("resets applied before the stop: {applied}, refused as unreachable: {failed}");
    assert_eq!(applied + failed, n);
    Ok(())
}

#[tokio::test]
async fn a_listing_pages_through_every_account() -> TestResult {
    use latchkey_core::target::{AccountPages, ListRequest};
    let dir = slapd(25, 0)?;
    let t = ldap_target(&dir, PasswordMethod::Exop);
    let mut pages = t
        .list_accounts(ListRequest {
            page_size: 10,
            changed_since: None,
        })
        .await?;
    let mut sizes = Vec::new();
    let mut names = Vec::new();
    while let Some(page) = pages.next_page().await? {
        sizes.push(page.len());
        names.extend(page.into_iter().map(|e| e.name));
    }
    assert_eq!(sizes, [10, 10, 5]);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 25);
    assert!(pages.high_water().is_some());
    Ok(())
}
