//! Property tests over random chains.

use super::*;
use Control::{Optional as Opt, Required as Req, Requisite as Reqs};
use ModuleType::{Password as Pw, UserIdent as Id};
use proptest::prelude::*;

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
