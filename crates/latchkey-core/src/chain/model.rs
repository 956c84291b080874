//! Chains and modules as data: what an operator configures and `authcfg` exports.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A chain's id. Custom chains use letters, digits and `_`; built-in ids may also contain `-`
/// (`STANDARD_TWO-PHASE_LOGIN_FLOW`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChainId(String);

/// A chain id that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid chain id: use 1 to 64 letters, digits and '_'")]
pub struct ChainIdError(pub String);

impl ChainId {
    /// Accepts letters, digits, `_` and `-` (the latter only appears in built-in ids; see
    /// [`ChainId::new_custom`]).
    pub fn new(raw: &str) -> Result<Self, ChainIdError> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ChainIdError(raw.to_owned()))
        }
    }

    /// The stricter charset for chains an operator adds: letters, digits and `_`.
    pub fn new_custom(raw: &str) -> Result<Self, ChainIdError> {
        if raw.contains('-') {
            return Err(ChainIdError(raw.to_owned()));
        }
        Self::new(raw)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ChainId {
    type Error = ChainIdError;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        Self::new(&v)
    }
}

impl From<ChainId> for String {
    fn from(v: ChainId) -> Self {
        v.0
    }
}

impl FromStr for ChainId {
    type Err = ChainIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// A module's stable configuration id: survives export and import; selector rules name
/// modules by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CfgId(pub Uuid);

impl fmt::Display for CfgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CfgId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// How a module's outcome counts (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    /// Success ends the run (if nothing blocking failed); failure blocks like required.
    Binding,
    /// Must not fail; the run goes on either way.
    Required,
    /// Must not fail; failure ends the run at once.
    Requisite,
    /// Success ends the run (if nothing blocking failed); failure does not block.
    Sufficient,
    /// Counts only when nothing else decides.
    Optional,
}

impl Control {
    /// Every control type.
    pub const ALL: [Control; 5] = [
        Control::Binding,
        Control::Required,
        Control::Requisite,
        Control::Sufficient,
        Control::Optional,
    ];

    /// Name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Control::Binding => "binding",
            Control::Required => "required",
            Control::Requisite => "requisite",
            Control::Sufficient => "sufficient",
            Control::Optional => "optional",
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Control {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Control::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown control type {s:?}: use binding, required, requisite, sufficient or optional"))
    }
}

macro_rules! module_types {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, strong = $strong:literal; )*) => {
        /// What a module does. Strength (spec §1): a strong module can authenticate on its
        /// own; identification, hints, attribute checks and flow control are weak.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum ModuleType {
            $( $(#[$doc])* $variant, )*
        }

        impl ModuleType {
            /// Every module type.
            pub const ALL: &'static [ModuleType] = &[$(ModuleType::$variant),*];

            /// Name in files and on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $(ModuleType::$variant => $name,)* }
            }

            /// Can this module authenticate on its own?
            pub fn is_strong(self) -> bool {
                match self { $(ModuleType::$variant => $strong,)* }
            }
        }
    };
}

