//! `/account/questions`: enrol (or re-enrol) security answers.
//!
//! The page lists every question set of the catalogue: a pre-defined set as its questions, each
//! with an answer field (answer the number the set asks for and leave the others blank); a
//! user-defined set as pairs of "your question" and "your answer". `POST` hands the filled
//! fields, in page order, to [`latchkey_core::questions::enrol`], which checks the whole form
//! against the sets' counts and the rules (length, not the question, not the login id, all
//! different) and hashes with the configured hasher only when nothing is wrong. Problems are
//! shown next to their field; nothing is stored then, and no answer is written back into the
//! page.

use super::totp::skip_kind;
use super::{audit, continue_to, gate, is_enrolled, mode};
use crate::error::PageError;
use crate::os::OsRandom;
use crate::pages::html;
use crate::pages::mpr::with_cookie;
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use crate::stepup::Refusal;
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::enrolment::EnrolmentKind;
use latchkey_core::questions::repo::QuestionRepo;
use latchkey_core::questions::{
    AnswerInput, Catalogue, EnrolError, EnrolProblem, EnrolmentRules, QuestionRef, SetKind,
    StoredAnswerHasher, enrol,
};
use latchkey_core::repo::UserStatRepo;
use latchkey_core::secret::Password;
use latchkey_core::userstat::UserStatTag;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Where the page is.
const HERE: &str = "/account/questions";
/// Most "write your own" pairs shown for a user-defined set.
const MAX_OWN_SHOWN: usize = 5;

/// One answer field (with its question field for a user-defined set).
struct FieldView {
    /// The answer field's name (`answer.SET.QID` or `own_a.SET.N`).
    name: String,
    /// The question text (pre-defined), or the name of the question field (user-defined).
    question: String,
    /// The person's own question, written back after an error.
    own_text: Option<String>,
    error: Option<String>,
}

struct SetView {
    name: String,
    rule: String,
    own: bool,
    error: Option<String>,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "account_questions.html")]
struct QuestionsPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    sets: Vec<SetView>,
    enrolled: bool,
    may_skip: bool,
    next: String,
    csrf: String,
    problems: usize,
}

fn views(catalogue: &Catalogue, posted: &BTreeMap<String, String>) -> Vec<SetView> {
    catalogue
        .sets()
        .iter()
        .map(|set| {
            let fields = match &set.kind {
                SetKind::Predefined { questions } => questions
                    .iter()
                    .map(|q| FieldView {
                        name: format!("answer.{}.{}", set.id, q.id),
                        question: q.text.clone(),
                        own_text: None,
                        error: None,
                    })
                    .collect(),
                SetKind::UserDefined => {
                    (0..set.max_answers.clamp(set.min_answers.max(1), MAX_OWN_SHOWN))
                        .map(|i| FieldView {
                            name: format!("own_a.{}.{i}", set.id),
                            question: format!("own_q.{}.{i}", set.id),
                            own_text: posted.get(&format!("own_q.{}.{i}", set.id)).cloned(),
                            error: None,
                        })
                        .collect()
                }
            };
            let rule = if set.min_answers == set.max_answers {
                format!("Answer {} of these.", set.min_answers)
            } else {
                format!(
                    "Answer {} to {} of these.",
                    set.min_answers, set.max_answers
                )
            };
            SetView {
                name: set.name.clone(),
                own: set.kind == SetKind::UserDefined,
                rule,
                error: None,
                fields,
            }
        })
        .collect()
}

/// The filled fields in page order, with the answer field's name of each.
fn inputs(
    catalogue: &Catalogue,
    posted: &BTreeMap<String, String>,
) -> (Vec<AnswerInput>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut names = Vec::new();
    for set in views(catalogue, posted).iter().zip(catalogue.sets()) {
        let (view, def) = set;
        for field in &view.fields {
            let answer = posted.get(&field.name).map(String::as_str).unwrap_or("");
            let question = if view.own {
                let text = posted
                    .get(&field.question)
                    .map(String::as_str)
                    .unwrap_or("");
                if text.trim().is_empty() && answer.trim().is_empty() {
                    continue;
                }
                QuestionRef::Own(text.to_owned())
            } else {
                if answer.trim().is_empty() {
                    continue;
                }
                let id = field.name.rsplit('.').next().unwrap_or("");
                match latchkey_core::questions::QuestionId::new(id) {
                    Ok(id) => QuestionRef::Predefined(id),
                    Err(_) => continue,
                }
            };
            inputs.push(AnswerInput {
                set: def.id.clone(),
                question,
                answer: Password::new(answer),
            });
            names.push(field.name.clone());
        }
    }
    (inputs, names)
}

