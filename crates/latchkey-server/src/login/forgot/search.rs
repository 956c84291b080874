//! The identification step of `/forgot`: the user search form of the forgotten-password
//! configuration ([`latchkey_core::sspr`]), the search in the internal directory, and the
//! choice of the person's forgotten-password profile, whose chain the flow then runs.
//!
//! A person is found only when exactly one entry matches, a profile takes them and their
//! reset settings admit them (`authorization`, see `sequence::admit`); nobody, several
//! people, no profile and not admitted all look the same to the caller as an unknown user (the
//! flow becomes a decoy). The filter and the typed values never reach a page or a log line:
//! the log gets the template, the number of matches and the profile chosen, at debug.
//!
//! The internal directory has no filter index: a filter search reads every profile, in
//! pages, for every search, so its cost does not depend on who is found.

use super::chain_mails_link;
use super::flow::ResetState;
use crate::error::PageError;
use crate::login::modules::{pin_page, reason};
use crate::login::prompt::Field;
use crate::login::state::LoginState;
use crate::login::{Driven, chain_id, drive};
use crate::state::AppState;
use latchkey_core::chain::{Chains, ModuleType, Verdict, builtin};
use latchkey_core::ldap_filter::Filter;
use latchkey_core::profile::{LoginId, Profile};
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use latchkey_core::sspr::{ForgottenPassword, Lookup, Query, SearchForm, entry};
use std::collections::BTreeMap;

/// Profiles read per page of a filter search.
const PAGE: u32 = 500;

/// The forgotten-password configuration now in effect. A configuration that does not check is
/// an error for everyone alike (the log names the setting; the page says nothing of it).
pub async fn configuration(app: &AppState) -> Result<ForgottenPassword, PageError> {
    let settings = app.store.settings().await?;
    ForgottenPassword::from_settings(&settings).map_err(|e| {
        PageError::Internal(format!(
            "the forgotten-password configuration cannot be used: {e}"
        ))
    })
}

/// The fields of a configured search form; None for the default form (the user ID, which the
/// chain's own identification module asks for, exactly as at sign-in).
pub fn form_fields(form: &SearchForm) -> Option<Vec<Field>> {
    if form.lookup == Lookup::LoginId {
        return None;
    }
    Some(
        form.fields
            .iter()
            .map(|f| {
                let autocomplete = if f.name.eq_ignore_ascii_case("mail") {
                    "email"
                } else {
                    "off"
                };
                Field {
                    optional: !f.required,
                    ..Field::text(&f.name, &f.label, autocomplete, "")
                }
            })
            .collect(),
    )
}

/// The reason an `emailsmspin` of a chain this service may run (`PASSWORD_RESET` or a
/// profile's, as stored or shipped) can send a code to nobody, whoever asks: a bad setting
/// such as `send_method`, or a channel this node cannot send on. Such a chain would deny every
/// known person before asking anything, which would look like an unknown user's walk: a page
/// saying a code was sent, and nothing in the audit log. (Chains that user-class policies
/// substitute are not checked here; their module's Error outcome shows in the log.)
async fn unusable_code_module(
    app: &AppState,
    config: &ForgottenPassword,
) -> Result<Option<String>, PageError> {
    let chains = Chains::new(app.store.chains().await?);
    let settings = app.store.settings().await?;
    let mut ids = vec![chain_id(builtin::PASSWORD_RESET)?];
    ids.extend(config.profiles.iter().map(|p| p.chain.clone()));
    ids.dedup();
    Ok(ids
        .iter()
        .filter_map(|id| chains.get(id))
        .flat_map(|def| def.modules)
        .filter(|m| m.kind == ModuleType::EmailSmsPin)
        .find_map(|m| pin_page::unusable(app, &settings, &m)))
}

