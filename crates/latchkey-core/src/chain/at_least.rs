//! `at_least`: "at least N of these methods", the counting half (pure, no IO).
//!
//! An `at_least` module lists optional *methods*, each a chain (one with the security
//! questions, one with TOTP, one with a texted code …), and a `minimum`. The person picks a
//! method they have not tried yet from a menu, runs it as a sub-chain, and comes back to the
//! menu; the module succeeds as soon as `minimum` methods allowed, and fails as soon as too
//! few untried methods are left to get there. Each method is tried at most once per run, so a
//! failed method cannot be guessed at again from the menu.
//!
//! Required methods need nothing new: they are `required` modules of the calling chain, before
//! or after the `at_least` module. So "the mailed code, plus at least one of questions and
//! TOTP" is the chain `emailsmspin (required)`, `at_least (required, methods =
//! QUESTIONS_M,TOTP_M, minimum = 1)`.
//!
//! Settings: `methods` (comma-separated chain ids, at least one, no repeats) and `minimum`
//! (1 ..= the number of methods; default 1). Anything else is an Error outcome for everyone.
//!
//! The flow ([`super::flow`]) keeps the tried methods on the frame of the chain that holds the
//! module and asks [`decide`] after each one; the edge only shows the menu.

use super::flow::{Chains, FlowError, FlowState, Frame};
use super::model::{ChainDef, ChainId, ModuleDef, ModuleType};
use super::tally::{Resolved, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The reason recorded when too few methods are left (audit only).
pub const TOO_FEW_LEFT: &str = "too few verification methods left";
/// The reason recorded for a method the person chose not to use.
pub const NOT_USED: &str = "verification method not used";

/// An `at_least` module's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtLeast {
    /// The methods on offer, in menu order.
    pub methods: Vec<ChainId>,
    /// How many of them must allow.
    pub minimum: usize,
}

/// One method tried in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tried {
    /// The method's chain.
    pub chain: ChainId,
    /// Did it allow?
    pub allowed: bool,
    /// Was the success strong?
    pub strong: bool,
}

/// What the module does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Enough methods allowed; `strong` when one of them succeeded strongly.
    Succeed {
        /// Strength of the outcome.
        strong: bool,
    },
    /// Too few methods are left to reach the minimum.
    Fail,
    /// Offer these methods (not tried yet, in menu order).
    Offer(Vec<ChainId>),
}

impl AtLeast {
    /// Reads the module's settings.
    pub fn from_module(module: &ModuleDef) -> Result<Self, String> {
        let methods = super::chain_list(ChainDef::setting(module, "methods"))
            .map_err(|e| format!("at_least methods: {e}"))?;
        if methods.is_empty() {
            return Err("at_least needs at least one chain in `methods`".into());
        }
        let distinct: BTreeSet<_> = methods.iter().collect();
        if distinct.len() != methods.len() {
            return Err("at_least `methods` names a chain twice".into());
        }
        let minimum = match ChainDef::setting(module, "minimum") {
            None => 1,
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| format!("at_least minimum = {v:?} is not a whole number"))?,
        };
        if minimum == 0 || minimum > methods.len() {
            return Err(format!(
                "at_least minimum = {minimum}: use 1 to {} (the number of methods)",
                methods.len()
            ));
        }
        Ok(Self { methods, minimum })
    }
}

/// The decision after the methods `tried` so far (only methods of `config` count, each once).
pub fn decide(config: &AtLeast, tried: &[Tried]) -> Decision {
    let outcome = |m: &ChainId| tried.iter().find(|t| &t.chain == m);
    let mut passed = 0usize;
    let mut strong = false;
    let mut left = Vec::new();
    for method in &config.methods {
        match outcome(method) {
            Some(t) if t.allowed => {
                passed += 1;
                strong |= t.strong;
            }
            Some(_) => {}
            None => left.push(method.clone()),
        }
    }
    if passed >= config.minimum {
        Decision::Succeed { strong }
    } else if passed + left.len() < config.minimum {
        Decision::Fail
    } else {
        Decision::Offer(left)
    }
}

/// The flow's half: one more method of the `at_least` module `module` (pending in `frame`)
/// finished with `verdict`. Records the module's outcome when [`decide`] can, or offers the
/// methods left (the module stays current).
pub(super) fn tried(
    frame: &mut Frame,
    def: &ChainDef,
    module: &ModuleDef,
    chain: ChainId,
    verdict: &Verdict,
) -> Result<(), FlowError> {
    let (allowed, strong) = match verdict {
        Verdict::Allow { strong } => (true, *strong),
        Verdict::Deny(_) => (false, false),
    };
    frame.tried.push(Tried {
        chain,
        allowed,
        strong,
    });
    let (outcome, strong) = match AtLeast::from_module(module).map(|c| decide(&c, &frame.tried)) {
        Err(e) => (Resolved::Error(e), false),
        Ok(Decision::Succeed { strong }) => (Resolved::Success, strong),
        Ok(Decision::Fail) => (Resolved::Fail(TOO_FEW_LEFT.into()), false),
        Ok(Decision::Offer(left)) => {
            frame.offered = Some(left);
            return Ok(());
        }
    };
    frame.tried.clear();
    frame.run.record(def, module.cfg_id, outcome, strong)?;
    Ok(())
}

impl FlowState {
    /// Is the person inside a method of an `at_least` module (its menu, or the method's
    /// chain)? The pages then show the method's own prompts.
    pub fn in_at_least(&self) -> bool {
        self.frames.iter().any(|f| {
            let pending = f.run.pending.zip(f.def.as_ref());
            pending
                .and_then(|(id, def)| def.module(id))
                .is_some_and(|m| m.kind == ModuleType::AtLeast)
        })
    }

