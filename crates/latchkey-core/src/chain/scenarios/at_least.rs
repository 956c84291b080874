//! `at_least` inside a flow: required modules around a menu of optional methods, each method a
//! sub-chain, "use another method", and the flow persisted between steps.

use super::*;
use crate::chain::at_least::{AtLeast, Decision, TOO_FEW_LEFT, decide};
use crate::chain::flow::FlowError;
use proptest::prelude::*;

const ROOT: &str = "RESET";

fn method_id(i: usize) -> ChainId {
    ChainId::new(&format!("METHOD_{i}")).unwrap()
}

/// ROOT = password (required), at_least (required, `n` methods, `minimum`), password
/// (required); METHOD_i = one `response` module.
fn setup(n: usize, minimum: usize) -> (Chains, ChainDef) {
    let mut at_least = module(1, Control::Required, ModuleType::AtLeast);
    let methods: Vec<String> = (0..n).map(|i| method_id(i).to_string()).collect();
    at_least
        .settings
        .insert("methods".into(), methods.join(","));
    at_least
        .settings
        .insert("minimum".into(), minimum.to_string());
    let root = chain(
        ROOT,
        vec![
            module(0, Control::Required, ModuleType::Password),
            at_least,
            module(2, Control::Required, ModuleType::Password),
        ],
        false,
    );
    let mut defs = vec![root.clone()];
    for i in 0..n {
        let mut m = module(10 + i, Control::Required, ModuleType::Response);
        m.order = 10;
        defs.push(chain(method_id(i).as_str(), vec![m], false));
    }
    (Chains::new(defs), root)
}

/// What the person does with a method.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Try {
    Pass,
    Fail,
    Leave,
}

/// Drives the flow like the edge does; `picks` chooses from each menu. Returns the verdict,
/// the methods run and every menu shown.
fn drive(
    chains: &Chains,
    root: &ChainDef,
    required: (bool, bool),
    methods: &[Try],
    mut pick: impl FnMut(&[ChainId]) -> usize,
) -> (Verdict, Vec<ChainId>, Vec<Vec<ChainId>>) {
    let mut flow = FlowState::start(root.id.clone());
    let (mut ran, mut menus) = (Vec::new(), Vec::new());
    loop {
        // Every step goes through storage, as between two requests.
        flow = serde_json::from_str(&serde_json::to_string(&flow).unwrap()).unwrap();
        match flow.next_action(chains).unwrap() {
            Action::Finished(v) => return (v, ran, menus),
            Action::Choose { options, .. } => {
                let choice = options[pick(&options)].clone();
                menus.push(options);
                ran.push(choice.clone());
                flow.choose(chains, &choice).unwrap();
            }
            Action::Evaluate { chain, module } => {
                let result = if module.kind == ModuleType::AtLeast {
                    match decide(&AtLeast::from_module(&module).unwrap(), &[]) {
                        Decision::Offer(left) => ModuleResult::Offer(left),
                        other => panic!("a fresh at_least decided: {other:?}"),
                    }
                } else if chain.as_str() == ROOT {
                    let ok = if module.order == 10 {
                        required.0
                    } else {
                        required.1
                    };
                    ModuleResult::Outcome(if ok {
                        Resolved::Success
                    } else {
                        Resolved::Fail("wrong password".into())
                    })
                } else {
                    let i: usize = chain.as_str()["METHOD_".len()..].parse().unwrap();
                    match methods[i] {
                        Try::Pass => ModuleResult::Outcome(Resolved::Success),
                        Try::Fail => ModuleResult::Outcome(Resolved::Fail("wrong".into())),
                        Try::Leave => {
                            assert!(flow.can_leave_method());
                            flow.leave_method(chains).unwrap();
                            continue;
                        }
                    }
                };
                flow.submit(chains, module.cfg_id, result).unwrap();
            }
        }
    }
}

#[test]
fn one_of_two_after_a_failed_first_choice() {
    let (chains, root) = setup(2, 1);
    let (v, ran, menus) = drive(&chains, &root, (true, true), &[Try::Fail, Try::Pass], |_| 0);
    assert_eq!(v, allow());
    assert_eq!(ran, vec![method_id(0), method_id(1)]);
    assert_eq!(
        menus,
        vec![vec![method_id(0), method_id(1)], vec![method_id(1)]],
        "the failed method is not offered again"
    );
}

