//! The command line of the authentication configuration: `chain`, `rules` and `authcfg`.

use clap::{Args, Subcommand, ValueEnum};
use latchkey_core::chain::ChainId;
use latchkey_core::chain::builtin::STANDARD_LOGIN;
use latchkey_core::chain::selector::{MatchType, RuleAction, SkipRemaining};
use latchkey_core::condition::Condition;
use std::net::IpAddr;
use std::path::PathBuf;

/// `latchkey chain …`.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// List the chains: id, enabled, built in, purpose, modules, description
    #[command(after_help = "Example:\n  latchkey chain list")]
    List,
    /// Show one chain and its modules in run order
    #[command(after_help = "Example:\n  latchkey chain show DEFAULT_LOGIN")]
    Show {
        /// Chain id
        id: ChainId,
    },
    /// Enable a chain
    #[command(after_help = "Example:\n  latchkey chain enable MY_CHAIN")]
    Enable {
        /// Chain id
        id: ChainId,
    },
    /// Disable a chain (a disabled built-in chain falls back to its shipped definition)
    #[command(after_help = "Example:\n  latchkey chain disable DEFAULT_LOGIN")]
    Disable {
        /// Chain id
        id: ChainId,
    },
    /// Delete a disabled custom chain that nothing refers to
    #[command(
        long_about = "Delete a chain. Only disabled chains can be deleted, built-in chains never, \
                      and a chain that a selector offers or a rule names is refused until those \
                      references are gone (edit them with `authcfg export` / `authcfg import` or \
                      `rules rm`).",
        after_help = "Example:\n  latchkey chain disable MY_CHAIN && latchkey chain delete MY_CHAIN"
    )]
    Delete {
        /// Chain id
        id: ChainId,
    },
    /// Show what a login would run for one person and request: chains, selector rules, modules
    #[command(
        long_about = "Show what a login would run for one person and request, without asking \
                      anything: the chains in order, every selector rule evaluated (match, no \
                      match, skipped or ERROR, and the chain list after it), what each selector \
                      leaves (straight into one chain, a choice, or DENIED), the modules with \
                      their control types, and the configuration lint. The request is the one a \
                      browser opening /login would make, with the facts the login page keeps: \
                      only the USERID, PSF_EXT, LANG and next parameters and a few headers count; \
                      anything else is reported and left out.",
        after_help = "Examples:\n  latchkey chain explain --user alice.martin\n  latchkey chain explain --user alice.martin --remote-addr 10.1.2.3 --param LANG=fr --header 'User-Agent=Mozilla/5.0'\n  latchkey chain explain --user alice.martin --chain DEFAULT_LOGIN"
    )]
    Explain(ExplainArgs),
}

/// `latchkey chain explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Login id of the person (an unknown id is explained as a login with it would go)
    #[arg(long, value_name = "LOGIN")]
    pub user: String,
    /// Chain to start from
    #[arg(long, value_name = "CHAIN", default_value = STANDARD_LOGIN)]
    pub chain: ChainId,
    /// A query parameter of the login URL, NAME=VALUE (repeat for more)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// The address the request comes from
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub remote_addr: IpAddr,
    /// A request header, NAME=VALUE (repeat for more); rules see User-Agent as HTTP_USER_AGENT
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub headers: Vec<(String, String)>,
}

/// `latchkey rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List selector rules by stage and rule number
    #[command(
        after_help = "Examples:\n  latchkey rules list\n  latchkey rules list --selector DEFAULT_LOGIN"
    )]
    List {
        /// Only the rules this selector evaluates (its own and those for every selector)
        #[arg(long, value_name = "SELECTOR")]
        selector: Option<String>,
    },
    /// Add a selector rule (checked and linted first; refused if it cannot work)
    #[command(
        long_about = "Add a rule to a selector's rule table. Every value is checked, the rule is \
                      tried against sample facts (a bad address, an unknown user class or state \
                      fact is refused), and the configuration with the new rule is linted: any \
                      error it brings (a chain that does not exist, or that the selector does not \
                      offer) refuses it and nothing is stored. Warnings are printed.\n\n\
                      SELECTOR is the CfgId of a select_chain module, the id of a chain with \
                      exactly one select_chain module (DEFAULT_LOGIN), or '*' for a rule every \
                      selector evaluates.",
        after_help = "Examples:\n  latchkey rules add --selector DEFAULT_LOGIN --stage 2 --rule 1 --match-type cgi --key REMOTE_ADDR --condition in --value 10.0.0.0/8,192.168.0.0/16 --action flush --chain PASSWORD --comment 'office network: password only'\n  latchkey rules add --selector DEFAULT_LOGIN --stage 3 --rule 1 --match-type userclass --condition equal --value CONTRACTORS --action remove --chain SECURITY_QUESTIONS"
    )]
    Add(RuleAddArgs),
    /// Remove a selector rule
    #[command(
        after_help = "Example:\n  latchkey rules rm --selector DEFAULT_LOGIN --stage 2 --rule 1"
    )]
    Rm {
        /// Selector: a CfgId, a chain id with one select_chain module, or '*'
        #[arg(long, value_name = "SELECTOR")]
        selector: String,
        /// Stage number
        #[arg(long, value_name = "N")]
        stage: u32,
        /// Rule number within the stage
        #[arg(long, value_name = "N")]
        rule: u32,
    },
}

