//! Sign-in through `STANDARD_TWO-PHASE_LOGIN_FLOW`, driven by the chain engine.
//!
//! Each request loads the flow named by the browser's flow cookie, hands the posted fields to
//! the module the engine is waiting for, lets the engine move on until it needs input again or
//! decides, and saves the flow by compare-and-set. Pages are rendered from the engine's prompt;
//! nothing here decides who gets in.
//!
//! Every failure — unknown user (generic login failure), wrong password, locked or disabled
//! profile — ends the attempt with the same page, status and message.

pub mod facts;
pub mod forgot;
pub mod link;
pub mod modules;
pub mod prompt;
pub mod state;

use crate::cookies::CookieKind;
use crate::error::PageError;
use crate::pages::html;
use crate::security::{check_form, csrf_token};
use crate::session;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use facts::RequestFacts;
use latchkey_core::chain::lockout::LockoutPolicy;
use latchkey_core::chain::policy::{self, SecurityPolicy};
use latchkey_core::chain::{Action, ChainId, Chains, Verdict, builtin};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{
    AdminRepo, AuditEvent, AuditRepo, AuthConfigRepo, CounterRepo, FlowRepo, ProfileRepo,
    SettingsRepo, UserClassRepo,
};
use latchkey_notify::MessageKind;
use latchkey_notify::templates::{self, Macro, Vars};
use modules::{Context, Input};
use prompt::Prompt;
use state::{Loaded, LoginState};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use time::OffsetDateTime;

/// The one message for every failed sign-in.
pub const GENERIC_FAILURE: &str = "The user ID or password is not correct.";
/// Shown when the flow cookie names no live flow.
const EXPIRED: &str = "Your sign-in took too long or was already used. Please start again.";
/// Shown when a page was submitted twice or from an old tab.
const STALE: &str = "This page was out of date, so nothing was sent. Please try again.";
/// Query parameters a login keeps (everything else is dropped).
pub const PARAMS: [&str; 4] = ["USERID", "PSF_EXT", "LANG", "next"];

#[derive(Template)]
#[template(path = "prompt.html")]
struct PromptPage {
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
    tr: crate::i18n::Tr,
}

/// How a drive ended.
enum Driven {
    /// Show this prompt.
    Prompt(Prompt),
    /// The flow decided.
    Finished(Verdict),
}

struct Config {
    version: u64,
    stored: Vec<latchkey_core::chain::ChainDef>,
    chains: Chains,
    policies: Vec<SecurityPolicy>,
    rules: Vec<latchkey_core::chain::selector::SelectorRule>,
    settings: latchkey_core::settings::Settings,
}

async fn load_config(app: &AppState, failsafe: bool) -> Result<Config, PageError> {
    let (stored, policies) = if failsafe {
        // The administrators' way back in: the shipped password chain, whatever is stored.
        (
            builtin::shipped(&chain_id(builtin::PASSWORD)?)
                .into_iter()
                .collect(),
            Vec::new(),
        )
    } else {
        (app.store.chains().await?, app.store.policies().await?)
    };
    Ok(Config {
        version: app.store.auth_config_version().await?,
        chains: Chains::new(stored.clone()),
        stored,
        policies,
        rules: app.store.selector_rules().await?,
        settings: app.store.settings().await?,
    })
}

/// The chains for an identified user: the global chains merged with the policies of the user
/// classes they belong to (spec §6). Err when their classes carry conflicting policies.
async fn chains_for(
    app: &AppState,
    config: &Config,
    user: ProfileId,
) -> Result<Result<Chains, String>, PageError> {
    if config.policies.is_empty() {
        return Ok(Ok(config.chains.clone()));
    }
    let classes = app.store.classes_of(user).await?.into_iter().collect();
    Ok(match policy::policies_for(&classes, &config.policies) {
        Err(e) => Err(e.to_string()),
        Ok((None, None)) => Ok(config.chains.clone()),
        Ok((organization, archetype)) => {
            let global = SecurityPolicy {
                id: "global".into(),
                sequences: config.stored.clone(),
                ..SecurityPolicy::default()
            };
            Ok(Chains::new(
                policy::effective(&global, organization, archetype).chains(),
            ))
        }
    })
}

fn chain_id(id: &str) -> Result<ChainId, PageError> {
    ChainId::new(id).map_err(|e| PageError::Internal(e.to_string()))
}

