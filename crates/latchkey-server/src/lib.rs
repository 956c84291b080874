//! Latchkey's HTTP server: the pages people use and the operational endpoints, as thin faces
//! over the store and the decisions of `latchkey-core`.
//!
//! A request comes in through the security middleware ([`security`]: headers, body limit), is
//! routed to a page handler ([`pages`]), which reads input, asks [`directory`] or the store,
//! and renders a template. Errors go through one mapping ([`error`]): the person sees a clear,
//! safe message; the log gets the detail; secrets reach neither.

pub mod bootstrap;
pub mod cookies;
pub mod directory;
pub mod discovery;
pub mod error;
pub mod i18n;
pub mod login;
pub mod metrics;
pub mod os;
pub mod outgoing;
pub mod pages;
pub mod password_sync;
pub mod security;
pub mod serve;
pub mod session;
pub mod state;
pub mod stepup;

pub use serve::{ServeError, bind, serve};
pub use state::{AppState, StateError, app};
