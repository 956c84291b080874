//! One run of one chain: which module is next, what its outcome does, what a retry skips.
//!
//! A run only accepts the outcome of the module it is waiting for, so an answer posted for a
//! later module (step skipping, spec scenario 20) is refused. A pending module stays current
//! with the run's state intact until its answer comes.

use super::model::{CfgId, ChainDef, ModuleDef};
use super::tally::{Resolved, Step, Tally, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The state of a run (persisted in the flow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRun {
    /// Index of the current module in the chain's sorted module list.
    pub position: usize,
    /// The tally of outcomes so far.
    pub tally: Tally,
    /// Modules invoked, in order (a pending module that resumes appears twice).
    pub ran: Vec<CfgId>,
    /// Successes of the previous attempt that this attempt replays instead of asking again.
    pub bypass: BTreeSet<CfgId>,
    /// Modules that succeeded in this attempt.
    pub succeeded: Vec<CfgId>,
    /// The module waiting for input, if any.
    pub pending: Option<CfgId>,
    /// The verdict once the run is over.
    pub verdict: Option<Verdict>,
    /// A requisite failure or an abort: the next attempt starts over without bypass.
    pub invalidated: bool,
    /// The run a flow started with (the only one that must see a strong success itself).
    #[serde(default)]
    pub outermost: bool,
}

/// What the run needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<'a> {
    /// Evaluate this module.
    Run(&'a ModuleDef),
    /// The run is over.
    Done(Verdict),
}

/// An outcome was offered for a module the run is not waiting for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// Not the current module (a skipped step, a stale form, a forged post).
    #[error("module {got} is not the current step of this chain")]
    NotCurrent {
        /// What was offered.
        got: CfgId,
    },
    /// The run is already over.
    #[error("this chain run is already finished")]
    Finished,
}

impl ChainRun {
    /// A fresh attempt; `bypass` holds the successes of the previous attempt that may be
    /// replayed (see [`ChainRun::retry_bypass`]).
    pub fn start(bypass: BTreeSet<CfgId>) -> Self {
        Self {
            position: 0,
            tally: Tally::default(),
            ran: Vec::new(),
            bypass,
            succeeded: Vec::new(),
            pending: None,
            verdict: None,
            invalidated: false,
            outermost: false,
        }
    }

    /// A flow's first run.
    pub fn start_outermost(bypass: BTreeSet<CfgId>) -> Self {
        Self {
            outermost: true,
            ..Self::start(bypass)
        }
    }

    /// The next thing to do. Replays bypassed successes on the way.
    pub fn next<'a>(&mut self, chain: &'a ChainDef) -> Next<'a> {
        loop {
            if let Some(v) = &self.verdict {
                return Next::Done(v.clone());
            }
            let Some(module) = chain.modules.get(self.position) else {
                let v = self.tally.decide(chain.purpose, self.outermost);
                self.verdict = Some(v.clone());
                return Next::Done(v);
            };
            if module.bypass_on_retry && self.bypass.contains(&module.cfg_id) {
                // Counted as the success it was, without stopping the run by itself: a later
                // module still has to pass (seed 004's caution on bypassed sufficient modules).
                let step = self.tally.apply(
                    module.control,
                    module.kind.is_strong(),
                    &Resolved::Success,
                    chain.abort_on_failure,
                    chain.purpose,
                    false,
                );
                self.succeeded.push(module.cfg_id);
                self.position += 1;
                if let Step::Stop(v) = step {
                    self.verdict = Some(v);
                }
                continue;
            }
            return Next::Run(module);
        }
    }

    fn current(&self, chain: &ChainDef, cfg_id: CfgId) -> Result<ModuleDef, RunError> {
        if self.verdict.is_some() {
            return Err(RunError::Finished);
        }
        match chain.modules.get(self.position) {
            Some(m) if m.cfg_id == cfg_id => Ok(m.clone()),
            _ => Err(RunError::NotCurrent { got: cfg_id }),
        }
    }

    /// The current module needs input: it stays current.
    pub fn suspend(&mut self, chain: &ChainDef, cfg_id: CfgId) -> Result<(), RunError> {
        self.current(chain, cfg_id)?;
        if self.pending != Some(cfg_id) {
            self.ran.push(cfg_id);
        }
        self.pending = Some(cfg_id);
        Ok(())
    }

    /// Records the current module's outcome. `strong` is the module's strength, or for a
    /// module that ran a sub-chain, whether that sub-chain's success was strong.
    pub fn record(
        &mut self,
        chain: &ChainDef,
        cfg_id: CfgId,
        outcome: Resolved,
        strong: bool,
    ) -> Result<Option<Verdict>, RunError> {
        let module = self.current(chain, cfg_id)?;
        if self.pending.take() != Some(cfg_id) {
            self.ran.push(cfg_id);
        }
        let step = self.tally.apply(
            module.control,
            strong,
            &outcome,
            chain.abort_on_failure,
            chain.purpose,
            true,
        );
        match &outcome {
            Resolved::Success => self.succeeded.push(cfg_id),
            Resolved::Fail(_) | Resolved::Error(_)
                if module.control == super::model::Control::Requisite || chain.abort_on_failure =>
            {
                self.invalidated = true;
            }
            _ => {}
        }
        self.position += 1;
        if let Step::Stop(v) = step {
            self.verdict = Some(v);
        }
        Ok(self.verdict.clone())
    }

    /// What the next attempt of the same transaction may skip: this attempt's successes of
    /// modules marked *bypass on retry*, unless the attempt invalidated the transaction.
    pub fn retry_bypass(&self, chain: &ChainDef) -> BTreeSet<CfgId> {
        if self.invalidated {
            return BTreeSet::new();
        }
        self.succeeded
            .iter()
            .copied()
            .filter(|id| chain.module(*id).is_some_and(|m| m.bypass_on_retry))
            .collect()
    }
}
