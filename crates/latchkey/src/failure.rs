//! How a command fails: the two kinds of failure the exit status distinguishes, and how they are
//! printed.
//!
//! Commands return `anyhow::Result`. A [`BadInput`] or [`Problems`] anywhere in the error chain
//! means the person gave us something wrong and nothing was changed (exit status 2); anything
//! else is a run-time failure (exit status 1). clap's own usage errors also exit with 2.

use crate::output::errln;
use std::fmt;

/// One thing the person typed or gave us is wrong. Exit status 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl BadInput {
    /// An `anyhow::Error` carrying this message.
    pub fn error(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Self(message.into()))
    }
}

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Several problems in one input (a configuration, a CSV file), all reported at once, one per
/// line, then `summary`. Exit status 2.
#[derive(Debug)]
pub struct Problems {
    /// One line each, already located (`FILE:LINE: column: message`).
    pub lines: Vec<String>,
    /// What it means, e.g. "nothing was imported".
    pub summary: String,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for Problems {}

impl From<latchkey_config::ConfigErrors> for Problems {
    fn from(errors: latchkey_config::ConfigErrors) -> Self {
        let count = errors.len();
        Problems {
            lines: errors.iter().map(ToString::to_string).collect(),
            summary: format!(
                "the configuration is not valid ({count} problem{})",
                plural(count)
            ),
        }
    }
}

/// `"s"` unless `n` is one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The exit status for a failed command.
pub fn exit_status(error: &anyhow::Error) -> u8 {
    let bad_input = error
        .chain()
        .any(|e| e.is::<BadInput>() || e.is::<Problems>());
    if bad_input { 2 } else { 1 }
}

/// Prints `error` to standard error: each problem on its own line, then the error with its
/// chain of causes.
pub fn report(error: &anyhow::Error) {
    if let Some(problems) = error.chain().find_map(|e| e.downcast_ref::<Problems>()) {
        for line in &problems.lines {
            errln!("error: {line}");
        }
    }
    errln!("error: {error:#}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn bad_input_anywhere_in_the_chain_exits_with_2() {
        let e = Err::<(), _>(BadInput::error("no"))
            .context("while adding")
            .unwrap_err();
        assert_eq!(exit_status(&e), 2);
        assert_eq!(exit_status(&anyhow::anyhow!("database down")), 1);
        let p = anyhow::Error::new(Problems {
            lines: vec!["a".into()],
            summary: "s".into(),
        });
        assert_eq!(exit_status(&p), 2);
    }
}
