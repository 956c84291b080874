//! Tests of the password policy: fixtures here, one file per concern.

mod blocklist;
mod evaluate;
mod policy;
mod props;

use super::*;
use std::sync::LazyLock;

/// The shipped list, parsed once for the whole test binary.
pub(super) static EMBEDDED: LazyLock<Blocklist> = LazyLock::new(Blocklist::embedded);

/// A person with every attribute set.
pub(super) fn jean() -> UserContext {
    UserContext {
        login_id: "jpicard".into(),
        given_name: Some("Jean-Luc".into()),
        surname: Some("Picard".into()),
        mail: Some("jean-luc.picard@enterprise.example".into()),
        other: vec![],
    }
}

/// Evaluates with the default policy, the shipped list, [`jean`] and no history.
pub(super) fn check(typed: &str) -> Verdict {
    evaluate(
        &PasswordPolicy::default(),
        &EMBEDDED,
        &normalise(typed),
        &jean(),
        &NoHistory,
    )
}

/// The failed codes for `typed` under `policy`, with the shipped list and no history.
pub(super) fn codes_with(policy: &PasswordPolicy, typed: &str) -> Vec<&'static str> {
    evaluate(policy, &EMBEDDED, &normalise(typed), &jean(), &NoHistory).codes()
}
