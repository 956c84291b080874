//! The authcfg file: the whole authentication configuration (every chain and every selector
//! rule) as one TOML file a person can read, edit and load back (spec/chains.md §3, §5).
//!
//! Text in, text out; nothing here touches a file or the store:
//! - [`export`] writes chains and rules deterministically (chains by id, modules by order,
//!   rules by stage, rule and CfgId), so export → [`parse`] → export gives the same bytes;
//! - [`parse`] reads a file back. It reports **every** problem at once, each with
//!   `file:line:column`: TOML syntax, unknown keys (with a "did you mean"), wrong types, bad
//!   values, duplicates, and every error of [`crate::chain::lint::lint`] placed on the chain,
//!   module or rule it is about. Lint warnings come back with a successful parse;
//! - [`reset`] puts the built-in chains and rules back and leaves the rest alone;
//! - [`default_file_name`] / [`backup_file_name`] name export and backup files.
//!
//! The layout, in short (the exported header explains it to the person editing):
//!
//! ```toml
//! format = 1
//!
//! [[chain]]
//! id = "DEFAULT_LOGIN"
//! enabled = true
//!
//! [[chain.module]]
//! cfg_id = "1a7c4e79-0000-4000-8000-000000000301"
//! order = 10
//! type = "select_chain"
//! control = "required"
//!
//! [chain.module.settings]
//! available = "PASSWORD,SECURITY_QUESTIONS"
//!
//! [[rule]]
//! stage = 1
//! rule = 1
//! cfg_id = "1a7c4e79-0000-4000-8000-000000000301"
//! match_type = "userstat"
//! match_key = "PSQDONE"
//! match_condition = "set"
//! action = "append"
//! chain_id = "SECURITY_QUESTIONS"
//! ```

mod check;
mod export;
mod names;
mod parse;
mod read;

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use crate::chain::lint::Finding;
use crate::chain::selector::SelectorRule;
use crate::chain::{ChainDef, ChainId, builtin};
use std::fmt;
use time::OffsetDateTime;

pub use export::export;
pub use parse::parse;

/// The format version this build writes and reads (`format = 1` in the file).
pub const FORMAT: i64 = 1;

/// Owner of the rules Latchkey ships; [`reset`] replaces exactly these.
pub const BUILTIN_OWNER: &str = "builtin";

/// A file that parsed: chains sorted by id (modules by order), rules sorted by stage, rule and
/// CfgId, and the lint warnings, each placed in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Every chain in the file.
    pub chains: Vec<ChainDef>,
    /// Every selector rule in the file.
    pub rules: Vec<SelectorRule>,
    /// Lint warnings: the configuration works, but probably not as meant.
    pub warnings: Vec<Located>,
}

/// A lint finding and where in the file its chain, module or rule is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file as named to [`parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The finding.
    pub finding: Finding,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.finding
        )
    }
}

/// One problem in an authcfg file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthcfgError {
    /// The file as named to [`parse`].
    pub file: String,
    /// 1-based line of the offending key or value (or of the table it is about).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, and what to do when we can tell.
    pub message: String,
}

impl fmt::Display for AuthcfgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for AuthcfgError {}

/// Every problem found in a file, in file order. Never empty when returned by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthcfgErrors(pub Vec<AuthcfgError>);

impl AuthcfgErrors {
    /// The individual errors.
    pub fn iter(&self) -> std::slice::Iter<'_, AuthcfgError> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none (never the case for an error returned by [`parse`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for AuthcfgErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthcfgErrors {}

fn stamp(now: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// `authcfg-YYYYMMDD-HHMMSS.toml`, from `now` as given (pass local time for local names).
pub fn default_file_name(now: OffsetDateTime) -> String {
    format!("authcfg-{}.toml", stamp(now))
}

/// `authcfg-YYYYMMDD-HHMMSS-backup.toml`: what import and reset write before changing anything.
pub fn backup_file_name(now: OffsetDateTime) -> String {
    format!("authcfg-{}-backup.toml", stamp(now))
}

/// The configuration after `authcfg reset` (seed 004: reset only restores built-ins).
///
/// Built-in chains go back to their shipped definitions (added if missing); rules owned by
/// [`BUILTIN_OWNER`] are replaced by the shipped rules. Custom chains and manual or component
/// rules are returned unchanged. A non-built-in rule that took the place (selector, stage,
/// rule) of a shipped rule keeps it, and that shipped rule is not restored: reset never
/// overwrites an operator's rule.
pub fn reset(
    current_chains: &[ChainDef],
    current_rules: &[SelectorRule],
) -> (Vec<ChainDef>, Vec<SelectorRule>) {
    let is_builtin = |id: &ChainId| builtin::IDS.contains(&id.as_str());
    let mut chains = builtin::all();
    chains.extend(
        current_chains
            .iter()
            .filter(|c| !is_builtin(&c.id))
            .cloned(),
    );
    let mut rules: Vec<SelectorRule> = current_rules
        .iter()
        .filter(|r| r.owner != BUILTIN_OWNER)
        .cloned()
        .collect();
    let taken: Vec<_> = rules.iter().map(|r| (r.cfg_id, r.stage, r.rule)).collect();
    rules.extend(
        builtin::rules()
            .into_iter()
            .filter(|r| !taken.contains(&(r.cfg_id, r.stage, r.rule))),
    );
    (chains, rules)
}