/// Moves the flow on until it needs input or decides. `input` goes to the first module
/// evaluated (the one the previous page asked for) and to nothing after it.
async fn drive(
    app: &AppState,
    state: &mut LoginState,
    mut input: Option<Input>,
) -> Result<Driven, PageError> {
    let config = load_config(app, state.failsafe).await?;
    modules::at_least::leave_if_asked(state, &config.chains, &mut input);
    let mut effective: Option<(ProfileId, Chains)> = None;
    let fingerprint = serde_json::to_string(&state.request)
        .map(|json| {
            latchkey_core::token::TokenHash::of(&json)
                .as_str()
                .to_owned()
        })
        .unwrap_or_default();
    for _ in 0..64 {
        // Cached chain results belong to this user, this configuration and this request.
        state.flow.cache_context = state
            .user
            .map(|u| format!("{u}|{}|{fingerprint}", config.version));
        let chains = match state.user {
            None => &config.chains,
            Some(user) => {
                if effective.as_ref().map(|(u, _)| *u) != Some(user) {
                    match chains_for(app, &config, user).await? {
                        Ok(c) => effective = Some((user, c)),
                        Err(reason) => {
                            tracing::warn!(reason, "user-class policies conflict");
                            state.config_error = true;
                            return Ok(Driven::Finished(Verdict::Deny(reason)));
                        }
                    }
                }
                effective.as_ref().map(|(_, c)| c).unwrap_or(&config.chains)
            }
        };
        let ctx = Context {
            app,
            settings: &config.settings,
            chains,
            rules: &config.rules,
        };
        let action = match state.flow.next_action(chains) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "login flow cannot go on");
                state.config_error = true;
                return Ok(Driven::Finished(Verdict::Deny(e.to_string())));
            }
        };
        match action {
            Action::Finished(v) => return Ok(Driven::Finished(v)),
            Action::Choose { options, .. } => {
                let picked = input
                    .take()
                    .and_then(|i| i.field("chain").map(str::to_owned));
                match picked.map(|p| ChainId::new(&p)) {
                    Some(Ok(choice)) if options.contains(&choice) => {
                        if let Err(e) = state.flow.choose(chains, &choice) {
                            return Ok(Driven::Finished(Verdict::Deny(e.to_string())));
                        }
                    }
                    _ => {
                        let labelled = options
                            .iter()
                            .map(|id| {
                                (
                                    id.clone(),
                                    chains.get(id).map(|c| c.description).unwrap_or_default(),
                                )
                            })
                            .collect::<Vec<_>>();
                        return Ok(Driven::Prompt(prompt::for_choice(&labelled)));
                    }
                }
            }
            Action::Evaluate { module, .. } => {
                let given = input.take();
                let step = modules::evaluate(&ctx, state, &module, given.as_ref()).await?;
                let (result, prompt) = match step {
                    modules::Step::Ask(prompt) => {
                        (latchkey_core::chain::ModuleResult::Pending, Some(prompt))
                    }
                    modules::Step::Done(result) => (result, None),
                };
                if let latchkey_core::chain::ModuleResult::Outcome(
                    latchkey_core::chain::Resolved::Error(reason),
                ) = &result
                {
                    tracing::warn!(module = %module.kind, cfg_id = %module.cfg_id, reason, "module could not decide");
                    state.config_error = true;
                }
                if let Err(e) = state.flow.submit(chains, module.cfg_id, result) {
                    state.config_error = true;
                    return Ok(Driven::Finished(Verdict::Deny(e.to_string())));
                }
                if let Some(mut prompt) = prompt {
                    modules::at_least::offer_another(state, &mut prompt);
                    return Ok(Driven::Prompt(prompt));
                }
            }
        }
    }
    Ok(Driven::Finished(Verdict::Deny(
        "the flow did not settle".into(),
    )))
}

fn render(
    prompt: Prompt,
    notice: Option<String>,
    csrf: String,
    version: u64,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = html(&PromptPage {
        prompt,
        notice,
        csrf,
        version,
        tr: crate::i18n::Tr::current(),
    })?;
    Ok((status, page).into_response())
}

