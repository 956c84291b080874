//! Every repository of the store, run once on SQLite and once on a real PostgreSQL server
//! started by the testkit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod atomic;
mod authconfig;
mod common;
mod durability;
mod mpr;
mod mpr_batch;
mod mpr_counts;
mod mpr_report;
mod outbox;
mod password_history;
mod questions;
mod repositories;
mod sessions_list;
mod totp;
mod vault;
