//! The command line, as clap types. Parsing only: every command's behaviour lives in
//! [`crate::commands`].

mod auth;
mod mpr;
mod questions;
mod targets;
mod totp;

pub use auth::{AuthcfgCommand, ChainCommand, ExplainArgs, RuleAddArgs, RulesCommand};
use clap::{Args, Parser, Subcommand};
pub use mpr::{MprCommand, Operator, StartArgs};
pub use questions::QuestionsCommand;
use std::net::SocketAddr;
use std::path::PathBuf;
pub use targets::{TargetAddArgs, TargetsCommand};
pub use totp::TotpCommand;

const ABOUT: &str =
    "Latchkey identity server: authentication chains, self-service and mass password reset";

const LONG_ABOUT: &str = "\
Latchkey identity server: authentication chains, self-service password reset and mass password
reset, in one binary.

`latchkey demo` runs the whole product with nothing to install: a SQLite database, demo users
and an outbox file instead of a mail server. `latchkey serve` runs a node from latchkey.toml and
LATCHKEY_* environment variables. The other commands manage the same database from the shell.

Exit status: 0 when the command did what was asked, 2 when the input (arguments, a file, the
configuration) is wrong and nothing was changed, 1 when something failed at run time (the
database is unreachable, the port is taken).";

const EXAMPLES: &str = "\
Examples:
  latchkey demo                          try it: demo data, then open http://127.0.0.1:8080/
  latchkey config sample > latchkey.toml
  latchkey config check                  check ./latchkey.toml and LATCHKEY_* variables
  latchkey serve --listen 0.0.0.0:8080
  latchkey users add alice.martin --name 'Alice Martin' --email alice@example.org --random-password
  latchkey users import people.csv --dry-run
  latchkey settings set AUTH MAX_USERAUTH_FAILURE 5
  latchkey chain list
  latchkey chain explain --user alice.martin
  latchkey authcfg export auth.toml";

/// Everything `latchkey` accepts.
#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    /// Configuration file (default: ./latchkey.toml if it exists)
    #[arg(long, global = true, env = "LATCHKEY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a Latchkey node from the configuration
    #[command(
        long_about = "Run a Latchkey node: load the configuration (latchkey.toml and LATCHKEY_* \
                      variables), open the database and apply pending migrations, then serve \
                      HTTP until Ctrl-C or SIGTERM. LATCHKEY_LOG overrides log.filter.",
        after_help = "Examples:\n  latchkey serve\n  latchkey --config /etc/latchkey/latchkey.toml serve --listen [::]:8443\n  LATCHKEY_LOG=debug latchkey serve"
    )]
    Serve(ServeArgs),

    /// Run the whole product with demo data, nothing to install
    #[command(
        long_about = "Run the whole product on this machine with nothing to install. The first \
                      run creates DIR with a SQLite database, 20 demo people and an administrator \
                      with every privilege, and writes their passwords to DIR/credentials.txt \
                      (readable by you only). Mail goes to DIR/outbox.jsonl, shown at /outbox. \
                      Later runs reuse DIR. latchkey.toml and LATCHKEY_* variables (except \
                      LATCHKEY_LOG) are ignored.",
        after_help = "Examples:\n  latchkey demo\n  latchkey demo --listen 127.0.0.1:9000 --dir /tmp/latchkey-demo\n  rm -r latchkey-demo && latchkey demo      start over with fresh demo data"
    )]
    Demo(DemoArgs),

    /// Check the configuration or print a sample
    #[command(subcommand)]
    Config(ConfigCommand),

    /// List, create and import people, and set their passwords
    #[command(subcommand)]
    Users(UsersCommand),

    /// Read and change the settings table (policy knobs stored in the database)
    #[command(subcommand)]
    Settings(SettingsCommand),

    /// List, show, enable, disable and delete authentication chains; explain a login
    #[command(subcommand)]
    Chain(ChainCommand),

    /// List, add and remove the chain selector's rules
    #[command(subcommand)]
    Rules(RulesCommand),

    /// Export, import or reset the whole authentication configuration
    #[command(subcommand)]
    Authcfg(AuthcfgCommand),

    /// List, install and uninstall scenario components (bundles of chains, rules and settings)
    #[command(subcommand)]
    Scenario(ScenarioCommand),

    /// Generate key files (the deployment's master key)
    #[command(subcommand)]
    Keys(KeysCommand),

    /// Security policies attached to user classes (organization or archetype), merged over the global chains
    #[command(subcommand)]
    Policy(PolicyCommand),

    /// List question sets; enrol or forget a person's security answers
    #[command(subcommand)]
    Questions(QuestionsCommand),

    /// Enrol a person's authenticator app (TOTP) or remove the enrolment
    #[command(subcommand)]
    Totp(TotpCommand),

    /// Target systems: define, test and discover LDAP directories, Active Directory, PostgreSQL
    #[command(subcommand)]
    Targets(TargetsCommand),

    /// Mass password onboarding and reset: plan, confirm, run, resume, report
    #[command(subcommand)]
    Mpr(MprCommand),
}

