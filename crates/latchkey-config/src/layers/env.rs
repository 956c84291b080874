//! Reads `LATCHKEY_*` environment variables into two layers: plain values, and secrets read from
//! the files named by `LATCHKEY_*_FILE` variables (which win over everything else).
//!
//! The environment is passed in rather than read here, so tests never touch the process
//! environment. Variables without the `LATCHKEY_` prefix are ignored; unknown ones with it are
//! errors, since a misspelt override silently doing nothing is worse than refusing to start.

use std::path::PathBuf;

use secrecy::SecretString;
use secrecy::zeroize::Zeroize;

use super::{Layer, Raw};
use crate::error::{ConfigError, Origin};
use crate::keys::{ENV_PREFIX, Key, RESERVED_ENV_VARS};
use crate::suggest;

/// The environment layer and the secret-file layer, in that order of priority.
pub(crate) fn read(env: impl IntoIterator<Item = (String, String)>) -> (Layer, Layer) {
    let mut values = Layer::default();
    let mut secrets = Layer::default();
    for (var, value) in env {
        if !var.starts_with(ENV_PREFIX) || RESERVED_ENV_VARS.contains(&var.as_str()) {
            continue;
        }
        if let Some(key) = Key::from_env_var(&var) {
            let raw = if key.is_secret() {
                Raw::Secret(SecretString::from(value))
            } else {
                Raw::Text(value)
            };
            values.push(key, raw, Origin::Env { var });
        } else if let Some(key) = Key::from_secret_file_var(&var) {
            read_secret_file(&mut secrets, key, var, PathBuf::from(value));
        } else {
            let hint = suggest::unknown_env_var(&var);
            let error = ConfigError::new(Origin::Env { var }, "", "unknown variable");
            values.errors.push(error.with_hint(hint));
        }
    }
    // The process environment has no meaningful order; report by name.
    values.errors.sort_by_key(|error| error.origin.to_string());
    (values, secrets)
}

fn read_secret_file(layer: &mut Layer, key: Key, var: String, path: PathBuf) {
    let origin = Origin::SecretFile {
        var,
        path: path.clone(),
    };
    if path.as_os_str().is_empty() {
        layer.errors.push(ConfigError::new(
            origin,
            key.dotted(),
            "the file name is empty",
        ));
        return;
    }
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(mut content) => {
                let secret = SecretString::from(strip_one_newline(&content));
                content.zeroize();
                layer.push(key, Raw::Secret(secret), origin);
            }
            Err(error) => {
                error.into_bytes().zeroize();
                layer.errors.push(ConfigError::new(
                    origin,
                    key.dotted(),
                    "the file is not valid UTF-8",
                ));
            }
        },
        Err(error) => layer.errors.push(ConfigError::new(
            origin,
            key.dotted(),
            format!("cannot read the file: {error}"),
        )),
    }
}

/// Drops one trailing `\n` or `\r\n`: editors and `echo` add one, and it is never part of a
/// password or URL. Anything more is kept, in case it is.
fn strip_one_newline(content: &str) -> &str {
    content
        .strip_suffix("\r\n")
        .or_else(|| content.strip_suffix('\n'))
        .unwrap_or(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_exactly_one_line_ending() {
        assert_eq!(strip_one_newline("pw\n"), "pw");
        assert_eq!(strip_one_newline("pw\r\n"), "pw");
        assert_eq!(strip_one_newline("pw\n\n"), "pw\n");
        assert_eq!(strip_one_newline("pw \t"), "pw \t");
        assert_eq!(strip_one_newline("pw\r"), "pw\r");
        assert_eq!(strip_one_newline(""), "");
    }

    #[test]
    fn ignores_foreign_and_reserved_variables() {
        let (values, secrets) = read([
            ("PATH".to_owned(), "/bin".to_owned()),
            ("LATCHKEY_CONFIG".to_owned(), "x.toml".to_owned()),
            ("LATCHKEY_LOG".to_owned(), "debug".to_owned()),
            ("latchkey_listen".to_owned(), "nonsense".to_owned()),
        ]);
        assert!(values.entries.is_empty() && values.errors.is_empty());
        assert!(secrets.entries.is_empty() && secrets.errors.is_empty());
    }

    #[test]
    fn smtp_variables_mark_the_section() {
        let (values, _) = read([("LATCHKEY_SMTP_PORT".to_owned(), "25".to_owned())]);
        assert_eq!(
            values.smtp_section,
            Some(Origin::Env {
                var: "LATCHKEY_SMTP_PORT".to_owned()
            })
        );
        let (values, _) = read([("LATCHKEY_LISTEN".to_owned(), "[::1]:1".to_owned())]);
        assert!(values.smtp_section.is_none());
    }
}
