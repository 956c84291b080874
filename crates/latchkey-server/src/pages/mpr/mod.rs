//! The mass password reset pages (`/admin/mpr…`): the predefined requests and recent runs, the
//! plan to confirm, and starting a run ([`run`] has the progress page, the controls and the
//! reports; [`runner`] works on runs in the background).
//!
//! **Who may.** Only a signed-in profile that is a member of the `MPR_ADMINS` user class *and*
//! an administrator holding `mass_password_reset` ([`authorize`]). Everyone else — signed out,
//! a normal user, a member without the privilege — gets the same 404 as an unknown address, on
//! every route and method, so the feature is not revealed. What changes something (planning,
//! starting, pausing, resuming, cancelling) and the start page also want a fresh sign-in
//! ([`crate::stepup`]); watching a run and downloading its report do not, since a run outlasts
//! the five minutes and watching changes nothing.
//!
//! **No password here.** The operator never sees a password: the pages show counts, states and
//! the targets' messages; the passwords go from the run's journal into the owners' vault items.

pub mod run;
pub mod runner;

use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::html;
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use crate::stepup::{self, Refusal, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::admin::{Authorized, Privilege};
use latchkey_core::ids::{ProfileId, UserClassId};
use latchkey_core::mpr::job::{JobKind, MprRequest};
use latchkey_core::mpr::repo::MprRepo;
use latchkey_core::repo::{AdminRepo, RepoError, SettingsRepo, UserClassRepo};
use latchkey_core::userclass::MPR_ADMINS;
use latchkey_mpr::MprError;
use latchkey_mpr::control::Progress;
use latchkey_store::Store;
use time::OffsetDateTime;

/// Where the start page is.
const HOME: &str = "/admin/mpr";
/// Runs listed on the start page.
const RECENT_RUNS: u32 = 20;

/// The proof that `profile` may run mass resets: a member of `MPR_ADMINS` holding
/// `mass_password_reset`.
pub async fn authorize(store: &Store, profile: ProfileId) -> Result<Option<Authorized>, RepoError> {
    let Ok(class) = UserClassId::new(MPR_ADMINS) else {
        return Ok(None);
    };
    if !store.classes_of(profile).await?.contains(&class) {
        return Ok(None);
    }
    Ok(store
        .administrator(profile)
        .await?
        .and_then(|a| a.authorize(Privilege::MassPasswordReset).ok()))
}

/// A signed-in mass-reset operator.
#[derive(Debug)]
pub struct Operator {
    /// Who, and since when.
    pub signed_in: SignedIn,
    /// Their privilege.
    pub authorized: Authorized,
}

impl Operator {
    /// Their login id, as runs and the audit log name them.
    pub fn login(&self) -> String {
        self.signed_in.session.profile.login_id.to_string()
    }
}

/// The operator of a request, or 404; with `fresh`, a stale session signs in again and comes
/// back to `come_back_to`.
pub async fn operator(
    state: &AppState,
    headers: &HeaderMap,
    fresh: bool,
    come_back_to: &str,
) -> Result<Operator, Refusal> {
    let Some(signed_in) = stepup::signed_in(state, headers).await? else {
        return Err(PageError::NotFound.into());
    };
    let Some(authorized) = authorize(&state.store, signed_in.session.profile.id).await? else {
        return Err(PageError::NotFound.into());
    };
    if fresh && !signed_in.is_fresh(OffsetDateTime::now_utc()) {
        return Err(Refusal::sign_in_again(
            &signed_in.session.profile.login_id,
            come_back_to,
        ));
    }
    Ok(Operator {
        signed_in,
        authorized,
    })
}

/// An error of a run as a page: the operator reads what to do.
pub fn mpr_error(e: MprError) -> PageError {
    match e {
        MprError::NoSuchJob(_) => PageError::NotFound,
        MprError::Repo(r) => r.into(),
        MprError::Crypto(_) | MprError::LeaseLost(_) => PageError::Internal(e.to_string()),
        other => PageError::BadRequest(other.to_string()),
    }
}

/// Adds the CSRF cookie to an answer when the page made a new token.
pub fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    response
}

/// One predefined request, as the settings describe it.
struct RequestView {
    kind: &'static str,
    title: String,
    about: String,
    rows: Vec<(String, String)>,
    error: Option<String>,
}

/// A recent run.
struct RunRow {
    id: String,
    /// "onboard run, running", in the page's language.
    title: String,
    /// "Confirmed by … at …."
    confirmed: String,
    done: u64,
    failed: u64,
    remaining: u64,
    total: u64,
}

