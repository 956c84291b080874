//! The mass password runner against real slapd directories, on SQLite and on a real PostgreSQL:
//! whole runs, then the faults of spec/mass-reset.md injected at exact points.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod faults;
mod logs;
mod runs;
