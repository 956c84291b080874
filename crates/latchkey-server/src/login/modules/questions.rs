//! `response`: the person answers every question of their sample at once (the
//! SECURITY_QUESTIONS chain), and what it shares with `scoreqna`.
//!
//! Data moves like this. The catalogue and the person's enrolment come from the store on every
//! request. The first evaluation draws with [`latchkey_core::questions::sample()`] against the
//! sample persisted per person ([`draw`]: first writer wins, so parallel logins see one draw),
//! keeps a copy in the flow's module data and asks. The next evaluation, with the posted
//! answers, reserves a lockout slot, checks them with [`latchkey_core::questions::check()`] on
//! the blocking pool (Argon2id costs tens of milliseconds per answer), settles the slot and,
//! after a success, stores fresh hashes for answers stored with old parameters.
//!
//! A person without a complete enrolment, with `incomplete = fail`, is asked *decoy* questions:
//! drawn and persisted the same way from every pre-defined question, and checked against a decoy
//! hash, so the page, its fields, the time taken and the lockout counter are the same as for a
//! person who enrolled and answered wrongly.
//!
//! `allow_locked = true`: in a password-reset flow a *locked* profile may still be verified
//! ([`delivery::may_verify`]), its tries counted by [`lockout::reserve_locked`]; otherwise a
//! locked profile never passes.

use super::delivery;
use super::lockout::{self, Gate};
use super::{Context, Input, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use crate::os::OsRandom;
use latchkey_core::chain::{ModuleDef, ModuleResult, Resolved};
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::{Argon2Params, decoy_hash};
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerHasher, AskPlan, Catalogue, CheckOutcome, Draw, DrawSettings, EnrolledAnswer, Enrolment,
    NOT_ENROLLED, PostedAnswer, QuestionKey, QuestionRef, STALE_SAMPLE, Sample, SetKind,
    StoredAnswerHasher, StoredHash, check, fresh_records, normalise, sample,
};
use latchkey_core::repo::ProfileRepo;
use latchkey_core::secret::Password;
use latchkey_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::{LazyLock, Mutex};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

/// Prefix of the answer fields' names.
const FIELD_PREFIX: &str = "answer.";

/// Argon2id work for answers runs on the blocking pool, at most one task per core: a burst of
/// logins queues here instead of starving the async workers.
static PERMITS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from)));

/// The decoy hash for the current parameters, made once.
static DECOY: Mutex<Option<(Argon2Params, StoredHash)>> = Mutex::new(None);

/// Runs hashing work on the blocking pool, behind [`PERMITS`].
pub(super) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PageError> {
    let interrupted = || PageError::Internal("answer verification was interrupted".into());
    let _permit = PERMITS.acquire().await.map_err(|_| interrupted())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| interrupted())
}

/// The decoy hash (computed on the calling thread the first time: call it off the executor).
fn decoy(params: Argon2Params) -> Result<StoredHash, String> {
    let mut cached = DECOY
        .lock()
        .map_err(|_| "decoy hash lock poisoned".to_owned())?;
    if let Some((p, hash)) = cached.as_ref()
        && *p == params
    {
        return Ok(hash.clone());
    }
    let hash = decoy_hash(&params)
        .map(|h| StoredHash::from_stored(h.as_str().to_owned()))
        .map_err(|e| e.to_string())?;
    *cached = Some((params, hash.clone()));
    Ok(hash)
}

/// A module outcome as a step.
pub(super) fn done(resolved: Resolved) -> Step {
    Step::Done(ModuleResult::Outcome(resolved))
}

/// The form field of an enrolled question: `answer.SET.QUESTION_ID`, or `answer.SET.ownN` for a
/// question the person wrote (N: its place in the enrolment, so no text goes in a name).
pub(super) fn field_name(key: &QuestionKey, enrolment: &Enrolment) -> Option<String> {
    match &key.question {
        QuestionRef::Predefined(id) => Some(format!("{FIELD_PREFIX}{}.{id}", key.set)),
        QuestionRef::Own(_) => enrolment
            .answers
            .iter()
            .position(|a| &a.key == key)
            .map(|i| format!("{FIELD_PREFIX}{}.own{i}", key.set)),
    }
}

/// The answers posted for any question of `enrolment` (asked or not: answering a question that
/// was not asked must fail, so it has to be seen).
pub(super) fn posted_answers(input: &Input, enrolment: &Enrolment) -> Vec<PostedAnswer> {
    let mut out: Vec<PostedAnswer> = Vec::new();
    for answer in &enrolment.answers {
        if out.iter().any(|p| p.key == answer.key) {
            continue;
        }
        if let Some(value) = field_name(&answer.key, enrolment).and_then(|n| input.field(&n)) {
            out.push(PostedAnswer {
                key: answer.key.clone(),
                answer: Password::new(value),
            });
        }
    }
    out
}

