//! Node configuration for Latchkey: `latchkey.toml`, `LATCHKEY_*` environment variables and
//! secret files, merged into one validated [`Config`].
//!
//! # How data moves
//!
//! 1. Each source is read into a layer of raw values, each tagged with its [`Origin`]: the TOML
//!    file (with line and column of every key), the environment, and the files named by
//!    `LATCHKEY_*_FILE` variables. Unknown keys, sections and variables are reported here, with
//!    a "did you mean" hint.
//! 2. Every raw value is checked against its key's type, whichever layer it came from, and the
//!    highest-priority one wins: defaults < file < environment < secret files.
//! 3. Defaults fill the gaps, then checks across keys (`[smtp]` completeness, `outbox` versus
//!    `[smtp]`, Argon2 memory versus lanes) and on the filesystem (key files readable) run.
//!
//! Every problem from every step is collected into [`ConfigErrors`], so one run shows them all.
//! Secrets (the database URL, the SMTP password) live in zeroizing types, are never quoted in
//! errors, and are redacted in `Debug`, so `{:?}` of a [`Config`] is safe to log. Risky but
//! valid settings are reported by [`Config::warnings`].
//!
//! ```
//! let env = [("LATCHKEY_SMTP_PROT".to_owned(), "25".to_owned())];
//! let errors = latchkey_config::load(None, env).unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "environment LATCHKEY_SMTP_PROT: unknown variable (did you mean LATCHKEY_SMTP_PORT?)"
//! );
//! ```

mod build;
mod database_url;
mod error;
mod keys;
mod layers;
mod model;
mod suggest;
mod values;
mod warnings;

use std::path::Path;

pub use database_url::{DatabaseBackend, DatabaseUrl, DatabaseUrlError};
pub use error::{ConfigError, ConfigErrors, Origin};
pub use keys::{ENV_PREFIX, Key, RESERVED_ENV_VARS, SECTIONS};
pub use model::{
    Argon2Settings, Config, KeysConfig, LogConfig, LogFormat, SmtpConfig, SmtpSecurity,
};

/// Loads the configuration from the file at `file` (if any) and the environment `env`.
///
/// `env` is usually [`std::env::vars`]; passing it in keeps tests away from the process
/// environment. Variables not starting with `LATCHKEY_` are ignored, and so are those in
/// [`RESERVED_ENV_VARS`].
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigErrors> {
    let file_layer = file.map(layers::file::read);
    build(file_layer, env, Vec::new())
}

/// Like [`load`], with the file's content given as `text` (for tests and fuzzing); `name` is
/// only used in error positions.
pub fn load_toml_str(
    name: &Path,
    text: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigErrors> {
    build(Some(layers::file::from_str(name, text)), env, Vec::new())
}

/// [`load`] with the environment of this process.
///
/// A `LATCHKEY_*` variable whose value is not valid Unicode is an error; others are ignored.
pub fn load_from_process_env(file: Option<&Path>) -> Result<Config, ConfigErrors> {
    let mut env = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|name| name.starts_with(ENV_PREFIX)) else {
            continue;
        };
        match value.into_string() {
            Ok(value) => env.push((name.to_owned(), value)),
            Err(_) => errors.push(ConfigError::new(
                Origin::Env {
                    var: name.to_owned(),
                },
                "",
                "the value is not valid Unicode",
            )),
        }
    }
    build(file.map(layers::file::read), env, errors)
}

fn build(
    file: Option<layers::Layer>,
    env: impl IntoIterator<Item = (String, String)>,
    early_errors: Vec<ConfigError>,
) -> Result<Config, ConfigErrors> {
    let mut partial = build::Partial::default();
    if let Some(file) = file {
        partial.apply(file);
    }
    let (env_layer, secret_layer) = layers::env::read(env);
    partial.apply(env_layer);
    partial.apply(secret_layer);
    let result = partial.finish();
    match result {
        Ok(config) if early_errors.is_empty() => Ok(config),
        Ok(_) => Err(ConfigErrors(early_errors)),
        Err(mut errors) => {
            errors.splice(0..0, early_errors);
            Err(ConfigErrors(errors))
        }
    }
}

/// A commented `latchkey.toml` documenting every key with its default. It loads without errors
/// as it is; optional keys are commented out.
pub fn sample_toml() -> &'static str {
    include_str!("latchkey.sample.toml")
}