#[derive(Template)]
#[template(path = "mpr.html")]
struct IndexPage {
    tr: Tr,
    requests: Vec<RequestView>,
    runs: Vec<RunRow>,
    csrf: String,
    no_master_key: bool,
}

fn yes_no(tr: Tr, b: bool) -> String {
    tr.t(if b { "mpr-yes" } else { "mpr-no" })
}

fn describe(tr: Tr, kind: JobKind, r: &MprRequest) -> Vec<(String, String)> {
    let targets = r.targets.iter().map(|t| t.as_str()).collect::<Vec<_>>();
    let mut rows: Vec<(&'static str, String)> = vec![
        ("mpr-row-targets", targets.join(", ")),
        ("mpr-row-batch", r.batch_size.to_string()),
        ("mpr-row-concurrency", r.concurrency.to_string()),
        (
            "mpr-row-rate",
            r.rate_per_second.map_or(tr.t("mpr-none"), |n| {
                tr.t1("mpr-per-second", "rate", n.to_string())
            }),
        ),
        ("mpr-row-retries", r.retry_budget.to_string()),
        ("mpr-row-refusals", r.refusal_budget.to_string()),
        ("mpr-row-verify", yes_no(tr, r.verify)),
        ("mpr-row-report", yes_no(tr, r.report)),
    ];
    if kind == JobKind::Onboard {
        let v = &r.vault;
        let template = v.template.clone().unwrap_or_else(|| tr.t("mpr-none"));
        rows.push(("mpr-row-template", template));
        rows.push(("mpr-row-owner-field", v.association_field.clone()));
        rows.push(("mpr-row-account-field", v.link_field.clone()));
        rows.push(("mpr-row-username-field", v.username_field.clone()));
        if let Some(group) = &v.group_field {
            rows.push(("mpr-row-group-field", group.clone()));
        }
    }
    rows.into_iter().map(|(id, v)| (tr.t(id), v)).collect()
}

/// `GET /admin/mpr`: the predefined requests and the recent runs.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Refusal> {
    operator(&state, &headers, true, HOME).await?;
    let settings = state.store.settings().await?;
    let tr = Tr::current();
    let requests = [JobKind::Onboard, JobKind::Reset]
        .into_iter()
        .map(|kind| {
            let (title, about) = match kind {
                JobKind::Onboard => ("mpr-onboard-title", "mpr-onboard-about"),
                JobKind::Reset => ("mpr-reset-title", "mpr-reset-about"),
            };
            let (title, about) = (tr.t(title), tr.t(about));
            let (rows, error) = match MprRequest::from_settings(kind, &settings) {
                Ok(r) => (describe(tr, kind, &r), None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            RequestView {
                kind: kind.as_str(),
                title,
                about,
                rows,
                error,
            }
        })
        .collect();
    let mut runs = Vec::new();
    for job in state.store.jobs(RECENT_RUNS).await? {
        let counts = state.store.state_counts(job.id).await?;
        let p = Progress { job, counts };
        runs.push(RunRow {
            id: p.job.id.to_string(),
            title: tr.t2(
                "mpr-run-link",
                ("kind", &tr.of("mpr-kind", p.job.request.kind.as_str())),
                ("status", &tr.of("mpr-status", p.job.status.as_str())),
            ),
            confirmed: tr.t2(
                "mpr-confirmed-by",
                ("by", &p.job.requested_by),
                ("at", &crate::pages::view::utc(p.job.created_at)),
            ),
            done: p.done(),
            failed: p.failed(),
            remaining: p.remaining(),
            total: p.counts.total(),
        });
    }
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let page = html(&IndexPage {
        tr,
        requests,
        runs,
        csrf,
        no_master_key: state.master_key.is_none(),
    })?;
    Ok(with_cookie(page.into_response(), cookie))
}

/// The form of `POST /admin/mpr/plan` and `POST /admin/mpr/start`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    /// User class ids, separated by commas or spaces.
    #[serde(default)]
    user_classes: String,
    /// Account names on the targets, one a line.
    #[serde(default)]
    accounts: String,
    dry_run: Option<String>,
    confirm: Option<String>,
    /// The fingerprint of the plan the confirm page showed ([`latchkey_mpr::plan::Plan::digest`]).
    #[serde(default)]
    plan: String,
}

impl RequestForm {
    fn classes(&self) -> impl Iterator<Item = &str> {
        self.user_classes
            .split([',', ' ', '\t', '\r', '\n'])
            .filter(|c| !c.is_empty())
    }

