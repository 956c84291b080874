//! Integration tests of the connectors and of discovery against real servers on 127.0.0.1:
//! slapd with ppolicy, PostgreSQL and Samba as an AD domain controller (all from
//! `latchkey-testkit`). One binary, so the Samba DC and the PostgreSQL cluster are shared by
//! the tests of this process.

// Helpers outside `#[test]` functions are test code too: a failing test should fail loudly
// (the workspace's clippy.toml allows the same inside `#[test]` functions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod attributes;
mod discovery;
mod openldap;
mod postgres;
mod samba;
mod timeouts;
mod util;
