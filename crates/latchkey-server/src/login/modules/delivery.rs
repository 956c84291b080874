//! What the modules that send something (`emailsmspin`, `mail_nonce`) share: where it goes,
//! how the page names the destination, and how often it may be sent.
//!
//! **Sending limits.** A flow sends at most [`MAX_SENDS_PER_FLOW`] messages per module, at
//! least [`RESEND_SPACING`] apart; a user receives at most [`MAX_SENDS_PER_HOUR`] per module
//! kind and clock hour across all flows, counted with the store's bounded counter (exact
//! across nodes), because anyone who knows a user ID can start new flows. Two concurrent
//! "send again" clicks in one flow may both pass the per-flow check (the flow is saved by
//! compare-and-set afterwards, so only one PIN or link is kept); the hourly budget still
//! counts both.
//!
//! **Users without an address.** With `missing = fail` (the default) such a user gets the
//! same page, the same store writes and the same answers as everyone else — the destination
//! is shown with a stable decoy mask ([`decoy_mask`]) and nothing is sent — and the module
//! never succeeds for them: a submitted PIN fails like a wrong one, an unclicked link expires.
//! What stays distinguishable, and why that is accepted:
//! - the decoy mask is not the user's address: someone who already knows the user's real
//!   address (or their mail domain, for email) can tell the decoy from a real mask;
//! - the chain menu itself: selector rules usually offer an email or SMS chain only to users
//!   with that attribute, so the menu shown after identification differs per user. That is the
//!   product's design (seed 003: users are offered the chains they can use); unknown user IDs
//!   never reach these modules (generic login failure shows the password page instead);
//! - `missing = ignore` returns Ignore at once: the operator chose to reveal it.
//!
//! Users who are locked or disabled are treated like users without an address: the page is
//! the same, nothing is sent, and the module cannot succeed. One exception, [`may_verify`]: a
//! module with `allow_locked = true` verifies a *locked* (never a disabled) profile, but only
//! in a flow whose root chain is `PASSWORD_RESET` (`/forgot`), which never ends in a session;
//! the recovery step then unlocks ("allow unlock"). In a login flow the setting does nothing.

use super::Context;
use crate::login::state::LoginState;
use crate::state::AppState;
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{CounterAttempt, CounterRepo, RepoError};
use latchkey_core::settings::Settings;
use latchkey_core::token::TokenHash;
use latchkey_notify::MessageKind;
use latchkey_notify::templates::{self, Macro, Vars};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Messages one flow may send per module.
pub const MAX_SENDS_PER_FLOW: u32 = 3;
/// Shortest time between two sends in one flow.
pub const RESEND_SPACING: Duration = Duration::seconds(30);
/// Messages per user, module kind and clock hour, across flows.
pub const MAX_SENDS_PER_HOUR: u64 = 10;
/// Form name of the "send again" button.
pub const RESEND: &str = "resend";

/// What to do for a user with no value in the address attribute (module setting `missing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Look the same as everyone else, never succeed.
    Fail,
    /// Return Ignore (reveals that the user has no address).
    Ignore,
}

impl Missing {
    /// From the module's `missing` setting (default `fail`).
    pub fn of(module: &ModuleDef) -> Result<Self, String> {
        match ChainDef::setting(module, "missing").map(str::to_ascii_lowercase) {
            None => Ok(Missing::Fail),
            Some(v) if v == "fail" => Ok(Missing::Fail),
            Some(v) if v == "ignore" => Ok(Missing::Ignore),
            Some(other) => Err(format!("missing = {other:?}: expected fail or ignore")),
        }
    }
}

/// A module setting: the module's own (key in lower case) wins over the row in its `config`
/// namespace of the settings table (key as given).
pub fn setting<'a>(module: &'a ModuleDef, settings: &'a Settings, key: &str) -> Option<&'a str> {
    ChainDef::setting(module, &key.to_ascii_lowercase()).or_else(|| {
        let namespace = ChainDef::setting(module, "config")?;
        settings
            .value(namespace, key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    })
}

/// A whole-number module setting; a value that does not parse is an error, never a default.
pub fn number(module: &ModuleDef, settings: &Settings, key: &str) -> Result<Option<u64>, String> {
    setting(module, settings, key)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| format!("{key} = {v:?} is not a whole number"))
        })
        .transpose()
}

