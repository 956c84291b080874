//! The `2factor` component: password or security questions, then a second factor — a
//! recognised browser, a personal email PIN, an SMS PIN or personal data. Installing it turns
//! the PIN and personal-data chains into second factors only.

use super::*;
use crate::condition::Condition::*;
use MatchType::*;
use RuleAction::*;
use SkipRemaining::{All as SkipAll, None as NoSkip};

/// The component.
pub(super) fn component() -> Component {
    let second_factor_select = id(0x801);
    Component {
        name: "2factor",
        description: "Password or security questions, then a second factor: a recognised browser, a personal email PIN, an SMS PIN or personal data.",
        depends: &["select", "pii", "personal_emailpin", "smspin_email"],
        conflicts: &[],
        demo_only: false,
        chains: [
            chain(
                chains::SECOND_FACTOR,
                "Second factor",
                vec![module(
                    second_factor_select,
                    10,
                    ModuleType::SelectChain,
                    Control::Required,
                    &[
                        ("available", "SUCCESS,PERSONAL_EMAIL_PIN,SMS_PIN,PII"),
                        ("initial", ""),
                    ],
                )],
            ),
            chain(
                chains::TWO_FACTOR,
                "Password and a second factor",
                vec![
                    module(id(0x811), 10, ModuleType::Password, Control::Required, &[]),
                    module(
                        id(0x812),
                        20,
                        ModuleType::SelectChain,
                        Control::Required,
                        &[
                            ("available", chains::SECOND_FACTOR),
                            ("initial", chains::SECOND_FACTOR),
                        ],
                    ),
                ],
            ),
            chain(
                chains::TWO_FACTOR_QUESTIONS,
                "Security questions and a second factor",
                vec![
                    module(id(0x821), 10, ModuleType::Response, Control::Required, &[]),
                    module(
                        id(0x822),
                        20,
                        ModuleType::SelectChain,
                        Control::Required,
                        &[
                            ("available", chains::SECOND_FACTOR),
                            ("initial", chains::SECOND_FACTOR),
                        ],
                    ),
                ],
            ),
        ]
        .into_iter()
        .flatten()
        .collect(),
        rules: vec![
            rule(
                "2factor",
                second_factor_select,
                1,
                10,
                SkipAll,
                State,
                "FINGERPRINT",
                Set,
                "",
                Flush,
                crate::chain::model::SUCCESS_CHAIN,
                "a recognised browser is the second factor",
            ),
            rule(
                "2factor",
                second_factor_select,
                2,
                10,
                NoSkip,
                Attribute,
                "personal_email",
                Set,
                "",
                Append,
                chains::PERSONAL_EMAIL_PIN,
                "personal email PIN",
            ),
            rule(
                "2factor",
                second_factor_select,
                2,
                20,
                NoSkip,
                Attribute,
                "mobile",
                Set,
                "",
                Append,
                chains::SMS_PIN,
                "SMS PIN",
            ),
            rule(
                "2factor",
                second_factor_select,
                2,
                30,
                NoSkip,
                Attribute,
                "dateofbirth",
                Set,
                "",
                Append,
                chains::PII,
                "personal data as a last resort",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                10,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Remove,
                builtin::PASSWORD,
                "password alone is no longer enough",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                20,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Append,
                chains::TWO_FACTOR,
                "offer password with a second factor",
            ),
            // Every single-factor way in is replaced by its two-factor version: the PIN and
            // personal-data chains are second factors here, never a login on their own.
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                30,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Remove,
                builtin::SECURITY_QUESTIONS,
                "questions alone are no longer enough",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                40,
                NoSkip,
                UserStat,
                "PSQDONE",
                Set,
                "",
                Append,
                chains::TWO_FACTOR_QUESTIONS,
                "offer questions with a second factor",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                50,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Remove,
                chains::PERSONAL_EMAIL_PIN,
                "a second factor, not a login",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                60,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Remove,
                chains::SMS_PIN,
                "a second factor, not a login",
            ),
            rule(
                "2factor",
                cfg::DEFAULT_SELECT,
                9,
                70,
                NoSkip,
                Cgi,
                "METHOD",
                Set,
                "",
                Remove,
                chains::PII,
                "a second factor, not a login",
            ),
        ],
        settings: vec![],
        offers: [
            offer(chains::TWO_FACTOR),
            offer(chains::TWO_FACTOR_QUESTIONS),
        ]
        .concat(),
    }
}
