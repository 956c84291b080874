//! The Active Directory connector against Samba as an AD DC, over LDAPS and StartTLS with a
//! certificate from the test CA (verified, not skipped).
//!
//! The DC is shared by this process and one test stops it, so the AD tests take turns.

use crate::util::{TestResult, pw};
use latchkey_core::ids::TargetId;
use latchkey_core::target::{
    AccountPages, ListRequest, RefusalKind, TargetConnector, TargetDef, TargetError, TargetKind,
    Verified,
};
use latchkey_targets::LdapTarget;
use latchkey_testkit::{AD_ADMIN, AD_ADMIN_PASSWORD, AD_USERS_DN, SambaDc};

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const INITIAL: &str = "Init-Passw0rd!1";

fn def(dc: &SambaDc, starttls: bool) -> TargetDef {
    let url = if starttls {
        dc.ldap_url()
    } else {
        dc.ldaps_url()
    };
    let mut def = TargetDef::new(
        TargetId::new("AD").unwrap(),
        TargetKind::ActiveDirectory,
        url,
        AD_ADMIN,
    );
    def.starttls = starttls;
    def.ca_file = Some(dc.ca_pem_path().to_path_buf());
    def.base_dn = AD_USERS_DN.into();
    def.operation_timeout_ms = 10_000;
    def
}

fn target(dc: &SambaDc, starttls: bool) -> LdapTarget {
    LdapTarget::new(def(dc, starttls), Some(pw(AD_ADMIN_PASSWORD))).unwrap()
}

#[tokio::test]
async fn ad_verify_reset_and_change_over_ldaps_and_starttls() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    for (name, starttls) in [("lk_ldaps", false), ("lk_starttls", true)] {
        let t = target(dc, starttls);
        let info = t.test_connection().await?;
        assert!(info.encrypted, "{info:?}");
        assert!(
            info.server.contains("DC=latchkey,DC=test"),
            "{}",
            info.server
        );
        let dn = dc.add_user(name, INITIAL)?;
        assert_eq!(
            t.verify_password(&dn, &pw(INITIAL)).await,
            Ok(Verified::default())
        );
        assert_eq!(
            t.verify_password(&dn, &pw("Wrong-Passw0rd!")).await,
            Err(TargetError::BadCredentials)
        );
        // Administrator's reset: the new password binds, the old one stops at once.
        t.set_password(&dn, &pw("Reset-Passw0rd!2")).await?;
        t.verify_password(&dn, &pw("Reset-Passw0rd!2")).await?;
        assert_eq!(
            t.verify_password(&dn, &pw(INITIAL)).await,
            Err(TargetError::BadCredentials)
        );
        // The user's own change needs the right old password.
        assert_eq!(
            t.change_password(&dn, &pw("Not-The-0ld!"), &pw("Own-Passw0rd!3"))
                .await,
            Err(TargetError::BadCredentials)
        );
        t.change_password(&dn, &pw("Reset-Passw0rd!2"), &pw("Own-Passw0rd!3"))
            .await?;
        t.verify_password(&dn, &pw("Own-Passw0rd!3")).await?;
        assert_eq!(
            t.verify_password(&dn, &pw("Reset-Passw0rd!2")).await,
            Err(TargetError::BadCredentials)
        );
    }
    Ok(())
}

#[tokio::test]
async fn ad_unlock_lifts_a_lockout_made_by_real_failed_binds() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    let t = target(dc, false);
    let dn = dc.add_user("lk_locked", INITIAL)?;
    for _ in 0..5 {
        assert_eq!(
            t.verify_password(&dn, &pw("Wrong-Passw0rd!")).await,
            Err(TargetError::BadCredentials)
        );
    }
    assert_eq!(
        t.verify_password(&dn, &pw(INITIAL)).await,
        Err(TargetError::Locked)
    );
    assert!(t.read_account(&dn).await?.state.locked);
    t.unlock(&dn).await?;
    assert_eq!(
        t.verify_password(&dn, &pw(INITIAL)).await,
        Ok(Verified::default())
    );
    assert!(!t.read_account(&dn).await?.state.locked);
    Ok(())
}

#[tokio::test]
async fn ad_expire_disable_and_the_codes_behind_them() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    let t = target(dc, false);
    let dn = dc.add_user("lk_expired", INITIAL)?;
    t.expire(&dn).await?;
    // data 773: the password was right, and must be changed.
    assert_eq!(
        t.verify_password(&dn, &pw(INITIAL)).await,
        Ok(Verified { must_change: true })
    );
    assert!(t.read_account(&dn).await?.state.must_change);
    // Such a user cannot bind to change it; only an administrator's reset helps.
    assert_eq!(
        t.change_password(&dn, &pw(INITIAL), &pw("Own-Passw0rd!4"))
            .await,
        Err(TargetError::MustChange)
    );
    t.set_password(&dn, &pw("Reset-Passw0rd!4")).await?;

    // data 533: disabled.
    dc.ldapmodify(&format!(
        "dn: {dn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n-\n"
    ))?;
    assert_eq!(
        t.verify_password(&dn, &pw("Reset-Passw0rd!4")).await,
        Err(TargetError::Disabled)
    );
    assert!(t.read_account(&dn).await?.state.disabled);
    Ok(())
}