/// May `module` verify `profile` in this flow? Enabled and not locked; or, with the module
/// setting `allow_locked = true` in a password-reset flow, enabled and locked. A value other
/// than `true` / `false` is an error (an Error outcome, for everyone alike).
pub fn may_verify(
    state: &LoginState,
    module: &ModuleDef,
    profile: &Profile,
) -> Result<bool, String> {
    let allow_locked = match ChainDef::setting(module, "allow_locked").map(str::trim) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(other) => return Err(format!("allow_locked = {other:?}: expected true or false")),
    };
    let reset_flow = state.is_reset();
    Ok(profile.enabled && (!profile.locked || (allow_locked && reset_flow)))
}

/// The user's value of `attribute`; `mail` falls back to the profile's email address.
pub fn address(profile: &Profile, attribute: &str) -> Option<String> {
    let from_attribute = profile
        .attributes
        .first(attribute)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    from_attribute.or_else(|| {
        attribute
            .eq_ignore_ascii_case("mail")
            .then(|| profile.email.clone())
            .flatten()
    })
}

/// What kind of address a mask is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// `a***@example.org`.
    Email,
    /// `***1234`.
    Phone,
}

/// The destination as the page shows it: the first character and the domain of an email
/// address, the last four digits of a phone number.
pub fn mask(medium: Medium, address: &str) -> String {
    match medium {
        Medium::Email => {
            let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        Medium::Phone => {
            let digits: Vec<char> = address.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
            if digits.len() < 4 {
                "***".to_owned()
            } else {
                format!("***{tail}")
            }
        }
    }
}

/// A mask for a user without an address: stable for the user (a hash of their internal id,
/// which the page never shows), shaped like a real one. For email the domain is the public
/// URL's host without its first label (`sso.example.org` → `example.org`).
pub fn decoy_mask(medium: Medium, user: ProfileId, public_url: &url::Url) -> String {
    decoy_mask_keyed(
        medium,
        &format!("latchkey decoy destination {user}"),
        public_url,
    )
}

/// [`decoy_mask`] for a stable `key` other than a profile id (e.g. a user ID `/forgot`
/// matched to nobody).
pub fn decoy_mask_keyed(medium: Medium, key: &str, public_url: &url::Url) -> String {
    let digest = TokenHash::of(key);
    let hex = digest.as_str().as_bytes();
    let pick = |i: usize, modulo: u8| hex.get(i).map_or(0, |b| b % modulo);
    match medium {
        Medium::Email => {
            let letter = char::from(b'a' + pick(0, 26));
            let host = public_url.host_str().unwrap_or("example.org");
            let labels: Vec<&str> = host.split('.').collect();
            let domain = if labels.len() > 2 && host.parse::<std::net::IpAddr>().is_err() {
                labels.get(1..).map(|l| l.join(".")).unwrap_or_default()
            } else {
                host.to_owned()
            };
            format!("{letter}***@{domain}")
        }
        Medium::Phone => {
            let tail: String = (1..5).map(|i| char::from(b'0' + pick(i, 10))).collect();
            format!("***{tail}")
        }
    }
}

/// A module's sends in one flow (kept in its flow data).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sends {
    /// How many were sent.
    pub count: u32,
    /// The last one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last: Option<OffsetDateTime>,
}

/// Whether a message may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Yes (one send of the hourly budget is taken).
    Go,
    /// Not before this many seconds.
    Wait(i64),
    /// Not in this flow, or not this hour.
    Exhausted,
}

impl Sends {
    /// Records a send at `now`.
    pub fn record(&mut self, now: OffsetDateTime) {
        self.count = self.count.saturating_add(1);
        self.last = Some(now);
    }

    /// Checks the per-flow limits, then takes one send of the user's hourly budget for
    /// `purpose` (`pin`, `link`).
    pub async fn gate(
        &self,
        app: &AppState,
        purpose: &str,
        user: ProfileId,
        now: OffsetDateTime,
    ) -> Result<Gate, RepoError> {
        if self.count >= MAX_SENDS_PER_FLOW {
            return Ok(Gate::Exhausted);
        }
        if let Some(last) = self.last {
            let wait = (last.saturating_add(RESEND_SPACING) - now).whole_seconds();
            if wait > 0 {
                return Ok(Gate::Wait(wait));
            }
        }
        let hour = now.unix_timestamp().div_euclid(3600);
        let key = format!("send:{purpose}:{user}:{hour}");
        Ok(
            match app
                .store
                .try_increment(&key, MAX_SENDS_PER_HOUR, now)
                .await?
            {
                CounterAttempt::Counted { .. } => Gate::Go,
                CounterAttempt::LimitReached => Gate::Exhausted,
            },
        )
    }
}

/// `10 minutes`, `1 minute`, `45 seconds`.
pub fn validity(d: Duration) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if d.whole_seconds() < 120 && d.whole_seconds() % 60 != 0 {
        plural(d.whole_seconds(), "second")
    } else {
        plural(d.whole_minutes(), "minute")
    }
}

