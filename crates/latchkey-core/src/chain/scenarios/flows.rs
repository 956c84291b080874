//! Multi-step scenarios: pending, retries, sub-chains, offers, caching.

use super::*;
use crate::chain::flow::{Action, Chains, FlowState, ModuleResult};
use crate::chain::tally::{NO_STRONG_SUCCESS, Resolved, Verdict};
use Control::{Required as Req, Requisite as Reqs};
use ModuleType::Password as Pw;

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
        crate::chain::builtin::shipped(&ChainId::new("DEFAULT_LOGIN").unwrap()).unwrap();
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
    assert_eq!(result, Err(crate::chain::flow::FlowError::TooDeep));
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