/// `latchkey serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on, instead of `listen` in the configuration
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// `latchkey demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory holding the demo database, outbox and credentials
    #[arg(long, value_name = "DIR", default_value = "./latchkey-demo")]
    pub dir: PathBuf,
}

/// `latchkey config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration and report every problem (exit status 2 if there is any)
    #[command(
        long_about = "Load the configuration as `serve` would and report every problem (exit \
                      status 2 if there is any). Then, if the database it names exists and can \
                      be reached, lint the authentication configuration stored there: warnings \
                      are printed, errors make the exit status 2. The database is only read: \
                      nothing is created or migrated; a missing or unreachable database is noted \
                      and its configuration not checked.",
        after_help = "Examples:\n  latchkey config check\n  latchkey config check /etc/latchkey/latchkey.toml"
    )]
    Check {
        /// File to check [default: --config, else ./latchkey.toml when it exists]
        file: Option<PathBuf>,
    },
    /// Print a commented latchkey.toml with every key and its default
    #[command(after_help = "Example:\n  latchkey config sample > latchkey.toml")]
    Sample,
}

/// `latchkey users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List people, by login id
    #[command(
        after_help = "Examples:\n  latchkey users list\n  latchkey users list --limit 1000 --json > people.json"
    )]
    List {
        /// Show at most this many
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: u32,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Create one person
    #[command(
        long_about = "Create one person. Passwords are never accepted as arguments (they would \
                      end up in shell history and process lists): pipe one in with \
                      --password-stdin, let Latchkey generate one with --random-password, or \
                      create the profile without a password with --no-password.",
        after_help = "Examples:\n  latchkey users add alice.martin --name 'Alice Martin' --email alice@example.org --attr department=IT --random-password\n  printf '%s' \"$PASSWORD\" | latchkey users add bob --name Bob --password-stdin"
    )]
    Add(AddArgs),
    /// Set a person's password (ends their sessions)
    #[command(
        after_help = "Examples:\n  latchkey users set-password alice.martin --random-password\n  printf '%s' \"$PASSWORD\" | latchkey users set-password alice.martin --password-stdin"
    )]
    SetPassword(SetPasswordArgs),
    /// Create people from a CSV file, all or none
    #[command(
        long_about = "Create people from a CSV file, all or none. The first line names the \
                      columns: login_id and display_name are required, email and password are \
                      optional (a blank password means none), and every other column becomes an \
                      attribute of that name. Every row is checked first, against the file and \
                      the database; if anything is wrong, every problem is reported as \
                      FILE:LINE: column: message and nothing is imported.",
        after_help = "Example file:\n  login_id,display_name,email,department,password\n  alice.martin,Alice Martin,alice.martin@example.org,IT,\n\nExamples:\n  latchkey users import people.csv --dry-run\n  latchkey users import people.csv"
    )]
    Import {
        /// CSV file with a header line
        file: PathBuf,
        /// Check the file without importing anything
        #[arg(long)]
        dry_run: bool,
    },
}

/// `latchkey users add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Login id people will type (case-insensitive)
    pub login: String,
    /// Display name
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Email address
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// An attribute, NAME=VALUE (repeat for more values or attributes)
    #[arg(long = "attr", value_name = "NAME=VALUE", value_parser = parse_attr)]
    pub attrs: Vec<(String, String)>,
    /// Read the password from standard input (one trailing newline is dropped)
    #[arg(long, group = "password")]
    pub password_stdin: bool,
    /// Generate a password and print it once
    #[arg(long, group = "password")]
    pub random_password: bool,
    /// Create the profile without a password
    #[arg(long, group = "password")]
    pub no_password: bool,
}

/// `latchkey users set-password`.
#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    /// Login id
    pub login: String,
    /// Read the password from standard input (one trailing newline is dropped)
    #[arg(long, group = "password")]
    pub password_stdin: bool,
    /// Generate a password and print it once
    #[arg(long, group = "password")]
    pub random_password: bool,
}

