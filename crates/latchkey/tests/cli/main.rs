//! End-to-end tests of the `latchkey` binary: each test runs the built program in its own
//! temporary directory against its own SQLite database, as an operator would.

// Helpers outside `#[test]` functions are test code too: a failing test should fail loudly
// (the workspace's clippy.toml allows the same inside `#[test]` functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod authcfg;
mod chain;
mod config;
mod demo;
mod explain;
mod help;
mod import;
mod mpr;
mod policy;
mod questions;
mod rules;
mod scenario;
mod serve;
mod settings;
mod settings_forgotten;
mod targets;
mod totp;
mod users;
mod util;
