//! The settings of `emailsmspin` and where its PIN goes: the send method and channels, the
//! address or number, and whether this node can send on the channels at all.

use super::delivery::{self, Medium, Missing};
use crate::state::AppState;
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::pin::{self, PinSettings, PinType};
use latchkey_core::profile::Profile;
use latchkey_core::send_method::{Leg, SendMethod};
use latchkey_core::settings::Settings;
use latchkey_notify::{CarrierTable, Courier, PhoneNumber, Recipient, SMS_EMAIL_NAMESPACE};
use time::Duration;

/// The Error reason when this node cannot send text messages.
pub const SMS_NOT_CONFIGURED: &str = "SMS delivery is not configured";

/// How the PIN travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `email`.
    Email,
    /// `sms_email`: the carrier's email-to-SMS gateway.
    SmsEmail,
    /// `sms_http`: the HTTP SMS gateway.
    SmsHttp,
}

/// The module's settings, validated.
#[derive(Debug)]
pub struct Config {
    /// Which of the two channels (`send_method`; by default the one `channel` names).
    pub method: SendMethod,
    /// How a text message travels (`channel` when it names one, else `sms_http`).
    pub sms_channel: Channel,
    /// Where the email address is.
    pub email_attribute: String,
    /// Where the mobile number is.
    pub sms_attribute: String,
    /// `sms_email`: the attribute naming the user's mobile carrier.
    pub provider_attribute: String,
    /// Users without an address.
    pub missing: Missing,
    /// The PIN's shape, lifetime and tries.
    pub pin: PinSettings,
}

/// Reads and validates the module's settings.
pub fn config(module: &ModuleDef, settings: &Settings) -> Result<Config, String> {
    let channel = match ChainDef::setting(module, "channel").unwrap_or("email") {
        "email" => Channel::Email,
        "sms_email" => Channel::SmsEmail,
        "sms_http" => Channel::SmsHttp,
        other => {
            return Err(format!(
                "channel = {other:?}: expected email, sms_email or sms_http"
            ));
        }
    };
    let method = match ChainDef::setting(module, "send_method") {
        Some(v) => SendMethod::parse(v).map_err(|e| e.to_string())?,
        None if channel == Channel::Email => SendMethod::Email,
        None => SendMethod::Sms,
    };
    let sms_channel = if channel == Channel::Email {
        Channel::SmsHttp
    } else {
        channel
    };
    // `attribute` (or the namespace's EMAIL_ATTRIBUTE) is the address of `channel`'s leg.
    let legacy = ChainDef::setting(module, "attribute")
        .or_else(|| delivery::setting(module, settings, "EMAIL_ATTRIBUTE"));
    let attribute = |key: &str, own: bool, default: &str| {
        ChainDef::setting(module, key)
            .or(legacy.filter(|_| own))
            .unwrap_or(default)
            .to_owned()
    };
    let email_attribute = attribute("email_attribute", channel == Channel::Email, "mail");
    let sms_attribute = attribute("sms_attribute", channel != Channel::Email, "mobile");
    let number = |key: &str| delivery::number(module, settings, key);
    let length = match number("LENGTH")? {
        None => pin::DEFAULT_LENGTH,
        Some(n) => usize::try_from(n).map_err(|_| format!("LENGTH = {n} is too large"))?,
    };
    let tries = match number("TRIES")? {
        None => pin::DEFAULT_TRIES,
        Some(n) => u32::try_from(n).map_err(|_| format!("TRIES = {n} is too large"))?,
    };
    let expiry = match number("MAXLIFE")? {
        None => pin::DEFAULT_EXPIRY,
        Some(n) => Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX)),
    };
    let kind = match delivery::setting(module, settings, "TYPE").map(str::to_ascii_lowercase) {
        None => PinType::Numeric,
        Some(t) if t == "numeric" => PinType::Numeric,
        Some(t) if t == "letters" => PinType::Letters,
        Some(t) if t == "alphanumeric" => PinType::Alphanumeric,
        Some(t) => {
            return Err(format!(
                "TYPE = {t:?}: expected numeric, letters or alphanumeric"
            ));
        }
    };
    let (pin, clamped) = PinSettings::new(length, kind, expiry, tries, pin::DEFAULT_MAX_EXPIRY)
        .map_err(|e| e.to_string())?;
    if let Some(c) = clamped {
        tracing::debug!(
            requested = c.requested.whole_seconds(),
            used = c.used.whole_seconds(),
            "PIN lifetime above the maximum; the maximum is used"
        );
    }
    let provider_attribute = ChainDef::setting(module, "provider_attribute")
        .unwrap_or("mobileProvider")
        .to_owned();
    Ok(Config {
        method,
        sms_channel,
        email_attribute,
        sms_attribute,
        provider_attribute,
        missing: Missing::of(module)?,
        pin,
    })
}