fn append_cookie(response: &mut Response, cookie: Option<String>) {
    if let Some(v) = cookie.and_then(|c| c.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The query string of `GET /login`.
pub type LoginQuery = BTreeMap<String, String>;

/// `GET /login`: a new flow.
pub async fn start(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let params = query
        .into_iter()
        .filter(|(k, _)| PARAMS.contains(&k.as_str()))
        .map(|(k, v)| (k, v.chars().take(256).collect()))
        .collect();
    let mut request =
        RequestFacts::capture(peer.ip().to_string(), "GET", "/login", &headers, params);
    request.device_user = modules::device::presented(&app, &headers);
    let (csrf, csrf_cookie) = csrf_token(&app.cookies, &headers);
    let mut response = begin(&app, request, None, csrf, StatusCode::OK).await?;
    append_cookie(&mut response, csrf_cookie);
    Ok(response)
}

/// Starts a flow and shows its first prompt (or its decision, when it decides at once).
async fn begin(
    app: &AppState,
    request: RequestFacts,
    notice: Option<String>,
    csrf: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut state = LoginState::new(chain_id(builtin::STANDARD_LOGIN)?, request);
    state.notice = notice;
    let driven = drive(app, &mut state, None).await?;
    let (token, loaded) = state::create(&app.store, state).await?;
    let cookie = app.cookies.set(
        CookieKind::Flow,
        token.expose(),
        Some(state::FLOW_LIFETIME.whole_seconds()),
    );
    let mut response = match driven {
        Driven::Prompt(p) => render(p, loaded.state.notice.clone(), csrf, loaded.version, status)?,
        // E.g. `?USERID=…&PSF_EXT=…` naming a chain this user may not use.
        Driven::Finished(Verdict::Deny(reason)) => {
            finish_denied(app, loaded, csrf, &reason).await?
        }
        Driven::Finished(Verdict::Allow { .. }) => {
            return Err(PageError::Internal(
                "a login was allowed before any input".into(),
            ));
        }
    };
    append_cookie(&mut response, Some(cookie));
    Ok(response)
}

/// `POST /login`: the answer to the current step.
pub async fn submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<BTreeMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(mut fields) = form.map_err(|_| {
        PageError::BadRequest(
            "The sign-in form could not be read. Reload the page and try again.".into(),
        )
    })?;
    let csrf = fields.remove("csrf").unwrap_or_default();
    check_form(&app.cookies, &app.public_origin, &headers, &csrf)?;
    let version: Option<u64> = fields.remove("version").and_then(|v| v.parse().ok());
    fields.remove("username");
    let restart = |notice: &str| {
        let mut request = RequestFacts::capture(
            peer.ip().to_string(),
            "GET",
            "/login",
            &headers,
            BTreeMap::new(),
        );
        request.device_user = modules::device::presented(&app, &headers);
        (request, Some(notice.to_owned()))
    };
    let token = app.cookies.get(&headers, CookieKind::Flow);
    let loaded = match token {
        Some(t) => state::load(&app.store, &t).await?,
        None => None,
    };
    let Some(mut loaded) = loaded else {
        let (request, notice) = restart(EXPIRED);
        return begin(&app, request, notice, csrf, StatusCode::OK).await;
    };
    if version != Some(loaded.version) {
        return show_current(&app, loaded, csrf, STALE).await;
    }
    loaded.state.notice = None;
    let driven = drive(&app, &mut loaded.state, Some(Input::new(fields))).await?;
    match driven {
        Driven::Prompt(p) => {
            if !state::save(&app.store, &loaded).await? {
                return render(
                    p,
                    Some(STALE.into()),
                    csrf,
                    loaded.version,
                    StatusCode::CONFLICT,
                );
            }
            render(p, None, csrf, loaded.version + 1, StatusCode::OK)
        }
        Driven::Finished(Verdict::Allow { .. }) => finish_allowed(&app, loaded, &headers).await,
        Driven::Finished(Verdict::Deny(reason)) => finish_denied(&app, loaded, csrf, &reason).await,
    }
}

/// Re-renders the step a flow is waiting at, without evaluating anything.
async fn show_current(
    app: &AppState,
    mut loaded: Loaded,
    csrf: String,
    notice: &str,
) -> Result<Response, PageError> {
    match drive(app, &mut loaded.state, None).await? {
        Driven::Prompt(p) => render(
            p,
            Some(notice.into()),
            csrf,
            loaded.version,
            StatusCode::CONFLICT,
        ),
        Driven::Finished(_) => Ok(Redirect::to("/login").into_response()),
    }
}

async fn finish_allowed(
    app: &AppState,
    loaded: Loaded,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let Some(user) = loaded.state.user else {
        return Err(PageError::Internal(
            "a login was allowed without an identified user".into(),
        ));
    };
    let Some(profile) = app.store.profile_by_id(user).await? else {
        return Err(PageError::Internal("the signed-in profile vanished".into()));
    };
    // Only the first request to finish a flow gets the session.
    if !state::save(&app.store, &loaded).await? {
        return Err(PageError::Forbidden(STALE.into()));
    }
    app.store.delete_flow(loaded.id).await?;
    let now = OffsetDateTime::now_utc();
    app.store
        .reset_counter(&LockoutPolicy::counter_key(profile.id))
        .await?;
    // The language picked is remembered as the person's (USERSTAT LASTLANG), or theirs is used.
    let lang_cookie =
        crate::i18n::choose::on_sign_in(app, profile.id, loaded.state.param("LANG")).await?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown browser");
    let cookie = session::start(&app.store, &app.cookies, &profile, user_agent).await?;
    let action = if loaded.state.failsafe {
        "login.success.failsafe"
    } else {
        "login.success"
    };
    audit(app, Some(&profile), action, &loaded.state.typed, "", now).await;
    ::metrics::counter!("latchkey_login_attempts_total", "outcome" => "success").increment(1);
    notify_sign_in(app, &profile, user_agent, now);
    let next = loaded
        .state
        .param("next")
        .and_then(crate::stepup::safe_next)
        .unwrap_or("/")
        .to_owned();
    // A forced enrolment the person still lacks comes first (then `next`).
    let next = crate::pages::account::after_sign_in(app, &profile, next).await?;
    let mut response = Redirect::to(&next).into_response();
    append_cookie(&mut response, Some(cookie));
    append_cookie(&mut response, Some(app.cookies.clear(CookieKind::Flow)));
    // Remember this browser for this person (the FINGERPRINT fact of their next sign-in).
    append_cookie(&mut response, modules::device::issue(app, profile.id));
    append_cookie(&mut response, lang_cookie);
    Ok(response)
}

async fn finish_denied(
    app: &AppState,
    mut loaded: Loaded,
    csrf: String,
    reason: &str,
) -> Result<Response, PageError> {
    let now = OffsetDateTime::now_utc();
    let state = &mut loaded.state;
    let is_admin = match state.user {
        Some(id) => app.store.administrator(id).await?.is_some(),
        None => false,
    };
    audit(app, None, "login.failure", &state.typed, reason, now).await;
    ::metrics::counter!("latchkey_login_attempts_total", "outcome" => "failure").increment(1);
    if state.config_error && is_admin && !state.failsafe {
        // A broken configuration must not lock the administrators out: they may sign in with
        // their own password, and repair it.
        tracing::warn!(user = %state.typed, reason, "authentication configuration failed; offering the fail-safe login");
        state.failsafe = true;
        state.config_error = false;
        state.flow = latchkey_core::chain::FlowState::start(chain_id(builtin::PASSWORD)?);
    } else {
        state.bypass_user = state.user.take();
        state.typed.clear();
        state.config_error = false;
        state.userid_used = true;
        state.flow.retry();
        state.notice = Some(GENERIC_FAILURE.into());
    }
    let notice = state.notice.clone();
    let status = if state.failsafe {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    let driven = drive(app, state, None).await?;
    if !state::save(&app.store, &loaded).await? {
        return Err(PageError::Forbidden(STALE.into()));
    }
    match driven {
        Driven::Prompt(p) => render(p, notice, csrf, loaded.version + 1, status),
        Driven::Finished(_) => Ok(Redirect::to("/login").into_response()),
    }
}

/// The form of `POST /logout`.
#[derive(Debug, serde::Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(app): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|_| PageError::BadRequest("The form was incomplete.".into()))?;
    check_form(&app.cookies, &app.public_origin, &headers, &form.csrf)?;
    if let Some(raw) = app.cookies.get(&headers, CookieKind::Session) {
        use latchkey_core::repo::SessionRepo;
        app.store
            .delete_session(&latchkey_core::token::TokenSecret::from_user(&raw).hash())
            .await?;
    }
    let mut response = Redirect::to("/").into_response();
    append_cookie(&mut response, Some(app.cookies.clear(CookieKind::Session)));
    Ok(response)
}

/// Records a sign-in event. A failure to write must not change the answer, so it is logged.
async fn audit(
    app: &AppState,
    actor: Option<&Profile>,
    action: &str,
    typed: &str,
    reason: &str,
    now: OffsetDateTime,
) {
    let event = AuditEvent {
        at: now,
        actor: actor.map(|p| p.id),
        action: action.to_owned(),
        subject: Some(typed.to_owned()),
        detail: serde_json::json!({ "reason": reason }).to_string(),
    };
    if let Err(e) = app.store.append_audit(&event).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

/// Tells the person about a new sign-in.
fn notify_sign_in(app: &AppState, profile: &Profile, user_agent: &str, now: OffsetDateTime) {
    let Some(to) = profile.email.clone() else {
        return;
    };
    let when = now
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let vars = Vars::new()
        .with(Macro::Name, profile.display_name.clone())
        .with(Macro::Login, profile.login_id.to_string())
        .with(Macro::Time, when)
        .with(
            Macro::Browser,
            user_agent.chars().take(200).collect::<String>(),
        )
        .with(Macro::Site, app.public_url.to_string());
    let lang = profile
        .attributes
        .first("preferredLanguage")
        .unwrap_or(templates::DEFAULT_LANG);
    crate::outgoing::send_templated(app, to, MessageKind::SignInNotice, lang, vars);
}
