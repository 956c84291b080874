#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::chain::builtin;
use crate::ids::ProfileId;
use crate::profile::{LoginId, NewProfile};
use crate::settings::{SettingRow, Settings};
use proptest::prelude::*;
use time::OffsetDateTime;

fn settings(rows: &[(&str, &str)]) -> Settings {
    Settings::new(
        rows.iter()
            .map(|(setting, value)| SettingRow {
                namespace: NS_FORGOTTEN_PASSWORD.into(),
                setting: (*setting).into(),
                value: (*value).into(),
            })
            .collect(),
    )
}

fn submitted(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn person(login: &str, attrs: &[(&str, &str)]) -> Profile {
    let mut attributes = Attributes::new();
    for (k, v) in attrs {
        attributes.add(k, *v).unwrap();
    }
    NewProfile {
        login_id: LoginId::new(login).unwrap(),
        display_name: login.to_owned(),
        email: Some(format!("{login}@example.org")),
        attributes,
    }
    .into_profile(ProfileId(uuid::Uuid::nil()), OffsetDateTime::UNIX_EPOCH)
    .unwrap()
}

fn class(name: &str) -> UserClassId {
    UserClassId::new(name).unwrap()
}

const TEMPLATE: &str = "(&(objectClass=person)(|(uid=%login%)(mail=%mail%)))";

fn search_settings() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SEARCH_FIELDS", "login required User ID"),
        ("SEARCH_FIELDS", "mail required Email address"),
        ("SEARCH_FILTER", TEMPLATE),
    ]
}

#[test]
fn no_settings_is_todays_service() {
    let cfg = ForgottenPassword::from_settings(&Settings::default()).unwrap();
    assert_eq!(cfg.profiles.len(), 1);
    assert_eq!(cfg.profiles[0].name, DEFAULT_PROFILE);
    assert_eq!(cfg.profiles[0].chain.as_str(), builtin::PASSWORD_RESET);
    assert_eq!(cfg.search, SearchForm::login_id());
    assert_eq!(cfg.search.fields[0].name, "user");
    let anyone = entry(&person("zed", &[]));
    assert_eq!(cfg.profile_for(&anyone, &[]).unwrap().name, DEFAULT_PROFILE);
    assert_eq!(
        cfg.search.query(&submitted(&[("user", "  Alice ")])),
        Query::LoginId("Alice".into())
    );
    assert_eq!(
        cfg.search.query(&submitted(&[("user", " ")])),
        Query::Nobody
    );
    assert_eq!(cfg.search.query(&submitted(&[])), Query::Nobody);
}

#[test]
fn the_first_profile_that_takes_a_person_decides_the_chain() {
    let cfg = ForgottenPassword::from_settings(&settings(&[
        ("PROFILES", "staff"),
        ("PROFILES", "contractors"),
        ("PROFILES", "everyone"),
        ("FILTER", "staff (&(objectClass=person)(ou=Staff))"),
        ("CHAIN", "staff STAFF_RESET"),
        ("USER_CLASSES", "contractors EXTERNAL, VENDORS"),
        ("FILTER", "contractors (employeeType=contractor)"),
        ("CHAIN", "contractors CONTRACTOR_RESET"),
    ]))
    .unwrap();
    let chain_of = |p: &Profile, classes: &[UserClassId]| {
        cfg.profile_for(&entry(p), classes)
            .map(|p| p.chain.as_str().to_owned())
    };
    let staff = person("ann", &[("ou", "staff")]);
    let contractor = person("bo", &[("employeeType", "Contractor"), ("ou", "Staff")]);
    let vendor = person("cy", &[]);
    assert_eq!(chain_of(&staff, &[]).unwrap(), "STAFF_RESET");
    // Order decides: a contractor in ou=Staff is staff first.
    assert_eq!(chain_of(&contractor, &[]).unwrap(), "STAFF_RESET");
    assert_eq!(
        chain_of(&vendor, &[class("VENDORS")]).unwrap(),
        "CONTRACTOR_RESET"
    );
    assert_eq!(chain_of(&vendor, &[]).unwrap(), builtin::PASSWORD_RESET);
    assert!(cfg.needs_classes());
}

#[test]
fn each_profile_has_its_recovery_mode() {
    let cfg = ForgottenPassword::from_settings(&settings(&[
        ("PROFILES", "staff"),
        ("PROFILES", "students"),
        ("PROFILES", "others"),
        ("RECOVERY_MODE", "staff send_expired"),
        ("RECOVERY_MODE", "STUDENTS Send"),
    ]))
    .unwrap();
    let modes: Vec<_> = cfg.profiles.iter().map(|p| p.recovery).collect();
    assert_eq!(
        modes,
        [
            RecoveryMode::SendExpired,
            RecoveryMode::Send,
            RecoveryMode::Set
        ]
    );
    let default = ForgottenPassword::from_settings(&Settings::default()).unwrap();
    assert_eq!(default.profiles[0].recovery, RecoveryMode::Set);
}

