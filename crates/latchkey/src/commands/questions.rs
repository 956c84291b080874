//! `latchkey questions sets | enrol | reset`: the question catalogue, and a person's security
//! answers from the shell (the self-service enrolment page comes later).
//!
//! `enrol` reads `SET/QUESTION_ID=answer` lines, checks them all with
//! [`latchkey_core::questions::enrol`] (which hashes nothing unless every line is right), and
//! stores the hashes only. Problems name the line, never the answer.

use crate::cli::QuestionsCommand;
use crate::context::{Context, argon2_params};
use crate::failure::{BadInput, Problems, plural};
use crate::output::outln;
use anyhow::Context as _;
use latchkey_core::password_hash::Argon2Params;
use latchkey_core::profile::{LoginId, Profile};
use latchkey_core::questions::catalogue::Catalogue;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerCheck, AnswerHasher, AnswerInput, EnrolError, EnrolProblem, Enrolment, EnrolmentRules,
    HasherError, NormalisedAnswer, QuestionId, QuestionRef, SetId, SetKind, StoredAnswerHasher,
    StoredHash, enrol,
};
use latchkey_core::repo::{AuditEvent, AuditRepo, ProfileRepo, UserStatRepo};
use latchkey_core::secret::Password;
use latchkey_core::userstat::UserStatTag;
use latchkey_server::os::OsRandom;
use secrecy::zeroize::Zeroizing;
use std::io::{IsTerminal, Read};
use std::path::Path;
use time::OffsetDateTime;

/// Runs a `questions` subcommand.
pub async fn run(command: QuestionsCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    latchkey_server::bootstrap::ensure_question_sets(&ctx.store)
        .await
        .context("cannot install the shipped question set")?;
    match command {
        QuestionsCommand::Sets { lang } => sets(&ctx, lang.as_deref()).await,
        QuestionsCommand::Enrol { login, .. } => enrol_answers(&ctx, &login).await,
        QuestionsCommand::Reset { login } => reset(&ctx, &login).await,
    }
}

async fn sets(ctx: &Context, lang: Option<&str>) -> anyhow::Result<()> {
    let catalogue = ctx.store.question_catalogue().await?;
    if catalogue.sets().is_empty() {
        outln!("No question sets.")?;
    }
    for set in catalogue.sets() {
        let kind = match &set.kind {
            SetKind::Predefined { .. } => "pre-defined questions",
            SetKind::UserDefined => "people write their own questions",
        };
        outln!(
            "{} ({}): {kind}; enrol {} to {} answers; {} asked at login by default",
            set.id,
            set.name,
            set.min_answers,
            set.max_answers,
            set.ask
        )?;
        if let SetKind::Predefined { questions } = &set.kind {
            let width = questions
                .iter()
                .map(|q| q.id.as_str().len())
                .max()
                .unwrap_or(0);
            for q in questions {
                let text = lang.map_or(q.text.as_str(), |l| q.text_for(l));
                outln!("  {}/{:<width$}  {text}", set.id, q.id.as_str())?;
            }
        }
    }
    Ok(())
}

async fn profile(ctx: &Context, login: &str) -> anyhow::Result<Profile> {
    let login =
        LoginId::new(login).map_err(|e| BadInput::error(format!("login id {login:?}: {e}")))?;
    ctx.store
        .profile_by_login(&login)
        .await?
        .ok_or_else(|| BadInput::error(format!("no profile has the login id {login}")))
}

/// Standard input, whole; refuses a terminal (the answers would show on screen).
fn read_stdin() -> anyhow::Result<Zeroizing<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(BadInput::error(
            "--answers-stdin reads answers piped in, not typed (they would show on screen): \
             printf '%s\\n' 'SET/QUESTION_ID=answer' … | latchkey questions enrol LOGIN --answers-stdin",
        ));
    }
    let mut text = Zeroizing::new(String::new());
    stdin.lock().read_to_string(&mut text).map_err(|e| {
        BadInput::error(format!("cannot read the answers from standard input: {e}"))
    })?;
    Ok(text)
}

/// The parsed lines: answers, the line each came from, and problems found while parsing.
#[derive(Debug, Default)]
struct Parsed {
    inputs: Vec<AnswerInput>,
    lines: Vec<usize>,
    problems: Vec<String>,
}

