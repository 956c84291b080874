//! `mail_nonce`: a one-time link mailed to the identified user; opening it in the browser
//! that asked for it completes the step.
//!
//! Settings: `allow_locked` (see [`delivery::may_verify`]); `config`, the settings namespace
//! with `MAXLIFE` (seconds, default 3600, at most 24 h), `EMAIL_ATTR` (default `mail`) and
//! optionally `LOCKOUT_FAILURES`, `LOCKOUT_WINDOW` and `LOCKOUT_DURATION` (seconds);
//! `attribute` and `missing` as for `emailsmspin`. The pure rules are
//! [`latchkey_core::nonce`].
//!
//! Steps:
//!
//! 1. The first evaluation in a stored flow makes a 256-bit token bound to the user and this
//!    flow, stores its hash as a one-time token, mails the link (built from the configured
//!    public URL, never from a request header) and shows "check your email" with "Send the
//!    link again" (limits in [`super::delivery`]).
//! 2. `GET /login/link?token=…` (`/forgot/link` in a password-reset flow;
//!    [`crate::login::link`]) checks the token against the flow
//!    named by that browser's flow cookie, consumes it atomically and marks this module's
//!    data `redeemed`, then offers "Continue".
//! 3. The next evaluation sees `redeemed` for this user and this flow and succeeds, once.
//!
//! Failed link openings (a wrong or expired link for an identified flow) count toward
//! [`latchkey_core::nonce::NonceLockout`], per user across flows (kept by
//! [`crate::login::link`]); while locked, no link is sent and none is accepted.

use super::delivery::{self, Gate, Medium, Missing, RESEND, Sends};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail};
use crate::error::PageError;
use crate::login::prompt::{Button, Prompt};
use crate::login::state::LoginState;
use crate::os::OsRandom;
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::ids::ProfileId;
use latchkey_core::nonce::{self, IssuedNonce, LockStatus, NonceLockout, NonceSettings};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{ProfileRepo, TokenRepo};
use latchkey_core::settings::Settings;
use latchkey_notify::MessageKind;
use latchkey_notify::templates::Macro;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Where mailed links point, below the public URL.
pub const LINK_PATH: &str = "login/link";
/// Where links of password-reset flows point (`/login/link` never loads those flows).
pub const RESET_LINK_PATH: &str = "forgot/link";

struct Config {
    attribute: String,
    missing: Missing,
    settings: NonceSettings,
}

fn config(module: &ModuleDef, settings: &Settings) -> Result<Config, String> {
    let number = |key: &str| delivery::number(module, settings, key);
    let seconds = |n: u64| Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX));
    let defaults = NonceLockout::default();
    let lockout = NonceLockout {
        max_failures: match number("LOCKOUT_FAILURES")? {
            None => defaults.max_failures,
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
        },
        failure_window: number("LOCKOUT_WINDOW")?.map_or(defaults.failure_window, seconds),
        lockout_duration: number("LOCKOUT_DURATION")?.map_or(defaults.lockout_duration, seconds),
    };
    let max_age = number("MAXLIFE")?.map_or(nonce::DEFAULT_MAX_AGE, seconds);
    let (settings_, clamped) = NonceSettings::new(max_age, lockout).map_err(|e| e.to_string())?;
    if let Some(c) = clamped {
        tracing::debug!(
            requested = c.requested.whole_seconds(),
            "link lifetime above 24 hours; 24 hours is used"
        );
    }
    let attribute = ChainDef::setting(module, "attribute")
        .or_else(|| delivery::setting(module, settings, "EMAIL_ATTR"))
        .unwrap_or("mail")
        .to_owned();
    Ok(Config {
        attribute,
        missing: Missing::of(module)?,
        settings: settings_,
    })
}

/// The lockout policy, copied into the flow so the link route applies the module's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutSettings {
    max_failures: u32,
    window_seconds: i64,
    duration_seconds: i64,
}

impl LockoutSettings {
    /// Back to the core policy.
    pub fn policy(self) -> NonceLockout {
        NonceLockout {
            max_failures: self.max_failures,
            failure_window: Duration::seconds(self.window_seconds),
            lockout_duration: Duration::seconds(self.duration_seconds),
        }
    }
}

impl From<NonceLockout> for LockoutSettings {
    fn from(l: NonceLockout) -> Self {
        Self {
            max_failures: l.max_failures,
            window_seconds: l.failure_window.whole_seconds(),
            duration_seconds: l.lockout_duration.whole_seconds(),
        }
    }
}

/// The module's working state in the flow (read by the link route too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceData {
    /// Whom it is for.
    pub user: ProfileId,
    /// The link in force (its hash, user and flow).
    pub issued: Option<IssuedNonce>,
    /// The link was opened in this flow's browser and its token consumed.
    pub redeemed: bool,
    /// Sent to nobody (no address, locked or disabled): never succeeds.
    pub decoy: bool,
    /// Sends so far.
    pub sends: Sends,
    /// The module's lockout policy.
    pub lockout: LockoutSettings,
}

