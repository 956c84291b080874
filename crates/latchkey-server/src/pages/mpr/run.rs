//! One run: its progress page (a `<progress>` bar that updates itself), the progress as JSON,
//! the pause / resume / cancel buttons, and the report as CSV and HTML.
//!
//! The page polls `GET /admin/mpr/{id}/progress` every second with a tiny inline script (its CSP
//! nonce from [`crate::pages::view`]); without JavaScript it reloads itself every two seconds
//! while the run is active. The numbers are counts of the run's journal entries; the report
//! rows come from `latchkey_mpr::control::report` and are rendered by `latchkey_core`'s report
//! module. Neither holds a password.

use super::{HOME, mpr_error, operator, runner, with_cookie};
use crate::error::PageError;
use crate::pages::html;
use crate::pages::view::{allow_inline_script, script_nonce, utc};
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use crate::stepup::Refusal;
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::ids::MprJobId;
use latchkey_core::mpr::job::JobStatus;
use latchkey_core::mpr::journal::EntryState;
use latchkey_core::mpr::report::{to_csv, to_html};
use latchkey_core::repo::{AuditEvent, AuditRepo};
use latchkey_mpr::control::{self, Progress};
use time::OffsetDateTime;

/// What the page and the JSON show.
#[derive(Debug, serde::Serialize)]
pub struct Numbers {
    /// `running`, `paused`, `cancelled` or `finished`.
    pub status: &'static str,
    /// Whether the run still moves (the page keeps polling).
    pub active: bool,
    /// Accounts with their new password in the vault.
    pub done: u64,
    /// Accounts that failed or need an operator.
    pub failed: u64,
    /// Accounts skipped (out of scope, cancelled).
    pub skipped: u64,
    /// Accounts still to do.
    pub remaining: u64,
    /// Accounts in a final state.
    pub finished: u64,
    /// Every account of the run.
    pub total: u64,
    /// Accounts done or failed per second since the run was confirmed.
    pub rate: f64,
}

impl Numbers {
    fn of(p: &Progress, now: OffsetDateTime) -> Self {
        let status = p.job.status;
        let remaining = p.remaining();
        let end = p.job.finished_at.unwrap_or(now);
        let seconds = (end - p.job.created_at).as_seconds_f64();
        let worked = p.done() + p.failed();
        let rate = if seconds > 0.0 {
            // Counts fit an f64 exactly far beyond any run's size.
            #[allow(clippy::cast_precision_loss)]
            let r = worked as f64 / seconds;
            (r * 10.0).round() / 10.0
        } else {
            0.0
        };
        Self {
            status: status.as_str(),
            active: status == JobStatus::Running
                || (status == JobStatus::Cancelled && remaining > 0),
            done: p.done(),
            failed: p.failed(),
            skipped: p.counts.get(EntryState::Skipped),
            remaining,
            finished: p.counts.finished(),
            total: p.counts.total(),
            rate,
        }
    }
}

#[derive(Template)]
#[template(path = "mpr_run.html")]
struct RunPage {
    tr: crate::i18n::Tr,
    id: String,
    kind: &'static str,
    /// ", confirmed by … at …." after the run's id.
    confirmed: String,
    /// "{done} of {total}", for the progress bar the script updates.
    of_pattern: String,
    n: Numbers,
    may_pause: bool,
    may_resume: bool,
    may_cancel: bool,
    stalled: bool,
    report: bool,
    csrf: String,
    nonce: String,
}

fn job_id(raw: &str) -> Result<MprJobId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

async fn progress_of(state: &AppState, id: MprJobId) -> Result<Progress, PageError> {
    control::progress(&state.store, id).await.map_err(mpr_error)
}

/// `GET /admin/mpr/{id}`: the run's progress, with its controls and report links.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    operator(&state, &headers, false, HOME).await?;
    let p = progress_of(&state, job_id(&raw)?).await?;
    let now = OffsetDateTime::now_utc();
    let n = Numbers::of(&p, now);
    let status = p.job.status;
    let orphaned = p.counts.get(EntryState::Orphaned) > 0;
    // A run marked running with no live lease has nobody working on it (a node restarted).
    let stalled = status == JobStatus::Running && p.job.lease_until.is_none_or(|t| t < now);
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let nonce = script_nonce();
    let tr = crate::i18n::Tr::current();
    let body = html(&RunPage {
        tr,
        id: p.job.id.to_string(),
        kind: p.job.request.kind.as_str(),
        confirmed: tr.t2(
            "mpr-run-confirmed",
            ("by", &p.job.requested_by),
            ("at", &utc(p.job.created_at)),
        ),
        of_pattern: tr.t2("mpr-of", ("done", &"{done}"), ("total", &"{total}")),
        may_pause: status == JobStatus::Running,
        may_resume: status == JobStatus::Paused
            || stalled
            || (status == JobStatus::Finished && orphaned),
        may_cancel: matches!(status, JobStatus::Running | JobStatus::Paused),
        stalled,
        report: p.job.request.report,
        n,
        csrf,
        nonce: nonce.clone(),
    })?;
    let mut response = with_cookie(body.into_response(), cookie);
    allow_inline_script(&mut response, &nonce);
    Ok(response)
}

