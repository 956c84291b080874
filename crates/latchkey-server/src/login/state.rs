//! A login in progress, persisted in the store under the hash of the token its browser holds,
//! and moved on only by compare-and-set so two tabs or two nodes cannot both advance it.

use super::facts::RequestFacts;
use crate::os::OsRandom;
use latchkey_core::chain::{ChainId, FlowState};
use latchkey_core::ids::{FlowId, ProfileId};
use latchkey_core::repo::{FlowRecord, FlowRepo, RepoError};
use latchkey_core::token::TokenSecret;
use latchkey_store::Store;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long a login may take.
pub const FLOW_LIFETIME: Duration = Duration::minutes(15);
/// The flow kind in the store.
pub const KIND: &str = "login";

/// Everything a login remembers between requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginState {
    /// The chain engine's state.
    pub flow: FlowState,
    /// The identified profile.
    pub user: Option<ProfileId>,
    /// What the person typed as their user ID (echoed back; never proof of anything).
    pub typed: String,
    /// Request facts at the start.
    pub request: RequestFacts,
    /// A module or rule could not be evaluated in this attempt (configuration problem).
    pub config_error: bool,
    /// The administrators' fail-safe password login is in use.
    pub failsafe: bool,
    /// Shown with the next prompt.
    pub notice: Option<String>,
    /// The `USERID` parameter was already used for identification.
    pub userid_used: bool,
    /// Who the previous attempt identified: replayed successes are only for them.
    pub bypass_user: Option<ProfileId>,
    /// The browser presented a valid device cookie for the identified user (the FINGERPRINT
    /// state fact of selector rules).
    #[serde(default)]
    pub recognised_browser: bool,
    /// Per-module working state (a drawn PIN's hash, the questions asked …), by CfgId, as
    /// JSON. Modules read and write it through [`LoginState::module_data`] and
    /// [`LoginState::set_module_data`]; it lives exactly as long as the flow.
    #[serde(default)]
    pub module_data: std::collections::BTreeMap<String, String>,
    /// A forgotten-password flow (`/forgot`), whatever chain its profile runs: it never ends in
    /// a session. (A flow rooted at `PASSWORD_RESET` is one too; see [`LoginState::is_reset`].)
    #[serde(default)]
    pub reset: bool,
    /// The person `/forgot`'s user search found, before the profile's chain started: the
    /// chain's `user_ident` takes them once instead of asking.
    #[serde(default)]
    pub preidentified: Option<ProfileId>,
    /// This flow's id in the store, derived from the browser's flow cookie by [`load`] and
    /// [`create`]; never stored (so never taken from stored data). `None` while a new flow's
    /// first page is prepared, before it is stored. Modules that bind something to the flow
    /// (a mailed link) need it.
    #[serde(skip)]
    pub flow_id: Option<FlowId>,
}

impl LoginState {
    /// A fresh login starting at `root`.
    pub fn new(root: ChainId, request: RequestFacts) -> Self {
        Self {
            flow: FlowState::start(root),
            user: None,
            typed: String::new(),
            request,
            config_error: false,
            failsafe: false,
            notice: None,
            userid_used: false,
            bypass_user: None,
            recognised_browser: false,
            module_data: std::collections::BTreeMap::new(),
            reset: false,
            preidentified: None,
            flow_id: None,
        }
    }

    /// Is this a forgotten-password flow (marked so by `/forgot`, or rooted at the built-in
    /// `PASSWORD_RESET` chain)?
    pub fn is_reset(&self) -> bool {
        self.reset || self.flow.root.as_str() == latchkey_core::chain::builtin::PASSWORD_RESET
    }

    /// A module's working state, if it stored one in this flow.
    pub fn module_data<T: serde::de::DeserializeOwned>(
        &self,
        module: latchkey_core::chain::CfgId,
    ) -> Option<T> {
        self.module_data
            .get(&module.to_string())
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// Stores a module's working state (replacing what it had).
    pub fn set_module_data<T: Serialize>(
        &mut self,
        module: latchkey_core::chain::CfgId,
        value: &T,
    ) -> Result<(), RepoError> {
        let text = serde_json::to_string(value).map_err(corrupt::<LoginState>)?;
        self.module_data.insert(module.to_string(), text);
        Ok(())
    }

    /// Forgets a module's working state.
    pub fn clear_module_data(&mut self, module: latchkey_core::chain::CfgId) {
        self.module_data.remove(&module.to_string());
    }

    /// A request parameter given when the login started.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.request
            .parameters
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// A flow state the store keeps between requests: the kind it is stored under (a login flow
/// never loads as another kind, and the reverse) and where it remembers its own id.
pub trait StoredFlow: Serialize + serde::de::DeserializeOwned {
    /// The flow kind in the store.
    const KIND: &'static str;
    /// Records the flow's id in the state (it is not stored with it).
    fn set_flow_id(&mut self, id: FlowId);
}

impl StoredFlow for LoginState {
    const KIND: &'static str = KIND;
    fn set_flow_id(&mut self, id: FlowId) {
        self.flow_id = Some(id);
    }
}

/// A loaded flow: its id, the version read, and the state.
#[derive(Debug, Clone)]
pub struct Loaded<S = LoginState> {
    /// Store id.
    pub id: FlowId,
    /// Version read (for compare-and-set).
    pub version: u64,
    /// State.
    pub state: S,
}

fn corrupt<S: StoredFlow>(e: serde_json::Error) -> RepoError {
    RepoError::Corrupt(format!("{} flow: {e}", S::KIND))
}

/// Stores a new flow; returns the browser's token and the loaded view.
pub async fn create<S: StoredFlow>(
    store: &Store,
    mut state: S,
) -> Result<(TokenSecret, Loaded<S>), RepoError> {
    let token = TokenSecret::generate(&mut OsRandom);
    let id = token
        .hash()
        .flow_id()
        .ok_or_else(|| RepoError::Database("flow id from token".into()))?;
    let now = OffsetDateTime::now_utc();
    store
        .create_flow(&FlowRecord {
            id,
            kind: S::KIND.into(),
            version: 0,
            state: serde_json::to_string(&state).map_err(corrupt::<S>)?,
            created_at: now,
            expires_at: now + FLOW_LIFETIME,
        })
        .await?;
    state.set_flow_id(id);
    Ok((
        token,
        Loaded {
            id,
            version: 0,
            state,
        },
    ))
}

/// Loads the flow a browser's token names, if it is live and of kind `S`.
pub async fn load<S: StoredFlow>(
    store: &Store,
    token: &str,
) -> Result<Option<Loaded<S>>, RepoError> {
    let Some(id) = TokenSecret::from_user(token).hash().flow_id() else {
        return Ok(None);
    };
    let Some(record) = store.load_flow(id, OffsetDateTime::now_utc()).await? else {
        return Ok(None);
    };
    if record.kind != S::KIND {
        return Ok(None);
    }
    let mut state: S = serde_json::from_str(&record.state).map_err(corrupt::<S>)?;
    state.set_flow_id(id);
    Ok(Some(Loaded {
        id,
        version: record.version,
        state,
    }))
}

/// Saves the state if nobody else moved the flow on since it was loaded.
pub async fn save<S: StoredFlow>(store: &Store, loaded: &Loaded<S>) -> Result<bool, RepoError> {
    let text = serde_json::to_string(&loaded.state).map_err(corrupt::<S>)?;
    store
        .compare_and_set(loaded.id, loaded.version, &text, OffsetDateTime::now_utc())
        .await
}
