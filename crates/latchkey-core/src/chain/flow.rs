//! A flow: chains calling chains (identification, selectors, generic failure), one stack of
//! runs, persisted between requests and continued by any node.
//!
//! The edge drives it: [`FlowState::next_action`] says which module to evaluate (or which
//! chains to offer); the edge evaluates it (IO happens there) and hands the result back with
//! [`FlowState::submit`]. A module may enter a sub-chain: the sub-chain's sufficient and
//! requisite stops end only the sub-chain, and its verdict becomes the calling module's outcome
//! (Allow → Success, strong when a strong module succeeded inside; Deny → Fail).

use super::at_least::Tried;
use super::builtin;
use super::model::{CfgId, ChainDef, ChainId, ModuleDef, ModuleType, SUCCESS_CHAIN};
use super::run::{ChainRun, Next, RunError};
use super::tally::{Resolved, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Deepest chain nesting allowed (a loop of chains calling each other denies).
pub const MAX_DEPTH: usize = 8;

/// The chains a flow can use, with the built-in fallbacks applied.
#[derive(Debug, Clone, Default)]
pub struct Chains {
    defs: BTreeMap<ChainId, ChainDef>,
}

impl Chains {
    /// From stored definitions.
    pub fn new(defs: impl IntoIterator<Item = ChainDef>) -> Self {
        Self {
            defs: defs
                .into_iter()
                .map(|d| (d.id.clone(), d.sorted()))
                .collect(),
        }
    }

    /// The definition a flow runs for `id`: an enabled chain as stored; a disabled built-in
    /// chain falls back to its shipped definition (disabling a built-in restores the default
    /// behaviour, it never locks everyone out); a disabled or unknown custom chain is absent.
    pub fn get(&self, id: &ChainId) -> Option<ChainDef> {
        match self.defs.get(id) {
            Some(d) if d.enabled => Some(d.clone()),
            Some(d) if d.builtin => builtin::shipped(id).map(ChainDef::sorted),
            Some(_) => None,
            None => builtin::shipped(id).map(ChainDef::sorted),
        }
    }

    /// Is a chain usable (enabled or a built-in with a fallback)?
    pub fn is_available(&self, id: &ChainId) -> bool {
        id.as_str() == SUCCESS_CHAIN || self.get(id).is_some()
    }

    /// Every stored definition.
    pub fn stored(&self) -> impl Iterator<Item = &ChainDef> {
        self.defs.values()
    }
}

/// One chain run on the stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// Which chain.
    pub chain: ChainId,
    /// The definition this run started with. A run keeps it to the end, so a configuration
    /// change (or the user's policies, once they are identified) never shifts the modules
    /// under a run in progress.
    #[serde(default)]
    pub def: Option<ChainDef>,
    /// Its run.
    pub run: ChainRun,
    /// Chains offered to the user by the current (selector) module, waiting for a pick.
    pub offered: Option<Vec<ChainId>>,
    /// Methods the current `at_least` module has run so far ([`super::at_least`]).
    #[serde(default)]
    pub tried: Vec<Tried>,
}

/// What the edge must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Evaluate this module (of this chain) — with the input posted for it, if any.
    Evaluate {
        /// The chain the module belongs to.
        chain: ChainId,
        /// The module.
        module: ModuleDef,
    },
    /// Let the user pick one of these chains for the selector module.
    Choose {
        /// The selector module.
        selector: CfgId,
        /// The chains on offer, in rule order.
        options: Vec<ChainId>,
    },
    /// The flow is over.
    Finished(Verdict),
}

/// What the edge found when it evaluated the current module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleResult {
    /// A final outcome.
    Outcome(Resolved),
    /// Needs input: the module stays current.
    Pending,
    /// Run this chain as a sub-chain; its verdict is the module's outcome.
    Enter(ChainId),
    /// Several chains are possible: the user picks one.
    Offer(Vec<ChainId>),
}

/// The flow cannot go on as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// A result for a module that is not current.
    #[error(transparent)]
    Run(#[from] RunError),
    /// "Use another method" outside an `at_least` method.
    #[error("there is no verification method to leave")]
    NoMethod,
    /// A chain the flow needs is missing or disabled.
    #[error("chain {0} is not available")]
    MissingChain(ChainId),
    /// A pick that was not offered.
    #[error("chain {0} was not offered")]
    NotOffered(ChainId),
    /// Chains call each other too deeply (probably a loop).
    #[error("chains are nested more than {MAX_DEPTH} deep")]
    TooDeep,
    /// The flow is over.
    #[error("the flow is finished")]
    Finished,
}

