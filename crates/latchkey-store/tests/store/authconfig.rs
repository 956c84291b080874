//! Chains and selector rules round-trip, replace in one transaction, and version every change.

use crate::common::on_both;
use latchkey_core::chain::builtin;
use latchkey_core::repo::{AuthConfigRepo, RepoError};

on_both!(chains_and_rules_round_trip_with_a_version, |store| {
    assert_eq!(store.auth_config_version().await.unwrap(), 0);
    let chains = builtin::all();
    let rules = builtin::rules();
    store
        .replace_auth_config(&chains, &rules, false)
        .await
        .unwrap();
    assert_eq!(store.chains().await.unwrap(), {
        let mut c: Vec<_> = chains.iter().cloned().map(|c| c.sorted()).collect();
        c.sort_by(|a, b| a.id.cmp(&b.id));
        c
    });
    assert_eq!(store.selector_rules().await.unwrap(), rules);
    let v1 = store.auth_config_version().await.unwrap();
    assert_eq!(v1, 1);

    // The same (selector, stage, rule) twice is a conflict and changes nothing.
    assert!(matches!(
        store.add_selector_rule(&rules[0]).await,
        Err(RepoError::Conflict(_))
    ));
    assert_eq!(store.auth_config_version().await.unwrap(), v1);

    let mut custom = chains[0].clone();
    custom.id = "MY_CHAIN".parse().unwrap();
    custom.builtin = false;
    custom.enabled = false;
    store.save_chain(&custom).await.unwrap();
    assert!(store.delete_chain(&custom.id).await.unwrap());
    assert!(!store.delete_chain(&custom.id).await.unwrap());
    assert!(
        store
            .remove_selector_rule(rules[0].cfg_id, 1, 1)
            .await
            .unwrap()
    );
    assert!(store.selector_rules().await.unwrap().is_empty());
    assert_eq!(store.auth_config_version().await.unwrap(), v1 + 4);

    // Replace keeping others leaves a custom chain alone.
    store.save_chain(&custom).await.unwrap();
    store
        .replace_auth_config(&chains, &rules, true)
        .await
        .unwrap();
    assert_eq!(store.chains().await.unwrap().len(), chains.len() + 1);
    store
        .replace_auth_config(&chains, &rules, false)
        .await
        .unwrap();
    assert_eq!(store.chains().await.unwrap().len(), chains.len());
});

on_both!(a_failed_replace_changes_nothing, |store| {
    let chains = builtin::all();
    let rules = builtin::rules();
    store
        .replace_auth_config(&chains, &rules, false)
        .await
        .unwrap();
    let before = (
        store.chains().await.unwrap(),
        store.selector_rules().await.unwrap(),
        store.auth_config_version().await.unwrap(),
    );
    // Two rules at the same position: the insert of the second fails inside the transaction.
    let doubled = vec![rules[0].clone(), rules[0].clone()];
    assert!(
        store
            .replace_auth_config(&[], &doubled, false)
            .await
            .is_err()
    );
    let after = (
        store.chains().await.unwrap(),
        store.selector_rules().await.unwrap(),
        store.auth_config_version().await.unwrap(),
    );
    assert_eq!(before, after);
});

on_both!(security_policies_round_trip, |store| {
    use latchkey_core::chain::policy::{PolicyRole, SecurityPolicy};
    let v0 = store.auth_config_version().await.unwrap();
    let mut sequence = builtin::all()
        .into_iter()
        .find(|c| c.id.as_str() == "PASSWORD")
        .unwrap();
    sequence.description = "Password for contractors".into();
    let policy = SecurityPolicy {
        id: "contractors".into(),
        attached_to: Some(("CONTRACTORS".parse().unwrap(), PolicyRole::Archetype)),
        sequences: vec![sequence],
        credentials: Default::default(),
    };
    store.save_policy(&policy).await.unwrap();
    assert_eq!(store.policies().await.unwrap(), vec![policy.clone()]);
    assert!(store.auth_config_version().await.unwrap() > v0);
    assert!(store.delete_policy("contractors").await.unwrap());
    assert!(!store.delete_policy("contractors").await.unwrap());
    assert!(store.policies().await.unwrap().is_empty());
});

on_both!(
    a_component_installs_and_uninstalls_in_one_transaction,
    |store| {
        use latchkey_core::repo::SettingsRepo;
        use latchkey_core::scenario::{self, Current, INSTALLED, NS_SCENARIO};
        store
            .replace_auth_config(&builtin::all(), &builtin::rules(), false)
            .await
            .unwrap();
        let before = (
            store.chains().await.unwrap(),
            store.selector_rules().await.unwrap(),
            store.settings().await.unwrap(),
        );
        let current = Current {
            chains: before.0.clone(),
            rules: before.1.clone(),
            installed: Default::default(),
        };
        let change = scenario::install("emailpin", &current).unwrap();
        store.apply_component_change(&change).await.unwrap();
        let settings = store.settings().await.unwrap();
        assert_eq!(
            settings.values(NS_SCENARIO, INSTALLED),
            ["select", "emailpin"]
        );
        assert_eq!(
            settings.value("AUTHCHAIN_EMAILPIN_CONFIG", "TRIES"),
            Some("3")
        );
        assert!(
            store
                .chains()
                .await
                .unwrap()
                .iter()
                .any(|c| c.id.as_str() == "EMAIL_PIN")
        );
        let installed = settings
            .values(NS_SCENARIO, INSTALLED)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let current = Current {
            chains: store.chains().await.unwrap(),
            rules: store.selector_rules().await.unwrap(),
            installed,
        };
        let change = scenario::uninstall("emailpin", &current).unwrap();
        store.apply_component_change(&change).await.unwrap();
        let installed: std::collections::BTreeSet<String> = store
            .settings()
            .await
            .unwrap()
            .values(NS_SCENARIO, INSTALLED)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let current = Current {
            chains: store.chains().await.unwrap(),
            rules: store.selector_rules().await.unwrap(),
            installed,
        };
        store
            .apply_component_change(&scenario::uninstall("select", &current).unwrap())
            .await
            .unwrap();
        let after = (
            store.chains().await.unwrap(),
            store.selector_rules().await.unwrap(),
            store.settings().await.unwrap(),
        );
        assert_eq!(after, before);
    }
);
