//! `scoreqna`: an operator verifies a caller (HELPDESK_LOGIN) with scored questions, one at a
//! time. The caller is the flow's identified user.
//!
//! The questions are drawn like `response`'s (the same persisted sample, so a caller who hangs
//! up and calls again within the interval gets the same questions); the run's [`ScoreState`]
//! lives in the flow's module data between questions. Every answer is verified on the blocking
//! pool; a right answer stored with old parameters gets a fresh hash, kept in the flow and
//! stored only when the run passes.
//!
//! Lockout (spec §4, help-desk rule): a failed run adds one to the *caller's* failure counter
//! whatever the module's `increment_lockout` says, and never locks anyone: the caller may be
//! calling precisely because they are locked out, and the operator is not the one verified.

use super::questions::{done, draw, field_name, fields, off_thread};
use super::{Context, Input, SUCCESS, Step, error};
use crate::error::PageError;
use crate::login::prompt::Prompt;
use crate::login::state::LoginState;
use crate::os::OsRandom;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::{ModuleDef, Resolved};
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::Argon2Params;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerHasher, AskPlan, Draw, EnrolledAnswer, Enrolment, PostedAnswer, STALE_SAMPLE, Sample,
    ScoreSettings, ScoreState, ScoreStep, answer_next, normalise,
};
use latchkey_core::repo::CounterRepo;
use latchkey_core::secret::Password;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A scored run between questions.
#[derive(Debug, Serialize, Deserialize)]
struct Scoring {
    /// The caller.
    user: ProfileId,
    /// The enrolment version the run started on (a re-enrolment mid-run makes it stale).
    version: u64,
    /// The questions, in asking order.
    sample: Sample,
    /// The score so far.
    run: ScoreState,
    /// Fresh hashes of right answers stored with old parameters, stored if the run passes.
    fresh: Vec<EnrolledAnswer>,
}

fn question_prompt(scoring: &Scoring, step: Step) -> Step {
    match step {
        Step::Ask(mut prompt) => {
            prompt.intro = format!(
                "Question {} of at most {}. Ask the caller and type the answer they give; leave \
                 it empty if they do not know.",
                scoring.run.answered() + 1,
                scoring.run.len()
            );
            Step::Ask(prompt)
        }
        other => other,
    }
}

/// `scoreqna`: asks the caller's questions one at a time and scores the answers.
pub async fn scoreqna(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(user) = state.user else {
        return Ok(error("the scoreqna module needs an identified caller"));
    };
    let settings = match ScoreSettings::parse(&module.settings) {
        Ok(s) => s,
        Err(e) => return Ok(done(e.resolved())),
    };
    let store = &ctx.app.store;
    let catalogue = store.question_catalogue().await?;
    let plan = match AskPlan::new(&settings.draw, &catalogue) {
        Ok(p) => p,
        Err(e) => return Ok(done(e.resolved())),
    };
    let stored = store.enrolment(user).await?;
    let (enrolment, version) = stored.map(|s| (s.enrolment, s.version)).unwrap_or_default();
    let lang = state.param("LANG").unwrap_or("").to_owned();
    let scoring = state
        .module_data::<Scoring>(module.cfg_id)
        .filter(|s| s.user == user);
    let (Some(input), Some(mut scoring)) = (input, scoring) else {
        // A new run.
        let sample = match draw(store, user, &enrolment, &plan).await? {
            Draw::Ask(s) => s,
            Draw::Skip(resolved) => return finish(ctx, user, resolved).await,
        };
        let run = match settings.start(&sample) {
            Ok(run) => run,
            Err(e) => return Ok(done(e.resolved())),
        };
        let scoring = Scoring {
            user,
            version,
            sample,
            run,
            fresh: Vec::new(),
        };
        let step = ask(&scoring, &enrolment, &catalogue, &lang);
        if matches!(step, Step::Ask(_)) {
            state.set_module_data(module.cfg_id, &scoring)?;
        }
        return Ok(question_prompt(&scoring, step));
    };
    state.clear_module_data(module.cfg_id);
    if scoring.version != version {
        return Ok(done(Resolved::Error(STALE_SAMPLE.into())));
    }
    let Some(posted) = posted_for_current(input, &scoring, &enrolment) else {
        return Ok(done(Resolved::Error(STALE_SAMPLE.into())));
    };
    let params = ctx.app.directory.params();
    let (run, sample, checking) = (scoring.run.clone(), scoring.sample.clone(), enrolment);
    let (run, result, checking) =
        off_thread(move || score_one(params, run, &sample, &posted, checking)).await?;
    scoring.run = run;
    let step = match result {
        Err(resolved) => return finish(ctx, user, resolved).await,
        Ok((step, fresh)) => {
            scoring.fresh.extend(fresh);
            step
        }
    };
    match step {
        ScoreStep::AskNext => {
            let next = ask(&scoring, &checking, &catalogue, &lang);
            if matches!(next, Step::Ask(_)) {
                state.set_module_data(module.cfg_id, &scoring)?;
            }
            Ok(question_prompt(&scoring, next))
        }
        ScoreStep::Pass => {
            if !scoring.fresh.is_empty() {
                let mut updated = checking;
                updated.apply_rehash(scoring.fresh);
                let now = OffsetDateTime::now_utc();
                if let Err(e) = store.rehash_enrolment(user, version, &updated, now).await {
                    tracing::warn!(profile = %user, error = %e, "could not store re-hashed answers");
                }
            }
            Ok(SUCCESS)
        }
        ScoreStep::Fail => {
            let too_low = Resolved::Fail(latchkey_core::questions::SCORE_TOO_LOW.into());
            finish(ctx, user, too_low).await
        }
    }
}

