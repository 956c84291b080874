//! A forgotten-password flow in progress, stored like a login flow (under the hash of the
//! browser's flow-cookie token, moved on by compare-and-set) but under its own kind, so the
//! sign-in routes never load it: a reset flow cannot end in a session, and a login flow can
//! never reach the new-password step.
//!
//! The state holds the engine's [`LoginState`] plus what the reset adds: whether the
//! identification matched nobody (a decoy walk that can never succeed) and, once the chain
//! allowed, the one profile whose password this flow may set.

use crate::login::state::{self, LoginState, StoredFlow};
use latchkey_core::ids::{FlowId, ProfileId};
use latchkey_core::repo::{FlowRepo, RepoError};
use latchkey_core::sspr::RecoveryMode;
use latchkey_core::token::TokenSecret;
use latchkey_store::Store;
use serde::{Deserialize, Serialize};

/// The flow kind in the store.
pub const KIND: &str = "password_reset";

/// Everything a reset remembers between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetState {
    /// The chain engine's state (PASSWORD_RESET).
    pub login: LoginState,
    /// The identification matched nobody: the flow shows the same pages and never succeeds.
    pub decoy: bool,
    /// The chain allowed for this profile: the new-password step may set its password, once.
    pub verified: Option<ProfileId>,
    /// The chain (as the flow started it) verifies by a mailed link: the pages after
    /// identification say "we sent a link", for everyone alike.
    #[serde(default)]
    pub mails_link: bool,
    /// How the verified reset ends: the recovery mode of the forgotten-password profile that
    /// took the person at identification (a decoy keeps the default).
    #[serde(default)]
    pub recovery: RecoveryMode,
    /// The name of that forgotten-password profile (its post actions run after success);
    /// None for a decoy and for flows started before it was remembered.
    #[serde(default)]
    pub profile: Option<String>,
    /// The chain's PIN module asks where to send (`send_method = choice`): a decoy shows the
    /// same choice page first.
    #[serde(default)]
    pub pin_choice: bool,
    /// A decoy made that choice.
    #[serde(default)]
    pub chosen: bool,
    /// A recovery submit holds the flow while it sets the password on the person's target
    /// accounts ([`claim`]); another submit of the same flow is refused meanwhile.
    #[serde(default)]
    pub applying: bool,
    /// The flow runs the reset sequence of the global policy (`reset` setting `sequence`):
    /// identification by the sequence's first module, then each module's own page.
    #[serde(default)]
    pub sequence: bool,
    /// The person's effective reset settings say `force_change = true`: the new password is
    /// marked must-change (recorded at identification).
    #[serde(default)]
    pub force_change: bool,
}

impl StoredFlow for ResetState {
    const KIND: &'static str = KIND;
    fn set_flow_id(&mut self, id: FlowId) {
        self.login.flow_id = Some(id);
    }
}

/// A loaded reset flow: its id, the version read, and the state.
pub type Loaded = state::Loaded<ResetState>;

/// Stores a new reset flow; returns the browser's token and the loaded view.
pub async fn create(store: &Store, state: ResetState) -> Result<(TokenSecret, Loaded), RepoError> {
    state::create(store, state).await
}

/// Loads the flow a browser's token names, if it is live and a reset.
pub async fn load(store: &Store, token: &str) -> Result<Option<Loaded>, RepoError> {
    state::load(store, token).await
}

/// Saves the state if nobody else moved the flow on since it was loaded.
pub async fn save(store: &Store, loaded: &Loaded) -> Result<bool, RepoError> {
    state::save(store, loaded).await
}

/// Holds a verified flow for one recovery submit (compare-and-set): false when another
/// request moved it on first. The loaded view follows the stored version.
pub async fn claim(store: &Store, loaded: &mut Loaded) -> Result<bool, RepoError> {
    loaded.state.applying = true;
    if !save(store, loaded).await? {
        return Ok(false);
    }
    loaded.version = loaded.version.saturating_add(1);
    Ok(true)
}

/// Lets go of a [`claim`]ed flow that did not finish (a target refused the password), so the
/// person may try again without verifying again.
pub async fn release(store: &Store, mut loaded: Loaded) -> Result<bool, RepoError> {
    loaded.state.applying = false;
    save(store, &loaded).await
}

/// Ends the flow for good: true only for the one request whose compare-and-set won, so two
/// concurrent uses of one verified flow set a password at most once.
pub async fn finish(store: &Store, mut loaded: Loaded) -> Result<bool, RepoError> {
    loaded.state.verified = None;
    loaded.state.decoy = true;
    if !save(store, &loaded).await? {
        return Ok(false);
    }
    store.delete_flow(loaded.id).await?;
    Ok(true)
}
