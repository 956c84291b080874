//! Integration tests for the configuration loader: one binary, one module per concern.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod util;

mod database_url;
mod env;
mod file_errors;
mod layering;
mod redaction;
mod sample;
mod smtp;
mod warnings;