/// The prompt for the question the run is waiting for.
fn ask(
    scoring: &Scoring,
    enrolment: &Enrolment,
    catalogue: &latchkey_core::questions::Catalogue,
    lang: &str,
) -> Step {
    let current = scoring
        .sample
        .questions
        .get(scoring.run.answered())
        .cloned();
    let Some(fields) = current.and_then(|key| fields(&[key], enrolment, catalogue, lang, false))
    else {
        return done(Resolved::Error(STALE_SAMPLE.into()));
    };
    Step::Ask(Prompt {
        title: "Verify the caller".into(),
        fields,
        submit: "Check the answer".into(),
        ..Prompt::default()
    })
}

/// The answer posted: for another enrolled question if one was posted (which fails as not
/// asked), else for the current question (empty when absent: "does not know"). `None` when
/// the run has no current question.
fn posted_for_current(
    input: &Input,
    scoring: &Scoring,
    enrolment: &Enrolment,
) -> Option<PostedAnswer> {
    let current = scoring.sample.questions.get(scoring.run.answered())?;
    let other = super::questions::posted_answers(input, enrolment)
        .into_iter()
        .find(|p| &p.key != current);
    if other.is_some() {
        return other;
    }
    let value = field_name(current, enrolment)
        .and_then(|name| input.field(&name))
        .unwrap_or("");
    Some(PostedAnswer {
        key: current.clone(),
        answer: Password::new(value),
    })
}

/// What scoring one answer gave: the next step and fresh hashes, or the module's outcome.
type Scored = Result<(ScoreStep, Vec<EnrolledAnswer>), Resolved>;

/// Verifies and scores one answer (on the blocking pool); hands the run and enrolment back.
fn score_one(
    params: Argon2Params,
    mut run: ScoreState,
    sample: &Sample,
    posted: &PostedAnswer,
    enrolment: Enrolment,
) -> (ScoreState, Scored, Enrolment) {
    let mut rng = OsRandom;
    let mut hasher = latchkey_core::questions::StoredAnswerHasher {
        params,
        rng: &mut rng,
    };
    let result = answer_next(&mut run, sample, posted, &enrolment, &hasher).map(|step| {
        let fresh = step
            .needs_rehash
            .iter()
            .filter_map(|key| {
                let stored_hash = hasher.hash(&normalise(posted.answer.expose())).ok()?;
                Some(EnrolledAnswer {
                    key: key.clone(),
                    stored_hash,
                })
            })
            .collect();
        (step.step, fresh)
    });
    (run, result, enrolment)
}

/// Ends the run with `resolved`; a failure counts on the caller's counter (never locking).
async fn finish(
    ctx: &Context<'_>,
    caller: ProfileId,
    resolved: Resolved,
) -> Result<Step, PageError> {
    if matches!(resolved, Resolved::Fail(_)) {
        // No limit: the help desk's verdict is recorded, never refused or turned into a lock.
        ctx.app
            .store
            .try_increment(
                &LockoutPolicy::counter_key(caller),
                u64::MAX,
                OffsetDateTime::now_utc(),
            )
            .await?;
    }
    Ok(done(resolved))
}
