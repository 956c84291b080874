//! The step table and the decision of spec §2, as a pure state machine.
//!
//! ```text
//!             Success                    Fail / Error                Ignore
//! required    record, continue           req_fail ← first, continue  continue
//! requisite   record, continue           req_fail ← first, STOP deny continue
//! binding     record, STOP→decide*       req_fail ← first, continue  continue
//! sufficient  record, STOP→decide*       opt_fail ← first, continue  continue
//! optional    record, continue           opt_fail ← first, continue  continue
//! (chain aborts on failure: any Fail/Error → STOP deny)
//! * only when req_fail is unset, and for a weak module only once a strong one succeeded
//! ```
//! Decide: a blocking failure denies with it; nothing succeeded denies; no strong success
//! denies (in the outermost authentication chain; a sub-chain allows weakly and its caller
//! carries on needing a strong success); otherwise allow. Error is never Ignore or Success.

use super::model::{ChainPurpose, Control};
use serde::{Deserialize, Serialize};

/// A module's outcome once it is no longer pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolved {
    /// It verified what it checks.
    Success,
    /// It did not (with a reason for the log and the user message key).
    Fail(String),
    /// Not applicable here (acceptEmpty, not enrolled with skip).
    Ignore,
    /// It could not decide (misconfiguration, crash, a rule that could not be evaluated).
    Error(String),
}

/// The verdict of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Authenticated (or, for an identification chain, identified). `strong` says whether a
    /// strong module succeeded (the SUCCESS chain allows without one).
    Allow {
        /// A strong module succeeded.
        strong: bool,
    },
    /// Denied, with the reason that decided it.
    Deny(String),
}

impl Verdict {
    /// True for Allow.
    pub fn allowed(&self) -> bool {
        matches!(self, Verdict::Allow { .. })
    }
}

/// What to do after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run the next module.
    Continue,
    /// The run is over.
    Stop(Verdict),
}

/// Reason used when nothing succeeded and nothing failed.
pub const NOTHING_SUCCEEDED: &str = "no module succeeded";
/// Reason used when only weak modules succeeded.
pub const NO_STRONG_SUCCESS: &str = "no module that can authenticate succeeded";

/// The running state of one chain run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// First blocking failure.
    pub req_fail: Option<String>,
    /// First non-blocking failure.
    pub opt_fail: Option<String>,
    /// Anything succeeded.
    pub any_success: bool,
    /// A strong module succeeded.
    pub strong_success: bool,
}

impl Tally {
    /// Applies one module's outcome. `stop_on_success` is false for a success replayed from an
    /// earlier attempt (bypass on retry): it counts, but never ends the run by itself.
    pub fn apply(
        &mut self,
        control: Control,
        strong: bool,
        outcome: &Resolved,
        abort_on_failure: bool,
        purpose: ChainPurpose,
        stop_on_success: bool,
    ) -> Step {
        match outcome {
            Resolved::Ignore => Step::Continue,
            Resolved::Success => {
                self.any_success = true;
                self.strong_success |= strong;
                let may_stop = stop_on_success
                    && matches!(control, Control::Binding | Control::Sufficient)
                    && self.req_fail.is_none()
                    && (self.strong_success || purpose == ChainPurpose::Identification);
                if may_stop {
                    // A stop needs a strong success (or an identification chain), so the
                    // strength rule of `decide` holds whichever run this is.
                    Step::Stop(self.decide(purpose, true))
                } else {
                    Step::Continue
                }
            }
            Resolved::Fail(reason) | Resolved::Error(reason) => {
                let blocking = matches!(
                    control,
                    Control::Required | Control::Requisite | Control::Binding
                );
                if blocking {
                    self.req_fail.get_or_insert_with(|| reason.clone());
                } else {
                    self.opt_fail.get_or_insert_with(|| reason.clone());
                }
                if control == Control::Requisite {
                    let first = self.req_fail.clone().unwrap_or_else(|| reason.clone());
                    Step::Stop(Verdict::Deny(first))
                } else if abort_on_failure {
                    let first = self.req_fail.clone().unwrap_or_else(|| reason.clone());
                    Step::Stop(Verdict::Deny(first))
                } else {
                    Step::Continue
                }
            }
        }
    }

    /// The decision at a stop after success or after the last module. `outermost` is true
    /// for the run a flow started with: only there must a strong module have succeeded. A
    /// sub-chain (a second factor after a password, the SUCCESS chain of a recognised browser)
    /// may allow weakly; its caller records the weak success and still needs a strong one of
    /// its own, so nothing weak alone ever authenticates.
    pub fn decide(&self, purpose: ChainPurpose, outermost: bool) -> Verdict {
        if let Some(e) = &self.req_fail {
            return Verdict::Deny(e.clone());
        }
        if !self.any_success {
            return Verdict::Deny(
                self.opt_fail
                    .clone()
                    .unwrap_or_else(|| NOTHING_SUCCEEDED.to_owned()),
            );
        }
        if purpose == ChainPurpose::Authentication && outermost && !self.strong_success {
            return Verdict::Deny(NO_STRONG_SUCCESS.to_owned());
        }
        Verdict::Allow {
            strong: self.strong_success,
        }
    }
}
