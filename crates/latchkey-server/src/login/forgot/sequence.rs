//! The password reset "the midPoint way" (seed 002): the global policy's `reset` settings
//! ([`latchkey_core::chain::policy::reset`]) name a `sequence`, and `/forgot` runs that chain
//! instead of `PASSWORD_RESET`.
//!
//! Data moves like this. [`global`] reads the global policy at `GET /forgot`; the flow starts
//! at the sequence. The first post goes to [`identification`]: the sequence's first module
//! (`user_ident` or `focus_identification`) is evaluated on its own, so nothing after it (a
//! mailed link, say) runs before the person's policies are known. A person found and
//! admitted ([`admit`]: the `authorization` class of their effective reset settings) gets the
//! sequence started over with them identified, so their class policies are merged into it
//! from the first module on (a run keeps the definition it started with); the identification
//! module takes them as found. Nobody found, or somebody not admitted, walks the decoy path of
//! an unknown user: the same pages, and no mail.
//!
//! After identification each module shows its own page ([`page`]): the hint, the security
//! questions, the attribute check. That tells whoever typed a user ID that the account exists
//! and has a hint or enrolled questions; `latchkey policy import` warns about such a sequence.
//! The mailed code or link page stays the one generic page every decoy gets, so a person with
//! no hint and no questions looks exactly like an unknown user.

use super::flow::ResetState;
use super::{TITLE, after_identification};
use crate::error::PageError;
use crate::login::modules::{self, Input, Step, reason};
use crate::login::prompt::Prompt;
use crate::login::state::LoginState;
use crate::login::{Driven, drive, load_config};
use crate::state::AppState;
use latchkey_core::chain::policy::reset::{self, ResetSettings};
use latchkey_core::chain::{ModuleResult, ModuleType, Resolved, Verdict};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo, UserClassRepo};
use latchkey_core::sspr::entry;
use std::collections::{BTreeMap, BTreeSet};

