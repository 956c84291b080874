//! `emailsmspin`: a one-time PIN sent to the identified user, typed back on the next page.
//!
//! Settings: `channel` — `email`, `sms_http` (the HTTP SMS gateway) or `sms_email` (the
//! carrier's email-to-SMS address, carrier from the `provider_attribute` attribute, default
//! `mobileProvider`); a channel this node cannot send on is an Error outcome for everyone.
//! `send_method` — `email`, `sms`, `both`, `email_first`, `sms_first` or `choice`
//! ([`latchkey_core::send_method`]; default: the leg `channel` names); text messages travel
//! by `channel` when it names an SMS channel, else by `sms_http`; every channel a method may
//! use must be ready, or the module is an Error for everyone. With `choice` the first page
//! offers both masked destinations (a decoy for a missing one); picking a missing one sends
//! nothing and can never succeed. `both` names both destinations and sends the same PIN to
//! each that exists. The `*_first` methods name the address actually used, so on `/login`
//! the page shows which of the two a user lacks (like the chain menu, see [`super::delivery`];
//! `/forgot` shows no destinations). `email_attribute` / `sms_attribute` (default `mail` /
//! `mobile`),
//! `attribute` (where the address or number of `channel`'s leg is; else `EMAIL_ATTRIBUTE` of
//! the namespace), `missing` (`fail` or `ignore`: with `ignore`, Ignore only when the user has
//! no address the method could use) and `config`, the settings namespace with
//! `MAXLIFE` (seconds, at most 10 minutes), `LENGTH`, `TRIES` and `TYPE` (`numeric`, `letters`,
//! `alphanumeric`); a module setting of the same name in lower case wins over the row;
//! `allow_locked` (a locked profile may be verified in a reset flow,
//! [`delivery::may_verify`]). The pure rules are [`latchkey_core::pin`]; the message text is
//! the `pin` template.
//!
//! Steps, with the flow's working state ([`PinData`], only the PIN's salted hash) saved by the
//! flow's compare-and-set:
//!
//! 1. The first evaluation in a stored flow draws a PIN, sends it in the background and asks
//!    for it. (A flow that is not stored yet — `?USERID=…&PSF_EXT=…` on a GET — first shows a
//!    "Send the PIN" button, so fetching a URL never mails anyone.)
//! 2. A typed PIN takes a slot of the global failure counter (spec §4), then a slot of the
//!    PIN's own counter (`try_increment(counter_key, TRIES)`), so parallel guesses on any
//!    number of nodes get at most TRIES comparisons; then [`IssuedPin::check`] decides. A wrong,
//!    expired or dead PIN fails the module (and so the attempt, with the generic message); the
//!    next attempt in the same flow asks for the same PIN while it lives, or sends a new one.
//! 3. "Send a new PIN" replaces the PIN, within the limits of [`super::delivery`].
//!
//! Enumeration: see [`super::delivery`] — a user without an address walks the same path with
//! a PIN nobody receives, and cannot succeed.

use super::delivery::{self, Gate, Medium, Missing, RESEND, Sends};
use super::lockout::{self, Gate as Reserved};
use super::pin_page::{Page, picked};
use super::pin_settings::{Config, config, destination, ready_all};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::state::LoginState;
use crate::os::OsRandom;
use latchkey_core::chain::{ModuleDef, ModuleResult};
use latchkey_core::ids::ProfileId;
use latchkey_core::pin::{self, IssuedPin, PinCheck};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{CounterAttempt, CounterRepo, ProfileRepo};
use latchkey_core::send_method::{self, Has, Leg, Plan, SendMethod};
use latchkey_notify::MessageKind;
use latchkey_notify::templates::Macro;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The module's working state in the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PinData {
    /// Whom it was for: another user identified in the same flow starts afresh.
    user: ProfileId,
    /// The PIN in force (its hash).
    pin: Option<IssuedPin>,
    /// It was sent to nobody (no address, locked or disabled): it can never succeed.
    decoy: bool,
    /// Sends so far.
    sends: Sends,
    /// `send_method = choice`: what the person picked (fixed for the flow once picked).
    #[serde(default)]
    chosen: Option<Leg>,
}

impl PinData {
    fn live(&self, now: OffsetDateTime) -> bool {
        self.pin
            .as_ref()
            .is_some_and(|p| p.tries_left > 0 && now < p.expires_at)
    }
}

/// What the posted form asks for.
enum Request<'a> {
    /// Nothing posted to this step yet.
    Show,
    /// "Send a new PIN".
    Resend,
    /// A typed PIN.
    Check(&'a str),
}

fn request(input: Option<&Input>) -> Request<'_> {
    let Some(input) = input else {
        return Request::Show;
    };
    if input.field(RESEND).is_some() {
        return Request::Resend;
    }
    match input.field("pin").map(str::trim) {
        Some(typed) if !typed.is_empty() => Request::Check(typed),
        _ => Request::Show,
    }
}

