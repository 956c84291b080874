//! Every scenario of spec §7 (and the research table's extras), as named tests, plus property
//! tests over random chains.

use super::flow::{Action, Chains, FlowState, ModuleResult};
use super::model::*;
use super::tally::{NO_STRONG_SUCCESS, Resolved, Verdict};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
pub(super) enum O {
    S,
    F(&'static str),
    I,
    E(&'static str),
}

pub(super) fn module(i: usize, control: Control, kind: ModuleType) -> ModuleDef {
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

pub(super) fn chain(id: &str, modules: Vec<ModuleDef>, abort: bool) -> ChainDef {
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
pub(super) fn run(spec: &[(Control, ModuleType, O)], abort: bool) -> (Verdict, Vec<usize>) {
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

pub(super) fn allow() -> Verdict {
    Verdict::Allow { strong: true }
}
pub(super) fn deny(r: &str) -> Verdict {
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

pub(super) fn selector_chain(id: &str, options: &str) -> ChainDef {
    let mut m = module(50, Req, ModuleType::SelectChain);
    m.settings.insert("available".into(), options.into());
    chain(id, vec![m], false)
}

mod at_least;
mod flows;
mod props;
