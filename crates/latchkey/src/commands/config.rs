//! `latchkey config check` and `latchkey config sample`.

use crate::cli::ConfigCommand;
use crate::context::{config_path, load_config};
use crate::output::{out, outln};
use std::path::Path;

/// Runs a `config` subcommand.
pub fn run(command: ConfigCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Check { file } => check(file.as_deref().or(config_flag)),
        ConfigCommand::Sample => {
            out!("{}", latchkey_config::sample_toml())?;
            Ok(())
        }
    }
}

/// Loads the configuration as `serve` would and reports the result. Every error is printed by
/// the caller (exit status 2); warnings are printed here.
fn check(named: Option<&Path>) -> anyhow::Result<()> {
    let path = config_path(named);
    let config = load_config(path.as_deref())?;
    match &path {
        Some(path) => outln!("OK: {}", path.display()),
        None => outln!("OK: no configuration file; built-in defaults and LATCHKEY_* variables"),
    }?;
    for warning in config.warnings() {
        outln!("warning: {warning}")?;
    }
    Ok(())
}