/// Marks each problem on its field (or its set); returns how many there were.
fn mark(sets: &mut [SetView], catalogue: &Catalogue, names: &[String], found: &[EnrolProblem]) {
    for problem in found {
        let text = problem.to_string();
        let message = text
            .split_once(": ")
            .map_or(text.as_str(), |(_, m)| m)
            .to_owned();
        let index = match problem {
            EnrolProblem::TooFew { set, .. } | EnrolProblem::TooMany { set, .. } => {
                let position = catalogue.sets().iter().position(|s| &s.id == set);
                if let Some(view) = position.and_then(|p| sets.get_mut(p)) {
                    view.error = Some(text.clone());
                }
                continue;
            }
            EnrolProblem::UnknownSet { index }
            | EnrolProblem::UnknownQuestion { index }
            | EnrolProblem::DuplicateQuestion { index }
            | EnrolProblem::QuestionLength { index, .. }
            | EnrolProblem::AnswerLength { index, .. }
            | EnrolProblem::AnswerRepeatsQuestion { index }
            | EnrolProblem::AnswerIsLoginId { index }
            | EnrolProblem::SameAnswer { index, .. } => *index,
        };
        let Some(name) = names.get(index) else {
            continue;
        };
        for field in sets.iter_mut().flat_map(|s| s.fields.iter_mut()) {
            if &field.name == name {
                let joined = match field.error.take() {
                    Some(before) => format!("{before} {message}"),
                    None => message.clone(),
                };
                field.error = Some(joined);
            }
        }
    }
}

/// `GET /account/questions`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, Refusal> {
    let viewer = gate(&state, &headers, EnrolmentKind::Questions, HERE).await?;
    let catalogue = state.store.question_catalogue().await?;
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let page = QuestionsPage {
        tr: crate::i18n::Tr::current(),
        sets: views(&catalogue, &BTreeMap::new()),
        enrolled: is_enrolled(&state, viewer.session.profile.id, EnrolmentKind::Questions).await?,
        may_skip: mode(&state, EnrolmentKind::Questions).await?.may_skip(),
        next: query.get("next").cloned().unwrap_or_default(),
        csrf,
        problems: 0,
    };
    Ok(with_cookie(html(&page)?.into_response(), cookie))
}

/// `POST /account/questions`: checks and stores the answers (hashes only).
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> Result<Response, Refusal> {
    let posted = form.map(|Form(f)| f).unwrap_or_default();
    let csrf = posted.get("csrf").cloned().unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &csrf)?;
    let viewer = gate(&state, &headers, EnrolmentKind::Questions, HERE).await?;
    let profile = viewer.session.profile.clone();
    let next = posted.get("next").cloned().unwrap_or_default();
    let catalogue = state.store.question_catalogue().await?;
    let (inputs, names) = inputs(&catalogue, &posted);
    let params = state.directory.params();
    let login = profile.login_id.clone();
    let for_hashing = catalogue.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut rng = OsRandom;
        let mut hasher = StoredAnswerHasher {
            params,
            rng: &mut rng,
        };
        enrol(
            &inputs,
            &for_hashing,
            &EnrolmentRules::default(),
            &login,
            &mut hasher,
        )
    })
    .await
    .map_err(|_| PageError::Internal("answer hashing was interrupted".into()))?;
    let enrolment = match result {
        Ok(e) => e,
        Err(EnrolError::Hash(e)) => return Err(PageError::Internal(e.to_string()).into()),
        Err(EnrolError::Invalid(found)) => {
            let mut sets = views(&catalogue, &posted);
            mark(&mut sets, &catalogue, &names, &found);
            let page = QuestionsPage {
                tr: crate::i18n::Tr::current(),
                sets,
                enrolled: is_enrolled(&state, profile.id, EnrolmentKind::Questions).await?,
                may_skip: mode(&state, EnrolmentKind::Questions).await?.may_skip(),
                next,
                csrf,
                problems: found.len(),
            };
            let body = html(&page)?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    let now = OffsetDateTime::now_utc();
    state
        .store
        .save_enrolment(profile.id, &enrolment, now)
        .await?;
    state
        .store
        .set_userstat(profile.id, &UserStatTag::PsqDone, "1", now)
        .await?;
    audit(&state, &profile, "questions.enrol").await;
    let to = continue_to(&state, profile.id, &next).await?;
    Ok(Redirect::to(&to).into_response())
}

/// `POST /account/questions/skip`: "Not now", when the setting allows it.
pub async fn skip(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> Result<Response, Refusal> {
    let posted = form.map(|Form(f)| f).unwrap_or_default();
    let csrf = posted.get("csrf").map(String::as_str).unwrap_or("");
    check_form(&state.cookies, &state.public_origin, &headers, csrf)?;
    let next = posted.get("next").map(String::as_str).unwrap_or("");
    skip_kind(&state, &headers, EnrolmentKind::Questions, next).await
}
