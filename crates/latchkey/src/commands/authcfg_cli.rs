//! `latchkey authcfg …` on the command line: opens the store, runs the export, import or reset
//! of [`super::authcfg`] with the current directory for default-named files, and prints what
//! was done.

use super::authcfg;
use crate::cli::AuthcfgCommand;
use crate::context::Context;
use crate::failure::plural;
use crate::output::outln;
use latchkey_core::chain::lint::Severity;
use std::path::Path;
use time::OffsetDateTime;

/// Runs an `authcfg` subcommand.
pub async fn run(command: AuthcfgCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open_auth(config_flag).await?;
    // Default names are relative, so they print as the person would type them.
    let here = Path::new("");
    // File names carry UTC: the `time` crate will not read the local offset once the runtime's
    // threads are running.
    let now = OffsetDateTime::now_utc();
    match command {
        AuthcfgCommand::Export { file } => {
            let path = authcfg::export(&ctx.store, file, here, now).await?;
            outln!("{}", path.display())?;
        }
        AuthcfgCommand::Import { file } => {
            let done = authcfg::import(&ctx.store, &file, here, now).await?;
            outln!(
                "backup of the previous configuration: {}",
                done.backup.display()
            )?;
            for warning in &done.warnings {
                outln!("{warning}")?;
            }
            outln!(
                "imported {}: {} chain{}, {} selector rule{}",
                file.display(),
                done.chains,
                plural(done.chains),
                done.rules,
                plural(done.rules)
            )?;
        }
        AuthcfgCommand::Reset => {
            let done = authcfg::reset(&ctx.store, here, now).await?;
            outln!(
                "backup of the previous configuration: {}",
                done.backup.display()
            )?;
            // Reset is the way back, so what it leaves is reported, never refused.
            for finding in &done.findings {
                outln!("{finding}")?;
            }
            let errors = done
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            outln!(
                "built-in chains and rules are back as shipped; custom chains and manual rules were kept"
            )?;
            if errors > 0 {
                outln!(
                    "{errors} error{} above: fix the rules or chains it names (`latchkey rules rm`, `latchkey authcfg import`)",
                    plural(errors)
                )?;
            }
        }
    }
    Ok(())
}
