//! Configuration errors that say where the bad value came from (file and line, environment
//! variable, secret file), which key it was for, what is wrong and what to do about it.
//!
//! The loader collects every problem it finds into [`ConfigErrors`] so an operator fixes a file in
//! one round instead of one error per restart. No error text ever contains a secret value.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value (or problem) came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A position in a configuration file; `line` and `column` count from 1, columns in
    /// characters.
    File {
        /// The file as it was named to the loader.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
    },
    /// A configuration file as a whole (it could not be read).
    WholeFile {
        /// The file as it was named to the loader.
        path: PathBuf,
    },
    /// An environment variable.
    Env {
        /// Variable name, e.g. `LATCHKEY_SMTP_PORT`.
        var: String,
    },
    /// A secret file named by a `LATCHKEY_*_FILE` environment variable.
    SecretFile {
        /// Variable name, e.g. `LATCHKEY_SMTP_PASSWORD_FILE`.
        var: String,
        /// The path the variable holds.
        path: PathBuf,
    },
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::WholeFile { path } => write!(f, "{}", path.display()),
            Origin::Env { var } => write!(f, "environment {var}"),
            Origin::SecretFile { var, path } => {
                write!(f, "secret file {} (from {var})", path.display())
            }
            Origin::Default => f.write_str("built-in default"),
        }
    }
}

/// One problem with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the offending value was given.
    pub origin: Origin,
    /// Dotted key (`smtp.port`), or the name as written for unknown keys; empty when the problem
    /// is not about one key (a TOML syntax error, an unreadable file).
    pub key: String,
    /// What is wrong. Never contains a secret value.
    pub message: String,
    /// What to do about it, when we can tell.
    pub hint: Option<String>,
}

impl ConfigError {
    pub(crate) fn new(origin: Origin, key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            origin,
            key: key.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found while loading, in the order a person would fix them: the file from top to
/// bottom, then the environment, then secret files, then checks across keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The individual errors.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    /// Number of errors (at least one when returned by the loader).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no errors; the loader never returns an empty set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ConfigErrors {
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

impl std::error::Error for ConfigErrors {}

/// Puts errors located in a file in file order (the parser's tables iterate by key name, not
/// by position); the relative order of other errors is kept.
pub(crate) fn sort_by_position(errors: &mut [ConfigError]) {
    errors.sort_by_key(|error| match error.origin {
        Origin::File { line, column, .. } => (line, column),
        _ => (0, 0),
    });
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset = offset.saturating_sub(1);
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one_in_characters() {
        let text = "a = 1\n  é = 2\nc";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // 'é' is two bytes; the '=' after it is the 5th character of line 2.
        assert_eq!(line_column(text, 11), (2, 5));
        assert_eq!(line_column(text, text.len()), (3, 2));
        assert_eq!(line_column(text, 999), (3, 2));
        // Inside a multi-byte character: clamps to its start.
        assert_eq!(line_column(text, 9), (2, 3));
    }

    #[test]
    fn display_names_origin_key_and_hint() {
        let error = ConfigError::new(
            Origin::File {
                path: "latchkey.toml".into(),
                line: 12,
                column: 3,
            },
            "smtp.prot",
            "unknown key",
        )
        .with_hint(Some("did you mean `smtp.port`?".into()));
        assert_eq!(
            error.to_string(),
            "latchkey.toml:12:3: smtp.prot: unknown key (did you mean `smtp.port`?)"
        );
        let error = ConfigError::new(
            Origin::Env {
                var: "LATCHKEY_SMTP_PORT".into(),
            },
            "smtp.port",
            "expected a port number 1-65535, got \"abc\"",
        );
        assert_eq!(
            error.to_string(),
            "environment LATCHKEY_SMTP_PORT: smtp.port: expected a port number 1-65535, got \"abc\""
        );
        let errors = ConfigErrors(vec![
            ConfigError::new(Origin::Default, "", "first"),
            ConfigError::new(Origin::Default, "listen", "second"),
        ]);
        assert_eq!(
            errors.to_string(),
            "built-in default: first\nbuilt-in default: listen: second"
        );
    }
}