/// `latchkey rules add`.
#[derive(Debug, Args)]
pub struct RuleAddArgs {
    /// Selector: a CfgId, a chain id with one select_chain module, or '*'
    #[arg(long, value_name = "SELECTOR")]
    pub selector: String,
    /// Stage number (stages run in order; each completes before the next)
    #[arg(long, value_name = "N")]
    pub stage: u32,
    /// Rule number within the stage
    #[arg(long, value_name = "N")]
    pub rule: u32,
    /// Where the rule looks
    #[arg(long, value_name = "TYPE")]
    pub match_type: MatchTypeArg,
    /// Which fact: REMOTE_ADDR, PATH, METHOD or HTTP_ and a header name (cgi), a parameter, a
    /// USERSTAT tag, a state fact (FINGERPRINT, IDENTIFIED) or an attribute; not used by userclass
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// How to compare: equal, notequal, in, notin, contain, notcontain, set, notset
    #[arg(long, value_name = "CONDITION")]
    pub condition: Condition,
    /// What to compare with (a comma-separated list for in/notin; none for set/notset)
    #[arg(long, value_name = "VALUE")]
    pub value: Option<String>,
    /// What a match does to the chain list
    #[arg(long, value_name = "ACTION")]
    pub action: ActionArg,
    /// The chain the action adds or removes
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<ChainId>,
    /// What a match skips
    #[arg(long, value_name = "SKIP", default_value = "none")]
    pub skip: SkipArg,
    /// Shown when the list ends empty after this rule matched
    #[arg(long, value_name = "MESSAGE")]
    pub error_msg: Option<String>,
    /// For administrators
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
}

/// Where a rule looks (`--match-type`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatchTypeArg {
    /// Request facts: REMOTE_ADDR, PATH, METHOD, HTTP_USER_AGENT …
    Cgi,
    /// A request parameter
    Parameter,
    /// User-class membership
    #[value(name = "userclass")]
    UserClass,
    /// A USERSTAT tag
    #[value(name = "userstat")]
    UserStat,
    /// Facts gathered in this flow
    State,
    /// A profile attribute
    Attribute,
}

impl From<MatchTypeArg> for MatchType {
    fn from(v: MatchTypeArg) -> Self {
        match v {
            MatchTypeArg::Cgi => MatchType::Cgi,
            MatchTypeArg::Parameter => MatchType::Parameter,
            MatchTypeArg::UserClass => MatchType::UserClass,
            MatchTypeArg::UserStat => MatchType::UserStat,
            MatchTypeArg::State => MatchType::State,
            MatchTypeArg::Attribute => MatchType::Attribute,
        }
    }
}

/// What a matching rule does (`--action`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ActionArg {
    /// Add the chain to the list
    Append,
    /// Empty the list, then add the chain if given
    Flush,
    /// Take the chain out of the list
    Remove,
}

impl From<ActionArg> for RuleAction {
    fn from(v: ActionArg) -> Self {
        match v {
            ActionArg::Append => RuleAction::Append,
            ActionArg::Flush => RuleAction::Flush,
            ActionArg::Remove => RuleAction::Remove,
        }
    }
}

/// What a matching rule skips (`--skip`).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SkipArg {
    /// Nothing
    None,
    /// The rest of its stage
    Stage,
    /// Every remaining rule
    All,
}

impl From<SkipArg> for SkipRemaining {
    fn from(v: SkipArg) -> Self {
        match v {
            SkipArg::None => SkipRemaining::None,
            SkipArg::Stage => SkipRemaining::Stage,
            SkipArg::All => SkipRemaining::All,
        }
    }
}

/// `latchkey authcfg …`.
#[derive(Debug, Subcommand)]
pub enum AuthcfgCommand {
    /// Write every chain and selector rule to a file a person can edit
    #[command(
        after_help = "Examples:\n  latchkey authcfg export                 writes authcfg-YYYYMMDD-HHMMSS.toml\n  latchkey authcfg export auth.toml"
    )]
    Export {
        /// File to write [default: authcfg-YYYYMMDD-HHMMSS.toml]
        file: Option<PathBuf>,
    },
    /// Replace the configuration with a file's, all or nothing (a backup is written first)
    #[command(
        long_about = "Replace the stored chains and selector rules with those of FILE. The whole \
                      file is checked first; if anything is wrong, every problem is reported as \
                      FILE:LINE:COLUMN: message and nothing changes. Otherwise a backup export of \
                      the current configuration is written, then the file is loaded. Lint \
                      warnings are printed.",
        after_help = "Example:\n  latchkey authcfg export auth.toml && $EDITOR auth.toml && latchkey authcfg import auth.toml"
    )]
    Import {
        /// File to load
        file: PathBuf,
    },
    /// Put the built-in chains and rules back as shipped (custom chains are untouched)
    #[command(after_help = "Example:\n  latchkey authcfg reset")]
    Reset,
}

/// `NAME=VALUE`, both trimmed; the name may not be empty.
fn parse_pair(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {raw:?}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("expected NAME=VALUE, got {raw:?}"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_need_a_name_and_an_equals_sign() {
        assert_eq!(parse_pair(" LANG = fr "), Ok(("LANG".into(), "fr".into())));
        assert_eq!(parse_pair("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_pair("LANG").is_err());
        assert!(parse_pair("=fr").is_err());
    }
}
