//! `emailsmspin`: a one-time PIN sent to the identified user, typed back on the next page.
//!
//! Settings: `channel` — `email`, `sms_http` (the HTTP SMS gateway) or `sms_email` (the
//! carrier's email-to-SMS address, carrier from the `provider_attribute` attribute, default
//! `mobileProvider`); a channel this node cannot send on is an Error outcome for everyone.
//! `attribute` (where the address or number is; else `EMAIL_ATTRIBUTE` of the namespace; else
//! `mail` / `mobile`), `missing` (`fail` or `ignore`) and `config`, the settings namespace with
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
use super::pin_settings::{Channel, Config, config, destination, ready};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Button, Field, Prompt};
use crate::login::state::LoginState;
use crate::os::OsRandom;
use latchkey_core::chain::{ModuleDef, ModuleResult};
use latchkey_core::ids::ProfileId;
use latchkey_core::pin::{self, IssuedPin, PinCheck, PinType};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{CounterAttempt, CounterRepo, ProfileRepo};
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
        Err(e) => return Ok(error(e)),
    };
    let carriers = match ready(ctx, config.channel) {
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
    let destination = destination(&config, &profile, carriers.as_ref());
    if destination.is_none() && config.missing == Missing::Ignore {
        return Ok(IGNORE);
    }
    let medium = match config.channel {
        Channel::Email => Medium::Email,
        Channel::SmsEmail | Channel::SmsHttp => Medium::Phone,
    };
    let (target, shown) = match destination {
        Some((to, shown)) => (Some(to).filter(|_| may), shown),
        None => (
            None,
            delivery::decoy_mask(medium, user, &ctx.app.public_url),
        ),
    };
    let mut data = state
        .module_data::<PinData>(module.cfg_id)
        .filter(|d| d.user == user)
        .unwrap_or(PinData {
            user,
            pin: None,
            decoy: true,
            sends: Sends::default(),
        });
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
            let sent = send(ctx, &config, &mut data, &profile, target, lang, now).await?;
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
    target: Option<String>,
    lang: Option<&str>,
    now: OffsetDateTime,
) -> Result<Gate, PageError> {
    let gate = data.sends.gate(ctx.app, "pin", profile.id, now).await?;
    if gate != Gate::Go {
        return Ok(gate);
    }
    let (secret, issued) = pin::issue(&config.pin, now, &mut OsRandom);
    data.pin = Some(issued);
    data.decoy = target.is_none();
    data.sends.record(now);
    if let Some(to) = target {
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

/// The pages of the step (the same for every user, decoy or not).
struct Page<'a> {
    shown: &'a str,
    config: &'a Config,
    username: &'a str,
}

impl Page<'_> {
    /// Before anything is sent (a flow not stored yet).
    fn offer(&self) -> Step {
        Step::Ask(Prompt {
            title: "Sign in with a PIN".into(),
            intro: format!("We will send a one-time PIN to {}.", self.shown),
            submit: "Send the PIN".into(),
            username: self.username.to_owned(),
            ..Prompt::default()
        })
    }

    fn after_send(&self, gate: Gate, live: bool) -> String {
        let enter = if live {
            format!("Enter the PIN we sent to {}.", self.shown)
        } else {
            "The last PIN can no longer be used.".to_owned()
        };
        match gate {
            Gate::Go => format!(
                "We sent a PIN to {}. It works once, within {}.",
                self.shown,
                delivery::validity(self.config.pin.expiry())
            ),
            Gate::Wait(seconds) => {
                format!("{enter} A new PIN can be sent in {seconds} seconds.")
            }
            Gate::Exhausted => {
                format!("{enter} No more PINs can be sent right now; start again later.")
            }
        }
    }

    fn ask(&self, intro: &str) -> Step {
        let mut field = Field::code("pin", "PIN");
        if self.config.pin.kind() != PinType::Numeric {
            field.inputmode = "";
        }
        Step::Ask(Prompt {
            title: "Enter your PIN".into(),
            intro: intro.to_owned(),
            fields: vec![field],
            submit: "Sign in".into(),
            username: self.username.to_owned(),
            secondary: Some(Button {
                name: RESEND.into(),
                label: "Send a new PIN".into(),
            }),
            ..Prompt::default()
        })
    }
}
