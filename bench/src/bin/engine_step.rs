//! Engine step cost: ns per module step of the pure chain engine (no crypto, no IO).
//!
//! For chains of 1, 4, 8 and 32 required modules that all succeed, it runs complete flows
//! and reports the median over several rounds of (a) the engine in memory, (b) the engine with
//! the flow serialised and parsed between every step — what a login costs when its state goes
//! through the store — and (c) a floor: a loop over the same module list doing only the tally.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use latchkey_core::chain::tally::Tally;
use latchkey_core::chain::{
    Action, CfgId, ChainDef, ChainId, ChainPurpose, Chains, Control, FlowState, ModuleDef,
    ModuleResult, ModuleType, Resolved,
};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

fn chain(n: usize) -> ChainDef {
    ChainDef {
        id: ChainId::new("BENCH").unwrap(),
        description: String::new(),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules: (0..n)
            .map(|i| ModuleDef {
                cfg_id: CfgId(uuid::Uuid::from_u128(i as u128 + 1)),
                order: i as u32,
                kind: ModuleType::Password,
                control: Control::Required,
                description: String::new(),
                bypass_on_retry: false,
                increment_lockout: true,
                settings: BTreeMap::new(),
            })
            .collect(),
    }
}

fn run_flow(chains: &Chains, id: &ChainId, persist: bool) -> bool {
    let mut flow = FlowState::start(id.clone());
    loop {
        if persist {
            let text = serde_json::to_string(&flow).unwrap();
            flow = serde_json::from_str(&text).unwrap();
        }
        match flow.next_action(chains).unwrap() {
            Action::Finished(v) => return v.allowed(),
            Action::Evaluate { module, .. } => {
                flow.submit(
                    chains,
                    module.cfg_id,
                    ModuleResult::Outcome(Resolved::Success),
                )
                .unwrap();
            }
            Action::Choose { .. } => unreachable!(),
        }
    }
}

fn floor(def: &ChainDef) -> bool {
    let mut tally = Tally::default();
    for m in &def.modules {
        black_box(tally.apply(
            m.control,
            true,
            &Resolved::Success,
            false,
            ChainPurpose::Authentication,
            true,
        ));
    }
    tally.decide(ChainPurpose::Authentication, true).allowed()
}

/// Median ns per module step over `rounds` rounds of `flows` flows.
fn measure(steps: usize, flows: usize, mut f: impl FnMut() -> bool) -> f64 {
    let rounds = 7;
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..flows {
                assert!(black_box(f()));
            }
            start.elapsed().as_nanos() as f64 / (flows * steps) as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[rounds / 2]
}

fn main() {
    println!(
        "| modules | engine, in memory (ns/step) | engine + flow serialised each step (ns/step) | floor: tally only (ns/step) |"
    );
    println!("|---:|---:|---:|---:|");
    for n in [1usize, 4, 8, 32] {
        let def = chain(n);
        let chains = Chains::new([def.clone()]);
        let flows = 20_000 / n.max(1);
        let engine = measure(n, flows, || run_flow(&chains, &def.id, false));
        let persisted = measure(n, flows / 4 + 1, || run_flow(&chains, &def.id, true));
        let base = measure(n, flows * 10, || floor(&def));
        println!("| {n} | {engine:.0} | {persisted:.0} | {base:.1} |");
    }
}
