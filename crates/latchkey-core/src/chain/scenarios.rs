//! Every scenario of spec §7 (and the research table's extras), as named tests, plus property
//! tests over random chains.

use super::flow::{Action, Chains, FlowState, ModuleResult};
use super::model::*;
use super::tally::{NO_STRONG_SUCCESS, Resolved, Verdict};
use proptest::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
enum O {
    S,
    F(&'static str),
    I,
    E(&'static str),
}

fn module(i: usize, control: Control, kind: ModuleType) -> ModuleDef {
    ModuleDef {
        cfg_id: CfgId(Uuid::from_u128(1000 + i as u128)),
        order: (i as u32 + 1) * 10,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: BTreeMap::new(),
    }
}

fn chain(id: &str, modules: Vec<ModuleDef>, abort: bool) -> ChainDef {
    ChainDef {
        id: ChainId::new(id).unwrap(),
        description: id.into(),
        enabled: true,
        builtin: false,
        abort_on_failure: abort,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules,
    }
}

/// Runs a single chain whose modules answer from `script`; returns the verdict and the
/// 1-based positions of the modules invoked.
fn run(spec: &[(Control, ModuleType, O)], abort: bool) -> (Verdict, Vec<usize>) {
    let def = chain(
        "T",
        spec.iter()
            .enumerate()
            .map(|(i, (c, k, _))| module(i, *c, *k))
            .collect(),
        abort,
    );
    let chains = Chains::new([def.clone()]);
    let mut flow = FlowState::start(def.id.clone());
    let mut ran = Vec::new();
    loop {
        match flow.next_action(&chains).unwrap() {
            Action::Finished(v) => return (v, ran),
            Action::Evaluate { module, .. } => {
                let i = def
                    .modules
                    .iter()
                    .position(|m| m.cfg_id == module.cfg_id)
                    .unwrap();
                ran.push(i + 1);
                let outcome = match spec[i].2 {
                    O::S => Resolved::Success,
                    O::F(r) => Resolved::Fail(r.into()),
                    O::I => Resolved::Ignore,
                    O::E(r) => Resolved::Error(r.into()),
                };
                flow.submit(&chains, module.cfg_id, ModuleResult::Outcome(outcome))
                    .unwrap();
            }
            Action::Choose { .. } => unreachable!(),
        }
    }
}

use Control::{
    Binding as Bind, Optional as Opt, Required as Req, Requisite as Reqs, Sufficient as Suff,
};
use ModuleType::{Password as Pw, UserIdent as Id};
use O::*;

fn allow() -> Verdict {
    Verdict::Allow { strong: true }
}
fn deny(r: &str) -> Verdict {
    Verdict::Deny(r.into())
}

#[test]
fn s01_required_required() {
    assert_eq!(
        run(&[(Req, Pw, S), (Req, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn s02_required_failure_reported_after_running_all() {
    assert_eq!(
        run(&[(Req, Pw, F("e1")), (Req, Pw, S)], false),
        (deny("e1"), vec![1, 2])
    );
}
#[test]
fn s03_requisite_stops() {
    assert_eq!(
        run(&[(Reqs, Pw, F("e")), (Req, Pw, S)], false),
        (deny("e"), vec![1])
    );
}
#[test]
fn s04_first_blocking_failure_wins() {
    assert_eq!(
        run(
            &[(Req, Pw, F("e1")), (Reqs, Pw, F("e2")), (Req, Pw, S)],
            false
        ),
        (deny("e1"), vec![1, 2])
    );
}
#[test]
fn s05_sufficient_success_stops() {
    assert_eq!(
        run(&[(Suff, Pw, S), (Req, Pw, F("e"))], false),
        (allow(), vec![1])
    );
}
#[test]
fn s06_sufficient_does_not_stop_after_required_failure() {
    assert_eq!(
        run(&[(Req, Pw, F("e1")), (Suff, Pw, S), (Req, Pw, S)], false),
        (deny("e1"), vec![1, 2, 3])
    );
}
#[test]
fn s07_two_sufficient_failures() {
    assert_eq!(
        run(&[(Suff, Pw, F("a")), (Suff, Pw, F("b"))], false),
        (deny("a"), vec![1, 2])
    );
}
#[test]
fn s08_optional_success_after_sufficient_failures() {
    assert_eq!(
        run(
            &[(Suff, Pw, F("a")), (Suff, Pw, F("b")), (Opt, Pw, S)],
            false
        ),
        (allow(), vec![1, 2, 3])
    );
}
#[test]
fn s09_lone_optional_failure() {
    assert_eq!(run(&[(Opt, Pw, F("a"))], false), (deny("a"), vec![1]));
}
#[test]
fn s10_required_ignore_alone_denies() {
    assert_eq!(run(&[(Req, Pw, I)], false).1, vec![1]);
    assert!(!run(&[(Req, Pw, I)], false).0.allowed());
}
#[test]
fn s11_required_ignore_is_not_a_failure() {
    assert_eq!(
        run(&[(Req, Pw, I), (Opt, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn s12_empty_chain_denies() {
    assert!(!run(&[], false).0.allowed());
}
#[test]
fn s13_binding_success_stops() {
    assert_eq!(
        run(&[(Bind, Pw, S), (Req, Pw, F("e"))], false),
        (allow(), vec![1])
    );
}
#[test]
fn s14_error_is_not_ignore() {
    assert_eq!(
        run(&[(Req, Pw, E("boom")), (Opt, Pw, S)], false),
        (deny("boom"), vec![1, 2])
    );
}
#[test]
fn s15_weak_sufficient_alone_denies() {
    assert_eq!(
        run(&[(Suff, Id, S)], false),
        (deny(NO_STRONG_SUCCESS), vec![1])
    );
}
#[test]
fn s16_identification_then_password() {
    assert_eq!(
        run(&[(Req, Id, S), (Req, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn s17_abort_on_failure() {
    assert_eq!(
        run(&[(Opt, Pw, F("a")), (Req, Pw, S)], true),
        (deny("a"), vec![1])
    );
}
#[test]
fn t07_later_required_never_runs_after_sufficient() {
    assert_eq!(
        run(&[(Req, Pw, S), (Suff, Pw, S), (Req, Pw, F("e"))], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t08_sufficient_failure_ignored() {
    assert_eq!(
        run(&[(Suff, Pw, F("a")), (Req, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t14_optional_then_required_failure() {
    assert_eq!(
        run(&[(Opt, Pw, S), (Req, Pw, F("e"))], false),
        (deny("e"), vec![1, 2])
    );
}
#[test]
fn t19_binding_failure_blocks() {
    assert_eq!(
        run(&[(Bind, Pw, F("e")), (Suff, Pw, S)], false),
        (deny("e"), vec![1, 2])
    );
}
#[test]
fn t21_optional_failure_does_not_block_binding() {
    assert_eq!(
        run(
            &[(Opt, Pw, F("o")), (Bind, Pw, S), (Req, Pw, F("e"))],
            false
        ),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t24_sufficient_error_ignored() {
    assert_eq!(
        run(&[(Suff, Pw, E("x")), (Req, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t25_requisite_error_stops() {
    assert_eq!(
        run(&[(Reqs, Pw, E("x")), (Req, Pw, S)], false),
        (deny("x"), vec![1])
    );
}
#[test]
fn t28_weak_sufficient_does_not_stop() {
    assert_eq!(
        run(&[(Suff, Id, S), (Req, Pw, S)], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t29_last_sufficient_failure_after_required_success_allows() {
    assert_eq!(
        run(&[(Req, Pw, S), (Suff, Pw, F("x"))], false),
        (allow(), vec![1, 2])
    );
}
#[test]
fn t32_requisite_reports_its_own_failure_over_an_optional_one() {
    assert_eq!(
        run(
            &[(Opt, Pw, F("e1")), (Reqs, Pw, F("e2")), (Req, Pw, S)],
            false
        ),
        (deny("e2"), vec![1, 2])
    );
}
#[test]
fn t33_required_failure_beats_earlier_optional() {
    assert_eq!(
        run(&[(Opt, Pw, F("e2")), (Req, Pw, F("e1"))], false),
        (deny("e1"), vec![1, 2])
    );
}

/// Scenario 18: a pending module resumes with the run's state intact; module 1 is not re-run.
#[test]
fn s18_pending_resumes_at_the_same_module() {
    let def = chain("P", vec![module(0, Req, Pw), module(1, Req, Pw)], false);
    let chains = Chains::new([def.clone()]);
    let mut flow = FlowState::start(def.id.clone());
    let m1 = def.modules[0].cfg_id;
    let m2 = def.modules[1].cfg_id;
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Evaluate {
            chain: def.id.clone(),
            module: def.modules[0].clone()
        }
    );
    flow.submit(&chains, m1, ModuleResult::Outcome(Resolved::Success))
        .unwrap();
    flow.submit(&chains, m2, ModuleResult::Pending).unwrap();
    // Persisted and loaded again (any node continues it).
    let saved = serde_json::to_string(&flow).unwrap();
    let mut flow: FlowState = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Evaluate {
            chain: def.id.clone(),
            module: def.modules[1].clone()
        }
    );
    flow.submit(&chains, m2, ModuleResult::Outcome(Resolved::Success))
        .unwrap();
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Finished(allow())
    );
    assert_eq!(flow.frames.last().map(|f| f.run.ran.clone()), None);
}

/// Scenario 19: bypass on retry within one transaction.
#[test]
fn s19_bypass_on_retry() {
    let mut pw = module(0, Req, Pw);
    pw.bypass_on_retry = true;
    let otp = module(1, Req, ModuleType::Totp);
    let def = chain("B", vec![pw.clone(), otp.clone()], false);
    let chains = Chains::new([def.clone()]);
    let mut flow = FlowState::start(def.id.clone());
    let mut evaluated = Vec::new();
    let answer = |flow: &mut FlowState, otp_ok: bool, evaluated: &mut Vec<CfgId>| loop {
        match flow.next_action(&chains).unwrap() {
            Action::Finished(v) => return v,
            Action::Evaluate { module, .. } => {
                evaluated.push(module.cfg_id);
                let ok = module.cfg_id == pw.cfg_id || otp_ok;
                let outcome = if ok {
                    Resolved::Success
                } else {
                    Resolved::Fail("bad code".into())
                };
                flow.submit(&chains, module.cfg_id, ModuleResult::Outcome(outcome))
                    .unwrap();
            }
            Action::Choose { .. } => unreachable!(),
        }
    };
    assert_eq!(answer(&mut flow, false, &mut evaluated), deny("bad code"));
    flow.retry();
    assert_eq!(answer(&mut flow, true, &mut evaluated), allow());
    assert_eq!(
        evaluated,
        vec![pw.cfg_id, otp.cfg_id, otp.cfg_id],
        "password not asked again"
    );
}

/// R2: a failed bypass module is always re-run.
#[test]
fn r2_failed_modules_are_rerun() {
    let mut pw = module(0, Req, Pw);
    pw.bypass_on_retry = true;
    let def = chain("R", vec![pw.clone(), module(1, Req, Pw)], false);
    let chains = Chains::new([def.clone()]);
    let mut flow = FlowState::start(def.id.clone());
    flow.next_action(&chains).unwrap();
    flow.submit(
        &chains,
        pw.cfg_id,
        ModuleResult::Outcome(Resolved::Fail("x".into())),
    )
    .unwrap();
    flow.next_action(&chains).unwrap();
    flow.submit(
        &chains,
        def.modules[1].cfg_id,
        ModuleResult::Outcome(Resolved::Success),
    )
    .unwrap();
    assert!(matches!(
        flow.next_action(&chains).unwrap(),
        Action::Finished(Verdict::Deny(_))
    ));
    flow.retry();
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Evaluate {
            chain: def.id.clone(),
            module: pw
        }
    );
}

/// Scenario 20: after a requisite failure, an answer for module 2 is refused and the next
/// attempt starts at module 1 with nothing replayed.
#[test]
fn s20_no_step_skipping_after_requisite_failure() {
    let mut first = module(0, Reqs, Pw);
    first.bypass_on_retry = true;
    let second = module(1, Req, Pw);
    let def = chain("K", vec![first.clone(), second.clone()], false);
    let chains = Chains::new([def.clone()]);
    let mut flow = FlowState::start(def.id.clone());
    flow.next_action(&chains).unwrap();
    assert!(
        flow.submit(
            &chains,
            second.cfg_id,
            ModuleResult::Outcome(Resolved::Success)
        )
        .is_err()
    );
    flow.submit(
        &chains,
        first.cfg_id,
        ModuleResult::Outcome(Resolved::Fail("no".into())),
    )
    .unwrap();
    assert!(matches!(
        flow.next_action(&chains).unwrap(),
        Action::Finished(Verdict::Deny(_))
    ));
    assert!(
        flow.submit(
            &chains,
            second.cfg_id,
            ModuleResult::Outcome(Resolved::Success)
        )
        .is_err()
    );
    flow.retry();
    assert!(
        flow.submit(
            &chains,
            second.cfg_id,
            ModuleResult::Outcome(Resolved::Success)
        )
        .is_err()
    );
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Evaluate {
            chain: def.id.clone(),
            module: first
        }
    );
}

fn selector_chain(id: &str, options: &str) -> ChainDef {
    let mut m = module(50, Req, ModuleType::SelectChain);
    m.settings.insert("available".into(), options.into());
    chain(id, vec![m], false)
}

/// Sub-chain semantics (S4): a sufficient success ends only the sub-chain; the parent's later
/// required module still runs and decides.
#[test]
fn sub_chain_stops_end_only_the_sub_chain() {
    let sub = chain("SUB", vec![module(1, Suff, Pw), module(2, Req, Pw)], false);
    let mut outer = selector_chain("OUTER", "SUB");
    outer.modules.push(module(60, Req, Pw));
    let chains = Chains::new([sub.clone(), outer.clone()]);
    let mut flow = FlowState::start(outer.id.clone());
    let mut ran = Vec::new();
    let verdict = loop {
        match flow.next_action(&chains).unwrap() {
            Action::Finished(v) => break v,
            Action::Evaluate { module, .. } => {
                ran.push(module.order);
                let result = if module.kind == ModuleType::SelectChain {
                    ModuleResult::Enter(sub.id.clone())
                } else if module.order == 610 {
                    ModuleResult::Outcome(Resolved::Fail("outer required".into()))
                } else {
                    ModuleResult::Outcome(Resolved::Success)
                };
                flow.submit(&chains, module.cfg_id, result).unwrap();
            }
            Action::Choose { .. } => unreachable!(),
        }
    };
    assert_eq!(ran, vec![510, 20, 610]);
    assert_eq!(verdict, deny("outer required"));
}

/// The SUCCESS chain completes a second factor but never authenticates on its own.
#[test]
fn success_chain_is_weak() {
    let outer = selector_chain("ONLY_SELECT", "SUCCESS");
    let chains = Chains::new([outer.clone()]);
    let mut flow = FlowState::start(outer.id.clone());
    let Action::Evaluate { module, .. } = flow.next_action(&chains).unwrap() else {
        panic!()
    };
    flow.submit(
        &chains,
        module.cfg_id,
        ModuleResult::Enter(ChainId::new("SUCCESS").unwrap()),
    )
    .unwrap();
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Finished(deny(NO_STRONG_SUCCESS))
    );
}

/// Scenario 21: several chains offered, a pick outside the offer is refused; none → the
/// selector fails.
#[test]
fn s21_offers_and_picks() {
    let a = chain("A", vec![module(1, Req, Pw)], false);
    let outer = selector_chain("PICK", "A,SUCCESS");
    let chains = Chains::new([a.clone(), outer.clone()]);
    let mut flow = FlowState::start(outer.id.clone());
    let Action::Evaluate { module, .. } = flow.next_action(&chains).unwrap() else {
        panic!()
    };
    flow.submit(
        &chains,
        module.cfg_id,
        ModuleResult::Offer(vec![a.id.clone()]),
    )
    .unwrap();
    assert!(matches!(
        flow.next_action(&chains).unwrap(),
        Action::Choose { .. }
    ));
    assert!(
        flow.choose(&chains, &ChainId::new("SUCCESS").unwrap())
            .is_err()
    );
    flow.choose(&chains, &a.id).unwrap();
    let Action::Evaluate { module: pw, .. } = flow.next_action(&chains).unwrap() else {
        panic!()
    };
    flow.submit(&chains, pw.cfg_id, ModuleResult::Outcome(Resolved::Success))
        .unwrap();
    assert_eq!(
        flow.next_action(&chains).unwrap(),
        Action::Finished(allow())
    );
    let mut none = FlowState::start(outer.id.clone());
    let Action::Evaluate { module, .. } = none.next_action(&chains).unwrap() else {
        panic!()
    };
    none.submit(
        &chains,
        module.cfg_id,
        ModuleResult::Outcome(Resolved::Fail("no chain for you".into())),
    )
    .unwrap();
    assert_eq!(
        none.next_action(&chains).unwrap(),
        Action::Finished(deny("no chain for you"))
    );
}

/// A disabled built-in chain falls back to its shipped definition; a disabled custom chain is
/// unavailable; chains that call themselves stop at the depth limit.
#[test]
fn fallbacks_and_loops() {
    let mut default_login =
        super::builtin::shipped(&ChainId::new("DEFAULT_LOGIN").unwrap()).unwrap();
    default_login.modules.clear();
    default_login.enabled = false;
    let mut custom = chain("CUSTOM", vec![module(1, Req, Pw)], false);
    custom.enabled = false;
    let chains = Chains::new([default_login, custom.clone()]);
    let got = chains.get(&ChainId::new("DEFAULT_LOGIN").unwrap()).unwrap();
    assert_eq!(got.modules.len(), 1, "shipped definition restored");
    assert!(chains.get(&custom.id).is_none());
    let looping = selector_chain("LOOP", "LOOP");
    let chains = Chains::new([looping.clone()]);
    let mut flow = FlowState::start(looping.id.clone());
    let mut result = Ok(());
    for _ in 0..20 {
        let Ok(Action::Evaluate { module, .. }) = flow.next_action(&chains) else {
            break;
        };
        result = flow.submit(
            &chains,
            module.cfg_id,
            ModuleResult::Enter(looping.id.clone()),
        );
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(super::flow::FlowError::TooDeep));
}

fn arb_outcome() -> impl Strategy<Value = O> {
    prop_oneof![Just(S), Just(F("f")), Just(I), Just(E("e"))]
}
fn arb_control() -> impl Strategy<Value = Control> {
    prop_oneof![Just(Bind), Just(Req), Just(Reqs), Just(Suff), Just(Opt)]
}
fn arb_kind() -> impl Strategy<Value = ModuleType> {
    prop_oneof![Just(Pw), Just(Id)]
}
fn arb_chain() -> impl Strategy<Value = Vec<(Control, ModuleType, O)>> {
    proptest::collection::vec((arb_control(), arb_kind(), arb_outcome()), 0..7)
}

proptest! {
    /// An error never allows: replacing any success with an error never turns deny into allow,
    /// and a chain whose only "successes" are errors denies.
    #[test]
    fn an_error_never_allows(spec in arb_chain()) {
        let errored: Vec<_> = spec.iter().map(|(c, k, o)| (*c, *k, if matches!(o, S) { E("e") } else { *o })).collect();
        prop_assert!(!run(&errored, false).0.allowed());
    }

    /// An empty or all-ignored chain always denies.
    #[test]
    fn all_ignored_denies(spec in arb_chain()) {
        let ignored: Vec<_> = spec.iter().map(|(c, k, _)| (*c, *k, I)).collect();
        prop_assert!(!run(&ignored, false).0.allowed());
    }

    /// Appending an optional module that ignores never changes the verdict.
    #[test]
    fn trailing_optional_ignore_changes_nothing(spec in arb_chain()) {
        let mut longer = spec.clone();
        longer.push((Opt, Pw, I));
        prop_assert_eq!(run(&spec, false).0.allowed(), run(&longer, false).0.allowed());
    }

    /// Allow needs a strong success.
    #[test]
    fn allow_needs_a_strong_success(spec in arb_chain()) {
        let weak: Vec<_> = spec.iter().map(|(c, _, o)| (*c, Id, *o)).collect();
        prop_assert!(!run(&weak, false).0.allowed());
    }
}

/// R5/R6: a cached sub-chain success is replayed only in the same context (user, configuration
/// version, selector inputs); any change runs the chain again.
#[test]
fn cached_results_are_keyed_by_context() {
    let mut sub = chain("CACHED", vec![module(1, Req, Pw)], false);
    sub.cache_results = true;
    let mut outer = selector_chain("OUT", "CACHED");
    outer.modules.push(module(60, Req, Pw));
    let chains = Chains::new([sub.clone(), outer.clone()]);
    let run_attempt = |flow: &mut FlowState, outer_ok: bool| -> (Verdict, usize) {
        let mut sub_runs = 0;
        loop {
            match flow.next_action(&chains).unwrap() {
                Action::Finished(v) => return (v, sub_runs),
                Action::Evaluate { module, .. } => {
                    let result = if module.kind == ModuleType::SelectChain {
                        ModuleResult::Enter(sub.id.clone())
                    } else if module.order == 610 {
                        ModuleResult::Outcome(if outer_ok {
                            Resolved::Success
                        } else {
                            Resolved::Fail("x".into())
                        })
                    } else {
                        sub_runs += 1;
                        ModuleResult::Outcome(Resolved::Success)
                    };
                    flow.submit(&chains, module.cfg_id, result).unwrap();
                }
                Action::Choose { .. } => unreachable!(),
            }
        }
    };
    let mut flow = FlowState::start(outer.id.clone());
    flow.cache_context = Some("user-a|v1|facts".into());
    assert_eq!(run_attempt(&mut flow, false), (deny("x"), 1));
    flow.retry();
    assert_eq!(
        run_attempt(&mut flow, true),
        (allow(), 0),
        "replayed from the cache"
    );
    // Another configuration version (or user, or request context): run again.
    let mut other = FlowState::start(outer.id.clone());
    other.cache = flow.cache.clone();
    other.cache_context = Some("user-a|v2|facts".into());
    assert_eq!(run_attempt(&mut other, true), (allow(), 1));
    // No context (e.g. nobody identified yet): nothing is cached or replayed.
    let mut none = FlowState::start(outer.id.clone());
    none.cache = flow.cache.clone();
    assert_eq!(run_attempt(&mut none, true), (allow(), 1));
}

/// A weak sub-chain (the SUCCESS chain behind a recognised browser) completes a second factor
/// after a strong module, but never authenticates alone — at any depth.
#[test]
fn weak_sub_chains_complete_a_second_factor_only() {
    let mut second = selector_chain("SECOND", "SUCCESS");
    second.id = ChainId::new("SECOND").unwrap();
    let mut outer = chain("TWO", vec![module(1, Req, Pw)], false);
    let mut select = module(2, Req, ModuleType::SelectChain);
    select.settings.insert("available".into(), "SECOND".into());
    outer.modules.push(select);
    let chains = Chains::new([second.clone(), outer.clone()]);
    let drive = |root: &ChainDef, password_ok: bool| {
        let mut flow = FlowState::start(root.id.clone());
        loop {
            match flow.next_action(&chains).unwrap() {
                Action::Finished(v) => return v,
                Action::Evaluate { module, chain } => {
                    let result = match module.kind {
                        ModuleType::SelectChain if chain.as_str() == "TWO" => {
                            ModuleResult::Enter(second.id.clone())
                        }
                        ModuleType::SelectChain => {
                            ModuleResult::Enter(ChainId::new("SUCCESS").unwrap())
                        }
                        _ if password_ok => ModuleResult::Outcome(Resolved::Success),
                        _ => ModuleResult::Outcome(Resolved::Fail("wrong".into())),
                    };
                    flow.submit(&chains, module.cfg_id, result).unwrap();
                }
                Action::Choose { .. } => unreachable!(),
            }
        }
    };
    assert_eq!(drive(&outer, true), allow());
    assert_eq!(drive(&outer, false), deny("wrong"));
    // Started on its own, the weak chain denies.
    assert_eq!(drive(&second, true), deny(NO_STRONG_SUCCESS));
}
