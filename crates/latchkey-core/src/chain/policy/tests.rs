//! The midPoint merge table (research §8.4, M1–M14) adapted to our model, one named test
//! each; which policies apply; the explanation; and property tests of the merge.
//!
//! Adaptations: midPoint's sequence "identifier" is our chain id and its module "identifier" is
//! our CfgId. midPoint has channels and default sequences; we keep only the list order (M3)
//! and the header fields (M7). Its separate `modules` container does not exist here, because
//! modules live in their sequences (M12).

use super::explain::Level;
use super::*;
use crate::chain::admin;
use crate::chain::model::{ChainPurpose, Control, ModuleType};
use uuid::Uuid;

mod props;
mod reset;

use Control::{Optional, Required, Sufficient};
use ModuleType::{Hint, Password, Response, Totp};

fn m(cfg: u128, order: u32, kind: ModuleType, control: Control) -> ModuleDef {
    ModuleDef {
        cfg_id: CfgId(Uuid::from_u128(cfg)),
        order,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: Settings::new(),
    }
}

fn seq(id: &str, modules: Vec<ModuleDef>) -> ChainDef {
    ChainDef {
        id: ChainId::new(id).unwrap(),
        description: format!("{id} sign-in"),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules,
    }
}

fn policy(id: &str, sequences: Vec<ChainDef>) -> SecurityPolicy {
    SecurityPolicy {
        id: id.into(),
        sequences,
        ..SecurityPolicy::default()
    }
}

fn attached(p: SecurityPolicy, class: &str, role: PolicyRole) -> SecurityPolicy {
    SecurityPolicy {
        attached_to: Some((UserClassId::new(class).unwrap(), role)),
        ..p
    }
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn with_list(mut p: SecurityPolicy, name: &str, items: &[&str]) -> SecurityPolicy {
    p.credentials
        .lists
        .insert(name.into(), items.iter().map(|s| (*s).to_owned()).collect());
    p
}

/// CfgIds (low bits) of a sequence's modules in run order.
fn run_order(p: &SecurityPolicy, id: &str) -> Vec<u128> {
    p.sequence(&ChainId::new(id).unwrap())
        .unwrap()
        .modules
        .iter()
        .map(|m| m.cfg_id.0.as_u128())
        .collect()
}

fn module(p: &SecurityPolicy, id: &str, cfg: u128) -> ModuleDef {
    p.sequence(&ChainId::new(id).unwrap())
        .unwrap()
        .module(CfgId(Uuid::from_u128(cfg)))
        .unwrap()
        .clone()
}

fn list<'a>(p: &'a SecurityPolicy, name: &str) -> &'a [String] {
    &p.credentials.lists[name]
}

const GUI: &str = "DEFAULT_LOGIN";

#[test]
fn m1_modules_of_both_levels_run_by_order() {
    let global = policy("G", vec![seq(GUI, vec![m(1, 10, Password, Required)])]);
    let arch = policy("A", vec![seq(GUI, vec![m(2, 20, Totp, Required)])]);
    let eff = effective(&global, None, Some(&arch));
    assert_eq!(run_order(&eff, GUI), vec![1, 2]);
    let chain = &eff.chains()[0];
    let kinds: Vec<_> = chain.modules.iter().map(|m| (m.order, m.kind)).collect();
    assert_eq!(kinds, vec![(10, Password), (20, Totp)]);
}

#[test]
fn m2_a_specific_module_replaces_the_generic_one_entirely() {
    let mut generic = m(1, 10, Password, Sufficient);
    generic.settings = settings(&[("accept_empty", "true")]);
    generic.description = "global password".into();
    generic.bypass_on_retry = true;
    let global = policy("G", vec![seq(GUI, vec![generic, m(3, 50, Hint, Optional)])]);
    let specific = m(1, ORDER_UNSET, Password, Required);
    let arch = policy("A", vec![seq(GUI, vec![specific.clone()])]);
    let eff = effective(&global, None, Some(&arch));
    // Nothing is inherited: no accept_empty, no description, no bypass, no order.
    assert_eq!(module(&eff, GUI, 1), specific);
    assert_eq!(run_order(&eff, GUI), vec![3, 1], "unset order runs last");
}