/// The global reset settings; the default (no sequence, nothing forced, everyone admitted)
/// when the global policy has none. Settings that no longer check (a chain deleted since the
/// import) are an error for everyone alike.
pub(super) async fn global(app: &AppState) -> Result<ResetSettings, PageError> {
    let policies = app.store.policies().await?;
    match reset::global_reset(&policies) {
        None => Ok(ResetSettings::default()),
        Some(settings) => reset::parse(settings).map_err(|errors| {
            PageError::Internal(format!(
                "the global policy's reset settings cannot be used: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        }),
    }
}

/// May `user` reset? Reads their effective reset settings (the most specific policy's,
/// whole) and records their `force_change` in the flow. Not admitted: not a member of the
/// `authorization` class, or policies that cannot be merged (logged; treated like a refusal,
/// so the page does not tell).
pub(super) async fn admit(
    app: &AppState,
    state: &mut ResetState,
    user: ProfileId,
) -> Result<bool, PageError> {
    let policies = app.store.policies().await?;
    if policies.is_empty() {
        return Ok(true);
    }
    let classes: BTreeSet<_> = app.store.classes_of(user).await?.into_iter().collect();
    let settings = match reset::effective_reset(&classes, &policies) {
        Ok(None) => ResetSettings::default(),
        Ok(Some(s)) => match reset::parse(&s) {
            Ok(parsed) => parsed,
            Err(errors) => {
                tracing::warn!(?errors, "a person's reset settings cannot be used");
                return Ok(false);
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "user-class policies conflict");
            return Ok(false);
        }
    };
    if !settings.authorizes(&classes) {
        tracing::debug!("password reset: the person is not in the authorization class");
        return Ok(false);
    }
    state.force_change = settings.force_change;
    Ok(true)
}

/// The identification step of a sequence: its first module alone, then (found and admitted)
/// the sequence from the start with the person's policies merged in, up to its first page.
/// Anything else ends as a denial with no user: the decoy walk.
pub(super) async fn identification(
    app: &AppState,
    state: &mut ResetState,
    submitted: &BTreeMap<String, String>,
) -> Result<Driven, PageError> {
    let config = load_config(app, false).await?;
    let root = state.login.flow.root.clone();
    let first = config
        .chains
        .get(&root)
        .and_then(|def| def.modules.into_iter().next())
        .filter(|m| matches!(m.kind, ModuleType::UserIdent | ModuleType::FocusIdent))
        .ok_or_else(|| {
            PageError::Internal(format!(
                "the reset sequence {root} must exist and start with user_ident or \
                 focus_identification"
            ))
        })?;
    let ctx = modules::Context {
        app,
        settings: &config.settings,
        chains: &config.chains,
        rules: &config.rules,
    };
    let input = Input::new(submitted.clone());
    let step = modules::evaluate(&ctx, &mut state.login, &first, Some(&input)).await?;
    let found = match step {
        // A field was missing: the identification page again.
        Step::Ask(prompt) => return Ok(Driven::Prompt(prompt)),
        Step::Done(ModuleResult::Outcome(Resolved::Success)) => state.login.user,
        Step::Done(_) => None,
    };
    state.login.typed = state
        .login
        .typed
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(256)
        .collect();
    match found {
        Some(user) if admit(app, state, user).await? => {
            remember_profile(app, state, user).await?;
            let mut login = LoginState::new(root, state.login.request.clone());
            login.flow_id = state.login.flow_id;
            login.typed = state.login.typed.clone();
            login.reset = true;
            login.user = Some(user);
            login.preidentified = Some(user);
            state.login = login;
            let driven = drive(app, &mut state.login, None).await?;
            if let Driven::Prompt(_) = driven {
                return Ok(driven);
            }
            tracing::warn!(
                chain = %state.login.flow.root,
                "a reset sequence decided right after identification: treated as no match"
            );
            state.force_change = false;
        }
        _ => {
            // The engine work a found person's first step costs, so the time taken does not
            // tell the two apart.
            let mut shadow = LoginState::new(root, state.login.request.clone());
            shadow.reset = true;
            drive(app, &mut shadow, None).await?;
        }
    }
    state.login.user = None;
    Ok(Driven::Finished(Verdict::Deny(reason::UNKNOWN_USER.into())))
}

/// The forgotten-password profile that takes the person, if any: how the reset ends (its
/// recovery mode) and its post actions, as when `/forgot` runs `PASSWORD_RESET`.
async fn remember_profile(
    app: &AppState,
    state: &mut ResetState,
    user: ProfileId,
) -> Result<(), PageError> {
    let config = super::search::configuration(app).await?;
    let Some(person) = app.store.profile_by_id(user).await? else {
        return Ok(());
    };
    let classes = if config.needs_classes() {
        app.store.classes_of(user).await?
    } else {
        Vec::new()
    };
    if let Some(profile) = config.profile_for(&entry(&person), &classes) {
        state.recovery = profile.recovery;
        state.profile = Some(profile.name.clone());
    }
    Ok(())
}

/// The module waiting for input in the flow, if any.
fn pending_kind(login: &LoginState) -> Option<ModuleType> {
    let frame = login.flow.frames.last()?;
    let pending = frame.run.pending?;
    frame
        .def
        .as_ref()?
        .modules
        .iter()
        .find(|m| m.cfg_id == pending)
        .map(|m| m.kind)
}

/// The page of a sequence's prompt: the identification module's and each module's own page
/// under this service's title; the mailed code or link page is the generic one a decoy gets.
pub(super) fn page(state: &ResetState, prompt: Prompt) -> Prompt {
    let identified = state.decoy || state.login.user.is_some();
    let mailed = matches!(
        pending_kind(&state.login),
        Some(ModuleType::MailNonce | ModuleType::EmailSmsPin)
    );
    if identified && (mailed || state.decoy) {
        return after_identification(state);
    }
    Prompt {
        title: TITLE.into(),
        // The modules' own words are about signing in; here the person resets a password.
        intro: prompt
            .intro
            .replacen("Signing in as ", "Resetting the password of ", 1),
        submit: "Continue".into(),
        ..prompt
    }
}