/// Looks the submitted search form up. Found (one person whom a profile takes): the flow's
/// engine state starts over at that profile's chain with the person identified, and true is
/// returned. Otherwise the state keeps no user and false is returned. Either way
/// `state.login.typed` records what was asked, for the audit log.
pub async fn identify(
    app: &AppState,
    config: &ForgottenPassword,
    state: &mut ResetState,
    submitted: &BTreeMap<String, String>,
) -> Result<bool, PageError> {
    let query = config.search.query(submitted);
    let values = config.search.values(submitted);
    let asked = match config.search.lookup {
        Lookup::LoginId => values.values().next().cloned().unwrap_or_default(),
        Lookup::Filter { .. } => values
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    // Recorded in the audit log: no control characters (PostgreSQL refuses NUL in text).
    state.login.typed = asked
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(256)
        .collect();
    let Some(person) = find(app, config, &query).await? else {
        return Ok(false);
    };
    let classes = if config.needs_classes() {
        app.store.classes_of(person.id).await?
    } else {
        Vec::new()
    };
    let Some(profile) = config.profile_for(&entry(&person), &classes) else {
        tracing::debug!("forgotten-password search: no profile takes the person found");
        return Ok(false);
    };
    if !super::sequence::admit(app, state, person.id).await? {
        // Not in the reset settings' authorization class: exactly an unknown user's walk.
        return Ok(false);
    }
    tracing::debug!(profile = %profile.name, chain = %profile.chain, "forgotten-password profile");
    let typed = match config.search.lookup {
        Lookup::LoginId => state.login.typed.clone(),
        Lookup::Filter { .. } => person.login_id.to_string(),
    };
    let mut login = LoginState::new(profile.chain.clone(), state.login.request.clone());
    login.flow_id = state.login.flow_id;
    login.typed = typed;
    login.reset = true;
    login.user = Some(person.id);
    login.preidentified = Some(person.id);
    state.login = login;
    state.recovery = profile.recovery;
    state.profile = Some(profile.name.clone());
    Ok(true)
}

/// The one person the query finds, if exactly one.
async fn find(
    app: &AppState,
    config: &ForgottenPassword,
    query: &Query,
) -> Result<Option<Profile>, PageError> {
    match query {
        Query::Nobody => {
            tracing::debug!("forgotten-password search: a required field was empty");
            Ok(None)
        }
        Query::LoginId(typed) => Ok(match LoginId::new(typed) {
            Ok(login) => app.store.profile_by_login(&login).await?,
            Err(_) => None,
        }),
        Query::Filter(filter) => {
            let mut found = scan(app, filter).await?;
            let template = match &config.search.lookup {
                Lookup::Filter { template } => template.as_str(),
                Lookup::LoginId => "",
            };
            tracing::debug!(template, matches = found.len(), "forgotten-password search");
            Ok(if found.len() == 1 { found.pop() } else { None })
        }
    }
}

/// Every profile the filter matches (reading them all, whatever is found on the way; at most
/// two are kept, since two already means nobody).
async fn scan(app: &AppState, filter: &Filter) -> Result<Vec<Profile>, PageError> {
    let mut found: Vec<Profile> = Vec::new();
    let mut after: Option<LoginId> = None;
    loop {
        let page = app.store.list_profiles(after.as_ref(), PAGE).await?;
        for profile in &page {
            if filter.matches(&entry(profile)) && found.len() < 2 {
                found.push(profile.clone());
            }
        }
        match page.last() {
            Some(last) if page.len() >= PAGE as usize => after = Some(last.login_id.clone()),
            _ => return Ok(found),
        }
    }
}

/// The identification step of a reset flow: the search, then the found person's profile chain
/// up to its first question. Anything else — nobody found, or a profile chain that decides
/// before asking the person anything (which would reset without verification) — ends as a
/// denial with no user, which `/forgot` turns into the decoy walk of an unknown user.
pub(super) async fn identification(
    app: &AppState,
    state: &mut ResetState,
    submitted: &BTreeMap<String, String>,
) -> Result<Driven, PageError> {
    let config = configuration(app).await?;
    if let Some(reason) = unusable_code_module(app, &config).await? {
        // Before the search, for a known and an unknown user alike: nobody gets a code, and
        // the answer does not tell them apart.
        super::audit(app, "password.reset.failure", "", &reason).await;
        return Err(PageError::Internal(format!(
            "a forgotten-password chain cannot send codes: {reason}"
        )));
    }
    if identify(app, &config, state, submitted).await? {
        let driven = drive(app, &mut state.login, None).await?;
        if let Driven::Prompt(_) = driven {
            state.mails_link = chain_mails_link(state);
            return Ok(driven);
        }
        tracing::warn!(
            chain = %state.login.flow.root,
            "a forgotten-password chain decided before asking anything: treated as no match"
        );
        state.login.user = None;
    } else {
        // The engine work a found person's first step costs (configuration read, chain
        // started), so the time taken does not tell the two apart.
        let mut shadow = LoginState::new(
            chain_id(builtin::PASSWORD_RESET)?,
            state.login.request.clone(),
        );
        shadow.reset = true;
        drive(app, &mut shadow, None).await?;
    }
    Ok(Driven::Finished(Verdict::Deny(reason::UNKNOWN_USER.into())))
}