/// `latchkey settings …`.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Show stored rows and the defaults of known settings
    #[command(
        after_help = "Examples:\n  latchkey settings list\n  latchkey settings list MASS_PASSWORD_RESET"
    )]
    List {
        /// Only this namespace
        namespace: Option<String>,
    },
    /// Print the values of one setting, one per line
    #[command(after_help = "Example:\n  latchkey settings get AUTH MAX_USERAUTH_FAILURE")]
    Get {
        /// Namespace, e.g. AUTH
        namespace: String,
        /// Setting, e.g. MAX_USERAUTH_FAILURE
        setting: String,
    },
    /// Replace every value of a setting
    #[command(
        after_help = "Examples:\n  latchkey settings set AUTH MAX_USERAUTH_FAILURE 5\n  latchkey settings set MASS_PASSWORD_RESET TARGETS CORP_AD LDAP_MAIN\n  latchkey settings set MY_COMPONENT COLOUR blue --custom"
    )]
    Set {
        /// Namespace, e.g. AUTH
        namespace: String,
        /// Setting, e.g. MAX_USERAUTH_FAILURE
        setting: String,
        /// New value(s); several only for settings that repeat
        #[arg(required = true, num_args = 1..)]
        values: Vec<String>,
        /// Allow a setting Latchkey does not know (for your own components)
        #[arg(long)]
        custom: bool,
    },
    /// Append one value to a setting that repeats
    #[command(after_help = "Example:\n  latchkey settings add MASS_PASSWORD_RESET TARGETS CORP_AD")]
    Add {
        /// Namespace
        namespace: String,
        /// Setting
        setting: String,
        /// Value to append
        value: String,
        /// Allow a setting Latchkey does not know
        #[arg(long)]
        custom: bool,
    },
    /// Remove a setting's rows (only those with VALUE when given), back to its default
    #[command(
        after_help = "Examples:\n  latchkey settings unset AUTH MAX_USERAUTH_FAILURE\n  latchkey settings unset MASS_PASSWORD_RESET TARGETS CORP_AD"
    )]
    Unset {
        /// Namespace
        namespace: String,
        /// Setting
        setting: String,
        /// Only rows with this value
        value: Option<String>,
    },
}

/// `NAME=VALUE`, with the name checked as an attribute name.
fn parse_attr(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {raw:?}"))?;
    let name = latchkey_core::profile::attribute_name(name.trim()).map_err(|e| e.to_string())?;
    Ok((name, value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn attributes_need_a_valid_name() {
        assert_eq!(
            parse_attr("Department=IT"),
            Ok(("department".into(), "IT".into()))
        );
        assert!(parse_attr("department").is_err());
        assert!(parse_attr("bad name=x").is_err());
    }
}

/// `latchkey scenario …`
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Every component, whether it is installed, its dependencies and conflicts
    List,
    /// Install a component and what it depends on (refused if it conflicts with one installed)
    #[command(
        after_help = "Examples:\n  latchkey scenario install emailpin\n  latchkey scenario install 2factor"
    )]
    Install {
        /// Component name (see `latchkey scenario list`)
        name: String,
    },
    /// Remove exactly what a component added (refused while another installed one needs it)
    Uninstall {
        /// Component name
        name: String,
    },
}

/// `latchkey keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write a new random master key to FILE (readable by you only); refuses to overwrite one
    #[command(
        long_about = "Write a new random 256-bit master key to FILE, readable by you only. Point \
                      keys.master_key_file (or LATCHKEY_KEYS_MASTER_KEY_FILE) at it on every node \
                      of a deployment: queued mail and TOTP secrets are encrypted with keys \
                      derived from it. Losing it makes them unreadable; an existing FILE is never \
                      overwritten.",
        after_help = "Example:\n  latchkey keys generate /etc/latchkey/master.key"
    )]
    Generate {
        /// Where to write the key
        file: PathBuf,
    },
}

/// `latchkey policy …`
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Every stored policy: id, the user class it is attached to and its role, its sequences
    List,
    /// Print one policy as TOML (the format `policy import` reads)
    Show {
        /// Policy id
        id: String,
    },
    /// Store a policy from a TOML file (replaces one with the same id); refused whole on any error
    #[command(
        after_help = "Example:\n  latchkey policy show contractors > p.toml && $EDITOR p.toml && latchkey policy import p.toml"
    )]
    Import {
        /// The file
        file: PathBuf,
    },
    /// Delete a policy
    Rm {
        /// Policy id
        id: String,
    },
}