#[tokio::test]
async fn ad_refusals_carry_the_reason_in_plain_words() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    let t = target(dc, false);
    let dn = dc.add_user("lk_refused", INITIAL)?;
    let got = t.set_password(&dn, &pw("Ab1!")).await;
    let Err(TargetError::Refused(r)) = got else {
        panic!("expected a refusal, got {got:?}");
    };
    assert_eq!(r.kind, RefusalKind::TooShort);
    assert_eq!(
        r.to_string(),
        "the directory refused this password: it is too short"
    );
    assert!(
        r.directory_message.contains("too short"),
        "{}",
        r.directory_message
    );

    // A user's change back to a password in the history is refused.
    t.change_password(&dn, &pw(INITIAL), &pw("Second-Passw0rd!"))
        .await?;
    let got = t
        .change_password(&dn, &pw("Second-Passw0rd!"), &pw(INITIAL))
        .await;
    assert!(
        matches!(&got, Err(TargetError::Refused(r)) if r.kind == RefusalKind::InHistory),
        "{got:?}"
    );
    // An administrator's reset skips the history, unless the policy-hints control asks. Windows
    // Server 2012+ knows the control; Samba (4.17 here) knows neither OID and refuses the
    // critical control, so the reset is reported unsupported and nothing changes.
    let mut strict = def(dc, false);
    strict.enforce_history_on_reset = true;
    let strict = LdapTarget::new(strict, Some(pw(AD_ADMIN_PASSWORD)))?;
    match strict.set_password(&dn, &pw(INITIAL)).await {
        Err(TargetError::Refused(r)) => assert_eq!(r.kind, RefusalKind::InHistory),
        Err(TargetError::Unsupported(why)) => {
            assert!(why.contains("1.2.840.113556.1.4.2239"), "{why}");
            t.verify_password(&dn, &pw("Second-Passw0rd!")).await?;
        }
        other => panic!("a reset to a password in the history went through: {other:?}"),
    }
    t.set_password(&dn, &pw(INITIAL)).await?;
    t.verify_password(&dn, &pw(INITIAL)).await?;
    Ok(())
}

#[tokio::test]
async fn ad_accounts_are_listed_with_their_state() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    let mut d = def(dc, false);
    d.account_filter = "(&(objectClass=user)(sAMAccountName=lk_list_*))".into();
    let t = LdapTarget::new(d, Some(pw(AD_ADMIN_PASSWORD)))?;
    for i in 0..3 {
        dc.add_user(&format!("lk_list_{i}"), INITIAL)?;
    }
    let mut pages = t
        .list_accounts(ListRequest {
            page_size: 2,
            changed_since: None,
        })
        .await?;
    let mut seen = Vec::new();
    while let Some(page) = pages.next_page().await? {
        seen.extend(page);
    }
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|e| !e.state.locked && !e.state.disabled));
    assert!(
        seen.iter()
            .all(|e| e.attributes.get("unicodepwd").is_empty())
    );
    let mail = seen[0].attributes.first("mail").unwrap_or_default();
    assert!(mail.ends_with("@latchkey.test"), "{mail}");
    let mark = pages.high_water().unwrap();
    assert!(mark.parse::<u64>().is_ok(), "uSNChanged: {mark}");
    Ok(())
}

#[tokio::test]
async fn ad_stopped_is_unreachable_and_nothing_is_half_done() -> TestResult {
    let _turn = TURN.lock().await;
    let dc = SambaDc::shared()?;
    let t = target(dc, false);
    let dn = dc.add_user("lk_outage", INITIAL)?;
    t.verify_password(&dn, &pw(INITIAL)).await?;
    dc.stop()?;
    let outcome = t.set_password(&dn, &pw("During-0utage!")).await;
    let restarted = dc.start_again();
    assert!(
        matches!(outcome, Err(TargetError::Unreachable(_))),
        "{outcome:?}"
    );
    restarted?;
    assert_eq!(
        t.verify_password(&dn, &pw(INITIAL)).await,
        Ok(Verified::default())
    );
    t.set_password(&dn, &pw("After-0utage!")).await?;
    t.verify_password(&dn, &pw("After-0utage!")).await?;
    Ok(())
}
