//! Connectors kept across requests, so verifications reuse pooled connections; a connector is
//! rebuilt when its target's definition changes (its `updated_at` moves).

use crate::Connector;
use crate::credentials;
use latchkey_core::ids::TargetId;
use latchkey_core::keys::MasterKey;
use latchkey_core::repo::RepoError;
use latchkey_core::target::TargetError;
use latchkey_core::target::repo::TargetRepo;
use latchkey_store::Store;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use time::OffsetDateTime;

/// Why no connector could be had.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] RepoError),
    /// The target cannot be built (definition, sealed password).
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// A cache of connectors by target id.
#[derive(Debug, Default)]
pub struct Connectors {
    built: Mutex<HashMap<TargetId, (OffsetDateTime, Connector)>>,
}

impl Connectors {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The connector of target `id` (`None` when no such target is defined). The definition is
    /// read from the store every time (one small query), so a change takes effect at once.
    pub async fn get(
        &self,
        store: &Store,
        master: Option<&MasterKey>,
        id: &TargetId,
    ) -> Result<Option<Connector>, ConnectorError> {
        let Some(stored) = store.target(id).await? else {
            self.built().remove(id);
            return Ok(None);
        };
        if let Some((at, connector)) = self.built().get(id)
            && *at == stored.updated_at
        {
            return Ok(Some(connector.clone()));
        }
        let connector = credentials::connector(master, &stored)?;
        self.built()
            .insert(id.clone(), (stored.updated_at, connector.clone()));
        Ok(Some(connector))
    }

    fn built(&self) -> std::sync::MutexGuard<'_, HashMap<TargetId, (OffsetDateTime, Connector)>> {
        self.built.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
