//! The chains Latchkey ships (seed 004's built-ins, in our words), with fixed CfgIds so an
//! export of a fresh install is the same everywhere.
//!
//! - `STANDARD_TWO-PHASE_LOGIN_FLOW`: identify the user (USER_IDENTIFICATION); `ident_ctrl`
//!   and `glf_control` route the unidentified (to GENERIC_LOGIN_FAILURE when generic login
//!   failure is on, the default); `cgijump` checks the page asked for; `select_chain` runs
//!   DEFAULT_LOGIN.
//! - `USER_IDENTIFICATION`: the login id.
//! - `DEFAULT_LOGIN`: a selector offering PASSWORD, plus SECURITY_QUESTIONS for users who
//!   enrolled (rule on USERSTAT PSQDONE). Custom chains are added to its available chains.
//! - `HELPDESK_LOGIN`: an operator verifies a caller with two scored questions.
//! - `GENERIC_LOGIN_FAILURE`: a password prompt that fails exactly like a wrong password.
//! - `PASSWORD`, `SECURITY_QUESTIONS`: one-module chains the selectors offer.
//! - `PASSWORD_RESET`: the forgotten-password service: the login id, then a one-time code
//!   mailed to the person's address.
//!
//! A disabled built-in chain is replaced at run time by its definition here (see
//! [`super::flow::Chains::get`]).