/// `emailsmspin`.
pub async fn emailsmspin(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(user) = state.user else {
        return Ok(error("the PIN module needs an identified user"));
    };
    let config = match config(module, ctx.settings) {
        Ok(c) => c,
        Err(e) => return Ok(error(format!("emailsmspin (CfgId {}): {e}", module.cfg_id))),
    };
    let carriers = match ready_all(ctx.app, ctx.settings, &config) {
        Ok(c) => c,
        Err(reason) => return Ok(error(reason)),
    };
    let Some(profile) = ctx.app.store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    let may = match delivery::may_verify(state, module, &profile) {
        Ok(m) => m,
        Err(e) => return Ok(error(e)),
    };
    let legs = config.method.legs();
    let found = |leg: Leg| {
        legs.contains(&leg)
            .then(|| destination(&config, leg, &profile, carriers.as_ref()))
            .flatten()
    };
    let (email, sms) = (found(Leg::Email), found(Leg::Sms));
    let has = Has {
        email: email.is_some(),
        sms: sms.is_some(),
    };
    if !has.email && !has.sms && config.missing == Missing::Ignore {
        return Ok(IGNORE);
    }
    let mask = |leg: Leg| {
        let (found, medium) = match leg {
            Leg::Email => (&email, Medium::Email),
            Leg::Sms => (&sms, Medium::Phone),
        };
        found.as_ref().map_or_else(
            || delivery::decoy_mask(medium, user, &ctx.app.public_url),
            |(_, shown)| shown.clone(),
        )
    };
    let mut data = state
        .module_data::<PinData>(module.cfg_id)
        .filter(|d| d.user == user)
        .unwrap_or(PinData {
            user,
            pin: None,
            decoy: true,
            sends: Sends::default(),
            chosen: None,
        });
    if config.method == SendMethod::Choice && data.chosen.is_none() {
        data.chosen = picked(input);
    }
    let (shown, targets) = match send_method::plan(config.method, has, data.chosen) {
        Plan::Ask => {
            let page = Page {
                shown: "",
                config: &config,
                username: &state.typed,
            };
            let step = page.choose(&mask(Leg::Email), &mask(Leg::Sms));
            state.set_module_data(module.cfg_id, &data)?;
            return Ok(step);
        }
        Plan::Send { shown, send } => {
            let shown: Vec<String> = shown.into_iter().map(mask).collect();
            let to = |leg: &Leg| match leg {
                Leg::Email => email.as_ref().map(|(to, _)| to.clone()),
                Leg::Sms => sms.as_ref().map(|(to, _)| to.clone()),
            };
            let targets: Vec<String> = send.iter().filter_map(to).filter(|_| may).collect();
            (shown.join(", "), targets)
        }
    };
    let now = OffsetDateTime::now_utc();
    let page = Page {
        shown: &shown,
        config: &config,
        username: &state.typed,
    };
    let step = match request(input) {
        _ if state.flow_id.is_none() => page.offer(),
        Request::Show if data.live(now) => page.ask(&format!("Enter the PIN we sent to {shown}.")),
        Request::Show | Request::Resend => {
            let lang = state.param("LANG");
            let sent = send(ctx, &config, &mut data, &profile, targets, lang, now).await?;
            page.ask(&page.after_send(sent, data.live(now)))
        }
        Request::Check(typed) => {
            let verifier = Verifier {
                module,
                config: &config,
                profile: &profile,
                may,
            };
            check(ctx, &verifier, &mut data, typed, now).await?
        }
    };
    state.set_module_data(module.cfg_id, &data)?;
    Ok(step)
}

/// Draws and sends a new PIN if the limits allow.
async fn send(
    ctx: &Context<'_>,
    config: &Config,
    data: &mut PinData,
    profile: &Profile,
    targets: Vec<String>,
    lang: Option<&str>,
    now: OffsetDateTime,
) -> Result<Gate, PageError> {
    let gate = data.sends.gate(ctx.app, "pin", profile.id, now).await?;
    if gate != Gate::Go {
        return Ok(gate);
    }
    let (secret, issued) = pin::issue(&config.pin, now, &mut OsRandom);
    data.pin = Some(issued);
    data.decoy = targets.is_empty();
    data.sends.record(now);
    // The same PIN to every destination (`both`).
    for to in targets {
        delivery::send(
            ctx,
            lang,
            MessageKind::Pin,
            profile,
            to,
            (Macro::Pin, secret.expose()),
            config.pin.expiry(),
        );
    }
    Ok(Gate::Go)
}

/// Who a typed PIN is checked for, and how.
struct Verifier<'a> {
    module: &'a ModuleDef,
    config: &'a Config,
    profile: &'a Profile,
    /// [`delivery::may_verify`].
    may: bool,
}

/// Checks a typed PIN with exact tries.
///
/// A locked profile that [`delivery::may_verify`] lets through (a reset flow with
/// `allow_locked`) takes no slot of the global failure counter: that counter is what locked
/// it, so it would refuse every try. The PIN's own exact counter still bounds the guesses.
async fn check(
    ctx: &Context<'_>,
    v: &Verifier<'_>,
    data: &mut PinData,
    typed: &str,
    now: OffsetDateTime,
) -> Result<Step, PageError> {
    let (config, profile) = (v.config, v.profile);
    let slot = if profile.locked && v.may {
        None
    } else {
        match lockout::reserve(ctx, v.module, profile).await? {
            Reserved::Broken(step) => return Ok(step),
            Reserved::Refuse => return Ok(fail(reason::LOCKED_OUT)),
            Reserved::Evaluate(slot) => Some(slot),
        }
    };
    let verdict = match data.pin.as_mut() {
        None => PinCheck::Dead,
        Some(issued) => {
            let tries = u64::from(config.pin.tries());
            match ctx
                .app
                .store
                .try_increment(&issued.counter_key(), tries, now)
                .await?
            {
                CounterAttempt::LimitReached => {
                    issued.tries_left = 0;
                    PinCheck::Dead
                }
                CounterAttempt::Counted { .. } => issued.check(typed, now),
            }
        }
    };
    let success = verdict == PinCheck::Accepted && !data.decoy && v.may;
    if let Some(slot) = slot {
        lockout::settle(ctx, slot, profile, success).await?;
    }
    Ok(match verdict {
        _ if success => SUCCESS,
        // A decoy PIN typed right by chance is still not a way in.
        PinCheck::Accepted => Step::Done(ModuleResult::Outcome(
            PinCheck::Wrong { tries_left: 0 }.resolved(),
        )),
        other => Step::Done(ModuleResult::Outcome(other.resolved())),
    })
}
