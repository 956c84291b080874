//! One module per command group. Each takes its parsed arguments and the global `--config`
//! value, does its work through the store and the server crate, and prints for a person.

pub mod authcfg;
pub mod authcfg_cli;
pub mod chain;
pub mod config;
pub mod demo;
mod demo_answers;
mod demo_data;
mod explain;
mod findings;
mod import;
pub mod keys;
mod login_request;
pub mod mpr;
mod mpr_progress;
pub mod policy;
pub mod questions;
pub mod rules;
pub mod scenario;
pub mod serve;
pub mod settings;
pub mod targets;
pub mod totp;
pub mod users;
