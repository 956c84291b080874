//! `GET /login/link?token=…` and `GET /forgot/link?token=…`: a mailed link being opened.
//!
//! `mail_nonce` points the link at the route of the flow kind it was made for: `/login/link`
//! loads only sign-in flows, `/forgot/link` only password-reset flows ([`LinkKind`]); the
//! steps are the same, and the "Continue" page posts back to `/login` or `/forgot`.
//!
//! The link works only in the browser whose flow mailed it, and only once:
//!
//! 1. No flow cookie, no live flow, or a flow that identifies nobody: refused, and the token
//!    is **not** consumed (another device or a mail scanner fetching the link cannot burn it).
//! 2. The flow's user is locked out of mailed links ([`nonce::NonceLockout`]): refused.
//! 3. [`IssuedNonce::check_link`] against the flow's pending link: another link, another
//!    user or an expired link is refused and counts as a failure for the flow's user.
//! 4. `consume_token` (one atomic statement: of two concurrent openings exactly one gets the
//!    token), then [`nonce::redeemed`] checks that the token was this user's in this flow.
//! 5. The module's data is marked `redeemed` by the flow's compare-and-set (retried if the
//!    flow moved on meanwhile), and the page offers "Continue", which posts to `/login` (or
//!    `/forgot`) so the flow resumes and the module succeeds.
//!
//! Failures are kept per user across flows as a [`FailureState`] in the store's flow table: a
//! record of kind [`LOCKOUT_KIND`] under an id derived from the user's id, changed only by
//! compare-and-set (the profile has no place for it yet).
//!
//! Every refusal is the same page and status. The token never appears in a page, a log line
//! or the audit log; the request span logs the path only (see `state::app`).

use super::forgot::flow as reset_flow;
use super::modules::nonce::NonceData;
use super::prompt::Prompt;
use super::state::{self, LoginState};
use crate::cookies::CookieKind;
use crate::error::PageError;
use crate::pages::html;
use crate::security::csrf_token;
use crate::state::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::chain::Resolved;
use latchkey_core::ids::{FlowId, ProfileId};
use latchkey_core::nonce::{self, FailureState, IssuedNonce, LinkCheck, LockStatus};
use latchkey_core::repo::{AuditEvent, AuditRepo, FlowRecord, FlowRepo, RepoError, TokenRepo};
use latchkey_core::token::TokenHash;
use latchkey_core::token::TokenSecret;
use latchkey_store::Store;
use time::{Duration, OffsetDateTime};

/// Flow-table kind of the per-user failure record.
pub const LOCKOUT_KIND: &str = "nonce_lockout";
/// How long a failure record is kept after it was created.
const LOCKOUT_RECORD_LIFE: Duration = Duration::days(30);

/// The one answer to a link that cannot be used here.
pub const REFUSED: &str = "This link cannot be used here. Open it in the same browser where you \
                           asked for it, before it expires; or start signing in again.";

#[derive(Template)]
#[template(path = "prompt.html")]
struct ContinuePage {
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
    tr: crate::i18n::Tr,
}

/// The same page for a reset flow (posts to `/forgot`).
#[derive(Template)]
#[template(path = "forgot_prompt.html")]
struct ResetContinuePage {
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
    tr: crate::i18n::Tr,
}

/// Which flows a link route loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `/login/link`: sign-in flows.
    Login,
    /// `/forgot/link`: password-reset flows.
    Reset,
}

/// A loaded flow of either kind.
enum Held {
    Login(state::Loaded),
    Reset(reset_flow::Loaded),
}

impl Held {
    async fn load(kind: LinkKind, store: &Store, cookie: &str) -> Result<Option<Held>, RepoError> {
        Ok(match kind {
            LinkKind::Login => state::load(store, cookie).await?.map(Held::Login),
            // A decoy or an already verified reset has no link to redeem.
            LinkKind::Reset => reset_flow::load(store, cookie)
                .await?
                .filter(|l| !l.state.decoy && l.state.verified.is_none())
                .map(Held::Reset),
        })
    }

    fn id(&self) -> FlowId {
        match self {
            Held::Login(l) => l.id,
            Held::Reset(l) => l.id,
        }
    }

    fn version(&self) -> u64 {
        match self {
            Held::Login(l) => l.version,
            Held::Reset(l) => l.version,
        }
    }

    fn login(&self) -> &LoginState {
        match self {
            Held::Login(l) => &l.state,
            Held::Reset(l) => &l.state.login,
        }
    }

    fn login_mut(&mut self) -> &mut LoginState {
        match self {
            Held::Login(l) => &mut l.state,
            Held::Reset(l) => &mut l.state.login,
        }
    }