/// A flow's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowState {
    /// The chain it started with.
    pub root: ChainId,
    /// Runs, outermost first.
    pub frames: Vec<Frame>,
    /// The verdict once finished.
    pub verdict: Option<Verdict>,
    /// Attempt number within the transaction (1-based).
    pub attempt: u32,
    /// Per chain, the successes the next attempt may replay.
    pub bypass: BTreeMap<ChainId, BTreeSet<CfgId>>,
    /// A requisite failure or abort happened: the next attempt replays nothing.
    pub invalidated: bool,
    /// Who and what results are cached for: the edge sets it from the identified user, the
    /// configuration version and a fingerprint of the selector inputs, so a cached result is
    /// never reused for another user, another configuration or another request context.
    #[serde(default)]
    pub cache_context: Option<String>,
    /// Successful results of chains with `cache_results`, by context and chain: entering such
    /// a chain again in the same context replays its success instead of running it.
    #[serde(default)]
    pub cache: BTreeMap<String, bool>,
}

impl FlowState {
    /// Starts a flow at `root`.
    pub fn start(root: ChainId) -> Self {
        Self {
            frames: vec![Frame {
                chain: root.clone(),
                def: None,
                run: ChainRun::start_outermost(BTreeSet::new()),
                offered: None,
                tried: Vec::new(),
            }],
            root,
            verdict: None,
            attempt: 1,
            bypass: BTreeMap::new(),
            invalidated: false,
            cache_context: None,
            cache: BTreeMap::new(),
        }
    }

    fn cache_key(&self, chain: &ChainId) -> Option<String> {
        self.cache_context.as_ref().map(|c| format!("{c}|{chain}"))
    }

    /// After a denial: a new attempt of the same transaction, replaying bypassable successes.
    pub fn retry(&mut self) {
        if self.invalidated {
            self.bypass.clear();
        }
        let bypass = self.bypass.get(&self.root).cloned().unwrap_or_default();
        self.frames = vec![Frame {
            chain: self.root.clone(),
            def: None,
            run: ChainRun::start_outermost(bypass),
            offered: None,
            tried: Vec::new(),
        }];
        self.verdict = None;
        self.attempt += 1;
        self.invalidated = false;
    }

    fn chain_of(chains: &Chains, id: &ChainId) -> Result<ChainDef, FlowError> {
        chains
            .get(id)
            .ok_or_else(|| FlowError::MissingChain(id.clone()))
    }

    /// The definition a frame runs: its snapshot, taken on first use.
    pub(super) fn frame_def(frame: &mut Frame, chains: &Chains) -> Result<ChainDef, FlowError> {
        if let Some(def) = &frame.def {
            return Ok(def.clone());
        }
        let def = Self::chain_of(chains, &frame.chain)?;
        frame.def = Some(def.clone());
        Ok(def)
    }

    /// What to do next.
    pub fn next_action(&mut self, chains: &Chains) -> Result<Action, FlowError> {
        loop {
            if let Some(v) = &self.verdict {
                return Ok(Action::Finished(v.clone()));
            }
            let Some(top) = self.frames.last_mut() else {
                return Err(FlowError::Finished);
            };
            if let Some(options) = &top.offered {
                let selector = top.run.pending.ok_or(FlowError::Finished)?;
                return Ok(Action::Choose {
                    selector,
                    options: options.clone(),
                });
            }
            let def = Self::frame_def(top, chains)?;
            match top.run.next(&def) {
                Next::Run(module) => {
                    return Ok(Action::Evaluate {
                        chain: def.id.clone(),
                        module: module.clone(),
                    });
                }
                Next::Done(verdict) => self.pop(chains, &def, verdict)?,
            }
        }
    }

