//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use latchkey_config::{Config, ConfigErrors, Origin};

/// The file name errors are reported against in string-based tests.
pub const NAME: &str = "latchkey.toml";

/// An environment from literal pairs.
pub fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// Loads `text` as if it were `latchkey.toml`, with `env`.
pub fn load(text: &str, env_pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    latchkey_config::load_toml_str(Path::new(NAME), text, env(env_pairs))
}

/// Loads and expects success.
pub fn ok(text: &str, env_pairs: &[(&str, &str)]) -> Config {
    match load(text, env_pairs) {
        Ok(config) => config,
        Err(errors) => panic!("expected a valid configuration, got:\n{errors}"),
    }
}

/// Loads and expects failure; returns the errors one per line, as a person would read them.
pub fn errors(text: &str, env_pairs: &[(&str, &str)]) -> Vec<String> {
    match load(text, env_pairs) {
        Ok(config) => panic!("expected errors, got {config:?}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// Position `line:column` in [`NAME`].
pub fn at(line: usize, column: usize) -> Origin {
    Origin::File {
        path: PathBuf::from(NAME),
        line,
        column,
    }
}

/// Writes `content` to `name` in `dir` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// A path as a `&str`, for building TOML and environments.
pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}
