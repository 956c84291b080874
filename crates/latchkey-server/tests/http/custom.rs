//! Helpers for tests of individual modules: a custom chain that DEFAULT_LOGIN sends everyone
//! to, and profiles with attributes.

use latchkey_core::chain::{
    CfgId, ChainDef, ChainId, ChainPurpose, Control, ModuleDef, ModuleType, builtin,
};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuthConfigRepo, ProfileRepo};
use latchkey_testkit::TestServer;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A module with `settings`.
pub fn module(
    order: u32,
    kind: ModuleType,
    control: Control,
    settings: &[(&str, &str)],
) -> ModuleDef {
    ModuleDef {
        cfg_id: format!(
            "00000000-0000-4000-8000-{:012x}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
        .parse::<CfgId>()
        .unwrap(),
        order,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Saves chain `id` with `modules` and makes DEFAULT_LOGIN send every identified user to it.
pub async fn use_chain(server: &TestServer, id: &str, modules: Vec<ModuleDef>) {
    let chain = ChainDef {
        id: ChainId::new(id).unwrap(),
        description: format!("test chain {id}"),
        enabled: true,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules,
    };
    server.store.save_chain(&chain).await.unwrap();
    let mut default_login =
        builtin::shipped(&ChainId::new(builtin::DEFAULT_LOGIN).unwrap()).unwrap();
    let select = &mut default_login.modules[0];
    select.settings.insert("available".into(), id.into());
    select.settings.insert("initial".into(), id.into());
    server.store.save_chain(&default_login).await.unwrap();
}

/// Adds a user with a password and attributes.
pub async fn user_with(
    server: &TestServer,
    login: &str,
    password: &str,
    attributes: &[(&str, &str)],
) -> Profile {
    let mut p = server.add_user(login, password).await.unwrap();
    for (name, value) in attributes {
        p.attributes.add(name, *value).unwrap();
    }
    server.store.update_profile(&p).await.unwrap();
    p
}
