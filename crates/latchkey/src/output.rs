//! Writing to the terminal without panicking.
//!
//! `println!` panics when standard output is gone (`latchkey users list | head -1` closes the
//! pipe early), and so does `eprintln!` for standard error. Commands print through [`outln!`]
//! instead, which returns an error to pass up with `?`; a closed pipe then ends the command
//! quietly (see [`is_closed_pipe`]). Notes to standard error go through [`errln!`], which drops
//! them if standard error is gone: there is nowhere left to report that.

use std::fmt;
use std::io::Write;

/// Standard output could not be written.
#[derive(Debug)]
pub struct StdoutFailed(pub std::io::Error);

impl fmt::Display for StdoutFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}

impl std::error::Error for StdoutFailed {}

/// Writes formatted text to standard output, then flushes it (so a reader of a pipe sees a
/// line as soon as it is written).
pub fn write_stdout(args: fmt::Arguments<'_>) -> Result<(), StdoutFailed> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .map_err(StdoutFailed)
}

/// Writes formatted text to standard error; failures are dropped.
pub fn write_stderr(args: fmt::Arguments<'_>) {
    let _ignored = std::io::stderr().lock().write_fmt(args);
}

/// True when `error` is standard output closed by its reader: not worth a message.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<StdoutFailed>()
            .is_some_and(|f| f.0.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` that returns `Result<(), StdoutFailed>` instead of panicking.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that returns `Result<(), StdoutFailed>` instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};
