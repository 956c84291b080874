//! `latchkey mpr …`: mass password onboarding and reset from the shell.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Who runs a command that changes a run: an administrator in MPR_ADMINS holding the
/// mass-password-reset privilege, who proves it with their password.
#[derive(Debug, Args)]
pub struct Operator {
    /// Your login id (member of MPR_ADMINS with the mass_password_reset privilege)
    #[arg(long = "as", value_name = "LOGIN")]
    pub login: String,
    /// Read your password from standard input (a pipe) instead of asking for it
    #[arg(long)]
    pub password_stdin: bool,
}

/// `latchkey mpr onboard|reset`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Who confirms the run
    #[command(flatten)]
    pub operator: Operator,
    /// Show the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Only accounts whose owner is in this user class (repeatable)
    #[arg(long = "user-class", value_name = "ID")]
    pub user_classes: Vec<String>,
    /// Only this account, by its name on the target (repeatable)
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
    /// Do not ask for confirmation (needed when standard input is not a terminal)
    #[arg(long)]
    pub yes: bool,
    /// Store the run and return without working on it (`latchkey mpr resume RUN` works on it)
    #[arg(long)]
    pub detach: bool,
    /// No progress bar (for logs)
    #[arg(long)]
    pub no_progress: bool,
}

/// `latchkey mpr …`
#[derive(Debug, Subcommand)]
pub enum MprCommand {
    /// Onboard: create a vault item and set an initial password for every account not yet in the vault
    #[command(
        long_about = "Plan an onboarding of the targets in the settings (MASS_PASSWORD_ONBOARD, \
                      targets from MASS_PASSWORD_RESET TARGETS), ask for confirmation, then work \
                      on it with a progress bar: each account gets a vault item owned by the \
                      account's owner and a new random password, set on the target. Accounts \
                      already in the vault are skipped, so running it twice creates nothing twice.",
        after_help = "Examples:\n  latchkey mpr onboard --as admin --dry-run\n  latchkey mpr onboard --as admin"
    )]
    Onboard(StartArgs),
    /// Reset: a new random password for every account in the vault on the configured targets
    #[command(
        long_about = "Plan a mass password reset of the targets in MASS_PASSWORD_RESET TARGETS, \
                      ask for confirmation, then work on it with a progress bar. Each new \
                      password is sealed in the run's journal before the target sees it and ends \
                      in the owner's vault item; nobody running this command ever sees one. If \
                      this process stops for any reason, `latchkey mpr resume RUN` continues \
                      where it stopped without losing a password.",
        after_help = "Examples:\n  latchkey mpr reset --as admin --dry-run\n  latchkey mpr reset --as admin --user-class IT_STAFF\n  printf '%s' \"$PW\" | latchkey mpr reset --as admin --password-stdin --yes"
    )]
    Reset(StartArgs),
    /// Runs and their progress (all runs, or one)
    #[command(after_help = "Examples:\n  latchkey mpr status\n  latchkey mpr status 0193…")]
    Status {
        /// A run id
        run: Option<String>,
    },
    /// Work on a run again: after a crash, after pause, or to retry orphaned accounts
    Resume {
        /// The run id
        run: String,
        /// Who resumes it
        #[command(flatten)]
        operator: Operator,
        /// No progress bar
        #[arg(long)]
        no_progress: bool,
    },
    /// Pause a run after its batches in flight
    Pause {
        /// The run id
        run: String,
        /// Who pauses it
        #[command(flatten)]
        operator: Operator,
    },
    /// Cancel a run: accounts not started are skipped; started ones are finished
    Cancel {
        /// The run id
        run: String,
        /// Who cancels it
        #[command(flatten)]
        operator: Operator,
    },
    /// Write a run's report (one row per account and phase, never a password)
    #[command(
        after_help = "Examples:\n  latchkey mpr report RUN > report.csv\n  latchkey mpr report RUN --html report.html --csv report.csv"
    )]
    Report {
        /// The run id
        run: String,
        /// Write CSV here (default: standard output when no --html is given)
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Write a self-contained HTML page here
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}