#[test]
fn bad_recovery_modes_name_the_profile_and_setting() {
    let bad = |rows: &[(&str, &str)]| {
        ForgottenPassword::from_settings(&settings(rows))
            .unwrap_err()
            .to_string()
    };
    let unknown_word = bad(&[("PROFILES", "staff"), ("RECOVERY_MODE", "staff mail")]);
    assert!(
        unknown_word.contains("FORGOTTEN_PASSWORD/RECOVERY_MODE")
            && unknown_word.contains("profile staff")
            && unknown_word.contains("set, send or send_expired"),
        "{unknown_word}"
    );
    let no_value = bad(&[("RECOVERY_MODE", "send")]);
    assert!(no_value.contains("RECOVERY_MODE"), "{no_value}");
    let no_profile = bad(&[("RECOVERY_MODE", "staff send")]);
    assert!(
        no_profile.contains("RECOVERY_MODE") && no_profile.contains("no profile staff"),
        "{no_profile}"
    );
    let twice = bad(&[
        ("RECOVERY_MODE", "default send"),
        ("RECOVERY_MODE", "default set"),
    ]);
    assert!(twice.contains("set twice"), "{twice}");
}

#[test]
fn a_person_no_profile_takes_gets_none() {
    let cfg = ForgottenPassword::from_settings(&settings(&[
        ("PROFILES", "staff"),
        ("FILTER", "staff (ou=staff)"),
    ]))
    .unwrap();
    assert!(cfg.profile_for(&entry(&person("dee", &[])), &[]).is_none());
    assert!(!cfg.needs_classes());
}

#[test]
fn the_entry_has_the_login_id_and_person_defaults() {
    let e = entry(&person(
        "Eve",
        &[("uid", "e.other"), ("objectClass", "inetOrgPerson")],
    ));
    assert_eq!(e.get("loginId"), ["eve".to_owned()]);
    assert_eq!(e.get("uid"), ["e.other".to_owned()]);
    assert_eq!(e.get("objectClass"), ["inetOrgPerson".to_owned()]);
    let f = entry(&person("fay", &[]));
    assert_eq!(f.first("uid"), Some("fay"));
    assert_eq!(f.first("objectClass"), Some("person"));
    assert_eq!(f.first("mail"), Some("fay@example.org"));
}

#[test]
fn search_values_are_escaped_into_the_template() {
    let cfg = ForgottenPassword::from_settings(&settings(&search_settings())).unwrap();
    let q = cfg
        .search
        .query(&submitted(&[("login", "*)(uid=*"), ("mail", "a\\b(é)")]));
    let Query::Filter(f) = q else { panic!("{q:?}") };
    assert_eq!(
        f.to_string(),
        "(&(objectClass=person)(|(uid=\\2a\\29\\28uid=\\2a)(mail=a\\5cb\\28é\\29)))"
    );
    // NUL and other control characters find nobody (the matching rule would drop them).
    for typed in ["gil\0", "g\u{7}il", "\0*"] {
        assert_eq!(
            cfg.search
                .query(&submitted(&[("login", typed), ("mail", "x")])),
            Query::Nobody,
            "{typed:?}"
        );
    }
    let someone = entry(&person("gil", &[]));
    assert!(!f.matches(&someone));
    // A required field left empty searches for nobody.
    assert_eq!(
        cfg.search
            .query(&submitted(&[("login", "gil"), ("mail", "  ")])),
        Query::Nobody
    );
}

#[test]
fn an_empty_optional_value_never_widens_a_substring_search() {
    let cfg = ForgottenPassword::from_settings(&settings(&[
        ("SEARCH_FIELDS", "sn required Surname"),
        ("SEARCH_FIELDS", "cn optional Part of your name"),
        ("SEARCH_FILTER", "(&(sn=%sn%)(cn=*%cn%*))"),
    ]))
    .unwrap();
    assert!(!cfg.search.fields[1].required);
    // `(cn=**)` would be a presence test: refused.
    assert_eq!(
        cfg.search.query(&submitted(&[("sn", "Doe")])),
        Query::Nobody
    );
    assert!(matches!(
        cfg.search.query(&submitted(&[("sn", "Doe"), ("cn", "an")])),
        Query::Filter(_)
    ));
}