#[test]
fn m3_unmatched_sequences_of_both_sides_are_kept_specific_first() {
    let global = policy("G", vec![seq(GUI, vec![m(1, 10, Password, Required)])]);
    let arch = policy("A", vec![seq("ARCH_LOGIN", vec![m(2, 10, Totp, Required)])]);
    let eff = effective(&global, None, Some(&arch));
    let ids: Vec<&str> = eff.sequences.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["ARCH_LOGIN", GUI]);
}

#[test]
fn m4_identity_is_the_cfg_id_never_the_kind_or_description() {
    let mut a = m(1, 10, Password, Required);
    a.description = "password".into();
    let mut b = m(2, 10, Password, Required);
    b.description = "password".into();
    let global = policy("G", vec![seq(GUI, vec![a])]);
    let arch = policy("A", vec![seq(GUI, vec![b])]);
    let eff = effective(&global, None, Some(&arch));
    assert_eq!(run_order(&eff, GUI), vec![2, 1], "two modules, both kept");
}

#[test]
fn m5_archetype_beats_organization_beats_global() {
    let global = policy("G", vec![seq(GUI, vec![m(1, 10, Password, Optional)])]);
    let org = policy(
        "O",
        vec![seq(
            GUI,
            vec![m(1, 10, Password, Sufficient), m(2, 20, Totp, Optional)],
        )],
    );
    let arch = policy("A", vec![seq(GUI, vec![m(1, 10, Password, Required)])]);
    let eff = effective(&global, Some(&org), Some(&arch));
    assert_eq!(module(&eff, GUI, 1).control, Required);
    assert_eq!(module(&eff, GUI, 2).control, Optional);
    let without_arch = effective(&global, Some(&org), None);
    assert_eq!(module(&without_arch, GUI, 1).control, Sufficient);
}

#[test]
fn m6_a_child_archetype_beats_its_parent() {
    let global = policy("G", vec![]);
    let parent = policy("PARENT", vec![seq(GUI, vec![m(1, 10, Password, Optional)])]);
    let child = policy("CHILD", vec![seq(GUI, vec![m(1, 10, Password, Required)])]);
    let arch = merge(&child, &parent);
    let eff = effective(&global, None, Some(&arch));
    assert_eq!(module(&eff, GUI, 1).control, Required);
    assert_eq!(eff.id, "CHILD");
}

#[test]
fn m7_sequence_header_is_specific_blank_description_falls_back() {
    let mut g = seq(GUI, vec![m(1, 10, Password, Required)]);
    g.builtin = true;
    g.cache_results = true;
    let mut a = seq(GUI, vec![]);
    a.description = " ".into();
    a.abort_on_failure = true;
    let eff = effective(&policy("G", vec![g]), None, Some(&policy("A", vec![a])));
    let merged = eff.sequence(&ChainId::new(GUI).unwrap()).unwrap();
    assert_eq!(merged.description, "DEFAULT_LOGIN sign-in");
    assert!(merged.abort_on_failure && !merged.cache_results);
    assert!(merged.builtin, "a built-in chain stays built in");
}

#[test]
fn m8_list_settings_are_unions_not_replacements() {
    let global = with_list(policy("G", vec![]), "targets", &["A"]);
    let empty = with_list(policy("A", vec![]), "targets", &[]);
    assert_eq!(list(&merge(&empty, &global), "targets"), ["A"]);
    // midPoint keeps only the specific [B]; spec §6 asks for a union.
    let b = with_list(policy("A", vec![]), "targets", &["B"]);
    assert_eq!(list(&merge(&b, &global), "targets"), ["B", "A"]);
}

#[test]
fn m9_list_union_has_no_duplicates() {
    let global = with_list(policy("G", vec![]), "ignored_paths", &["/b", "/a"]);
    let arch = with_list(policy("A", vec![]), "ignored_paths", &["/a", "/a"]);
    // midPoint gives [/a, /a, /b]: it re-adds the specific items.
    let one = with_list(policy("A", vec![]), "ignored_paths", &["/a"]);
    let only_b = with_list(policy("G", vec![]), "ignored_paths", &["/b"]);
    assert_eq!(list(&merge(&one, &only_b), "ignored_paths"), ["/a", "/b"]);
    assert_eq!(list(&merge(&arch, &global), "ignored_paths"), ["/a", "/b"]);
}

