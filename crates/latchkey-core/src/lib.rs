//! The decisions of Latchkey, without IO.
//!
//! Everything that decides who may get in or set a password lives here and is testable with plain
//! unit and property tests: the domain (profiles, accounts, user classes, USERSTAT tags, the
//! settings table, administrators and their privileges), password hashing, one-time tokens, and
//! the repository traits that the store implements. Nothing in this crate reads a clock, draws
//! randomness, touches a file, a socket or a database: the caller passes the time
//! ([`time::OffsetDateTime`]) and a [`random::RandomSource`] in.
//!
//! Data moves like this: an edge (server, CLI) reads input, calls a decision here with the current
//! time and a randomness source, persists the result through a repository trait from [`repo`]
//! (implemented by `latchkey-store`), and renders the answer.

pub mod account;
pub mod admin;
pub mod answer_hash;
pub mod attributes_check;
pub mod authcfg;
pub mod chain;
pub mod condition;
pub mod device;
pub mod enrolment;
pub mod ids;
pub mod keys;
pub mod ldap_filter;
pub mod mpr;
pub mod nonce;
pub mod otp;
pub mod password_hash;
pub mod password_policy;
pub mod pin;
pub mod profile;
pub mod questions;
pub mod random;
pub mod repo;
pub mod repo_queue;
pub mod scenario;
pub mod secret;
pub mod secretbox;
pub mod send_method;
pub mod settings;
pub mod sspr;
pub mod target;
pub mod token;
pub mod userclass;
pub mod userstat;
pub mod vault;