#[test]
fn bad_configurations_are_refused_with_the_setting_and_profile_named() {
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("PROFILES", "staff"), ("FILTER", "staff (ou=staff")],
            "FORGOTTEN_PASSWORD/FILTER for profile staff: \"(ou=staff\" is not a usable filter",
        ),
        (
            vec![("FILTER", "ghost (ou=x)")],
            "there is no profile ghost",
        ),
        (vec![("FILTER", "(ou=x)")], "is not `PROFILE value`"),
        (
            vec![("CHAIN", "default NO SUCH")],
            "CHAIN for profile default",
        ),
        (
            vec![("CHAIN", "default A"), ("CHAIN", "default B")],
            "set twice",
        ),
        (
            vec![("PROFILES", "a"), ("PROFILES", "A")],
            "lists profile A twice",
        ),
        (
            vec![("USER_CLASSES", "default bad class!")],
            "USER_CLASSES for profile default",
        ),
        (vec![("SEARCH_FIELDS", "mail nope Email")], "SEARCH_FIELDS"),
        (
            vec![("SEARCH_FILTER", "(mail=%mail%)")],
            "set FORGOTTEN_PASSWORD/SEARCH_FIELDS first",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "mail required Email"),
                ("SEARCH_FILTER", "(&(mail=%mail%)(sn=%sn%))"),
            ],
            "names %sn%, which is not a search field",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "mail required Email"),
                ("SEARCH_FIELDS", "sn required Surname"),
                ("SEARCH_FILTER", "(mail=%mail%)"),
            ],
            "does not use the search field sn",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "mail required Email"),
                ("SEARCH_FILTER", "(mail=%mail%"),
            ],
            "not an LDAP filter",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "csrf required Token"),
                ("SEARCH_FILTER", "(uid=%csrf%)"),
            ],
            "the reset pages use themselves",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "mail maybe Email"),
                ("SEARCH_FILTER", "(mail=%mail%)"),
            ],
            "`required` or `optional`",
        ),
        (
            vec![
                ("SEARCH_FIELDS", "mail required"),
                ("SEARCH_FILTER", "(mail=%mail%)"),
            ],
            "no label",
        ),
        (vec![("PROFILES", "not a name")], "is not valid"),
    ];
    for (rows, expected) in cases {
        let err = ForgottenPassword::from_settings(&settings(&rows)).unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{rows:?}: {err} (wanted {expected:?})"
        );
    }
}

/// The filter the template should give for these literal values.
fn expected(login: &str, mail: &str) -> Filter {
    let eq = |attr: &str, value: &str| Filter::Equal {
        attr: attr.into(),
        value: value.into(),
    };
    Filter::And(vec![
        eq("objectClass", "person"),
        Filter::Or(vec![eq("uid", login), eq("mail", mail)]),
    ])
}

proptest! {
    #[test]
    fn any_typed_value_keeps_the_templates_shape(login in any::<String>(), mail in any::<String>()) {
        let cfg = ForgottenPassword::from_settings(&settings(&search_settings())).unwrap();
        let (l, m): (String, String) = (
            login.trim().chars().take(MAX_VALUE_CHARS).collect(),
            mail.trim().chars().take(MAX_VALUE_CHARS).collect(),
        );
        let q = cfg.search.query(&submitted(&[("login", &login), ("mail", &mail)]));
        let control = |v: &str| v.chars().any(char::is_control);
        if l.is_empty() || m.is_empty() || control(&l) || control(&m) {
            prop_assert_eq!(q, Query::Nobody);
        } else {
            let Query::Filter(built) = q else { panic!("{q:?}") };
            // Written out for a directory and read back, it is still that filter.
            prop_assert_eq!(&ldap_filter::parse(&built.to_string()).unwrap(), &built);
            prop_assert_eq!(built, expected(&l, &m));
        }
    }

    #[test]
    fn special_characters_find_only_their_literal_value(
        typed in "[a-c*()\\\\\0é ]{1,6}",
        stored in "[a-c*()\\\\\0é]{1,6}",
    ) {
        let cfg = ForgottenPassword::from_settings(&settings(&[
            ("SEARCH_FIELDS", "nick required Nickname"),
            ("SEARCH_FILTER", "(&(objectClass=person)(nick=*%nick%*))"),
        ]))
        .unwrap();
        let holder = entry(&person("hal", &[("nick", &stored)]));
        match cfg.search.query(&submitted(&[("nick", &typed)])) {
            Query::Filter(f) => {
                let folded = crate::profile::fold_attribute(typed.trim());
                prop_assert_eq!(
                    f.matches(&holder),
                    crate::profile::fold_attribute(&stored).contains(folded.as_str())
                );
            }
            other => prop_assert!(typed.trim().is_empty() || typed.contains('\0'), "{other:?}"),
        }
    }
}
