//! `latchkey serve`: run a node until Ctrl-C or SIGTERM. `latchkey demo` ends here too.

use crate::cli::ServeArgs;
use crate::context::{config_path, load_config, open_store};
use crate::failure::BadInput;
use crate::output::{errln, outln};
use anyhow::Context as _;
use latchkey_config::{Config, LogConfig, LogFormat};
use latchkey_server::AppState;
use latchkey_store::{Store, StoreOptions};
use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// Environment variable that overrides `log.filter`.
const LOG_ENV: &str = "LATCHKEY_LOG";

/// Runs `latchkey serve`.
pub async fn run(args: ServeArgs, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let path = config_path(config_flag);
    let mut config = load_config(path.as_deref())?;
    if let Some(listen) = args.listen {
        override_listen(&mut config, listen)?;
    }
    for warning in config.warnings() {
        errln!("warning: {warning}");
    }
    init_tracing(&config.log)?;
    let store = open_store(&config, StoreOptions::default()).await?;
    let state = AppState::new(&config, store.clone()).context("cannot start the server")?;
    let listener = latchkey_server::bind(config.listen).await?;
    serve_until_signal(&config, state, listener, store).await
}

/// `--listen` wins over the configuration. A public URL that was only derived from the
/// configured address follows the new one; one set explicitly stays.
fn override_listen(config: &mut Config, listen: SocketAddr) -> anyhow::Result<()> {
    let derived = local_url(config.listen)? == config.public_url;
    config.listen = listen;
    if derived {
        config.public_url = local_url(listen)?;
    }
    Ok(())
}

/// `http://ADDR/`.
pub fn local_url(addr: SocketAddr) -> anyhow::Result<url::Url> {
    url::Url::parse(&format!("http://{addr}/"))
        .with_context(|| format!("cannot build a URL for {addr}"))
}

/// Sets up logging to standard error from `[log]`; `LATCHKEY_LOG` replaces the filter.
pub fn init_tracing(log: &LogConfig) -> anyhow::Result<()> {
    let (directives, source) = match std::env::var(LOG_ENV) {
        Ok(value) => (value, LOG_ENV),
        Err(std::env::VarError::NotPresent) => (log.filter.clone(), "log.filter"),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(BadInput::error(format!("{LOG_ENV} is not valid Unicode")));
        }
    };
    let filter = EnvFilter::builder().parse(&directives).map_err(|e| {
        BadInput::error(format!(
            "{source} {directives:?} is not a valid log filter: {e} (for example \"info\" or \"info,latchkey_server=debug\")"
        ))
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let installed = match log.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

/// Serves on `listener` until Ctrl-C or SIGTERM, then lets requests in flight finish and closes
/// the database.
pub async fn serve_until_signal(
    config: &Config,
    state: AppState,
    listener: TcpListener,
    store: Store,
) -> anyhow::Result<()> {
    let addr = listener
        .local_addr()
        .context("cannot read the listening address")?;
    latchkey_server::bootstrap::ensure_auth_config(&store)
        .await
        .context("cannot install the shipped authentication configuration")?;
    let shutdown = shutdown_signal()?;
    // A server whose standard output was closed keeps serving; the log has the address too.
    let _ignored = outln!(
        "Latchkey listening on http://{addr} (public URL {}); press Ctrl-C to stop",
        config.public_url
    );
    tracing::info!(%addr, public_url = %config.public_url, database = %config.database_url, "listening");
    latchkey_server::serve(listener, state, shutdown).await?;
    store.close().await;
    errln!("Latchkey stopped");
    Ok(())
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. Handlers are installed now, so a failure to install
/// them stops startup instead of leaving a server that cannot be stopped cleanly.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot install the SIGTERM handler")?;
    Ok(async move {
        #[cfg(unix)]
        let terminated = terminate.recv();
        #[cfg(not(unix))]
        let terminated = std::future::pending::<Option<()>>();
        tokio::select! {
            result = tokio::signal::ctrl_c() => {
                if let Err(e) = result {
                    tracing::error!(error = %e, "cannot wait for Ctrl-C; stopping");
                }
            }
            _ = terminated => {}
        }
        errln!("Shutting down: finishing requests in flight");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_override_moves_a_derived_public_url_only() {
        let mut derived = latchkey_config::load(None, []).unwrap();
        override_listen(&mut derived, "127.0.0.1:9000".parse().unwrap()).unwrap();
        assert_eq!(derived.public_url.as_str(), "http://127.0.0.1:9000/");

        let env = [(
            "LATCHKEY_PUBLIC_URL".to_owned(),
            "https://id.example.org/".to_owned(),
        )];
        let mut explicit = latchkey_config::load(None, env).unwrap();
        override_listen(&mut explicit, "127.0.0.1:9000".parse().unwrap()).unwrap();
        assert_eq!(explicit.listen.port(), 9000);
        assert_eq!(explicit.public_url.as_str(), "https://id.example.org/");
    }
}