/// `mail_nonce`.
pub async fn mail_nonce(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let Some(user) = state.user else {
        return Ok(error("the mailed-link module needs an identified user"));
    };
    let config = match config(module, ctx.settings) {
        Ok(c) => c,
        Err(e) => return Ok(error(e)),
    };
    let Some(profile) = ctx.app.store.profile_by_id(user).await? else {
        return Ok(error("the identified profile no longer exists"));
    };
    let mut data = state
        .module_data::<NonceData>(module.cfg_id)
        .filter(|d| d.user == user)
        .unwrap_or(NonceData {
            user,
            issued: None,
            redeemed: false,
            decoy: true,
            sends: Sends::default(),
            lockout: config.settings.lockout().into(),
        });
    data.lockout = config.settings.lockout().into();
    let may = match delivery::may_verify(state, module, &profile) {
        Ok(m) => m,
        Err(e) => return Ok(error(e)),
    };
    if data.redeemed {
        // One success per opened link, for the user and the flow it was made for.
        let ours = !data.decoy
            && data
                .issued
                .as_ref()
                .is_some_and(|i| i.subject == user && Some(i.flow) == state.flow_id);
        data.redeemed = false;
        data.issued = None;
        state.set_module_data(module.cfg_id, &data)?;
        if ours && may {
            return Ok(SUCCESS);
        }
    }
    let address = delivery::address(&profile, &config.attribute);
    if address.is_none() && config.missing == Missing::Ignore {
        return Ok(IGNORE);
    }
    let shown = match &address {
        Some(a) => delivery::mask(Medium::Email, a),
        None => delivery::decoy_mask(Medium::Email, user, &ctx.app.public_url),
    };
    let target = address.filter(|_| may);
    let now = OffsetDateTime::now_utc();
    let failures = crate::login::link::load_failures(&ctx.app.store, user, now).await?;
    let locked = matches!(
        config.settings.lockout().status(&failures, now),
        LockStatus::Locked { .. }
    );
    let live = data.issued.as_ref().is_some_and(|i| now < i.expires_at);
    let page = Page {
        shown: &shown,
        username: &state.typed,
    };
    let step = match (state.flow_id, input) {
        (None, _) => page.offer(),
        // "Continue" before the link was opened.
        (Some(_), Some(i)) if i.field(RESEND).is_none() && data.issued.is_some() => {
            if locked {
                fail("nonce.locked")
            } else if !live {
                fail("nonce.used_or_expired")
            } else {
                page.ask(&format!(
                    "The link has not been opened in this browser yet. Open the link we sent \
                     to {shown} here, then continue."
                ))
            }
        }
        (Some(_), _) if locked => page
            .ask("Too many links failed for this account. Wait a few minutes, then start again."),
        (Some(_), None) if live => page.ask(&format!(
            "We sent a link to {shown}. Open it in this browser to continue."
        )),
        (Some(_), _) => match send(ctx, &config, &mut data, &profile, target, state, now).await? {
            Ok(gate) => page.ask(&page.after_send(gate, &config)),
            Err(step) => step,
        },
    };
    state.set_module_data(module.cfg_id, &data)?;
    Ok(step)
}

/// Makes, stores and mails a new link if the limits allow (Err: an Error outcome).
async fn send(
    ctx: &Context<'_>,
    config: &Config,
    data: &mut NonceData,
    profile: &Profile,
    target: Option<String>,
    state: &LoginState,
    now: OffsetDateTime,
) -> Result<Result<Gate, Step>, PageError> {
    let Some(flow) = state.flow_id else {
        return Ok(Err(error("a link needs a stored flow")));
    };
    let lang = state.param("LANG");
    let gate = data.sends.gate(ctx.app, "link", profile.id, now).await?;
    if gate != Gate::Go {
        return Ok(Ok(gate));
    }
    let (token, issued) = nonce::issue(&config.settings, profile.id, flow, now, &mut OsRandom);
    let path = if state.is_reset() {
        RESET_LINK_PATH
    } else {
        LINK_PATH
    };
    let link = match nonce::link(&ctx.app.public_url, path, &token) {
        Ok(l) => l,
        Err(e) => return Ok(Err(error(e.to_string()))),
    };
    // Stored for decoys too (nobody holds that token), so both paths cost the same write.
    ctx.app.store.store_token(&issued.new_token()).await?;
    data.issued = Some(issued);
    data.redeemed = false;
    data.decoy = target.is_none();
    data.sends.record(now);
    if let Some(to) = target {
        delivery::send(
            ctx,
            lang,
            MessageKind::Link,
            profile,
            to,
            (Macro::Link, link.as_str()),
            config.settings.max_age(),
        );
    }
    Ok(Ok(Gate::Go))
}

struct Page<'a> {
    shown: &'a str,
    username: &'a str,
}

impl Page<'_> {
    fn offer(&self) -> Step {
        Step::Ask(Prompt {
            title: "Sign in with an email link".into(),
            intro: format!("We will send a one-time link to {}.", self.shown),
            submit: "Send the link".into(),
            username: self.username.to_owned(),
            ..Prompt::default()
        })
    }

    fn after_send(&self, gate: Gate, config: &Config) -> String {
        match gate {
            Gate::Go => format!(
                "We sent a link to {}. Open it in this browser within {} to continue.",
                self.shown,
                delivery::validity(config.settings.max_age())
            ),
            Gate::Wait(seconds) => format!(
                "Use the link we sent to {}. Another can be sent in {seconds} seconds.",
                self.shown
            ),
            Gate::Exhausted => format!(
                "Use the link we sent to {}. No more links can be sent right now; start again \
                 later.",
                self.shown
            ),
        }
    }

    fn ask(&self, intro: &str) -> Step {
        Step::Ask(Prompt {
            title: "Check your email".into(),
            intro: intro.to_owned(),
            submit: "Continue".into(),
            username: self.username.to_owned(),
            secondary: Some(Button {
                name: RESEND.into(),
                label: "Send the link again".into(),
            }),
            ..Prompt::default()
        })
    }
}