/// Parses `SET/QUESTION_ID=answer` lines. Nothing after the first `=` is ever repeated back.
fn parse(text: &str, catalogue: &Catalogue) -> Parsed {
    let mut out = Parsed::default();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut problem = |m: &str| out.problems.push(format!("line {line}: {m}"));
        let Some((target, answer)) = raw.split_once('=') else {
            problem("expected SET/QUESTION_ID=answer");
            continue;
        };
        let Some((set, question)) = target.trim().split_once('/') else {
            problem("expected SET/QUESTION_ID before the '='");
            continue;
        };
        let Ok(set) = SetId::new(set.trim()) else {
            problem("the question set is not a valid id (see `latchkey questions sets`)");
            continue;
        };
        let question = match catalogue.set(&set).map(|s| &s.kind) {
            Some(SetKind::UserDefined) => QuestionRef::Own(question.to_owned()),
            _ => match QuestionId::new(question.trim()) {
                Ok(id) => QuestionRef::Predefined(id),
                Err(_) => {
                    problem(&format!(
                        "set {set}: the question is not a valid id (see `latchkey questions sets`)"
                    ));
                    continue;
                }
            },
        };
        out.inputs.push(AnswerInput {
            set,
            question,
            answer: Password::new(answer),
        });
        out.lines.push(line);
    }
    out
}

/// One enrolment problem, located by line.
fn describe(problem: &EnrolProblem, parsed: &Parsed) -> String {
    let line = |i: &usize| parsed.lines.get(*i).copied().unwrap_or(0);
    let target = |i: &usize| match parsed.inputs.get(*i).map(|a| (&a.set, &a.question)) {
        Some((set, QuestionRef::Predefined(q))) => format!("{set}/{q}"),
        Some((set, QuestionRef::Own(_))) => format!("{set}/(own question)"),
        None => "?".to_owned(),
    };
    match problem {
        EnrolProblem::UnknownSet { index } => {
            format!(
                "line {}: {}: no such question set",
                line(index),
                target(index)
            )
        }
        EnrolProblem::UnknownQuestion { index } => {
            format!("line {}: {}: no such question", line(index), target(index))
        }
        EnrolProblem::DuplicateQuestion { index } => format!(
            "line {}: {}: this question was already answered",
            line(index),
            target(index)
        ),
        EnrolProblem::QuestionLength { index, min, max } => format!(
            "line {}: the question must be {min} to {max} characters long",
            line(index)
        ),
        EnrolProblem::AnswerLength { index, min, max } => format!(
            "line {}: {}: the answer must be {min} to {max} characters long",
            line(index),
            target(index)
        ),
        EnrolProblem::AnswerRepeatsQuestion { index } => format!(
            "line {}: {}: the answer may not repeat the question",
            line(index),
            target(index)
        ),
        EnrolProblem::AnswerIsLoginId { index } => format!(
            "line {}: {}: the answer may not be the login id",
            line(index),
            target(index)
        ),
        EnrolProblem::SameAnswer { index, other } => format!(
            "line {}: {}: the same answer was given on line {}",
            line(index),
            target(index),
            line(other)
        ),
        other @ (EnrolProblem::TooFew { .. } | EnrolProblem::TooMany { .. }) => other.to_string(),
    }
}

/// A hasher that refuses: used to validate without hashing when parsing already failed.
struct Refuse;

impl AnswerHasher for Refuse {
    fn hash(&mut self, _: &NormalisedAnswer) -> Result<StoredHash, HasherError> {
        Err(HasherError("not hashing: the input has problems".into()))
    }
    fn verify(&self, _: &NormalisedAnswer, _: &StoredHash) -> Result<AnswerCheck, HasherError> {
        Err(HasherError("not verifying".into()))
    }
}

/// Validates and (when every line is right) hashes, on the blocking pool.
async fn check_and_hash(
    parsed: Parsed,
    catalogue: Catalogue,
    login: LoginId,
    params: Argon2Params,
) -> anyhow::Result<(Parsed, Result<Enrolment, EnrolError>)> {
    tokio::task::spawn_blocking(move || {
        let rules = EnrolmentRules::default();
        let result = if parsed.problems.is_empty() {
            let mut rng = OsRandom;
            let mut hasher = StoredAnswerHasher {
                params,
                rng: &mut rng,
            };
            enrol(&parsed.inputs, &catalogue, &rules, &login, &mut hasher)
        } else {
            enrol(&parsed.inputs, &catalogue, &rules, &login, &mut Refuse)
        };
        (parsed, result)
    })
    .await
    .context("answer hashing was interrupted")
}

