use super::*;
use crate::random::SeededRandom;
use crate::secretbox::SecretBox;
use proptest::prelude::*;

const BUDGETS: Budgets = Budgets {
    retries: 2,
    refusals: 2,
};

fn entry(state: EntryState, sends: u32) -> Entry {
    let mut rng = SeededRandom::new(1);
    let now = OffsetDateTime::UNIX_EPOCH;
    let sealed = SecretBox::new([7; 32], "k-test".into())
        .unwrap()
        .seal(b"pending", b"aad", &mut rng)
        .unwrap();
    Entry {
        job: MprJobId::generate(now, &mut rng),
        account: AccountId::generate(now, &mut rng),
        target: TargetId::new("LDAP").unwrap(),
        account_name: "uid=ann".into(),
        owner: None,
        vault_item: None,
        state,
        pending: (state != EntryState::Planned).then_some(sealed),
        sends,
        attempts: 0,
        refusals: 0,
        message: None,
        updated_at: now,
    }
}

fn apply(e: &mut Entry, t: &Transition) {
    e.advance(t);
}

#[test]
fn the_happy_path_runs_generate_apply_commit_verify() {
    let mut e = entry(EntryState::Planned, 0);
    assert_eq!(next_step(&e, true), NextStep::Generate);
    let t = after_generate(&e);
    assert_eq!((t.state, t.sends), (EntryState::Generated, 1));
    apply(&mut e, &t);
    e.pending = entry(EntryState::Generated, 1).pending;
    // A generated entry counts as sent: after a crash it is confirmed before anything else.
    assert_eq!(next_step(&e, true), NextStep::Confirm);
    let t = after_apply(&e, &ApplyOutcome::Applied, BUDGETS);
    assert_eq!(t.state, EntryState::Applied);
    assert_eq!(t.pending, Pending::Keep);
    apply(&mut e, &t);
    assert_eq!(next_step(&e, true), NextStep::Commit);
    let t = after_commit(&e, true);
    assert_eq!(
        (t.state, t.pending),
        (EntryState::Committed, Pending::Clear)
    );
    apply(&mut e, &t);
    assert_eq!(next_step(&e, true), NextStep::Verify);
    let t = after_verify(&e, &Probe::Holds, BUDGETS);
    assert_eq!(t.state, EntryState::Verified);
    assert!(t.state.is_final());
}

#[test]
fn without_verification_the_commit_is_final() {
    let e = entry(EntryState::Applied, 1);
    let t = after_commit(&e, false);
    assert_eq!(t.state, EntryState::Verified);
    assert!(
        t.report
            .iter()
            .any(|(p, o, _)| *p == Phase::Verify && *o == Outcome::Skipped)
    );
}

#[test]
fn a_timeout_after_sending_keeps_the_same_password_and_confirms_next() {
    let e = entry(EntryState::Generated, 1);
    let t = after_apply(&e, &ApplyOutcome::Uncertain("timed out".into()), BUDGETS);
    assert_eq!(t.state, EntryState::Retryable);
    assert_eq!(t.pending, Pending::Keep, "rule 3: not a failure");
    let mut e2 = e.clone();
    apply(&mut e2, &t);
    assert_eq!(next_step(&e2, true), NextStep::Confirm);
    // The bind proves the change took effect: applied, no new password.
    let t = after_confirm(&e2, &Probe::Holds, BUDGETS);
    assert_eq!((t.state, t.pending), (EntryState::Applied, Pending::Keep));
    // Or proves it did not: the same password is sent again.
    let t = after_confirm(&e2, &Probe::DoesNotHold, BUDGETS);
    assert_eq!((t.state, t.pending), (EntryState::Generated, Pending::Keep));
    assert_eq!(t.sends, 2);
}

#[test]
fn a_refusal_is_the_only_discard_and_the_budget_ends_in_failed() {
    let e = entry(EntryState::Generated, 1);
    let t = after_apply(&e, &ApplyOutcome::Refused("too short".into()), BUDGETS);
    assert_eq!(
        (t.state, t.pending, t.sends),
        (EntryState::Generated, Pending::Clear, 0)
    );
    let mut e2 = e.clone();
    apply(&mut e2, &t);
    assert_eq!(next_step(&e2, true), NextStep::Generate);
    e2.pending = e.pending.clone();
    let t = after_apply(&e2, &ApplyOutcome::Refused("too short".into()), BUDGETS);
    assert_eq!(t.state, EntryState::Failed);
    assert_eq!(t.refusals, 2);
}