/// Labelled fields for `keys`, in order (`None` if a question no longer exists).
pub(super) fn fields(
    keys: &[QuestionKey],
    enrolment: &Enrolment,
    catalogue: &Catalogue,
    lang: &str,
    masked: bool,
) -> Option<Vec<Field>> {
    keys.iter()
        .map(|key| {
            let name = field_name(key, enrolment)?;
            let label = catalogue.prompt(key, lang)?;
            Some(if masked {
                Field::secret(&name, label, "off")
            } else {
                Field::text(&name, label, "off", "")
            })
        })
        .collect()
}

/// Draws the questions for `user` against their persisted sample: a young sample that still
/// fits is asked again; a new draw is stored first-writer-wins, and a login that loses loads
/// the winner's draw and asks that.
pub(super) async fn draw(
    store: &Store,
    user: ProfileId,
    enrolment: &Enrolment,
    plan: &AskPlan<'_>,
) -> Result<Draw, PageError> {
    for _ in 0..4 {
        let previous = store.question_sample(user).await?;
        let drawn = sample(
            enrolment,
            plan,
            previous.as_ref().map(|p| &p.sample),
            OffsetDateTime::now_utc(),
            &mut OsRandom,
        );
        let Draw::Ask(new) = drawn else {
            return Ok(drawn);
        };
        let replaces = previous.map(|p| (p.version, p.sample));
        if replaces.as_ref().is_some_and(|(_, s)| *s == new)
            || store
                .offer_sample(user, &new, replaces.map(|(v, _)| v))
                .await?
        {
            return Ok(Draw::Ask(new));
        }
    }
    Err(PageError::Unavailable(
        "the questions drawn could not be stored".into(),
    ))
}

/// An enrolment answering every pre-defined question with the decoy hash.
fn decoy_enrolment(catalogue: &Catalogue, hash: &StoredHash) -> Enrolment {
    let mut out = Enrolment::default();
    for set in catalogue.sets() {
        if let SetKind::Predefined { questions } = &set.kind {
            out.answers.extend(questions.iter().map(|q| EnrolledAnswer {
                key: QuestionKey {
                    set: set.id.clone(),
                    question: QuestionRef::Predefined(q.id.clone()),
                },
                stored_hash: hash.clone(),
            }));
        }
    }
    out
}

/// What `response` keeps in the flow between asking and checking.
#[derive(Debug, Serialize, Deserialize)]
struct Asked {
    user: ProfileId,
    sample: Sample,
    decoy: bool,
}

fn ask_prompt(typed: &str, fields: Vec<Field>) -> Step {
    Step::Ask(Prompt {
        title: "Answer your security questions".into(),
        intro: format!("Signing in as {typed}. Capital letters and extra spaces do not matter."),
        fields,
        submit: "Sign in".into(),
        username: typed.to_owned(),
        ..Prompt::default()
    })
}

/// `response`: asks the person's sampled questions, then checks every answer.
pub async fn response(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(user) = state.user else {
        return Ok(error("the response module needs an identified user"));
    };
    // `allow_locked` is this module's own (see above), not a drawing setting.
    let mut draw_settings = module.settings.clone();
    draw_settings.remove("allow_locked");
    let settings = match DrawSettings::parse(&draw_settings) {
        Ok(s) => s,
        Err(e) => return Ok(done(e.resolved())),
    };
    let store = &ctx.app.store;
    let catalogue = store.question_catalogue().await?;
    let plan = match AskPlan::new(&settings, &catalogue) {
        Ok(p) => p,
        Err(e) => return Ok(done(e.resolved())),
    };
    let stored = store.enrolment(user).await?;
    let asked = state
        .module_data::<Asked>(module.cfg_id)
        .filter(|a| a.user == user);
    let params = ctx.app.directory.params();
    if let (Some(input), Some(asked)) = (input, asked) {
        state.clear_module_data(module.cfg_id);
        let (enrolment, version) = match stored {
            _ if asked.decoy => {
                let hash = off_thread(move || decoy(params))
                    .await?
                    .map_err(PageError::Internal)?;
                (decoy_enrolment(&catalogue, &hash), None)
            }
            Some(s) => (s.enrolment, Some(s.version)),
            None => return Ok(done(Resolved::Error(STALE_SAMPLE.into()))),
        };
        let checked = Checked {
            posted: posted_answers(input, &enrolment),
            sample: asked.sample,
            enrolment,
            version,
        };
        return answer(ctx, state, module, checked, settings, catalogue).await;
    }
    let enrolment = stored.map(|s| s.enrolment).unwrap_or_default();
    let (sample, enrolment, decoy_used) = match draw(store, user, &enrolment, &plan).await? {
        Draw::Ask(s) => (s, enrolment, false),
        Draw::Skip(Resolved::Fail(reason)) => {
            // Placeholder hashes: only the keys matter for drawing and naming fields.
            let fake = decoy_enrolment(&catalogue, &StoredHash::from_stored(String::new()));
            match draw(store, user, &fake, &plan).await? {
                Draw::Ask(s) => (s, fake, true),
                Draw::Skip(_) => return Ok(done(Resolved::Fail(reason))),
            }
        }
        Draw::Skip(other) => return Ok(done(other)),
    };
    let lang = state.param("LANG").unwrap_or("").to_owned();
    let Some(fields) = fields(&sample.questions, &enrolment, &catalogue, &lang, true) else {
        return Ok(done(Resolved::Error(STALE_SAMPLE.into())));
    };
    state.set_module_data(
        module.cfg_id,
        &Asked {
            user,
            sample,
            decoy: decoy_used,
        },
    )?;
    Ok(ask_prompt(&state.typed, fields))
}