#[test]
fn too_few_left_denies_without_another_menu() {
    let (chains, root) = setup(3, 2);
    let (v, ran, _) = drive(
        &chains,
        &root,
        (true, true),
        &[Try::Fail, Try::Leave, Try::Pass],
        |_| 0,
    );
    assert_eq!(v, deny(TOO_FEW_LEFT));
    assert_eq!(
        ran,
        vec![method_id(0), method_id(1)],
        "method 2 is pointless"
    );
}

#[test]
fn a_required_failure_denies_whatever_the_methods() {
    let (chains, root) = setup(2, 1);
    let (v, _, _) = drive(
        &chains,
        &root,
        (false, true),
        &[Try::Pass, Try::Pass],
        |_| 0,
    );
    assert_eq!(v, deny("wrong password"));
}

#[test]
fn leaving_only_inside_a_method_and_picks_only_from_the_menu() {
    let (chains, root) = setup(2, 1);
    let mut flow = FlowState::start(root.id.clone());
    assert!(!flow.can_leave_method());
    assert_eq!(flow.leave_method(&chains), Err(FlowError::NoMethod));
    let Action::Evaluate { module, .. } = flow.next_action(&chains).unwrap() else {
        panic!("password first");
    };
    flow.submit(
        &chains,
        module.cfg_id,
        ModuleResult::Outcome(Resolved::Success),
    )
    .unwrap();
    let Action::Evaluate { module, .. } = flow.next_action(&chains).unwrap() else {
        panic!("then at_least");
    };
    flow.submit(
        &chains,
        module.cfg_id,
        ModuleResult::Offer(vec![method_id(1)]),
    )
    .unwrap();
    assert!(flow.in_at_least());
    assert!(!flow.can_leave_method(), "the menu is not a method");
    assert!(flow.choose(&chains, &method_id(0)).is_err(), "not offered");
    flow.choose(&chains, &method_id(1)).unwrap();
    assert!(flow.can_leave_method());
    flow.leave_method(&chains).unwrap();
    // The left method counts as tried and not passed; method 0 is still untried.
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Choose {
            selector: module.cfg_id,
            options: vec![method_id(0)]
        }
    );
    assert_eq!(flow.frames[0].tried[0].chain, method_id(1));
    assert!(!flow.frames[0].tried[0].allowed);
}

#[test]
fn the_success_chain_counts_weakly() {
    let (methods, _) = setup(1, 1);
    let mut at_least = module(0, Control::Required, ModuleType::AtLeast);
    at_least.settings.insert("methods".into(), "SUCCESS".into());
    let root = chain("ONLY_SUCCESS", vec![at_least.clone()], false);
    let chains = Chains::new(methods.stored().cloned().chain([root.clone()]));
    let (v, _, _) = drive(&chains, &root, (true, true), &[], |_| 0);
    assert_eq!(v, deny(NO_STRONG_SUCCESS), "SUCCESS never authenticates");
}

proptest! {
    /// The whole chain allows iff both required modules pass and at least `minimum` methods
    /// pass, whatever the order the person picks them in and whichever they leave.
    #[test]
    fn allows_iff_required_pass_and_enough_methods(
        required in (any::<bool>(), any::<bool>()),
        methods in proptest::collection::vec(
            prop_oneof![Just(Try::Pass), Just(Try::Fail), Just(Try::Leave)], 1..5),
        minimum_seed in 0usize..5,
        seed in any::<u64>(),
    ) {
        let minimum = minimum_seed % methods.len() + 1;
        let (chains, root) = setup(methods.len(), minimum);
        let mut s = seed;
        let (verdict, ran, _) = drive(&chains, &root, required, &methods, |options| {
            s = s.rotate_left(11) ^ 0x5bd1_e995;
            usize::try_from(s % options.len() as u64).unwrap()
        });
        let passing = methods.iter().filter(|t| **t == Try::Pass).count();
        let expected = required.0 && required.1 && passing >= minimum;
        prop_assert_eq!(matches!(verdict, Verdict::Allow { strong: true }), expected);
        let weak = matches!(verdict, Verdict::Allow { strong: false });
        prop_assert!(!weak, "methods here are strong");
        let distinct: std::collections::BTreeSet<_> = ran.iter().collect();
        prop_assert_eq!(distinct.len(), ran.len(), "a method ran twice");
    }
}