    /// A finished sub-chain hands its verdict to the module that entered it.
    pub(super) fn pop(
        &mut self,
        chains: &Chains,
        def: &ChainDef,
        verdict: Verdict,
    ) -> Result<(), FlowError> {
        let Some(done) = self.frames.pop() else {
            return Err(FlowError::Finished);
        };
        self.invalidated |= done.run.invalidated;
        if let (Verdict::Allow { strong }, true) = (&verdict, def.cache_results)
            && let Some(key) = self.cache_key(&done.chain)
        {
            self.cache.insert(key, *strong);
        }
        self.bypass
            .insert(done.chain.clone(), done.run.retry_bypass(def));
        if self.frames.is_empty() {
            self.verdict = Some(verdict);
            return Ok(());
        }
        self.deliver(chains, done.chain, verdict)
    }

    /// A sub-chain's verdict becomes the outcome of the module that entered it — or, for an
    /// `at_least` module, one more method tried ([`super::at_least`]).
    fn deliver(
        &mut self,
        chains: &Chains,
        chain: ChainId,
        verdict: Verdict,
    ) -> Result<(), FlowError> {
        let parent = self.top()?;
        let parent_def = Self::frame_def(parent, chains)?;
        let caller = parent.run.pending.ok_or(FlowError::Finished)?;
        if let Some(module) = parent_def.module(caller)
            && module.kind == ModuleType::AtLeast
        {
            super::at_least::tried(parent, &parent_def, module, chain, &verdict)?;
            return Ok(());
        }
        let (outcome, strong) = match verdict {
            Verdict::Allow { strong } => (Resolved::Success, strong),
            Verdict::Deny(reason) => (Resolved::Fail(reason), false),
        };
        parent.run.record(&parent_def, caller, outcome, strong)?;
        Ok(())
    }

    pub(super) fn top(&mut self) -> Result<&mut Frame, FlowError> {
        self.frames.last_mut().ok_or(FlowError::Finished)
    }

    /// Hands the result of evaluating the current module back.
    pub fn submit(
        &mut self,
        chains: &Chains,
        cfg_id: CfgId,
        result: ModuleResult,
    ) -> Result<(), FlowError> {
        if self.verdict.is_some() {
            return Err(FlowError::Finished);
        }
        let top = self.top()?;
        let def = Self::frame_def(top, chains)?;
        match result {
            ModuleResult::Outcome(outcome) => {
                let strong = def.module(cfg_id).is_some_and(|m| m.kind.is_strong());
                top.run.record(&def, cfg_id, outcome, strong)?;
            }
            ModuleResult::Pending => top.run.suspend(&def, cfg_id)?,
            ModuleResult::Offer(options) => {
                top.run.suspend(&def, cfg_id)?;
                top.offered = Some(options);
            }
            ModuleResult::Enter(chain) => {
                top.run.suspend(&def, cfg_id)?;
                self.enter(chains, chain)?;
            }
        }
        Ok(())
    }

    /// The user picked a chain from the offer.
    pub fn choose(&mut self, chains: &Chains, chain: &ChainId) -> Result<(), FlowError> {
        let top = self.top()?;
        let offered = top
            .offered
            .take()
            .ok_or(FlowError::NotOffered(chain.clone()))?;
        if !offered.contains(chain) {
            top.offered = Some(offered);
            return Err(FlowError::NotOffered(chain.clone()));
        }
        self.enter(chains, chain.clone())
    }

    fn enter(&mut self, chains: &Chains, chain: ChainId) -> Result<(), FlowError> {
        if chain.as_str() == SUCCESS_CHAIN {
            // Always succeeds, weakly: it can complete a second factor, never authenticate.
            return self.deliver(chains, chain, Verdict::Allow { strong: false });
        }
        if self.frames.len() >= MAX_DEPTH {
            return Err(FlowError::TooDeep);
        }
        let def = Self::chain_of(chains, &chain)?;
        if def.cache_results
            && let Some(strong) = self
                .cache_key(&chain)
                .and_then(|k| self.cache.get(&k).copied())
        {
            return self.deliver(chains, chain, Verdict::Allow { strong });
        }
        let bypass = if self.attempt == 1 {
            BTreeSet::new()
        } else {
            self.bypass.get(&chain).cloned().unwrap_or_default()
        };
        self.frames.push(Frame {
            chain,
            def: Some(def),
            run: ChainRun::start(bypass),
            offered: None,
            tried: Vec::new(),
        });
        Ok(())
    }
}
