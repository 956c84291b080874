//! The one error type of the test kit.
//!
//! Every message is written for the person whose test just failed: it says what is missing or
//! what broke, how to fix it, and — when a server did not come up — ends with the last lines of
//! that server's log so the cause is visible in the test output without digging for files.

use std::path::PathBuf;

/// Why the test kit could not provide a server or run a helper command.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// A program the test servers need is not installed (or not where we looked).
    #[error(
        "`{program}` was not found (looked in {searched}); install it with `{install}`, \
         or run `bash scripts/test.sh`, which installs every test server"
    )]
    MissingProgram {
        /// The program's name, e.g. `slapd` or `initdb`.
        program: String,
        /// Where the kit looked, for the person fixing it.
        searched: String,
        /// The command that installs it on Debian/Ubuntu.
        install: String,
    },

    /// The machine lacks something other than a program (an OS user, a schema directory...).
    #[error("{0}")]
    Setup(String),

    /// A file-system or process operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What the kit was doing, e.g. "creating the PostgreSQL temp dir".
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A helper command (psql, slapadd, ldapmodify...) ran and reported failure.
    #[error("{command} failed ({status}):\n{output}")]
    Command {
        /// The command line, without secrets (passwords are passed through files).
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stdout and stderr.
        output: String,
    },

    /// A server process did not start, or did not answer in time.
    #[error(
        "{server} did not start: {reason}\n--- last lines of {} ---\n{log_tail}",
        .log.display()
    )]
    Startup {
        /// Which server, e.g. "PostgreSQL" or "slapd".
        server: &'static str,
        /// What went wrong: exited with a status, timed out, ...
        reason: String,
        /// The server's log file (kept while the owning value lives).
        log: PathBuf,
        /// The last lines of that log.
        log_tail: String,
    },

    /// [`crate::PgCluster::shared`] failed earlier in this test process; the first error is kept
    /// so every test reports the real cause instead of retrying a slow, doomed start.
    #[error("the shared PostgreSQL cluster of this test process could not be started: {0}")]
    SharedUnavailable(String),
}

/// Shorthand for results of the test kit.
pub type Result<T, E = TestkitError> = std::result::Result<T, E>;

impl TestkitError {
    /// Wraps an I/O error with what the kit was doing when it happened.
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| Self::Io { action, source }
    }
}
