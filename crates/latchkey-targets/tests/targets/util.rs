//! Helpers shared by the tests.

use latchkey_core::ids::TargetId;
use latchkey_core::secret::Password;
use latchkey_core::target::{PasswordMethod, TargetDef, TargetKind};
use latchkey_targets::LdapTarget;
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, Slapd, SlapdOptions};

/// Tests return errors instead of unwrapping; any error fails the test with its message.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A slapd with `users` users and the default policy (or `min_length`).
pub fn slapd(users: usize, min_length: u32) -> Result<Slapd, latchkey_testkit::TestkitError> {
    Slapd::start(SlapdOptions {
        users,
        min_length,
        dbnosync: true,
        log_level: "none".into(),
        ..SlapdOptions::default()
    })
}

/// The definition of an OpenLDAP target for `slapd`.
pub fn ldap_def(slapd: &Slapd, method: PasswordMethod) -> TargetDef {
    let mut def = TargetDef::new(
        TargetId::new("LDAP").unwrap(),
        TargetKind::Ldap,
        &slapd.url(),
        SERVICE_DN,
    );
    def.base_dn = PEOPLE_DN.into();
    def.password_method = method;
    def.connect_timeout_ms = 2_000;
    def.operation_timeout_ms = 5_000;
    def
}

/// An OpenLDAP connector for `slapd` acting as the service account.
pub fn ldap_target(slapd: &Slapd, method: PasswordMethod) -> LdapTarget {
    LdapTarget::new(
        ldap_def(slapd, method),
        Some(Password::new(SERVICE_PASSWORD)),
    )
    .unwrap()
}

/// A password.
pub fn pw(text: &str) -> Password {
    Password::new(text)
}