    /// Is the innermost chain a method an `at_least` module entered (so the person may leave
    /// it for another method)?
    pub fn can_leave_method(&self) -> bool {
        let mut frames = self.frames.iter().rev();
        let (Some(_method), Some(parent)) = (frames.next(), frames.next()) else {
            return false;
        };
        parent.offered.is_none()
            && parent
                .run
                .pending
                .zip(parent.def.as_ref())
                .and_then(|(id, def)| def.module(id))
                .is_some_and(|m| m.kind == ModuleType::AtLeast)
    }

    /// "I can't use this one": the current method ends as not passed (it is not offered
    /// again) and the menu of the methods left comes back — or the module fails when too few
    /// are left.
    pub fn leave_method(&mut self, chains: &Chains) -> Result<(), FlowError> {
        if self.verdict.is_some() || !self.can_leave_method() {
            return Err(FlowError::NoMethod);
        }
        let top = self.top()?;
        let def = Self::frame_def(top, chains)?;
        self.pop(chains, &def, Verdict::Deny(NOT_USED.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::model::{CfgId, Control, ModuleType};
    use proptest::prelude::*;

    fn id(s: &str) -> ChainId {
        ChainId::new(s).unwrap()
    }

    fn config(n: usize, minimum: usize) -> AtLeast {
        AtLeast {
            methods: (0..n).map(|i| id(&format!("M{i}"))).collect(),
            minimum,
        }
    }

    fn tried(chain: &str, allowed: bool) -> Tried {
        Tried {
            chain: id(chain),
            allowed,
            strong: allowed,
        }
    }

    fn module(settings: &[(&str, &str)]) -> ModuleDef {
        ModuleDef {
            cfg_id: CfgId(uuid::Uuid::nil()),
            order: 1,
            kind: ModuleType::AtLeast,
            control: Control::Required,
            description: String::new(),
            bypass_on_retry: false,
            increment_lockout: true,
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn settings_are_checked() {
        let ok = AtLeast::from_module(&module(&[("methods", "A, B"), ("minimum", "2")])).unwrap();
        assert_eq!(ok.methods, vec![id("A"), id("B")]);
        assert_eq!(ok.minimum, 2);
        let default = AtLeast::from_module(&module(&[("methods", "A")])).unwrap();
        assert_eq!(default.minimum, 1);
        for bad in [
            vec![],
            vec![("methods", "")],
            vec![("methods", "A,A")],
            vec![("methods", "A b")],
            vec![("methods", "A,B"), ("minimum", "0")],
            vec![("methods", "A,B"), ("minimum", "3")],
            vec![("methods", "A,B"), ("minimum", "one")],
        ] {
            assert!(AtLeast::from_module(&module(&bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn offers_what_is_left_then_decides() {
        let c = config(3, 2);
        let all = c.methods.clone();
        assert_eq!(decide(&c, &[]), Decision::Offer(all));
        assert_eq!(
            decide(&c, &[tried("M1", true)]),
            Decision::Offer(vec![id("M0"), id("M2")])
        );
        assert_eq!(
            decide(&c, &[tried("M1", true), tried("M0", false)]),
            Decision::Offer(vec![id("M2")])
        );
        assert_eq!(
            decide(&c, &[tried("M1", true), tried("M2", true)]),
            Decision::Succeed { strong: true }
        );
        assert_eq!(
            decide(&c, &[tried("M1", false), tried("M2", false)]),
            Decision::Fail
        );
    }

    #[test]
    fn a_method_counts_once_and_strangers_not_at_all() {
        let c = config(2, 2);
        let twice = [tried("M0", true), tried("M0", true), tried("OTHER", true)];
        assert_eq!(decide(&c, &twice), Decision::Offer(vec![id("M1")]));
    }

    #[test]
    fn weak_successes_stay_weak() {
        let c = config(1, 1);
        let weak = Tried {
            chain: id("M0"),
            allowed: true,
            strong: false,
        };
        assert_eq!(decide(&c, &[weak]), Decision::Succeed { strong: false });
    }

    proptest! {
        /// Whatever the order and outcomes: once nothing is left to offer, the module
        /// succeeds iff at least `minimum` methods allowed; it never stops early with the
        /// wrong answer, and never offers a method twice.
        #[test]
        fn succeeds_iff_enough_methods_allow(
            outcomes in proptest::collection::vec(any::<bool>(), 1..6),
            minimum_seed in 0usize..6,
            order_seed in any::<u64>(),
        ) {
            let n = outcomes.len();
            let minimum = minimum_seed % n + 1;
            let c = config(n, minimum);
            let mut history = Vec::new();
            let mut pick = order_seed;
            let verdict = loop {
                match decide(&c, &history) {
                    Decision::Offer(left) => {
                        prop_assert!(!left.is_empty());
                        for m in &left {
                            prop_assert!(history.iter().all(|t: &Tried| &t.chain != m));
                        }
                        let i = usize::try_from(pick % left.len() as u64).unwrap();
                        pick = pick.rotate_right(7) ^ 0x9e37_79b9;
                        let chain = left[i].clone();
                        let index: usize = chain.as_str()[1..].parse().unwrap();
                        history.push(Tried { chain, allowed: outcomes[index], strong: true });
                    }
                    Decision::Succeed { .. } => break true,
                    Decision::Fail => break false,
                }
            };
            let passed = history.iter().filter(|t| t.allowed).count();
            prop_assert_eq!(verdict, outcomes.iter().filter(|a| **a).count() >= minimum);
            prop_assert_eq!(verdict, passed >= minimum);
        }
    }
}