#[test]
fn m10_equal_order_keeps_the_specific_module_first() {
    let global = policy("G", vec![seq(GUI, vec![m(1, 10, Password, Sufficient)])]);
    let org = policy("O", vec![seq(GUI, vec![m(2, 10, Response, Sufficient)])]);
    let arch = policy("A", vec![seq(GUI, vec![m(3, 10, Totp, Sufficient)])]);
    let eff = effective(&global, Some(&org), Some(&arch));
    assert_eq!(run_order(&eff, GUI), vec![3, 2, 1]);
    // The chains the engine runs get unique orders in that sequence.
    let chain = &eff.chains()[0];
    let orders: Vec<u32> = chain.modules.iter().map(|m| m.order).collect();
    assert_eq!(orders, vec![10, 20, 30]);
    assert_eq!(admin::validate(chain), vec![]);
}

#[test]
fn m11_a_policy_without_sequences_takes_all_generic_ones() {
    let global = policy(
        "G",
        vec![
            seq(
                GUI,
                vec![m(1, 20, Password, Required), m(2, 10, Hint, Optional)],
            ),
            seq("HELPDESK_LOGIN", vec![m(3, 10, Response, Required)]),
        ],
    );
    let org = policy("O", vec![]);
    let eff = effective(&global, Some(&org), None);
    assert_eq!(eff.sequences, global.normalised().sequences);
    assert_eq!(eff.id, "O");
}

#[test]
fn m12_generic_modules_missing_from_the_specific_sequence_are_added() {
    let global = policy(
        "G",
        vec![seq(
            GUI,
            vec![m(1, 10, Password, Required), m(2, 20, Hint, Optional)],
        )],
    );
    let other_modules = policy("A", vec![seq(GUI, vec![m(3, 15, Totp, Required)])]);
    let eff = effective(&global, None, Some(&other_modules));
    assert_eq!(run_order(&eff, GUI), vec![1, 3, 2]);
    let no_modules = policy("A", vec![seq(GUI, vec![])]);
    let eff = effective(&global, None, Some(&no_modules));
    assert_eq!(run_order(&eff, GUI), vec![1, 2]);
}

#[test]
fn m13_credential_kinds_come_whole_from_the_most_specific_policy() {
    let mut global = policy("G", vec![]);
    global.credentials.password = Some(settings(&[("min_length", "8"), ("history", "5")]));
    global.credentials.security_questions = Some(settings(&[("count", "3")]));
    let mut arch = policy("A", vec![]);
    arch.credentials.password = Some(settings(&[("min_length", "14")]));
    let eff = effective(&global, None, Some(&arch));
    assert_eq!(
        eff.credentials.password, arch.credentials.password,
        "no history=5"
    );
    assert_eq!(
        eff.credentials.security_questions,
        global.credentials.security_questions
    );
    assert_eq!(eff.credentials.nonce, None);
}

#[test]
fn m14_reset_settings_are_taken_whole_even_when_empty() {
    let mut global = policy("G", vec![]);
    global.credentials.reset = Some(settings(&[("token_minutes", "30"), ("notify", "yes")]));
    let mut org = policy("O", vec![]);
    org.credentials.reset = Some(settings(&[("token_minutes", "10")]));
    let eff = effective(&global, Some(&org), None);
    assert_eq!(
        eff.credentials.reset,
        Some(settings(&[("token_minutes", "10")]))
    );
    let mut arch = policy("A", vec![]);
    arch.credentials.reset = Some(Settings::new());
    let eff = effective(&global, Some(&org), Some(&arch));
    assert_eq!(eff.credentials.reset, Some(Settings::new()));
}

// --- which policies apply ------------------------------------------------------------------

fn classes(ids: &[&str]) -> BTreeSet<UserClassId> {
    ids.iter().map(|c| UserClassId::new(*c).unwrap()).collect()
}

fn all_policies() -> Vec<SecurityPolicy> {
    vec![
        policy("GLOBAL", vec![]),
        attached(
            policy("SALES_POL", vec![]),
            "SALES",
            PolicyRole::Organization,
        ),
        attached(policy("EMEA_POL", vec![]), "EMEA", PolicyRole::Organization),
        attached(policy("STAFF_POL", vec![]), "STAFF", PolicyRole::Archetype),
        attached(policy("ROBOT_POL", vec![]), "ROBOTS", PolicyRole::Archetype),
    ]
}

