//! The settings of `emailsmspin` and where its PIN goes: the channel, the address or number,
//! and whether this node can send on the channel at all.

use super::Context;
use super::delivery::{self, Medium, Missing};
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::pin::{self, PinSettings, PinType};
use latchkey_core::profile::Profile;
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
    /// How it travels.
    pub channel: Channel,
    /// Where the address or number is.
    pub attribute: String,
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
    let default_attribute = if channel == Channel::Email {
        "mail"
    } else {
        "mobile"
    };
    let attribute = ChainDef::setting(module, "attribute")
        .or_else(|| delivery::setting(module, settings, "EMAIL_ATTRIBUTE"))
        .unwrap_or(default_attribute)
        .to_owned();
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
        channel,
        attribute,
        provider_attribute,
        missing: Missing::of(module)?,
        pin,
    })
}

/// Whether this node can deliver on `channel` at all (an Error outcome otherwise, the same
/// for every user).
/// `sms_email` gets the carrier table it will be sent with.
pub fn ready(ctx: &Context<'_>, channel: Channel) -> Result<Option<CarrierTable>, &'static str> {
    let mail = ctx.app.mailer.is_enabled();
    let rows = ctx
        .settings
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
        Channel::SmsHttp if ctx.app.outbox().is_some() => Ok(None),
        Channel::SmsHttp => match Courier::from_settings(ctx.app.mailer.clone(), rows) {
            Ok(c) if c.sms_gateway().is_some() => Ok(None),
            _ => Err(SMS_NOT_CONFIGURED),
        },
        Channel::SmsEmail => Err(SMS_NOT_CONFIGURED),
    }
}

/// Where the PIN goes (the outgoing recipient) and how the page shows it; None when the
/// user has no usable value (no address, a number that does not parse, no known carrier).
pub fn destination(
    config: &Config,
    profile: &Profile,
    carriers: Option<&CarrierTable>,
) -> Option<(String, String)> {
    let raw = delivery::address(profile, &config.attribute)?;
    match config.channel {
        Channel::Email => Some((raw.clone(), delivery::mask(Medium::Email, &raw))),
        Channel::SmsHttp | Channel::SmsEmail => {
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
