//! What the PIN and mailed-link tests share: installing components, settings, reading the
//! outbox, the database and the audit log, and walking to a chain's first page.

use crate::client::{Browser, Page};
use latchkey_core::chain::builtin::{self, cfg};
use latchkey_core::chain::selector::{MatchType, RuleAction, SelectorRule, SkipRemaining};
use latchkey_core::chain::{ChainId, ModuleType};
use latchkey_core::condition::Condition;
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::{Attributes, LoginId, NewProfile};
use latchkey_core::repo::{AuditRepo, AuthConfigRepo, ProfileRepo, SettingsRepo};
use latchkey_core::scenario::{self, Current, INSTALLED, NS_SCENARIO};
use latchkey_core::settings::SettingRow;
use latchkey_notify::StoredMessage;
use latchkey_testkit::TestServer;
use std::time::Duration;

/// Installs a scenario component the way `latchkey scenario install` does.
pub(crate) async fn install(server: &TestServer, component: &str) {
    let store = &server.store;
    let current = Current {
        chains: store.chains().await.unwrap(),
        rules: store.selector_rules().await.unwrap(),
        installed: store
            .settings()
            .await
            .unwrap()
            .values(NS_SCENARIO, INSTALLED)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    };
    let change = scenario::install(component, &current).unwrap();
    store.apply_component_change(&change).await.unwrap();
}

/// Sets one setting (replacing its rows).
pub(crate) async fn set(server: &TestServer, namespace: &str, setting: &str, value: &str) {
    let row = SettingRow {
        namespace: namespace.into(),
        setting: setting.into(),
        value: value.into(),
    };
    server
        .store
        .replace_setting(namespace, setting, &[row])
        .await
        .unwrap();
}

/// Makes DEFAULT_LOGIN's selector offer `chain` to everyone.
pub(crate) async fn offer_to_everyone(server: &TestServer, chain: &str, rule: u32) {
    let id = ChainId::new(builtin::DEFAULT_LOGIN).unwrap();
    let mut default_login = server
        .store
        .chains()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| builtin::shipped(&id).unwrap());
    let select = default_login
        .modules
        .iter_mut()
        .find(|m| m.kind == ModuleType::SelectChain)
        .unwrap();
    let available = select.settings.entry("available".into()).or_default();
    if !available.split(',').any(|c| c.trim() == chain) {
        available.push_str(&format!(",{chain}"));
    }
    server.store.save_chain(&default_login).await.unwrap();
    let everyone = SelectorRule {
        stage: 5,
        rule,
        skip_remaining: SkipRemaining::None,
        cfg_id: Some(cfg::DEFAULT_SELECT),
        match_type: MatchType::Cgi,
        match_key: "REMOTE_ADDR".into(),
        condition: Condition::Set,
        match_value: String::new(),
        action: RuleAction::Append,
        chain_id: Some(ChainId::new(chain).unwrap()),
        error_msg: String::new(),
        comment: "test: offered to everyone".into(),
        owner: String::new(),
    };
    server.store.add_selector_rule(&everyone).await.unwrap();
}

/// A profile with no email address.
pub(crate) async fn add_user_without_email(server: &TestServer, login: &str) -> ProfileId {
    let now = time::OffsetDateTime::now_utc();
    let mut rng = latchkey_core::random::SeededRandom::new(login.len() as u64 + 99);
    let profile = NewProfile {
        login_id: LoginId::new(login).unwrap(),
        display_name: format!("Test {login}"),
        email: None,
        attributes: Attributes::new(),
    }
    .into_profile(ProfileId::generate(now, &mut rng), now)
    .unwrap();
    server.store.create_profile(&profile, None).await.unwrap();
    profile.id
}

/// Every message in the outbox file so far.
pub(crate) fn outbox(server: &TestServer) -> Vec<StoredMessage> {
    std::fs::read_to_string(server.outbox_path())
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits until `to` has `count` messages in the outbox (delivery is in the background).
pub(crate) async fn mail_to(server: &TestServer, to: &str, count: usize) -> Vec<StoredMessage> {
    for _ in 0..300 {
        let mine: Vec<_> = outbox(server)
            .into_iter()
            .filter(|m| m.message.to == to)
            .collect();
        if mine.len() >= count {
            return mine;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{to} did not get {count} messages: {:?}", outbox(server));
}

/// The PIN in a message: the word of `length` digits.
pub(crate) fn pin_in(body: &str, length: usize) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == length)
        .unwrap_or_else(|| panic!("no PIN in {body}"))
        .to_owned()
}

/// Runs `query` against the server's database with the database's own client; rows come back
/// as text, one per line.
pub(crate) fn sql(server: &TestServer, query: &str) -> String {
    let url = server.config.database_url.expose_secret().to_owned();
    if url.starts_with("sqlite:") {
        let out = std::process::Command::new("sqlite3")
            .arg(server.dir().join("latchkey.db"))
            .arg(query)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    } else {
        latchkey_testkit::PgCluster::shared()
            .unwrap()
            .psql(&url, query)
            .unwrap()
    }
}

/// How many sign-in failures the audit log holds with `reason`.
pub(crate) async fn failures_with(server: &TestServer, reason: &str) -> usize {
    server
        .store
        .recent_audit(10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "login.failure" && e.detail.contains(reason))
        .count()
}

/// Goes from `/login?PSF_EXT=<chain>` through the user ID to the chain's first page.
pub(crate) async fn start(server: &TestServer, chain: &str, user: &str) -> (Browser, Page) {
    let mut b = Browser::new(&server.url);
    let first = b.get(&format!("/login?PSF_EXT={chain}")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let page = b.step(&first, &[("user", user)]).await;
    (b, page)
}
