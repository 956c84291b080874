//! The scenario components Latchkey ships (seed 003, in our words): each is chains, selector
//! rules and settings rows, with dependencies and conflicts.

use super::Component;
use crate::chain::builtin::{self, cfg, module};
use crate::chain::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
use crate::chain::{CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType};
use crate::condition::Condition;
use crate::settings::SettingRow;
use uuid::Uuid;

pub(super) const fn id(n: u128) -> CfgId {
    CfgId(Uuid::from_u128(
        0x1a7c_4e79_0000_4000_9000_0000_0000_0000 | n,
    ))
}

pub(super) fn chain(id: &str, description: &str, modules: Vec<ModuleDef>) -> Option<ChainDef> {
    Some(ChainDef {
        id: ChainId::new(id).ok()?,
        description: description.into(),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: true,
        purpose: ChainPurpose::Authentication,
        modules,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn rule(
    owner: &str,
    selector: CfgId,
    stage: u32,
    rule: u32,
    skip: SkipRemaining,
    match_type: MatchType,
    key: &str,
    condition: Condition,
    value: &str,
    action: RuleAction,
    chain: &str,
    comment: &str,
) -> SelectorRule {
    SelectorRule {
        stage,
        rule,
        skip_remaining: skip,
        cfg_id: Some(selector),
        match_type,
        match_key: key.into(),
        condition,
        match_value: value.into(),
        action,
        chain_id: ChainId::new(chain).ok(),
        error_msg: String::new(),
        comment: comment.into(),
        owner: owner.into(),
    }
}

pub(super) fn row(ns: &str, setting: &str, value: &str) -> SettingRow {
    SettingRow {
        namespace: ns.into(),
        setting: setting.into(),
        value: value.into(),
    }
}

pub(super) fn offer(chain: &str) -> Vec<(CfgId, ChainId)> {
    ChainId::new(chain)
        .map(|c| vec![(cfg::DEFAULT_SELECT, c)])
        .unwrap_or_default()
}

/// Chain ids the components add.
mod two_factor;

pub mod chains {
    /// Email PIN to the company address.
    pub const EMAIL_PIN: &str = "EMAIL_PIN";
    /// Email PIN to a personal address the user registered.
    pub const PERSONAL_EMAIL_PIN: &str = "PERSONAL_EMAIL_PIN";
    /// PIN by SMS.
    pub const SMS_PIN: &str = "SMS_PIN";
    /// Mailed link.
    pub const FORGOT_PASSWORD: &str = "FORGOT_PASSWORD";
    /// Loopback bypass.
    pub const LOCALAUTH: &str = "LOCALAUTH";
    /// Personal data.
    pub const PII: &str = "PII";
    /// Password plus a second factor.
    pub const TWO_FACTOR: &str = "TWO_FACTOR";
    /// Security questions plus a second factor.
    pub const TWO_FACTOR_QUESTIONS: &str = "TWO_FACTOR_QUESTIONS";
    /// The second-factor selector's chain.
    pub const SECOND_FACTOR: &str = "SECOND_FACTOR";
}

fn email_pin_module(n: u128, attribute: &str, namespace: &str) -> ModuleDef {
    module(
        id(n),
        10,
        ModuleType::EmailSmsPin,
        Control::Required,
        &[
            ("channel", "email"),
            ("attribute", attribute),
            ("config", namespace),
        ],
    )
}

/// Every shipped component.
pub fn all() -> Vec<Component> {
    use Condition::*;
    use MatchType::*;
    use RuleAction::*;
    use SkipRemaining::{All as SkipAll, None as NoSkip};
    vec![
        Component {
            name: "select",
            description: "The chain selector framework: rules decide which chains a login may use. Installed with every other component.",
            depends: &[],
            conflicts: &[],
            demo_only: false,
            chains: vec![],
            rules: vec![],
            settings: vec![row(
                "AUTHCHAIN_SELECT",
                "PLUGINPOINT",
                builtin::DEFAULT_LOGIN,
            )],
            offers: vec![],
        },
        Component {
            name: "emailpin",
            description: "Sign in with a PIN sent to the company email address.",
            depends: &["select"],
            conflicts: &[],
            demo_only: false,
            chains: chain(
                chains::EMAIL_PIN,
                "PIN sent to your work email",
                vec![email_pin_module(0x101, "mail", "AUTHCHAIN_EMAILPIN_CONFIG")],
            )
            .into_iter()
            .collect(),
            rules: vec![rule(
                "emailpin",
                cfg::DEFAULT_SELECT,
                5,
                10,
                NoSkip,
                Attribute,
                "mail",
                Set,
                "",
                Append,
                chains::EMAIL_PIN,
                "offer an email PIN to users with a company address",
            )],
            settings: vec![
                row("AUTHCHAIN_EMAILPIN_CONFIG", "EMAIL_ATTRIBUTE", "mail"),
                row("AUTHCHAIN_EMAILPIN_CONFIG", "MAXLIFE", "600"),
                row("AUTHCHAIN_EMAILPIN_CONFIG", "LENGTH", "8"),
                row("AUTHCHAIN_EMAILPIN_CONFIG", "TRIES", "3"),
            ],
            offers: offer(chains::EMAIL_PIN),
        },
        Component {
            name: "personal_emailpin",
            description: "Sign in with a PIN sent to a personal email address the user registered.",
            depends: &["select"],
            conflicts: &[],
            demo_only: false,
            chains: chain(
                chains::PERSONAL_EMAIL_PIN,
                "PIN sent to your personal email",
                vec![email_pin_module(
                    0x201,
                    "personal_email",
                    "AUTHCHAIN_PERSONAL_EMAILPIN_CONFIG",
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![rule(
                "personal_emailpin",
                cfg::DEFAULT_SELECT,
                5,
                20,
                NoSkip,
                Attribute,
                "personal_email",
                Set,
                "",
                Append,
                chains::PERSONAL_EMAIL_PIN,
                "offer a personal email PIN to users who registered one",
            )],
            settings: vec![
                row(
                    "AUTHCHAIN_PERSONAL_EMAILPIN_CONFIG",
                    "EMAIL_ATTRIBUTE",
                    "personal_email",
                ),
                row("AUTHCHAIN_PERSONAL_EMAILPIN_CONFIG", "MAXLIFE", "600"),
                row("AUTHCHAIN_PERSONAL_EMAILPIN_CONFIG", "LENGTH", "8"),
            ],
            offers: offer(chains::PERSONAL_EMAIL_PIN),
        },
        Component {
            name: "forgot_password",
            description: "A forgotten-password chain that mails a one-time link.",
            depends: &["select"],
            conflicts: &[],
            demo_only: false,
            chains: chain(
                chains::FORGOT_PASSWORD,
                "Email me a link",
                vec![module(
                    id(0x301),
                    10,
                    ModuleType::MailNonce,
                    Control::Required,
                    &[("config", "FORGOT_PASSWORD")],
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![],
            settings: vec![
                row("FORGOT_PASSWORD", "MAXLIFE", "3600"),
                row("FORGOT_PASSWORD", "EMAIL_ATTR", "mail"),
            ],
            offers: vec![],
        },
        Component {
            name: "localauth",
            description: "DEMO ONLY: anyone connecting from 127.0.0.1 or ::1 signs in without proving who they are.",
            depends: &["select"],
            conflicts: &[],
            demo_only: true,
            chains: chain(
                chains::LOCALAUTH,
                "This computer (demo)",
                vec![module(
                    id(0x401),
                    10,
                    ModuleType::LocalAuth,
                    Control::Required,
                    &[],
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![rule(
                "localauth",
                cfg::DEFAULT_SELECT,
                1,
                10,
                SkipAll,
                Cgi,
                "REMOTE_ADDR",
                In,
                "127.0.0.1,::1",
                Flush,
                chains::LOCALAUTH,
                "loopback connections skip authentication (demo only)",
            )],
            settings: vec![],
            offers: offer(chains::LOCALAUTH),
        },
        Component {
            name: "pii",
            description: "Personal data from HR (date of birth, driver's licence, mother's maiden name, national id) as a weak check, for first logins.",
            depends: &["select"],
            conflicts: &[],
            demo_only: false,
            chains: chain(
                chains::PII,
                "Personal details",
                vec![module(
                    id(0x501),
                    10,
                    ModuleType::Pii,
                    Control::Required,
                    &[
                        ("config", "AUTHCHAIN_PII_CONFIG"),
                        ("attributes", "AUTHCHAIN_PII_ATTRS"),
                    ],
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![],
            settings: vec![
                row("AUTHCHAIN_PII_ATTRS", "DOB", "dateOfBirth"),
                row("AUTHCHAIN_PII_ATTRS", "DL", "driversLicence"),
                row("AUTHCHAIN_PII_ATTRS", "MMN", "mothersMaidenName"),
                row("AUTHCHAIN_PII_ATTRS", "SSN", "nationalId"),
                row("AUTHCHAIN_PII_CONFIG", "PII_REQUIRED", "2"),
            ],
            offers: vec![],
        },
        Component {
            name: "smspin_email",
            description: "PIN by SMS through mobile carriers' email-to-SMS gateways.",
            depends: &["select"],
            conflicts: &["smspin_http"],
            demo_only: false,
            chains: chain(
                chains::SMS_PIN,
                "PIN sent to your phone",
                vec![module(
                    id(0x601),
                    10,
                    ModuleType::EmailSmsPin,
                    Control::Required,
                    &[
                        ("channel", "sms_email"),
                        ("attribute", "mobile"),
                        ("provider_attribute", "mobileProvider"),
                        ("config", "AUTHCHAIN_SMSPIN_CONFIG"),
                    ],
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![rule(
                "smspin_email",
                cfg::DEFAULT_SELECT,
                5,
                30,
                NoSkip,
                Attribute,
                "mobile",
                Set,
                "",
                Append,
                chains::SMS_PIN,
                "offer an SMS PIN to users with a mobile number",
            )],
            settings: vec![
                row("AUTHCHAIN_SMSPIN_CONFIG", "MAXLIFE", "600"),
                row("AUTHCHAIN_SMSPIN_CONFIG", "LENGTH", "6"),
                row("AUTHCHAIN_SMSPIN_CONFIG", "TRIES", "3"),
            ],
            offers: offer(chains::SMS_PIN),
        },
        Component {
            name: "smspin_http",
            description: "PIN by SMS through an HTTP SMS gateway.",
            depends: &["select"],
            conflicts: &["smspin_email"],
            demo_only: false,
            chains: chain(
                chains::SMS_PIN,
                "PIN sent to your phone",
                vec![module(
                    id(0x701),
                    10,
                    ModuleType::EmailSmsPin,
                    Control::Required,
                    &[
                        ("channel", "sms_http"),
                        ("attribute", "mobile"),
                        ("config", "AUTHCHAIN_SMSPIN_CONFIG"),
                    ],
                )],
            )
            .into_iter()
            .collect(),
            rules: vec![rule(
                "smspin_http",
                cfg::DEFAULT_SELECT,
                5,
                30,
                NoSkip,
                Attribute,
                "mobile",
                Set,
                "",
                Append,
                chains::SMS_PIN,
                "offer an SMS PIN to users with a mobile number",
            )],
            settings: vec![
                row("AUTHCHAIN_SMSPIN_CONFIG", "MAXLIFE", "600"),
                row("AUTHCHAIN_SMSPIN_CONFIG", "LENGTH", "6"),
                row("AUTHCHAIN_SMSPIN_CONFIG", "TRIES", "3"),
                row("SMS_HTTP_GATEWAY", "METHOD", "POST"),
            ],
            offers: offer(chains::SMS_PIN),
        },
        two_factor::component(),
    ]
}
