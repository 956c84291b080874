//! What every handler shares, and the router.

use crate::cookies::CookiePolicy;
use crate::directory::{DirectoryError, InternalDirectory};
use crate::{metrics, pages, security};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use latchkey_config::Config;
use latchkey_core::keys::MasterKey;
use latchkey_core::password_hash::Argon2Params;
use latchkey_notify::{Mailer, NotifyError, Outbox};
use latchkey_store::Store;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms are small).
const BODY_LIMIT: usize = 64 * 1024;

/// Shared state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

/// The parts of the state.
#[derive(Debug)]
pub struct Inner {
    /// Persistence.
    pub store: Store,
    /// Password checks.
    pub directory: InternalDirectory,
    /// Cookie names and flags.
    pub cookies: CookiePolicy,
    /// The configured public URL (links are built from it, never from `Host`).
    pub public_url: url::Url,
    /// `scheme://host[:port]` of the public URL, for Origin checks.
    pub public_origin: String,
    /// Outgoing mail.
    pub mailer: Mailer,
    /// The deployment's master key (`keys.master_key_file`); what must be stored encrypted
    /// needs it, and is refused without it.
    pub master_key: Option<MasterKey>,
    /// The password blocklist (shipped list plus the operator's `PASSWORD_POLICY
    /// BLOCKLIST_FILE`), built once on first use ([`crate::pages::change_password::blocklist`]).
    pub password_blocklist: tokio::sync::OnceCell<Arc<latchkey_core::password_policy::Blocklist>>,
    /// Target connectors of this node (pooled connections per target), rebuilt when a
    /// target's definition changes.
    pub connectors: latchkey_targets::cache::Connectors,
}

impl Inner {
    /// The demo outbox, when mail goes to a file (shown at `/outbox`).
    pub fn outbox(&self) -> Option<&Outbox> {
        match &self.mailer {
            Mailer::Outbox(o) => Some(o),
            _ => None,
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The state could not be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Password hashing parameters are unusable.
    #[error("password hashing: {0}")]
    Directory(#[from] DirectoryError),
    /// Mail settings are unusable.
    #[error("mail: {0}")]
    Mail(#[from] NotifyError),
    /// The master key file is unreadable or does not hold a key.
    #[error("master key file {path}: {reason}")]
    MasterKey {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl AppState {
    /// Builds the state for a node.
    pub fn new(config: &Config, store: Store) -> Result<Self, StateError> {
        let params = Argon2Params {
            memory_kib: config.password_hash.memory_kib,
            time_cost: config.password_hash.time_cost,
            parallelism: config.password_hash.parallelism,
        };
        // Install the metrics recorder before anything counts.
        let _ = crate::metrics::handle();
        let directory = InternalDirectory::new(store.clone(), params)?;
        let mailer = Mailer::from_config(config.outbox.as_deref(), config.smtp.as_ref())?;
        let public_url = config.public_url.clone();
        let master_key = match &config.keys.master_key_file {
            None => None,
            Some(path) => {
                let fail = |reason: String| StateError::MasterKey {
                    path: path.display().to_string(),
                    reason,
                };
                let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
                Some(MasterKey::parse(&text).map_err(|e| fail(e.to_string()))?)
            }
        };
        Ok(Self(Arc::new(Inner {
            store,
            directory,
            cookies: CookiePolicy::for_public_url(&public_url),
            public_origin: public_url.origin().ascii_serialization(),
            public_url,
            mailer,
            master_key,
            password_blocklist: tokio::sync::OnceCell::new(),
            connectors: latchkey_targets::cache::Connectors::new(),
        })))
    }
}

/// The whole HTTP surface of a node.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", get(pages::home::page))
        .route(
            "/login",
            get(crate::login::start).post(crate::login::submit),
        )
        .route("/login/link", get(crate::login::link::open))
        .route("/forgot/link", get(crate::login::link::open_reset))
        .route(
            crate::login::forgot::PATH,
            get(crate::login::forgot::start).post(crate::login::forgot::submit),
        )
        .route(
            crate::login::forgot::recovery::PATH,
            get(crate::login::forgot::recovery::page).post(crate::login::forgot::recovery::submit),
        )
        .route("/logout", post(crate::login::logout))
        .route("/healthz", get(pages::health::healthz))
        .route("/metrics", get(pages::health::metrics))
        .route("/static/latchkey.css", get(pages::stylesheet))
        .route(pages::FAVICON_SVG, get(pages::favicon_svg))
        .route("/favicon.ico", get(pages::favicon_ico));
    if state.outbox().is_some() {
        // Only in outbox (demo) mode: messages may hold links and PINs meant for one person.
        router = router.route("/outbox", get(pages::outbox::page));
    }
    // Mass password reset: every method of every path answers 404 to whoever may not see it
    // (the handlers check), and a wrong method 404 too, so nothing reveals the feature.
    let hidden = |m: axum::routing::MethodRouter<AppState>| m.fallback(pages::not_found);
    router = router
        .route("/admin/mpr", hidden(get(pages::mpr::index)))
        .route("/admin/mpr/plan", hidden(post(pages::mpr::plan)))
        .route("/admin/mpr/start", hidden(post(pages::mpr::start)))
        .route("/admin/mpr/{id}", hidden(get(pages::mpr::run::page)))
        .route(
            "/admin/mpr/{id}/progress",
            hidden(get(pages::mpr::run::progress)),
        )
        .route(
            "/admin/mpr/{id}/pause",
            hidden(post(pages::mpr::run::pause)),
        )
        .route(
            "/admin/mpr/{id}/resume",
            hidden(post(pages::mpr::run::resume)),
        )
        .route(
            "/admin/mpr/{id}/cancel",
            hidden(post(pages::mpr::run::cancel)),
        )
        .route(
            "/admin/mpr/{id}/report.csv",
            hidden(get(pages::mpr::run::report_csv)),
        )
        .route(
            "/admin/mpr/{id}/report.html",
            hidden(get(pages::mpr::run::report_html)),
        )
        .route("/vault", get(pages::vault::page))
        .route("/vault/{id}/reveal", post(pages::vault::reveal))
        .route(
            "/account/password",
            get(pages::change_password::page).post(pages::change_password::submit),
        );
    // Self-service enrolment of an authenticator app and security questions.
    router = router
        .route(
            "/account/totp",
            get(pages::account::totp::page).post(pages::account::totp::confirm),
        )
        .route("/account/totp/remove", post(pages::account::totp::remove))
        .route("/account/totp/skip", post(pages::account::totp::skip))
        .route(
            "/account/questions",
            get(pages::account::questions::page).post(pages::account::questions::save),
        )
        .route(
            "/account/questions/skip",
            post(pages::account::questions::skip),
        );
    // The person's own sessions: list, end one, end all others.
    router = router
        .route("/account/sessions", get(pages::sessions::page))
        .route("/account/sessions/end", post(pages::sessions::end_one))
        .route(
            "/account/sessions/others",
            post(pages::sessions::end_others),
        );
    router
        .fallback(pages::not_found)
        // A password marked expired is changed before any other signed-in page answers
        // (inside the language layer, so its answer is translated).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::expired::gate,
        ))
        // Every page, the error pages too, renders in the language chosen here.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::i18n::choose::layer,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // The span names the path only: a query string may hold a one-time token.
        .layer(TraceLayer::new_for_http().make_span_with(
            |r: &axum::extract::Request| tracing::debug_span!("request", method = %r.method(), path = r.uri().path()),
        ))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}
