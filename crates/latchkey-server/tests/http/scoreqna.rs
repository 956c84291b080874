//! The help desk's scored questions (`scoreqna`), evaluated directly against a running server's
//! state: there is no help-desk page yet.

use crate::on_both;
use crate::questions::{ANSWERS, answer_to, enrolled, max_failures};
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::{ChainId, Chains, ModuleResult, Resolved, builtin};
use latchkey_core::repo::{CounterRepo, ProfileRepo, SettingsRepo};
use latchkey_server::login::modules::{Context, Input, Step, evaluate};
use latchkey_server::login::state::LoginState;
use latchkey_testkit::TestServer;
use std::collections::BTreeMap;

/// Evaluates HELPDESK_LOGIN's `scoreqna` module for `caller`, with `answer` (question id,
/// answer) posted when given.
async fn helpdesk(
    server: &TestServer,
    state: &mut LoginState,
    answer: Option<(&str, &str)>,
) -> Step {
    let chain = builtin::shipped(&ChainId::new(builtin::HELPDESK_LOGIN).unwrap()).unwrap();
    let settings = server.store.settings().await.unwrap();
    let chains = Chains::new(vec![chain.clone()]);
    let ctx = Context {
        app: &server.state,
        settings: &settings,
        chains: &chains,
        rules: &[],
    };
    let input = answer.map(|(q, a)| {
        Input::new(BTreeMap::from([(
            format!("answer.STANDARD.{q}"),
            a.to_owned(),
        )]))
    });
    evaluate(&ctx, state, &chain.modules[0], input.as_ref())
        .await
        .unwrap()
}

fn asked_one(step: &Step) -> String {
    let Step::Ask(prompt) = step else {
        panic!("expected a question, got {step:?}")
    };
    assert_eq!(prompt.fields.len(), 1, "one question at a time");
    prompt.fields[0]
        .name
        .trim_start_matches("answer.STANDARD.")
        .to_owned()
}

on_both!(scored_questions_pass_and_failures_never_lock, |server| {
    max_failures(&server, 2).await;
    let caller = enrolled(&server, "xena", 3).await;
    let key = LockoutPolicy::counter_key(caller.id);
    let start = || {
        let mut s = LoginState::new(
            ChainId::new(builtin::HELPDESK_LOGIN).unwrap(),
            Default::default(),
        );
        s.user = Some(caller.id);
        s
    };

    // Two right answers, one at a time: pass.
    let mut state = start();
    let q1 = asked_one(&helpdesk(&server, &mut state, None).await);
    let q2 = asked_one(&helpdesk(&server, &mut state, Some((&q1, answer_to(&q1)))).await);
    assert_ne!(q1, q2);
    let passed = helpdesk(&server, &mut state, Some((&q2, answer_to(&q2)))).await;
    assert_eq!(passed, Step::Done(ModuleResult::Outcome(Resolved::Success)));

    // Failed runs count on the caller's counter, past the maximum, and never lock.
    for n in 1..=5u64 {
        let mut state = start();
        let q = asked_one(&helpdesk(&server, &mut state, None).await);
        assert_eq!(q, q1, "the same sample within the interval");
        let failed = helpdesk(&server, &mut state, Some((&q, "wrong"))).await;
        assert!(
            matches!(failed, Step::Done(ModuleResult::Outcome(Resolved::Fail(_)))),
            "{failed:?}"
        );
        assert_eq!(server.store.counter(&key).await.unwrap(), n);
    }
    assert!(
        !server
            .store
            .profile_by_id(caller.id)
            .await
            .unwrap()
            .unwrap()
            .locked
    );

    // Still verified after all those failures: the help desk is never refused.
    let mut state = start();
    let q1 = asked_one(&helpdesk(&server, &mut state, None).await);
    let q2 = asked_one(&helpdesk(&server, &mut state, Some((&q1, answer_to(&q1)))).await);
    let passed = helpdesk(&server, &mut state, Some((&q2, answer_to(&q2)))).await;
    assert_eq!(passed, Step::Done(ModuleResult::Outcome(Resolved::Success)));

    // An answer for another question than the one asked fails (and counts).
    let mut state = start();
    let q = asked_one(&helpdesk(&server, &mut state, None).await);
    let other = ANSWERS[..3].iter().find(|(id, _)| *id != q).unwrap();
    let forged = helpdesk(&server, &mut state, Some(other.to_owned())).await;
    assert!(matches!(
        forged,
        Step::Done(ModuleResult::Outcome(Resolved::Fail(_)))
    ));
    assert_eq!(server.store.counter(&key).await.unwrap(), 6);
});
