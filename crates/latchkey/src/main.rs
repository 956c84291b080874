//! `latchkey`: the command-line binary of the Latchkey identity server.
//!
//! `main` parses the command line ([`cli`]), runs the chosen command ([`commands`]) on a Tokio
//! runtime, and turns its result into an exit status and a message ([`failure`]): 0 when done,
//! 2 when the input was wrong and nothing changed, 1 when something failed at run time.

// A command-line program prints for the person at the terminal: that is its interface. Output
// goes through `output::outln!`, which reports a closed pipe instead of panicking like
// `println!`; the allowance stays for any plain print a future command needs.
#![allow(clippy::print_stdout)]

/// Large freed blocks (Argon2id memory) go back to the system; see the root Cargo.toml.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod cli;
mod commands;
mod context;
mod failure;
mod output;
mod password;
mod table;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output::errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`| head`): nothing is wrong and nobody to tell.
        Err(error) if output::is_closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            failure::report(&error);
            ExitCode::from(failure::exit_status(&error))
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Serve(args) => commands::serve::run(args, config).await,
        Command::Demo(args) => commands::demo::run(args, config).await,
        Command::Config(command) => commands::config::run(command, config).await,
        Command::Users(command) => commands::users::run(command, config).await,
        Command::Settings(command) => commands::settings::run(command, config).await,
        Command::Chain(command) => commands::chain::run(command, config).await,
        Command::Rules(command) => commands::rules::run(command, config).await,
        Command::Authcfg(command) => commands::authcfg_cli::run(command, config).await,
        Command::Scenario(command) => commands::scenario::run(command, config).await,
        Command::Keys(command) => commands::keys::run(command),
        Command::Policy(command) => commands::policy::run(command, config).await,
        Command::Questions(command) => commands::questions::run(command, config).await,
        Command::Totp(command) => commands::totp::run(command, config).await,
        Command::Targets(command) => commands::targets::run(command, config).await,
        Command::Mpr(command) => commands::mpr::run(command, config).await,
    }
}