#[test]
fn policies_for_picks_the_class_policies_of_each_role() {
    let all = all_policies();
    let (org, arch) = policies_for(&classes(&["SALES", "STAFF", "OTHER"]), &all).unwrap();
    assert_eq!(org.map(|p| p.id.as_str()), Some("SALES_POL"));
    assert_eq!(arch.map(|p| p.id.as_str()), Some("STAFF_POL"));
    let (org, arch) = policies_for(&classes(&["OTHER"]), &all).unwrap();
    assert!(
        org.is_none() && arch.is_none(),
        "the global policy is not attached"
    );
}

#[test]
fn two_organization_policies_are_ambiguous_never_a_guess() {
    let all = all_policies();
    let err = policies_for(&classes(&["SALES", "EMEA", "STAFF"]), &all).unwrap_err();
    let PolicyError::Ambiguous { role, candidates } = &err else {
        panic!("{err}")
    };
    assert_eq!(*role, PolicyRole::Organization);
    assert_eq!(candidates.len(), 2);
    let message = err.to_string();
    assert!(
        message.contains("class SALES carries policy SALES_POL"),
        "{message}"
    );
    assert!(
        message.contains("class EMEA carries policy EMEA_POL"),
        "{message}"
    );
    let err = policies_for(&classes(&["STAFF", "ROBOTS"]), &all).unwrap_err();
    assert!(matches!(
        err,
        PolicyError::Ambiguous {
            role: PolicyRole::Archetype,
            ..
        }
    ));
}

#[test]
fn validate_finds_duplicate_sequences_and_cfg_ids() {
    let p = policy(
        "P",
        vec![
            seq(
                GUI,
                vec![m(1, 10, Password, Required), m(1, 20, Totp, Required)],
            ),
            seq(GUI, vec![]),
        ],
    );
    let errors = p.validate();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        policy("G", vec![seq(GUI, vec![m(1, 10, Password, Required)])])
            .validate()
            .is_empty()
    );
}

// --- explanation -----------------------------------------------------------------------------

#[test]
fn explain_says_which_policy_each_module_came_from() {
    let mut global = policy("G", vec![seq(GUI, vec![m(1, 10, Password, Optional)])]);
    global.credentials.password = Some(settings(&[("min_length", "8")]));
    let org = policy(
        "O",
        vec![seq(
            GUI,
            vec![m(1, 10, Password, Sufficient), m(2, 20, Totp, Required)],
        )],
    );
    let mut arch = policy("A", vec![seq(GUI, vec![m(1, 10, Password, Required)])]);
    arch.credentials.password = Some(settings(&[("min_length", "14")]));
    let arch = with_list(arch, "ignored_paths", &["/a"]);
    let global = with_list(global, "ignored_paths", &["/b", "/a"]);

    let ex = explain_merge(&global, Some(&org), Some(&arch));
    assert_eq!(ex.policy, effective(&global, Some(&org), Some(&arch)));
    let [gui] = ex.sequences.as_slice() else {
        panic!()
    };
    let levels: Vec<Level> = gui.defined_by.iter().map(|o| o.level).collect();
    assert_eq!(
        levels,
        vec![Level::Archetype, Level::Organization, Level::Global]
    );
    let [password, totp] = gui.modules.as_slice() else {
        panic!()
    };
    assert_eq!(
        (password.from.level, password.replaces.len()),
        (Level::Archetype, 2)
    );
    assert_eq!(
        (totp.from.level, totp.replaces.len()),
        (Level::Organization, 0)
    );
    let lines = ex.lines();
    let expected = [
        "effective policy from archetype A, organization O, global G",
        "sequence DEFAULT_LOGIN (defined by archetype A, organization O, global G)",
        "credentials password: from archetype A (not used: global G)",
        "credentials nonce: not set by any policy",
        "list ignored_paths: /a (archetype A), /b (global G)",
    ];
    for line in expected {
        assert!(
            lines.iter().any(|l| l == line),
            "missing {line:?} in {lines:#?}"
        );
    }
    assert!(lines.iter().any(|l| l.contains("password")
        && l.contains("from archetype A, replacing organization O, global G")));
}
