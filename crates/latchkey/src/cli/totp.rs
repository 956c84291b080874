//! `latchkey totp …`: authenticator-app enrolments from the shell.

use clap::Subcommand;

/// `latchkey totp …`
#[derive(Debug, Subcommand)]
pub enum TotpCommand {
    /// Make a new TOTP secret and recovery codes for a person; print them once
    #[command(
        long_about = "Make a new TOTP secret and a set of single-use recovery codes for a person, \
                      store the secret sealed with the master key (keys.master_key_file) and the \
                      recovery codes hashed, and print the otpauth:// URI for their authenticator \
                      app and the recovery codes once. Nothing printed here can be shown again. \
                      A person who already has an enrolment keeps it unless --replace is given.",
        after_help = "Examples:\n  latchkey totp enrol alice.martin\n  latchkey totp enrol alice.martin --replace"
    )]
    Enrol {
        /// Login id
        login: String,
        /// Replace an existing enrolment (the old app and recovery codes stop working)
        #[arg(long)]
        replace: bool,
    },
    /// Remove a person's TOTP enrolment and recovery codes (a lost phone)
    #[command(after_help = "Example:\n  latchkey totp reset alice.martin")]
    Reset {
        /// Login id
        login: String,
    },
}
