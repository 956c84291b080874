use super::*;
use crate::chain::lint::{Severity, lint};

fn baseline() -> Current {
    Current {
        chains: builtin::all(),
        rules: builtin::rules(),
        installed: BTreeSet::new(),
    }
}

/// Applies a change the way the store does.
fn apply(current: &Current, change: &Change, installing: bool) -> Current {
    let mut installed = current.installed.clone();
    for c in &change.components {
        if installing {
            installed.insert(c.clone());
        } else {
            installed.remove(c);
        }
    }
    Current {
        chains: change.chains.clone(),
        rules: change.rules.clone(),
        installed,
    }
}

fn sorted(mut chains: Vec<ChainDef>) -> Vec<ChainDef> {
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    chains
}

#[test]
fn every_component_installs_alone_on_a_fresh_config_without_lint_errors() {
    for c in catalogue::all() {
        let change = install(c.name, &baseline()).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let errors: Vec<_> = lint(&change.chains, &change.rules)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", c.name);
        assert_eq!(change.components.last().map(String::as_str), Some(c.name));
    }
}

#[test]
fn dependencies_come_first_and_offers_reach_the_selector() {
    let change = install("2factor", &baseline()).unwrap();
    assert_eq!(
        change.components,
        [
            "select",
            "pii",
            "personal_emailpin",
            "smspin_email",
            "2factor"
        ]
    );
    let default_login = change
        .chains
        .iter()
        .find(|c| c.id.as_str() == builtin::DEFAULT_LOGIN)
        .unwrap();
    let available = default_login.modules[0].settings["available"].clone();
    for chain in [
        "PASSWORD",
        "SECURITY_QUESTIONS",
        "PERSONAL_EMAIL_PIN",
        "SMS_PIN",
        "TWO_FACTOR",
    ] {
        assert!(available.split(',').any(|c| c == chain), "{available}");
    }
    assert!(change.rules.iter().filter(|r| r.owner == "2factor").count() >= 4);
    assert!(
        change
            .add_settings
            .iter()
            .any(|r| r.namespace == NS_SCENARIO && r.value == "2factor")
    );
}

#[test]
fn conflicts_are_refused_in_both_directions() {
    let after_email = apply(
        &baseline(),
        &install("smspin_email", &baseline()).unwrap(),
        true,
    );
    assert_eq!(
        install("smspin_http", &after_email),
        Err(ScenarioError::Conflict(
            "smspin_http".into(),
            "smspin_email".into()
        ))
    );
    let after_http = apply(
        &baseline(),
        &install("smspin_http", &baseline()).unwrap(),
        true,
    );
    assert!(matches!(
        install("2factor", &after_http),
        Err(ScenarioError::Conflict(..))
    ));
}

#[test]
fn uninstalling_removes_exactly_what_was_added() {
    let start = baseline();
    let installed = apply(&start, &install("2factor", &start).unwrap(), true);
    assert!(matches!(
        uninstall("pii", &installed),
        Err(ScenarioError::Needed(..))
    ));
    let mut current = installed;
    for name in [
        "2factor",
        "smspin_email",
        "personal_emailpin",
        "pii",
        "select",
    ] {
        let change = uninstall(name, &current).unwrap();
        assert!(change.remove_rows.iter().any(|r| r.value == name));
        current = apply(&current, &change, false);
    }
    assert_eq!(current.rules, start.rules);
    assert_eq!(sorted(current.chains), sorted(start.chains));
    assert!(current.installed.is_empty());
}

#[test]
fn refusals_are_clear() {
    assert_eq!(
        install("nope", &baseline()).unwrap_err().to_string(),
        "there is no component \"nope\" (see `latchkey scenario list`)"
    );
    let after = apply(
        &baseline(),
        &install("emailpin", &baseline()).unwrap(),
        true,
    );
    assert_eq!(
        install("emailpin", &after),
        Err(ScenarioError::AlreadyInstalled("emailpin".into()))
    );
    assert_eq!(
        uninstall("pii", &baseline()),
        Err(ScenarioError::NotInstalled("pii".into()))
    );
    let mut taken = baseline();
    let mut clash = builtin::all()[0].clone();
    clash.id = ChainId::new("EMAIL_PIN").unwrap();
    taken.chains.push(clash);
    assert!(matches!(
        install("emailpin", &taken),
        Err(ScenarioError::ChainExists { .. })
    ));
}

#[test]
fn demo_only_components_say_so() {
    let change = install("localauth", &baseline()).unwrap();
    assert!(
        change
            .notes
            .iter()
            .any(|n| n.contains("demonstrations only"))
    );
}
