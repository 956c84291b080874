//! `latchkey targets …`: target systems from the shell.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `latchkey targets …`
#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// Define a target system (LDAP directory, Active Directory, PostgreSQL roles)
    #[command(
        long_about = "Define a target system. The service account's password is never taken as \
                      an argument: pipe it in with --password-stdin or name a file with \
                      --password-file. It is stored sealed with the master key \
                      (keys.master_key_file), bound to this target, and never printed. \
                      Nothing is contacted: run `latchkey targets test ID` next.",
        after_help = "Examples:\n  printf '%s' \"$SVC_PW\" | latchkey targets add LDAP_MAIN --kind ldap --url ldap://ldap.example.org --starttls --ca-file /etc/ssl/corp-ca.pem --service-account cn=resetsvc,dc=example,dc=org --base-dn ou=people,dc=example,dc=org --association mail --password-stdin\n  latchkey targets add CORP_AD --kind ad --url ldaps://dc1.corp.example --service-account svc-latchkey@corp.example --base-dn CN=Users,DC=corp,DC=example --enforce-history --password-file /run/secrets/ad\n  latchkey targets add HR_LDAP --kind ldap --url ldap://hr --service-account cn=svc,dc=hr --base-dn ou=people,dc=hr --source-login uid --source-name cn --source-email mail --association mail --discover-every 3600 --password-stdin"
    )]
    Add(Box<TargetAddArgs>),
    /// List the defined targets and their last discovery
    List {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Connect as the service account and describe the server
    #[command(after_help = "Example:\n  latchkey targets test LDAP_MAIN")]
    Test {
        /// Target id
        id: String,
    },
    /// Load a target's accounts, make profiles from a source, associate accounts with owners
    #[command(
        long_about = "Load a target's accounts into the database. A target defined with \
                      --source-login makes or updates a profile for each account. Every account \
                      is then associated with the profile that has the same value of the \
                      association attribute; accounts that match no profile, several profiles, \
                      or have no value are reported and keep no owner. With --due, every target \
                      defined with --discover-every whose interval has passed is discovered \
                      (incrementally); --watch repeats that until interrupted.",
        after_help = "Examples:\n  latchkey targets discover LDAP_MAIN\n  latchkey targets discover HR_LDAP --incremental --json\n  latchkey targets discover --due --watch 60"
    )]
    Discover {
        /// Target id (or --due)
        #[arg(required_unless_present = "due", conflicts_with = "due")]
        id: Option<String>,
        /// Only accounts changed since the last successful run, where the target can tell
        #[arg(long)]
        incremental: bool,
        /// Accounts per page
        #[arg(long, default_value_t = 500, value_name = "N")]
        page_size: u32,
        /// Discover every scheduled target whose interval has passed
        #[arg(long)]
        due: bool,
        /// With --due: check again every SECONDS until interrupted
        #[arg(long, value_name = "SECONDS", requires = "due")]
        watch: Option<u64>,
        /// Print the full report as JSON
        #[arg(long)]
        json: bool,
    },
}

/// `latchkey targets add`.
#[derive(Debug, Args)]
pub struct TargetAddArgs {
    /// Target id (letters, digits, '_' and '-')
    pub id: String,
    /// ldap (OpenLDAP with ppolicy), ad (Active Directory / Samba AD) or postgres
    #[arg(long)]
    pub kind: String,
    /// ldap://, ldaps:// or postgres://HOST:PORT/DB (no credentials)
    #[arg(long)]
    pub url: String,
    /// Upgrade ldap:// with StartTLS
    #[arg(long)]
    pub starttls: bool,
    /// PEM file of the CA to trust for TLS (default: the system's roots)
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Bind DN (or user@domain for AD), or the PostgreSQL role
    #[arg(long, value_name = "NAME")]
    pub service_account: String,
    /// Read the service password from standard input (one trailing newline is dropped)
    #[arg(long, group = "secret")]
    pub password_stdin: bool,
    /// Read the service password from FILE (one trailing newline is dropped)
    #[arg(long, group = "secret", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Store no password (PostgreSQL with trust or peer authentication)
    #[arg(long, group = "secret")]
    pub no_password: bool,
    /// Where accounts live (directories)
    #[arg(long, value_name = "DN", default_value = "")]
    pub base_dn: String,
    /// Which entries are accounts (LDAP filter; a sensible default per kind)
    #[arg(long, value_name = "FILTER", default_value = "")]
    pub filter: String,
    /// Attributes to read (repeat; default all)
    #[arg(long = "attr", value_name = "NAME")]
    pub attributes: Vec<String>,
    /// OpenLDAP: exop (RFC 3062 Password Modify) or replace (userPassword)
    #[arg(long, default_value = "exop")]
    pub method: String,
    /// AD: administrator resets honour the password history (policy-hints control)
    #[arg(long)]
    pub enforce_history: bool,
    /// Attribute that associates accounts with profiles, e.g. mail
    #[arg(long, value_name = "NAME")]
    pub association: Option<String>,
    /// Make this target a source of profiles: the attribute that becomes the login id
    #[arg(long, value_name = "NAME")]
    pub source_login: Option<String>,
    /// Source: the attribute that becomes the display name
    #[arg(
        long,
        value_name = "NAME",
        default_value = "cn",
        requires = "source_login"
    )]
    pub source_name: String,
    /// Source: the attribute holding the mail address
    #[arg(long, value_name = "NAME", requires = "source_login")]
    pub source_email: Option<String>,
    /// Discover this target every SECONDS (`latchkey targets discover --due`)
    #[arg(long, value_name = "SECONDS")]
    pub discover_every: Option<u64>,
    /// Connections kept open
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub pool: u32,
    /// Timeout of each operation, milliseconds
    #[arg(long, default_value_t = 15_000, value_name = "MS")]
    pub timeout_ms: u64,
    /// A note for operators
    #[arg(long, default_value = "")]
    pub description: String,
    /// Replace an existing target with the same id
    #[arg(long)]
    pub replace: bool,
}