    async fn save(&self, store: &Store) -> Result<bool, RepoError> {
        match self {
            Held::Login(l) => state::save(store, l).await,
            Held::Reset(l) => reset_flow::save(store, l).await,
        }
    }
}

/// Why a link was refused (audit log only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    NoFlow,
    Locked,
    Mismatch,
    Expired,
    Used,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::NoFlow => "no flow in this browser",
            Refusal::Locked => "locked out",
            Refusal::Mismatch => "not this flow's link",
            Refusal::Expired => "expired",
            Refusal::Used => "already used",
        }
    }
}

/// `GET /login/link`.
pub async fn open(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    open_kind(&app, &headers, query, LinkKind::Login).await
}

/// `GET /forgot/link`.
pub async fn open_reset(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    open_kind(&app, &headers, query, LinkKind::Reset).await
}

async fn open_kind(
    app: &AppState,
    headers: &HeaderMap,
    query: Option<String>,
    kind: LinkKind,
) -> Result<Response, PageError> {
    let (refused, accepted) = match kind {
        LinkKind::Login => ("login.link.refused", "login.link.accepted"),
        LinkKind::Reset => (
            "password.reset.link.refused",
            "password.reset.link.accepted",
        ),
    };
    let token = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == nonce::TOKEN_PARAM)
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .map(|v| TokenSecret::from_user(&v))
    });
    let cookie = app.cookies.get(headers, CookieKind::Flow);
    let outcome = match (token, cookie) {
        (Some(token), Some(cookie)) => redeem(app, kind, &cookie, &token).await?,
        _ => Err(Refusal::NoFlow),
    };
    let version = match outcome {
        Ok(version) => version,
        Err(refusal) => {
            audit(app, refused, refusal.as_str()).await;
            return Err(PageError::Forbidden(REFUSED.into()));
        }
    };
    audit(app, accepted, "").await;
    let (csrf, csrf_cookie) = csrf_token(&app.cookies, headers);
    let page = match kind {
        LinkKind::Login => html(&ContinuePage {
            prompt: Prompt {
                title: "Link accepted".into(),
                intro: "Your email address is confirmed. Continue to finish signing in.".into(),
                submit: "Continue".into(),
                ..Prompt::default()
            },
            notice: None,
            csrf,
            version,
            tr: crate::i18n::Tr::current(),
        })?,
        LinkKind::Reset => html(&ResetContinuePage {
            prompt: Prompt {
                title: "Link accepted".into(),
                intro: "Your email address is confirmed. Continue to choose a new password.".into(),
                submit: "Continue".into(),
                ..Prompt::default()
            },
            notice: None,
            csrf,
            version,
            tr: crate::i18n::Tr::current(),
        })?,
    };
    let mut response = page.into_response();
    if let Some(v) = csrf_cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Redeems `token` for the flow `cookie` names; Ok(the flow's new version).
async fn redeem(
    app: &AppState,
    kind: LinkKind,
    cookie: &str,
    token: &TokenSecret,
) -> Result<Result<u64, Refusal>, PageError> {
    let now = OffsetDateTime::now_utc();
    let Some(loaded) = Held::load(kind, &app.store, cookie).await? else {
        return Ok(Err(Refusal::NoFlow));
    };
    let Some(user) = loaded.login().user else {
        return Ok(Err(Refusal::NoFlow));
    };
    let flow_id = loaded.id();
    // The flow's pending links for its current user, and how this token compares to each.
    let pending: Vec<(NonceData, LinkCheck)> = loaded
        .login()
        .module_data
        .values()
        .filter_map(|text| serde_json::from_str::<NonceData>(text).ok())
        .filter(|d| d.user == user && !d.redeemed)
        .filter_map(|d| {
            let check = d.issued.as_ref()?.check_link(token, flow_id, user, now);
            Some((d, check))
        })
        .collect();
    let found = pending
        .iter()
        .find(|(_, c)| *c != LinkCheck::Mismatch)
        .or(pending.first())
        .cloned();
    let policy = found
        .as_ref()
        .map(|(d, _)| d.lockout.policy())
        .unwrap_or_default();
    if let LockStatus::Locked { .. } =
        policy.status(&load_failures(&app.store, user, now).await?, now)
    {
        return Ok(Err(Refusal::Locked));
    }
    let failed = |refusal: Refusal| async move {
        update_failures(&app.store, user, now, |s| policy.record_failure(s, now)).await?;
        Ok::<_, PageError>(Err(refusal))
    };
    let (data, issued) = match found {
        Some((data, LinkCheck::Redeem)) => match data.issued.clone() {
            Some(issued) => (data, issued),
            None => return failed(Refusal::Mismatch).await,
        },
        Some((_, LinkCheck::Expired)) => return failed(Refusal::Expired).await,
        _ => return failed(Refusal::Mismatch).await,
    };
    let consumed = app
        .store
        .consume_token(&issued.hash, nonce::TOKEN_PURPOSE, now)
        .await?;
    if nonce::redeemed(&issued, consumed.as_ref()) != Resolved::Success || data.decoy {
        return failed(Refusal::Used).await;
    }
    update_failures(&app.store, user, now, |_| policy.record_success()).await?;
    mark_redeemed(app, kind, cookie, loaded, &issued).await
}

/// Sets `redeemed` on the module data holding `issued`, by compare-and-set; a flow that moved
/// on meanwhile is reloaded and marked again.
async fn mark_redeemed(
    app: &AppState,
    kind: LinkKind,
    cookie: &str,
    mut loaded: Held,
    issued: &IssuedNonce,
) -> Result<Result<u64, Refusal>, PageError> {
    for _ in 0..8 {
        let mut marked = false;
        for text in loaded.login_mut().module_data.values_mut() {
            let Ok(mut data) = serde_json::from_str::<NonceData>(text) else {
                continue;
            };
            if data.issued.as_ref().is_some_and(|i| i.hash == issued.hash) {
                data.redeemed = true;
                *text = serde_json::to_string(&data)
                    .map_err(|e| RepoError::Corrupt(format!("login flow: {e}")))?;
                marked = true;
            }
        }
        if !marked {
            // The flow replaced this link (sent again) after it was opened: it no longer counts.
            return Ok(Err(Refusal::Used));
        }
        if loaded.save(&app.store).await? {
            return Ok(Ok(loaded.version().saturating_add(1)));
        }
        match Held::load(kind, &app.store, cookie).await? {
            Some(again) => loaded = again,
            None => return Ok(Err(Refusal::NoFlow)),
        }
    }
    Err(PageError::Unavailable(
        "the sign-in flow kept changing while the link was opened".into(),
    ))
}

/// Records a link event (never the token).
async fn audit(app: &AppState, action: &str, reason: &str) {
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: None,
        action: action.to_owned(),
        subject: None,
        detail: serde_json::json!({ "reason": reason }).to_string(),
    };
    if let Err(e) = app.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

fn lockout_record(user: ProfileId) -> Result<FlowId, RepoError> {
    TokenHash::of(&format!("latchkey nonce lockout {user}"))
        .flow_id()
        .ok_or_else(|| RepoError::Database("lockout record id".into()))
}

fn corrupt(e: serde_json::Error) -> RepoError {
    RepoError::Corrupt(format!("link lockout record: {e}"))
}

/// The user's link failures at `now` (none when there is no live record).
pub async fn load_failures(
    store: &Store,
    user: ProfileId,
    now: OffsetDateTime,
) -> Result<FailureState, RepoError> {
    Ok(match store.load_flow(lockout_record(user)?, now).await? {
        Some(r) if r.kind == LOCKOUT_KIND => serde_json::from_str(&r.state).map_err(corrupt)?,
        _ => FailureState::default(),
    })
}

/// Applies `change` to the user's failure record by compare-and-set, retrying when another
/// request changed it first.
pub async fn update_failures(
    store: &Store,
    user: ProfileId,
    now: OffsetDateTime,
    change: impl Fn(&FailureState) -> FailureState,
) -> Result<(), RepoError> {
    let id = lockout_record(user)?;
    for _ in 0..8 {
        match store.load_flow(id, now).await? {
            Some(r) if r.kind == LOCKOUT_KIND => {
                let old: FailureState = serde_json::from_str(&r.state).map_err(corrupt)?;
                let new = change(&old);
                if new == old {
                    return Ok(());
                }
                let text = serde_json::to_string(&new).map_err(corrupt)?;
                if store.compare_and_set(id, r.version, &text, now).await? {
                    return Ok(());
                }
            }
            Some(_) => return Err(RepoError::Corrupt("link lockout record id taken".into())),
            None => {
                let new = change(&FailureState::default());
                if new == FailureState::default() {
                    return Ok(());
                }
                let record = FlowRecord {
                    id,
                    kind: LOCKOUT_KIND.into(),
                    version: 0,
                    state: serde_json::to_string(&new).map_err(corrupt)?,
                    created_at: now,
                    expires_at: now.saturating_add(LOCKOUT_RECORD_LIFE),
                };
                match store.create_flow(&record).await {
                    Ok(()) => return Ok(()),
                    // Either another request created it (the next round updates it) or an
                    // expired record holds the id: remove that one. Two requests racing on an
                    // expired record may lose one failure; records expire after 30 days.
                    Err(RepoError::Conflict(_)) => {
                        if store.load_flow(id, now).await?.is_none() {
                            store.delete_flow(id).await?;
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Err(RepoError::Conflict(
        "the link lockout record kept changing".into(),
    ))
}
