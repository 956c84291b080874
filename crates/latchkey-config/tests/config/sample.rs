//! The sample configuration stays valid and documents every key.

use latchkey_config::{Key, sample_toml};

use crate::util::{errors, ok};

#[test]
fn sample_loads_without_errors_or_warnings() {
    let config = ok(sample_toml(), &[]);
    assert!(config.warnings().is_empty(), "{:?}", config.warnings());
}

/// The line with `#` and one space taken off the front, if it had them.
fn uncommented(line: &str) -> &str {
    line.strip_prefix("# ").unwrap_or(line)
}

#[test]
fn sample_documents_every_key_in_its_section() {
    let mut documented = Vec::new();
    let mut section: Option<String> = None;
    for line in sample_toml().lines().map(uncommented) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_owned());
        } else if let Some((name, _)) = line.split_once(" = ") {
            let dotted = match &section {
                Some(section) => format!("{section}.{name}"),
                None => name.to_owned(),
            };
            documented.push(dotted);
        }
    }
    for key in Key::ALL {
        assert!(
            documented.iter().any(|d| d == key.dotted()),
            "{} is not documented in the sample; found {documented:?}",
            key.dotted()
        );
    }
}

/// Uncommenting every example keeps the values well-typed: the only errors left are the example
/// paths that do not exist here and `outbox` conflicting with `[smtp]`.
#[test]
fn commented_examples_are_valid_values() {
    let text: String = sample_toml()
        .lines()
        .map(|line| {
            let bare = uncommented(line);
            let is_setting = bare.starts_with('[')
                || bare.split_once(" = ").is_some_and(|(name, _)| {
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
            if is_setting { bare } else { line }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let lines = errors(&text, &[]);
    let mut keys: Vec<&str> = lines
        .iter()
        .map(|line| line.split(": ").nth(1).unwrap())
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "keys.cookie_key_file",
            "keys.master_key_file",
            "outbox",
            "smtp.ca_file"
        ],
        "{lines:#?}"
    );
}
