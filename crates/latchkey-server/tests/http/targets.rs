//! Target systems for the HTTP tests: an LDAP target on a testkit slapd, with the service
//! account's password sealed by the server's master key, and accounts associated by hand.

use latchkey_core::account::Account;
use latchkey_core::ids::{AccountId, ProfileId, TargetId};
use latchkey_core::profile::Attributes;
use latchkey_core::secret::Password;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{PasswordMethod, TargetDef, TargetKind};
use latchkey_server::os::OsRandom;
use latchkey_targets::{Connector, credentials};
use latchkey_testkit::{PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, TestServer};
use time::OffsetDateTime;

/// Defines LDAP target `id` at `url` (a testkit slapd, its service account, Password Modify)
/// and returns a connector to it.
pub(crate) async fn ldap_target(server: &TestServer, id: &str, url: &str) -> Connector {
    let mut def = TargetDef::new(
        TargetId::new(id).unwrap(),
        TargetKind::Ldap,
        url,
        SERVICE_DN,
    );
    def.base_dn = PEOPLE_DN.into();
    def.password_method = PasswordMethod::Exop;
    let master = server.state.master_key.as_ref().unwrap();
    let service = Password::new(SERVICE_PASSWORD);
    let sealed = credentials::seal(master, &def, &service, &mut OsRandom).unwrap();
    let now = OffsetDateTime::now_utc();
    let stored = StoredTarget {
        def,
        sealed_secret: Some(sealed),
        created_at: now,
        updated_at: now,
    };
    server.store.create_target(&stored).await.unwrap();
    credentials::connector(Some(master), &stored).unwrap()
}

/// Associates account `name` on `target` with `owner`, as discovery would.
pub(crate) async fn own(server: &TestServer, owner: ProfileId, target: &str, name: &str) {
    server
        .store
        .upsert_accounts(&[Account {
            id: AccountId(uuid::Uuid::now_v7()),
            target_id: TargetId::new(target).unwrap(),
            account_name: name.to_owned(),
            owner: Some(owner),
            attributes: Attributes::new(),
        }])
        .await
        .unwrap();
}
