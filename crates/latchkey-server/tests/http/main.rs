//! The server over real HTTP, on SQLite and on PostgreSQL: sign-in, sign-out, the same answer
//! for every failure, CSRF, headers, health, metrics and the demo outbox.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod agent;
mod chains;
mod change_password;
mod client;
mod custom;
mod device;
mod enrolment;
mod external;
mod focus;
mod forced_change;
mod forgot;
mod forgot_at_least;
mod forgot_attribute;
mod forgot_search;
mod forgot_send;
mod forgot_sequence;
mod forgot_webhook;
mod i18n;
mod i18n_pages;
mod login;
mod mailbox;
mod mpr_pages;
mod nonce;
mod notices;
mod operations;
mod outgoing;
mod password_sync;
mod pin;
mod pin_send_method;
mod questions;
mod scoreqna;
mod simple_modules;
mod targets;
mod totp;
mod two_factor;
mod vault_pages;

/// Generates `mod $name { sqlite, postgres }` running the same body against a fresh server.
macro_rules! on_both {
    ($name:ident, |$server:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $server =
                    latchkey_testkit::TestServer::start(latchkey_testkit::Database::Sqlite)
                        .await
                        .unwrap();
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $server =
                    latchkey_testkit::TestServer::start(latchkey_testkit::Database::Postgres)
                        .await
                        .unwrap();
                $body
            }
        }
    };
}
pub(crate) use on_both;
mod sessions;