async fn enrol_answers(ctx: &Context, login: &str) -> anyhow::Result<()> {
    let profile = profile(ctx, login).await?;
    let text = read_stdin()?;
    let catalogue = ctx.store.question_catalogue().await?;
    let parsed = parse(&text, &catalogue);
    drop(text);
    let params = argon2_params(&ctx.config);
    let (mut parsed, result) =
        check_and_hash(parsed, catalogue, profile.login_id.clone(), params).await?;
    let enrolment = match result {
        Err(EnrolError::Invalid(found)) => {
            let described: Vec<String> = found.iter().map(|p| describe(p, &parsed)).collect();
            parsed.problems.extend(described);
            return Err(problems(parsed.problems));
        }
        _ if !parsed.problems.is_empty() => return Err(problems(parsed.problems)),
        Ok(enrolment) => enrolment,
        Err(EnrolError::Hash(e)) => return Err(anyhow::anyhow!("cannot hash the answers: {e}")),
    };
    let now = OffsetDateTime::now_utc();
    ctx.store
        .save_enrolment(profile.id, &enrolment, now)
        .await?;
    ctx.store
        .set_userstat(profile.id, &UserStatTag::PsqDone, "1", now)
        .await?;
    audit(ctx, &profile, "questions.enrol", now).await;
    let n = enrolment.answers.len();
    outln!(
        "Enrolled {n} security answer{} for {}; only their hashes are stored",
        plural(n),
        profile.login_id
    )?;
    Ok(())
}

fn problems(lines: Vec<String>) -> anyhow::Error {
    let count = lines.len();
    anyhow::Error::new(Problems {
        lines,
        summary: format!(
            "the answers are not acceptable ({count} problem{}); nothing was stored",
            plural(count)
        ),
    })
}

async fn reset(ctx: &Context, login: &str) -> anyhow::Result<()> {
    let profile = profile(ctx, login).await?;
    let now = OffsetDateTime::now_utc();
    let had = ctx.store.forget_questions(profile.id).await?;
    // Blank is "not set" for selector rules: the login stops offering security questions.
    ctx.store
        .set_userstat(profile.id, &UserStatTag::PsqDone, "", now)
        .await?;
    audit(ctx, &profile, "questions.reset", now).await;
    if had {
        outln!(
            "Forgot the security answers of {}; they must enrol again",
            profile.login_id
        )?;
    } else {
        outln!("{} had no security answers", profile.login_id)?;
    }
    Ok(())
}

/// Records the change; a failure to write it is reported, not fatal (the change is made).
async fn audit(ctx: &Context, profile: &Profile, action: &str, now: OffsetDateTime) {
    let event = AuditEvent {
        at: now,
        actor: None,
        action: action.to_owned(),
        subject: Some(profile.login_id.to_string()),
        detail: "{\"via\":\"cli\"}".into(),
    };
    if let Err(e) = ctx.store.append_audit(&event).await {
        crate::output::errln!("warning: could not write the audit log: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_parsed_and_problems_never_repeat_the_answer() {
        let set = latchkey_server::bootstrap::standard_questions().unwrap();
        let catalogue = Catalogue::new(vec![set]).unwrap();
        let parsed = parse(
            "# comment\n\nSTANDARD/first_pet=Rex = the dog\nno-equals-secret\nbad id/x=secret2\n",
            &catalogue,
        );
        assert_eq!(parsed.inputs.len(), 1);
        assert_eq!(parsed.lines, [3]);
        assert_eq!(parsed.inputs[0].answer.expose(), "Rex = the dog");
        assert_eq!(parsed.problems.len(), 2);
        assert!(parsed.problems[0].starts_with("line 4: "));
        assert!(parsed.problems[1].starts_with("line 5: "));
        assert!(parsed.problems.iter().all(|p| !p.contains("secret")));
    }
}