    fn accounts(&self) -> Vec<String> {
        self.accounts
            .lines()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Checks the gate, the freshness and the form of a post, in that order: someone who may not
/// see the feature gets 404 whatever they sent.
async fn checked_post(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Result<(Operator, RequestForm), Refusal> {
    let operator = operator(state, headers, true, HOME).await?;
    let Form(form) = form.map_err(|_| {
        PageError::BadRequest("The form could not be read. Reload the page and try again.".into())
    })?;
    check_form(&state.cookies, &state.public_origin, headers, &form.csrf)?;
    Ok((operator, form))
}

/// The request a form describes: the settings of its kind, narrowed by its scope.
async fn request_of(state: &AppState, form: &RequestForm) -> Result<MprRequest, PageError> {
    let kind: JobKind = form
        .kind
        .parse()
        .map_err(|_| PageError::BadRequest("Choose onboard or reset.".into()))?;
    let settings = state.store.settings().await?;
    let mut request = MprRequest::from_settings(kind, &settings).map_err(|e| {
        PageError::BadRequest(format!(
            "The settings do not make a valid {kind} request: {e}. Nothing was planned."
        ))
    })?;
    for class in form.classes() {
        let unknown = || PageError::BadRequest(format!("There is no user class {class:?}."));
        let id = UserClassId::new(class).map_err(|_| unknown())?;
        if state.store.user_class(&id).await?.is_none() {
            return Err(unknown());
        }
        if !request.scope.user_classes.contains(&id) {
            request.scope.user_classes.push(id);
        }
    }
    request.scope.accounts = form.accounts();
    Ok(request)
}

/// One target of a plan.
struct TargetView {
    id: String,
    planned: u64,
    skipped: Vec<(String, u64)>,
}

#[derive(Template)]
#[template(path = "mpr_confirm.html")]
struct ConfirmPage {
    tr: Tr,
    kind: &'static str,
    dry_run: bool,
    targets: Vec<TargetView>,
    planned: u64,
    skipped: u64,
    /// The plan's fingerprint, posted back with the confirmation.
    digest: String,
    user_classes: String,
    accounts: String,
    accounts_count: usize,
    csrf: String,
}

/// `POST /admin/mpr/plan`: what a run would do, to confirm (stores nothing).
pub async fn plan(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let (operator, form) = checked_post(&state, &headers, form).await?;
    let mut request = request_of(&state, &form).await?;
    let kind = request.kind;
    request.dry_run = true;
    let user_classes = request
        .scope
        .user_classes
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let accounts = request.scope.accounts.join("\n");
    let accounts_count = request.scope.accounts.len();
    // A dry run: `confirm` only records the plan in the audit.
    let (id, plan) = runner::prepare(&state.store, &request).await?;
    runner::confirm(&state.store, request, id, &plan, &operator.login()).await?;
    let targets = plan
        .targets
        .iter()
        .map(|(id, t)| TargetView {
            id: id.to_string(),
            planned: t.planned,
            skipped: t.skipped.iter().map(|(r, n)| (r.clone(), *n)).collect(),
        })
        .collect();
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let page = html(&ConfirmPage {
        tr: Tr::current(),
        kind: kind.as_str(),
        dry_run: form.dry_run.is_some(),
        targets,
        planned: plan.planned(),
        skipped: plan.skipped(),
        digest: plan.digest(),
        user_classes,
        accounts,
        accounts_count,
        csrf,
    })?;
    Ok(with_cookie(page.into_response(), cookie))
}

/// `POST /admin/mpr/start`: stores the confirmed run, starts working on it, and shows its
/// progress.
pub async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<RequestForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let (operator, form) = checked_post(&state, &headers, form).await?;
    if form.confirm.as_deref() != Some("yes") {
        return Err(PageError::BadRequest(
            "Nothing was started: tick the box that confirms the run. Go back and try again."
                .into(),
        )
        .into());
    }
    if state.master_key.is_none() {
        return Err(PageError::BadRequest(
            "Nothing was started: no master key is configured (keys.master_key_file), and the \
             vault and the run's journal are sealed with it."
                .into(),
        )
        .into());
    }
    let request = request_of(&state, &form).await?;
    // Planned again: only the very plan the operator reviewed may start.
    let (id, plan) = runner::prepare(&state.store, &request).await?;
    if plan.digest() != form.plan {
        return Err(PageError::BadRequest(format!(
            "Nothing was started: the accounts in scope changed since you reviewed the plan \
             ({} accounts get a new password now). Go back and review the plan again.",
            plan.planned()
        ))
        .into());
    }
    let id = runner::confirm(&state.store, request, id, &plan, &operator.login()).await?;
    let Some(id) = id else {
        return Err(PageError::Internal("a confirmed run was not stored".into()).into());
    };
    runner::spawn(state.clone(), id);
    Ok(Redirect::to(&format!("{HOME}/{id}")).into_response())
}