use super::model::{CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Outer login flow.
pub const STANDARD_LOGIN: &str = "STANDARD_TWO-PHASE_LOGIN_FLOW";
/// Identification.
pub const USER_IDENTIFICATION: &str = "USER_IDENTIFICATION";
/// Front-end login selector.
pub const DEFAULT_LOGIN: &str = "DEFAULT_LOGIN";
/// Help-desk verification of a caller.
pub const HELPDESK_LOGIN: &str = "HELPDESK_LOGIN";
/// Fake password check for unknown ids.
pub const GENERIC_LOGIN_FAILURE: &str = "GENERIC_LOGIN_FAILURE";
/// Password only.
pub const PASSWORD: &str = "PASSWORD";
/// Security questions only.
pub const SECURITY_QUESTIONS: &str = "SECURITY_QUESTIONS";
/// The forgotten-password service (`/forgot`): identify, then verify by a mailed code.
pub const PASSWORD_RESET: &str = "PASSWORD_RESET";

/// Fixed CfgIds of the shipped modules.
pub mod cfg {
    use super::*;
    const fn id(n: u128) -> CfgId {
        CfgId(Uuid::from_u128(
            0x1a7c_4e79_0000_4000_8000_0000_0000_0000 | n,
        ))
    }
    /// STANDARD: identify.
    pub const STD_IDENTIFY: CfgId = id(0x101);
    /// STANDARD: ident_ctrl.
    pub const STD_IDENT_CTRL: CfgId = id(0x102);
    /// STANDARD: glf_control.
    pub const STD_GLF: CfgId = id(0x103);
    /// STANDARD: cgijump.
    pub const STD_CGIJUMP: CfgId = id(0x104);
    /// STANDARD: select_chain.
    pub const STD_SELECT: CfgId = id(0x105);
    /// USER_IDENTIFICATION: user_ident.
    pub const IDENT_USER: CfgId = id(0x201);
    /// DEFAULT_LOGIN: select_chain.
    pub const DEFAULT_SELECT: CfgId = id(0x301);
    /// HELPDESK_LOGIN: scoreqna.
    pub const HELPDESK_SCOREQNA: CfgId = id(0x401);
    /// GENERIC_LOGIN_FAILURE: generic_failure.
    pub const GLF_FAILURE: CfgId = id(0x501);
    /// PASSWORD: password.
    pub const PASSWORD_PASSWORD: CfgId = id(0x601);
    /// SECURITY_QUESTIONS: response.
    pub const QUESTIONS_RESPONSE: CfgId = id(0x701);
    /// PASSWORD_RESET: user_ident.
    pub const RESET_IDENT: CfgId = id(0x801);
    /// PASSWORD_RESET: emailsmspin (a one-time code mailed to the `mail` attribute).
    pub const RESET_PIN: CfgId = id(0x802);
}

/// A module with the usual flags (lockout counting on, no bypass) and these settings.
pub(crate) fn module(
    cfg_id: CfgId,
    order: u32,
    kind: ModuleType,
    control: Control,
    settings: &[(&str, &str)],
) -> ModuleDef {
    ModuleDef {
        cfg_id,
        order,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn chain(
    id: &str,
    description: &str,
    purpose: ChainPurpose,
    modules: Vec<ModuleDef>,
) -> Option<ChainDef> {
    Some(ChainDef {
        id: ChainId::new(id).ok()?,
        description: description.to_owned(),
        enabled: true,
        builtin: true,
        abort_on_failure: false,
        cache_results: true,
        purpose,
        modules,
    })
}

/// The shipped definition of a built-in chain.
pub fn shipped(id: &ChainId) -> Option<ChainDef> {
    use ChainPurpose::{Authentication, Identification};
    use Control::*;
    use ModuleType as M;
    match id.as_str() {
        STANDARD_LOGIN => chain(
            STANDARD_LOGIN,
            "Standard two-phase login",
            Authentication,
            vec![
                module(
                    cfg::STD_IDENTIFY,
                    10,
                    M::Identify,
                    Required,
                    &[("chain", USER_IDENTIFICATION)],
                ),
                module(cfg::STD_IDENT_CTRL, 20, M::IdentCtrl, Requisite, &[]),
                module(cfg::STD_GLF, 30, M::GlfControl, Requisite, &[]),
                module(cfg::STD_CGIJUMP, 40, M::CgiJump, Requisite, &[]),
                module(
                    cfg::STD_SELECT,
                    50,
                    M::SelectChain,
                    Required,
                    &[("available", DEFAULT_LOGIN), ("initial", DEFAULT_LOGIN)],
                ),
            ],
        ),
        USER_IDENTIFICATION => chain(
            USER_IDENTIFICATION,
            "Who are you?",
            Identification,
            vec![module(cfg::IDENT_USER, 10, M::UserIdent, Sufficient, &[])],
        ),
        DEFAULT_LOGIN => chain(
            DEFAULT_LOGIN,
            "Sign in",
            Authentication,
            vec![module(
                cfg::DEFAULT_SELECT,
                10,
                M::SelectChain,
                Required,
                &[
                    ("available", "PASSWORD,SECURITY_QUESTIONS"),
                    ("initial", PASSWORD),
                ],
            )],
        ),
        HELPDESK_LOGIN => chain(
            HELPDESK_LOGIN,
            "Verify a caller",
            Authentication,
            vec![module(
                cfg::HELPDESK_SCOREQNA,
                10,
                M::ScoreQna,
                Required,
                &[("questions", "2")],
            )],
        ),
        GENERIC_LOGIN_FAILURE => chain(
            GENERIC_LOGIN_FAILURE,
            "Sign in",
            Authentication,
            vec![module(
                cfg::GLF_FAILURE,
                10,
                M::GenericFailure,
                Required,
                &[],
            )],
        ),
        PASSWORD => chain(
            PASSWORD,
            "Password",
            Authentication,
            vec![module(
                cfg::PASSWORD_PASSWORD,
                10,
                M::Password,
                Required,
                &[],
            )],
        ),
        SECURITY_QUESTIONS => chain(
            SECURITY_QUESTIONS,
            "Security questions",
            Authentication,
            vec![module(
                cfg::QUESTIONS_RESPONSE,
                10,
                M::Response,
                Required,
                &[],
            )],
        ),
        // Run by `/forgot`, whose verdict never starts a session: it only opens the
        // new-password step of that flow.
        PASSWORD_RESET => chain(
            PASSWORD_RESET,
            "Forgotten password",
            Authentication,
            vec![
                module(cfg::RESET_IDENT, 10, M::UserIdent, Requisite, &[]),
                module(
                    cfg::RESET_PIN,
                    20,
                    M::EmailSmsPin,
                    Required,
                    // A locked account may still prove itself here, then unlock
                    // (only ever in a reset flow; see the server's `delivery::may_verify`).
                    &[
                        ("channel", "email"),
                        ("attribute", "mail"),
                        ("allow_locked", "true"),
                    ],
                ),
            ],
        ),
        _ => None,
    }
}

/// Every built-in chain id.
pub const IDS: [&str; 8] = [
    STANDARD_LOGIN,
    USER_IDENTIFICATION,
    DEFAULT_LOGIN,
    HELPDESK_LOGIN,
    GENERIC_LOGIN_FAILURE,
    PASSWORD,
    SECURITY_QUESTIONS,
    PASSWORD_RESET,
];

/// Every built-in chain's shipped definition.
pub fn all() -> Vec<ChainDef> {
    IDS.iter()
        .filter_map(|id| ChainId::new(id).ok())
        .filter_map(|id| shipped(&id))
        .collect()
}

/// The shipped selector rules: DEFAULT_LOGIN also offers security questions to users who
/// enrolled in them.
pub fn rules() -> Vec<super::selector::SelectorRule> {
    use super::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
    let questions = ChainId::new(SECURITY_QUESTIONS).ok();
    vec![SelectorRule {
        stage: 1,
        rule: 1,
        skip_remaining: SkipRemaining::None,
        cfg_id: Some(cfg::DEFAULT_SELECT),
        match_type: MatchType::UserStat,
        match_key: "PSQDONE".into(),
        condition: crate::condition::Condition::Set,
        match_value: String::new(),
        action: RuleAction::Append,
        chain_id: questions,
        error_msg: String::new(),
        comment: "offer security questions to users who set them up".into(),
        owner: "builtin".into(),
    }]
}