#[test]
fn the_retry_budget_orphans_and_keeps_the_password() {
    let mut e = entry(EntryState::Generated, 1);
    for _ in 0..BUDGETS.retries {
        let t = after_apply(&e, &ApplyOutcome::NotSent("refused".into()), BUDGETS);
        assert_eq!(t.state, EntryState::Retryable);
        apply(&mut e, &t);
    }
    let t = after_confirm(&e, &Probe::Unknown("unreachable".into()), BUDGETS);
    assert_eq!((t.state, t.pending), (EntryState::Orphaned, Pending::Keep));
    apply(&mut e, &t);
    assert!(e.state.holds_pending() && e.state.is_final());
    let t = retry_orphan(&e);
    assert_eq!((t.state, t.attempts), (EntryState::Retryable, 0));
    apply(&mut e, &t);
    assert_eq!(next_step(&e, true), NextStep::Confirm);
}

#[test]
fn a_permanent_error_keeps_a_password_an_earlier_send_may_have_set() {
    let first = entry(EntryState::Generated, 1);
    let t = after_apply(
        &first,
        &ApplyOutcome::Permanent("no such account".into()),
        BUDGETS,
    );
    assert_eq!((t.state, t.pending), (EntryState::Failed, Pending::Clear));
    let resent = entry(EntryState::Generated, 2);
    let t = after_apply(&resent, &ApplyOutcome::Permanent("denied".into()), BUDGETS);
    assert_eq!((t.state, t.pending), (EntryState::Orphaned, Pending::Keep));
}

#[test]
fn verification_that_fails_is_reported_and_unknown_is_retried() {
    let e = entry(EntryState::Committed, 1);
    assert_eq!(
        after_verify(&e, &Probe::DoesNotHold, BUDGETS).state,
        EntryState::Failed
    );
    let t = after_verify(&e, &Probe::Unknown("locked".into()), BUDGETS);
    assert_eq!(t.state, EntryState::Committed);
    let mut spent = e.clone();
    spent.attempts = BUDGETS.retries;
    assert_eq!(
        after_verify(&spent, &Probe::Unknown("locked".into()), BUDGETS).state,
        EntryState::Verified
    );
}

#[test]
fn states_round_trip_and_cancel_skips() {
    for s in EntryState::ALL {
        assert_eq!(s.as_str().parse::<EntryState>().unwrap(), s);
    }
    assert!("nope".parse::<EntryState>().is_err());
    assert_eq!(
        cancelled(&entry(EntryState::Planned, 0)).state,
        EntryState::Skipped
    );
}

fn any_outcome() -> impl Strategy<Value = ApplyOutcome> {
    prop_oneof![
        Just(ApplyOutcome::Applied),
        Just(ApplyOutcome::Refused("policy".into())),
        Just(ApplyOutcome::Uncertain("timeout".into())),
        Just(ApplyOutcome::NotSent("down".into())),
        Just(ApplyOutcome::Permanent("gone".into())),
    ]
}

fn any_probe() -> impl Strategy<Value = Probe> {
    prop_oneof![
        Just(Probe::Holds),
        Just(Probe::DoesNotHold),
        Just(Probe::Unknown("down".into())),
    ]
}

proptest! {
    /// Whatever the target does, a pending password is dropped only by the vault commit or a
    /// refusal (or a first-send permanent error), and every path ends in a final state.
    #[test]
    fn no_path_loses_a_password(outcomes in prop::collection::vec((any_outcome(), any_probe()), 1..40)) {
        let mut e = entry(EntryState::Generated, 1);
        let template = e.pending.clone();
        for (outcome, probe) in outcomes {
            if e.state.is_final() { break; }
            let t = match next_step(&e, true) {
                NextStep::Generate => { e.pending = template.clone(); after_generate(&e) }
                NextStep::Confirm => after_confirm(&e, &probe, BUDGETS),
                NextStep::Apply => after_apply(&e, &outcome, BUDGETS),
                NextStep::Commit => after_commit(&e, true),
                NextStep::Verify => after_verify(&e, &probe, BUDGETS),
                NextStep::Done => break,
            };
            if t.pending == Pending::Clear {
                let refused = matches!(outcome, ApplyOutcome::Refused(_) | ApplyOutcome::Permanent(_));
                prop_assert!(e.state == EntryState::Applied || refused,
                    "cleared from {:?} by {:?}", e.state, outcome);
            }
            if e.state == EntryState::Generated && e.sends > 0 && e.pending.is_some() {
                prop_assert!(t.state != EntryState::Generated || t.pending == Pending::Keep || matches!(outcome, ApplyOutcome::Refused(_)));
            }
            apply(&mut e, &t);
            prop_assert!(e.attempts <= BUDGETS.retries + 1);
        }
    }
}