/// `GET /admin/mpr/{id}/progress`: the numbers of the page, as JSON.
pub async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    operator(&state, &headers, false, HOME).await?;
    let p = progress_of(&state, job_id(&raw)?).await?;
    Ok(Json(Numbers::of(&p, OffsetDateTime::now_utc())).into_response())
}

/// The form of the control buttons.
#[derive(Debug, serde::Deserialize)]
pub struct ControlForm {
    #[serde(default)]
    csrf: String,
}

/// What a button does.
#[derive(Debug, Clone, Copy)]
enum Control {
    Pause,
    Resume,
    Cancel,
}

async fn control(
    state: AppState,
    headers: HeaderMap,
    raw: String,
    form: Result<Form<ControlForm>, FormRejection>,
    what: Control,
) -> Result<Response, Refusal> {
    let here = format!("{HOME}/{raw}");
    let op = operator(&state, &headers, true, &here).await?;
    let id = job_id(&raw)?;
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &csrf)?;
    let store = &state.store;
    let by = op.login();
    match what {
        Control::Pause => control::pause(store, id, &by).await,
        Control::Cancel => control::cancel(store, id, &by).await,
        Control::Resume => control::resume(store, id, &by).await.map(|_| ()),
    }
    .map_err(mpr_error)?;
    // A cancelled run still finishes the accounts it started, so it needs a runner too.
    if matches!(what, Control::Resume | Control::Cancel) {
        runner::spawn(state.clone(), id);
    }
    Ok(Redirect::to(&format!("{HOME}/{id}")).into_response())
}

/// `POST /admin/mpr/{id}/pause`.
pub async fn pause(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, Refusal> {
    control(state, headers, raw, form, Control::Pause).await
}

/// `POST /admin/mpr/{id}/resume`.
pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, Refusal> {
    control(state, headers, raw, form, Control::Resume).await
}

/// `POST /admin/mpr/{id}/cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Result<Form<ControlForm>, FormRejection>,
) -> Result<Response, Refusal> {
    control(state, headers, raw, form, Control::Cancel).await
}

/// The report rows of a run, with the download audited.
async fn report_rows(
    state: &AppState,
    headers: &HeaderMap,
    raw: &str,
    format: &str,
) -> Result<(MprJobId, Vec<latchkey_core::mpr::report::ReportRow>), Refusal> {
    let op = operator(state, headers, false, HOME).await?;
    let id = job_id(raw)?;
    progress_of(state, id).await?;
    let rows = control::report(&state.store, id).await.map_err(mpr_error)?;
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: Some(op.signed_in.session.profile.id),
        action: "mpr.report".into(),
        subject: Some(format!("{id} by {}", op.login())),
        detail: serde_json::json!({ "format": format, "rows": rows.len() }).to_string(),
    };
    state.store.append_audit(&event).await?;
    Ok((id, rows))
}

/// `GET /admin/mpr/{id}/report.csv`: every row, as a download.
pub async fn report_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    let (id, rows) = report_rows(&state, &headers, &raw, "csv").await?;
    let mut csv = Vec::new();
    to_csv(&rows, &mut csv).map_err(|e| PageError::Internal(format!("report CSV: {e}")))?;
    let disposition = format!("attachment; filename=\"mpr-{id}.csv\"");
    let mut response = csv.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// `GET /admin/mpr/{id}/report.html`: the self-contained report page.
pub async fn report_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, Refusal> {
    let (id, rows) = report_rows(&state, &headers, &raw, "html").await?;
    let title = format!("Mass password run {id}");
    let mut response =
        axum::response::Html(to_html(&title, &rows, OffsetDateTime::now_utc())).into_response();
    // The page styles itself inline and runs no script; nothing else may load.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'none'",
        ),
    );
    Ok(response)
}
