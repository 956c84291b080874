//! Binding the listener and running the server until shutdown.

use crate::state::{AppState, app};
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Another process has the port.
    #[error(
        "{addr} is already in use by another program; choose another address with --listen (or `listen` in latchkey.toml)"
    )]
    AddressInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Binding failed for another reason (permission, no such address).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be prepared.
    #[error("preparing the database failed: {0}")]
    Store(#[from] latchkey_core::repo::RepoError),
    /// The server stopped with an IO error.
    #[error("the HTTP server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Binds `addr`, with a clear error when the port is taken.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::AddressInUse { addr }
        } else {
            ServeError::Bind { addr, source }
        }
    })
}

/// Serves until `shutdown` completes, then finishes in-flight requests. The outgoing-message
/// queue worker runs alongside and stops with the server (messages it was sending are taken
/// over by any worker once their lease runs out).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let worker = crate::outgoing::spawn_worker(state.clone());
    let discovery = crate::discovery::spawn_scheduler(state.clone());
    let runs = crate::pages::mpr::runner::spawn_pickup(state.clone());
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    worker.abort();
    discovery.abort();
    runs.abort();
    served?;
    Ok(())
}
