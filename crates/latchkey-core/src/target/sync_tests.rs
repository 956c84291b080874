use super::*;
use crate::ids::{AccountId, ProfileId};
use crate::profile::Attributes;
use crate::settings::SettingRow;
use crate::target::{Refusal, RefusalKind};

fn id(s: &str) -> TargetId {
    TargetId::new(s).unwrap()
}

fn settings(targets: &[&str]) -> Settings {
    Settings::new(
        targets
            .iter()
            .map(|t| SettingRow {
                namespace: NS_PASSWORD_SYNC.into(),
                setting: TARGETS.into(),
                value: (*t).into(),
            })
            .collect(),
    )
}

fn account(target: &str, name: &str) -> Account {
    Account {
        id: AccountId(uuid::Uuid::now_v7()),
        target_id: id(target),
        account_name: name.into(),
        owner: Some(ProfileId(uuid::Uuid::now_v7())),
        attributes: Attributes::new(),
    }
}

#[test]
fn targets_keep_their_order_without_repeats() {
    let got = sync_targets(&settings(&["AD", "LDAP", "AD"])).unwrap();
    assert_eq!(got, [id("AD"), id("LDAP")]);
    assert!(sync_targets(&settings(&[])).unwrap().is_empty());
}

#[test]
fn a_bad_target_id_is_named() {
    let err = sync_targets(&settings(&["LDAP", "no spaces allowed"])).unwrap_err();
    assert!(err.contains("\"no spaces allowed\""), "{err}");
    assert!(err.starts_with("PASSWORD_SYNC / TARGETS"), "{err}");
}

#[test]
fn the_plan_follows_the_listed_targets_and_skips_the_others() {
    let accounts = [
        account("PG", "alice"),
        account("LDAP", "uid=b,dc=x"),
        account("LDAP", "uid=a,dc=x"),
        account("AD", "CN=Alice"),
        account("LDAP", "uid=a,dc=x"),
    ];
    let got = plan(&[id("LDAP"), id("AD"), id("NONE")], &accounts);
    let names: Vec<(&str, &str)> = got
        .iter()
        .map(|a| (a.target.as_str(), a.account.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("LDAP", "uid=a,dc=x"),
            ("LDAP", "uid=b,dc=x"),
            ("AD", "CN=Alice")
        ]
    );
    assert!(plan(&[], &accounts).is_empty());
}

#[test]
fn a_report_is_complete_only_when_nothing_stopped_it() {
    let done = Report {
        applied: vec![id("LDAP")],
        stopped: None,
    };
    assert!(done.complete());
    let stopped = Report {
        applied: vec![id("LDAP")],
        stopped: Some((id("AD"), Stop::of(&TargetError::Timeout))),
    };
    assert!(!stopped.complete());
    assert_eq!(Stop::Unavailable.as_str(), "unavailable");
}

#[test]
fn only_a_policy_refusal_lets_the_person_choose_again() {
    assert_eq!(
        Stop::of(&TargetError::Unreachable("refused".into())),
        Stop::Unavailable
    );
    assert_eq!(
        Stop::of(&TargetError::PermissionDenied("no".into())),
        Stop::Unavailable
    );
    assert_eq!(
        Stop::of(&TargetError::Refused(Refusal::new(
            RefusalKind::InHistory,
            "Password is in history of old passwords"
        ))),
        Stop::Refused(RefusalKind::InHistory)
    );
}
