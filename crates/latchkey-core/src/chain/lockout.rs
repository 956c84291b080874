//! The global failure counter (seed 004, spec §4).
//!
//! ```text
//!   failures < max ──fail──▶ failures + 1
//!   failures = max ──────── one last attempt ──fail──▶ LOCKED
//!   any ──success──▶ 0
//! ```
//! Exact under concurrency: before a counting module's answer is evaluated, the edge reserves
//! a slot with the store's `try_increment(key, max + 1)`; only a reserved attempt is
//! evaluated, so N parallel wrong answers never get more than `max + 1` evaluations. A success
//! resets the counter (the reservation was only needed for failures). Help-desk verification
//! adds to the caller's counter even for modules that do not count, but never locks anyone.

use crate::ids::ProfileId;
use crate::repo::CounterAttempt;

/// The settings-table default of `AUTH/MAX_USERAUTH_FAILURE`.
pub const DEFAULT_MAX_FAILURES: u64 = 5;

/// The policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures before the last attempt (`MAX_USERAUTH_FAILURE`).
    pub max_failures: u64,
}

/// What to do with an answer, given the reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Evaluate it; `last_chance` when failing it locks the user.
    Evaluate {
        /// Failing locks.
        last_chance: bool,
    },
    /// Do not evaluate: the user is out of attempts.
    Refuse,
}

impl LockoutPolicy {
    /// The counter's key for a profile.
    pub fn counter_key(profile: ProfileId) -> String {
        format!("authfail:{profile}")
    }

    /// The limit to pass to `try_increment`.
    pub fn limit(&self) -> u64 {
        self.max_failures.saturating_add(1)
    }

    /// Interprets the store's answer.
    pub fn reservation(&self, attempt: CounterAttempt) -> Reservation {
        match attempt {
            CounterAttempt::Counted { value } => Reservation::Evaluate {
                last_chance: value >= self.limit(),
            },
            CounterAttempt::LimitReached => Reservation::Refuse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_failures_then_one_last_chance() {
        let p = LockoutPolicy { max_failures: 3 };
        assert_eq!(p.limit(), 4);
        let r = |v| p.reservation(CounterAttempt::Counted { value: v });
        assert_eq!(r(1), Reservation::Evaluate { last_chance: false });
        assert_eq!(r(3), Reservation::Evaluate { last_chance: false });
        assert_eq!(r(4), Reservation::Evaluate { last_chance: true });
        assert_eq!(
            p.reservation(CounterAttempt::LimitReached),
            Reservation::Refuse
        );
    }
}