/// Sends `kind` to `to` in the background, with the operator's template in the flow's
/// language (`?LANG=`). `secret` is the PIN or the link.
pub fn send(
    ctx: &Context<'_>,
    lang: Option<&str>,
    kind: MessageKind,
    profile: &Profile,
    to: String,
    secret: (Macro, &str),
    valid_for: Duration,
) {
    // Rounded up, so a PIN valid for 30 seconds does not say 0 minutes.
    let minutes = (valid_for.whole_seconds().max(0) + 59) / 60;
    let vars = Vars::new()
        .with(Macro::Name, profile.display_name.clone())
        .with(Macro::Login, profile.login_id.to_string())
        .with(secret.0, secret.1)
        .with(Macro::ExpiryMinutes, minutes.to_string())
        .with(Macro::Site, ctx.app.public_url.to_string());
    crate::outgoing::send_templated(
        ctx.app,
        to,
        kind,
        lang.unwrap_or(templates::DEFAULT_LANG),
        vars,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_only_a_hint() {
        assert_eq!(mask(Medium::Email, "alice@example.org"), "a***@example.org");
        assert_eq!(mask(Medium::Email, "émile@x.fr"), "é***@x.fr");
        assert_eq!(mask(Medium::Phone, "+1 (555) 123-4567"), "***4567");
        assert_eq!(mask(Medium::Phone, "12"), "***");
    }

    #[test]
    fn decoys_are_stable_and_shaped_like_masks() {
        let url = url::Url::parse("https://sso.example.org/").unwrap();
        let now = OffsetDateTime::now_utc();
        let mut rng = latchkey_core::random::SeededRandom::new(7);
        let a = ProfileId::generate(now, &mut rng);
        let b = ProfileId::generate(now, &mut rng);
        let one = decoy_mask(Medium::Email, a, &url);
        assert_eq!(one, decoy_mask(Medium::Email, a, &url));
        assert!(one.ends_with("***@example.org"), "{one}");
        let phone = decoy_mask(Medium::Phone, b, &url);
        assert_eq!(phone.len(), 7, "{phone}");
        assert!(phone.starts_with("***"));
    }

    #[test]
    fn locked_profiles_are_verified_only_in_reset_flows_that_allow_it() {
        use crate::login::facts::RequestFacts;
        use latchkey_core::chain::{ChainId, builtin, builtin::cfg};
        use latchkey_core::profile::{Attributes, LoginId, NewProfile};
        let now = OffsetDateTime::now_utc();
        let mut rng = latchkey_core::random::SeededRandom::new(3);
        let mut profile = NewProfile {
            login_id: LoginId::new("kim").unwrap(),
            display_name: "Kim".into(),
            email: None,
            attributes: Attributes::new(),
        }
        .into_profile(ProfileId::generate(now, &mut rng), now)
        .unwrap();
        let reset_chain =
            builtin::shipped(&ChainId::new(builtin::PASSWORD_RESET).unwrap()).unwrap();
        let allowing = reset_chain
            .modules
            .iter()
            .find(|m| m.cfg_id == cfg::RESET_PIN)
            .unwrap()
            .clone();
        let mut plain = allowing.clone();
        plain.settings.remove("allow_locked");
        let flow =
            |root: &str| LoginState::new(ChainId::new(root).unwrap(), RequestFacts::default());
        let reset = flow(builtin::PASSWORD_RESET);
        let login = flow(builtin::STANDARD_LOGIN);
        let may = |s: &LoginState, m: &ModuleDef, p: &Profile| may_verify(s, m, p).unwrap();
        assert!(may(&login, &plain, &profile) && may(&reset, &allowing, &profile));
        profile.locked = true;
        assert!(may(&reset, &allowing, &profile));
        assert!(!may(&reset, &plain, &profile), "only with allow_locked");
        assert!(!may(&login, &allowing, &profile), "never in a login flow");
        profile.enabled = false;
        assert!(
            !may(&reset, &allowing, &profile),
            "never a disabled profile"
        );
        let mut broken = allowing.clone();
        broken
            .settings
            .insert("allow_locked".into(), "sometimes".into());
        assert!(may_verify(&reset, &broken, &profile).is_err());
    }

    #[test]
    fn validity_reads_naturally() {
        assert_eq!(validity(Duration::minutes(10)), "10 minutes");
        assert_eq!(validity(Duration::seconds(60)), "1 minute");
        assert_eq!(validity(Duration::seconds(2)), "2 seconds");
    }
}
