//! Target systems: the connector port, error classification and the decisions of discovery.
//!
//! A *target* is a system whose accounts Latchkey verifies, resets, unlocks and expires: an
//! OpenLDAP directory, Active Directory, PostgreSQL roles. This module owns what does not depend
//! on a protocol:
//!
//! - [`port`]: the [`TargetConnector`] trait every connector implements (`latchkey-targets`);
//! - [`error`]: [`TargetError`], the classification every connector maps its failures to, with
//!   policy refusals in plain words;
//! - [`ppolicy`] and [`ad`]: how OpenLDAP's password-policy control and Active Directory's
//!   diagnostic codes map onto that classification (pure functions, tested here);
//! - [`definition`]: a target's stored definition; [`repo`]: its storage port;
//! - [`attribute`]: which attribute names a generic write may carry (never a password's);
//! - [`discovery`]: what profiles a source target's accounts make and what a run reports;
//! - [`sync`]: which accounts a person's own password change or reset is set on.
//!
//! Data moves like this: the edge loads a [`repo::StoredTarget`], opens the service password
//! with the master key, builds a connector from both, and calls the port; results and errors come
//! back classified, ready to show.

pub mod ad;
pub mod attribute;
mod ber;
pub mod definition;
pub mod discovery;
pub mod error;
pub mod port;
pub mod ppolicy;
pub mod repo;
pub mod sync;

pub use definition::{PasswordMethod, ProfileSource, TargetDef, TargetKind};
pub use error::{Refusal, RefusalKind, Restriction, TargetError, TargetResult};
pub use port::{
    AccountEntry, AccountPages, AccountState, ConnectionInfo, ListRequest, TargetConnector,
    Verified,
};