/// What is checked: the answers, the questions asked, the enrolment (decoy: `version` None).
struct Checked {
    posted: Vec<PostedAnswer>,
    sample: Sample,
    enrolment: Enrolment,
    version: Option<u64>,
}

async fn answer(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    checked: Checked,
    settings: DrawSettings,
    catalogue: Catalogue,
) -> Result<Step, PageError> {
    let store = &ctx.app.store;
    let Some(user) = state.user else {
        return Ok(error("the response module needs an identified user"));
    };
    let Some(profile) = store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    let params = ctx.app.directory.params();
    // `allow_locked`: a locked profile may be verified in a reset flow, on its own counter.
    let locked_ok = match delivery::may_verify(state, module, &profile) {
        Ok(may) => profile.locked && may,
        Err(e) => return Ok(error(e)),
    };
    let gate = if locked_ok {
        lockout::reserve_locked(ctx, &profile).await?
    } else {
        lockout::reserve(ctx, module, &profile).await?
    };
    let slot = match gate {
        Gate::Broken(step) => return Ok(step),
        Gate::Evaluate(slot) => slot,
        Gate::Refuse => {
            // Out of attempts: the answers are not looked at, but take the time they would.
            let asked = checked.sample.questions.len();
            off_thread(move || {
                let hash = decoy(params)?;
                let hasher = StoredAnswerHasher {
                    params,
                    rng: &mut OsRandom,
                };
                for _ in 0..asked {
                    let _ = hasher.verify(&normalise("-"), &hash);
                }
                Ok::<(), String>(())
            })
            .await?
            .map_err(PageError::Internal)?;
            return Ok(fail(reason::LOCKED_OUT));
        }
    };
    let Checked {
        posted,
        sample,
        mut enrolment,
        version,
    } = checked;
    let checking = enrolment.clone();
    let (outcome, fresh) =
        off_thread(move || verify(params, &settings, &catalogue, &sample, &posted, &checking))
            .await?;
    let success =
        outcome.resolved == Resolved::Success && (profile.may_authenticate() || locked_ok);
    let settled = match outcome.resolved {
        Resolved::Success | Resolved::Fail(_) => success,
        // Not the person's failure (settings, a stale sample): the slot is given back.
        Resolved::Error(_) | Resolved::Ignore => true,
    };
    lockout::settle(ctx, slot, &profile, settled).await?;
    match (outcome.resolved, version) {
        (Resolved::Success, Some(version)) if success => {
            if !fresh.is_empty() {
                enrolment.apply_rehash(fresh);
                let now = OffsetDateTime::now_utc();
                match store.rehash_enrolment(user, version, &enrolment, now).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::info!(profile = %user, "answers changed before their re-hash was stored")
                    }
                    Err(e) => {
                        tracing::warn!(profile = %user, error = %e, "could not store re-hashed answers")
                    }
                }
            }
            Ok(super::SUCCESS)
        }
        (Resolved::Success, _) => Ok(fail(latchkey_core::questions::WRONG_ANSWER)),
        (Resolved::Fail(_), None) => Ok(fail(NOT_ENROLLED)),
        (other, _) => Ok(done(other)),
    }
}

/// Checks the answers and, after a success, hashes afresh those stored with old parameters.
fn verify(
    params: Argon2Params,
    settings: &DrawSettings,
    catalogue: &Catalogue,
    sample: &Sample,
    posted: &[PostedAnswer],
    enrolment: &Enrolment,
) -> (CheckOutcome, Vec<EnrolledAnswer>) {
    let plan = match AskPlan::new(settings, catalogue) {
        Ok(p) => p,
        Err(e) => {
            let outcome = CheckOutcome {
                resolved: e.resolved(),
                needs_rehash: Vec::new(),
            };
            return (outcome, Vec::new());
        }
    };
    let mut rng = OsRandom;
    let mut hasher = StoredAnswerHasher {
        params,
        rng: &mut rng,
    };
    let outcome = check(sample, posted, enrolment, &plan, &hasher);
    let fresh = match fresh_records(&outcome.needs_rehash, posted, &mut hasher) {
        Ok(fresh) => fresh,
        Err(e) => {
            tracing::warn!(error = %e, "could not re-hash answers");
            Vec::new()
        }
    };
    (outcome, fresh)
}