/// Whether this node can deliver on `channel` at all (an Error outcome otherwise, the same
/// for every user).
/// `sms_email` gets the carrier table it will be sent with.
pub fn ready(
    app: &AppState,
    settings: &Settings,
    channel: Channel,
) -> Result<Option<CarrierTable>, &'static str> {
    let mail = app.mailer.is_enabled();
    let rows = settings
        .rows()
        .iter()
        .map(|r| (r.namespace.as_str(), r.setting.as_str(), r.value.as_str()));
    match channel {
        Channel::Email if mail => Ok(None),
        Channel::Email => Err("mail delivery is not configured"),
        Channel::SmsEmail if mail => {
            let carriers = rows
                .filter(|(ns, _, _)| ns.eq_ignore_ascii_case(SMS_EMAIL_NAMESPACE))
                .map(|(_, setting, value)| (setting, value));
            CarrierTable::with_overrides(carriers)
                .map(Some)
                .map_err(|_| SMS_NOT_CONFIGURED)
        }
        // The demo outbox records text messages too.
        Channel::SmsHttp if app.outbox().is_some() => Ok(None),
        Channel::SmsHttp => match Courier::from_settings(app.mailer.clone(), rows) {
            Ok(c) if c.sms_gateway().is_some() => Ok(None),
            _ => Err(SMS_NOT_CONFIGURED),
        },
        Channel::SmsEmail => Err(SMS_NOT_CONFIGURED),
    }
}

/// Whether this node can deliver on every channel of the send method (an Error outcome
/// otherwise, the same for every user); the carrier table when text messages go by email.
pub fn ready_all(
    app: &AppState,
    settings: &Settings,
    config: &Config,
) -> Result<Option<CarrierTable>, &'static str> {
    let mut carriers = None;
    for leg in config.method.legs() {
        let channel = match leg {
            Leg::Email => Channel::Email,
            Leg::Sms => config.sms_channel,
        };
        if let Some(table) = ready(app, settings, channel)? {
            carriers = Some(table);
        }
    }
    Ok(carriers)
}

/// Why `module` (an `emailsmspin`) can send a code to nobody, whoever asks: its settings do not
/// check, or this node cannot send on a channel its method may use. The reason names the
/// module, as its Error outcome does.
pub fn unusable(app: &AppState, settings: &Settings, module: &ModuleDef) -> Option<String> {
    let named = |e: &dyn std::fmt::Display| format!("emailsmspin (CfgId {}): {e}", module.cfg_id);
    match config(module, settings) {
        Err(e) => Some(named(&e)),
        Ok(config) => ready_all(app, settings, &config).err().map(|e| named(&e)),
    }
}

/// Where the PIN goes on `leg` (the outgoing recipient) and how the page shows it; None when
/// the user has no usable value (no address, a number that does not parse, no known carrier).
pub fn destination(
    config: &Config,
    leg: Leg,
    profile: &Profile,
    carriers: Option<&CarrierTable>,
) -> Option<(String, String)> {
    let attribute = match leg {
        Leg::Email => &config.email_attribute,
        Leg::Sms => &config.sms_attribute,
    };
    let raw = delivery::address(profile, attribute)?;
    match leg {
        Leg::Email => Some((raw.clone(), delivery::mask(Medium::Email, &raw))),
        Leg::Sms => {
            let number = PhoneNumber::parse(&raw).ok()?;
            let carrier = match carriers {
                Some(table) => {
                    let carrier = delivery::address(profile, &config.provider_attribute)?;
                    table.address(&number, &carrier).ok()?;
                    Some(carrier)
                }
                None => None,
            };
            let to = Recipient::sms(&number, carrier.as_deref());
            Some((to, delivery::mask(Medium::Phone, number.digits())))
        }
    }
}
