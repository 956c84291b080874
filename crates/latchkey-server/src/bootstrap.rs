//! First start of a node on an empty database: install the shipped authentication
//! configuration (built-in chains and their selector rules) so it can be seen, exported and
//! changed like any other. Later starts find it there and change nothing.

use latchkey_core::chain::builtin;
use latchkey_core::repo::{AuthConfigRepo, RepoResult};
use latchkey_store::Store;

/// Installs the shipped chains and rules when the database has no authentication
/// configuration yet. Returns true when it did.
pub async fn ensure_auth_config(store: &Store) -> RepoResult<bool> {
    if store.auth_config_version().await? > 0 || !store.chains().await?.is_empty() {
        return Ok(false);
    }
    store
        .replace_auth_config(&builtin::all(), &builtin::rules(), true)
        .await?;
    tracing::info!("installed the shipped authentication chains and rules");
    Ok(true)
}
