//! Integration tests of the test kit against the real servers it starts.
//!
//! One binary (this directory) so that every test shares one process, as the other crates'
//! tests will: [`latchkey_testkit::PgCluster::shared`] is exercised the way they use it.

mod postgres;
mod slapd;

/// Tests return errors instead of unwrapping; any error fails the test with its message.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;
mod fault_proxy;
