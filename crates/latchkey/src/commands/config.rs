//! `latchkey config check` and `latchkey config sample`.

use super::findings;
use crate::cli::ConfigCommand;
use crate::context::{ExistingStore, config_path, load_config, open_existing_store};
use crate::failure::plural;
use crate::output::{out, outln};
use latchkey_config::Config;
use latchkey_core::chain::ModuleType;
use latchkey_core::chain::lint::{Finding, Severity, lint};
use latchkey_core::repo::{AuthConfigRepo, RepoResult};
use latchkey_store::Store;
use std::path::Path;

/// Runs a `config` subcommand.
pub async fn run(command: ConfigCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check { file } => check(file.as_deref().or(config_flag)).await,
        ConfigCommand::Sample => {
            out!("{}", latchkey_config::sample_toml())?;
            Ok(())
        }
    }
}

/// Loads the configuration as `serve` would and reports the result, then lints the
/// authentication configuration stored in the database it names, if that database exists.
/// Every error is printed by the caller (exit status 2); warnings are printed here.
async fn check(named: Option<&Path>) -> anyhow::Result<()> {
    let path = config_path(named);
    let config = load_config(path.as_deref())?;
    match &path {
        Some(path) => outln!("OK: {}", path.display()),
        None => outln!("OK: no configuration file; built-in defaults and LATCHKEY_* variables"),
    }?;
    for warning in config.warnings() {
        outln!("warning: {warning}")?;
    }
    check_stored(&config).await
}

/// Lints the stored authentication configuration, reading only. A database that is missing or
/// cannot be read is noted and skipped: the file checks alone decide the exit status then.
async fn check_stored(config: &Config) -> anyhow::Result<()> {
    let store = match open_existing_store(config).await {
        ExistingStore::Open(store) => store,
        ExistingStore::NotOpened(why) => {
            outln!("note: {why}: the stored authentication configuration was not checked")?;
            return Ok(());
        }
    };
    let read = stored_findings(&store).await;
    let bypass = localauth_chains(&store).await;
    store.close().await;
    let url = config.database_url.redacted();
    if let Ok(chains) = &bypass
        && !chains.is_empty()
        && !config.listen.ip().to_canonical().is_loopback()
    {
        outln!(
            "warning: DEMO ONLY: enabled chain{} {} let anyone connecting from this host sign \
             in without proving who they are (localauth), and `listen` is {}, not a loopback \
             address: a reverse proxy on this host makes every visitor look local. Remove \
             localauth (`latchkey scenario uninstall localauth`) before serving anyone else.",
            plural(chains.len()),
            chains.join(", "),
            config.listen
        )?;
    }
    let findings = match read {
        Ok(Some(findings)) => findings,
        Ok(None) => {
            outln!(
                "note: {url} holds no authentication configuration yet: the shipped one is \
                 installed when a node starts"
            )?;
            return Ok(());
        }
        Err(e) => {
            outln!(
                "note: cannot read the authentication configuration in {url} ({e}): it was not checked"
            )?;
            return Ok(());
        }
    };
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    outln!(
        "authentication configuration in {url}: {errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )?;
    findings::print_warnings(&findings)?;
    findings::refuse_errors(
        &findings,
        &format!("the authentication configuration in {url} has errors"),
    )
}

/// Enabled chains with a `localauth` module (the demo-only loopback bypass).
async fn localauth_chains(store: &Store) -> RepoResult<Vec<String>> {
    Ok(store
        .chains()
        .await?
        .into_iter()
        .filter(|c| c.enabled && c.modules.iter().any(|m| m.kind == ModuleType::LocalAuth))
        .map(|c| c.id.to_string())
        .collect())
}

/// The lint of the stored chains and rules; None when the store has never held any.
async fn stored_findings(store: &Store) -> RepoResult<Option<Vec<Finding>>> {
    let chains = store.chains().await?;
    let rules = store.selector_rules().await?;
    if chains.is_empty() && rules.is_empty() && store.auth_config_version().await? == 0 {
        return Ok(None);
    }
    let mut findings = lint(&chains, &rules);
    findings.extend(
        latchkey_core::chain::policy::reset::global_sequence_warnings(
            &chains,
            &store.policies().await?,
        ),
    );
    Ok(Some(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::chain::builtin;
    use latchkey_core::chain::selector::SelectorRule;
    use latchkey_core::chain::{ChainId, lint::Subject};
    use latchkey_store::StoreOptions;

    #[tokio::test]
    async fn the_stored_configuration_is_linted() {
        // One connection: each connection to `:memory:` is a database of its own.
        let options = StoreOptions {
            max_connections: 1,
            ..StoreOptions::default()
        };
        let store = Store::open("sqlite::memory:", options).await.unwrap();
        assert_eq!(stored_findings(&store).await.unwrap(), None);
        let mut rules = builtin::rules();
        rules.push(SelectorRule {
            rule: 2,
            chain_id: Some(ChainId::new("NOWHERE").unwrap()),
            ..rules[0].clone()
        });
        store
            .replace_auth_config(&builtin::all(), &rules, true)
            .await
            .unwrap();
        let findings = stored_findings(&store).await.unwrap().unwrap();
        assert!(
            findings.iter().any(|f| f.severity == Severity::Error
                && f.subject == Subject::Rule(1, 2)
                && f.message.contains("NOWHERE")),
            "{findings:?}"
        );
    }
}