module_types! {
    /// Asks for the login id and finds the profile.
    UserIdent = "user_ident", strong = false;
    /// Runs another chain's modules as identification (USER_IDENTIFICATION).
    Identify = "identify", strong = false;
    /// Finds the user by attributes they type (e.g. email and employee number).
    FocusIdent = "focus_identification", strong = false;
    /// Identified → nothing; otherwise go to the chain in `chain` or fail.
    IdentCtrl = "ident_ctrl", strong = false;
    /// Generic login failure: unidentified users go to GENERIC_LOGIN_FAILURE.
    GlfControl = "glf_control", strong = false;
    /// May the user reach the page asked for.
    CgiJump = "cgijump", strong = false;
    /// Picks the chain(s) this login may use from the rule table; runs the pick as a sub-chain.
    SelectChain = "select_chain", strong = false;
    /// The fake password check of GENERIC_LOGIN_FAILURE: always fails like a wrong password.
    GenericFailure = "generic_failure", strong = false;
    /// Password against the internal directory (or a target system).
    Password = "password", strong = true;
    /// Security questions.
    Response = "response", strong = true;
    /// Scored questions (help desk).
    ScoreQna = "scoreqna", strong = true;
    /// PIN sent by email or SMS.
    EmailSmsPin = "emailsmspin", strong = true;
    /// Mailed one-time link.
    MailNonce = "mail_nonce", strong = true;
    /// Time-based one-time password.
    Totp = "totp", strong = true;
    /// Password verified on a target system by its connector.
    Agent = "agent", strong = true;
    /// An external program decides.
    External = "external", strong = true;
    /// A recognised browser (signed device cookie).
    Fingerprint = "fingerprint", strong = false;
    /// Hint shown to the user.
    Hint = "hint", strong = false;
    /// Checks profile attributes the user types.
    AttributeVerification = "attribute_verification", strong = false;
    /// Personal data checks (DOB, ...).
    Pii = "pii", strong = false;
    /// Loopback-only bypass for demos.
    LocalAuth = "localauth", strong = true;
    /// At least `minimum` of the chains in `methods`, picked by the person from a menu
    /// ([`super::at_least`]); as strong as the methods that succeeded.
    AtLeast = "at_least", strong = false;
}

impl fmt::Display for ModuleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for ModuleType {
    type Error = String;
    fn try_from(v: String) -> Result<Self, Self::Error> {
        v.parse()
    }
}

impl From<ModuleType> for String {
    fn from(v: ModuleType) -> Self {
        v.as_str().to_owned()
    }
}

impl FromStr for ModuleType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase();
        ModuleType::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == want)
            .ok_or_else(|| format!("unknown module type {s:?}"))
    }
}

/// One module of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleDef {
    /// Stable id.
    pub cfg_id: CfgId,
    /// Run order within the chain (unique; gaps allowed).
    pub order: u32,
    /// What it does.
    pub kind: ModuleType,
    /// How its outcome counts.
    pub control: Control,
    /// Shown to administrators.
    #[serde(default)]
    pub description: String,
    /// Not shown again in a retry of the same transaction if it succeeded before.
    #[serde(default)]
    pub bypass_on_retry: bool,
    /// Its failures count toward lockout.
    #[serde(default = "yes")]
    pub increment_lockout: bool,
    /// Module-specific settings.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

/// What a chain is for: authentication needs a strong success; identification only finds
/// the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainPurpose {
    /// Decides whether someone is authenticated (spec §2 decide rules, strong success needed).
    #[default]
    Authentication,
    /// Finds who someone claims to be; never authenticates.
    Identification,
}

/// A chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainDef {
    /// Id.
    pub id: ChainId,
    /// Shown to users when they pick a chain.
    pub description: String,
    /// Disabled chains are never run (and only disabled chains may be changed).
    pub enabled: bool,
    /// Shipped with Latchkey (cannot be deleted).
    #[serde(default)]
    pub builtin: bool,
    /// Any module failure ends the run with a denial.
    #[serde(default)]
    pub abort_on_failure: bool,
    /// Successful results may be cached (keyed by user, configuration version and selector
    /// inputs).
    #[serde(default)]
    pub cache_results: bool,
    /// What the chain is for.
    #[serde(default)]
    pub purpose: ChainPurpose,
    /// Modules (kept sorted by order).
    pub modules: Vec<ModuleDef>,
}

impl ChainDef {
    /// Modules in run order.
    pub fn sorted(mut self) -> Self {
        self.modules.sort_by_key(|m| m.order);
        self
    }

    /// A module by its CfgId.
    pub fn module(&self, cfg_id: CfgId) -> Option<&ModuleDef> {
        self.modules.iter().find(|m| m.cfg_id == cfg_id)
    }

    /// A setting of a module, trimmed.
    pub fn setting<'a>(module: &'a ModuleDef, key: &str) -> Option<&'a str> {
        module
            .settings
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// The special chain that always succeeds (weakly): a recognised browser as second factor.
pub const SUCCESS_CHAIN: &str = "SUCCESS";
