//! Reads `latchkey.toml` into a [`Layer`], keeping the line and column of every key.
//!
//! The toml crate parses the document into spanned tables; this module walks them against the
//! schema in [`crate::keys`], reporting unknown sections and keys with hints, and turns byte
//! spans into line and column for every value and problem.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use secrecy::zeroize::Zeroizing;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::{Layer, Raw};
use crate::error::{ConfigError, Origin, line_column};
use crate::keys::{Key, SECTIONS};
use crate::suggest;

/// Reads and walks the file at `path`.
pub(crate) fn read(path: &Path) -> Layer {
    match std::fs::read_to_string(path) {
        // The file may hold a database password; wipe our copy once it has been walked.
        Ok(text) => from_str(path, &Zeroizing::new(text)),
        Err(error) => {
            let mut layer = Layer::default();
            layer.errors.push(ConfigError::new(
                Origin::WholeFile {
                    path: path.to_owned(),
                },
                "",
                format!("cannot read the configuration file: {error}"),
            ));
            layer
        }
    }
}

/// Walks `text`, reporting positions as being in `path`.
pub(crate) fn from_str(path: &Path, text: &str) -> Layer {
    let walker = Walker {
        path,
        text,
        layer: Layer::default(),
    };
    walker.walk()
}

struct Walker<'a> {
    path: &'a Path,
    text: &'a str,
    layer: Layer,
}

impl Walker<'_> {
    fn at(&self, offset: usize) -> Origin {
        let (line, column) = line_column(self.text, offset);
        Origin::File {
            path: PathBuf::from(self.path),
            line,
            column,
        }
    }

    fn error(&mut self, offset: usize, key: &str, message: String, hint: Option<String>) {
        let error = ConfigError::new(self.at(offset), key, message).with_hint(hint);
        self.layer.errors.push(error);
    }

    fn walk(mut self) -> Layer {
        let (document, syntax_errors) = DeTable::parse_recoverable(self.text);
        if !syntax_errors.is_empty() {
            // After a syntax error the recovered document can be missing or misplacing keys;
            // reporting those would only bury the real problem.
            for error in syntax_errors {
                let offset = error.span().map_or(0, |span| span.start);
                self.error(offset, "", error.message().to_owned(), None);
            }
        } else {
            for (name, value) in document.get_ref() {
                self.top_level(name, value);
            }
        }
        self.layer
    }

    fn top_level(&mut self, name: &Spanned<DeString<'_>>, value: &Spanned<DeValue<'_>>) {
        let key_name = name.get_ref().as_ref();
        if let Some(section) = SECTIONS.iter().copied().find(|s| *s == key_name) {
            match value.get_ref() {
                DeValue::Table(table) => self.section(section, value.span().start, table),
                other => self.error(
                    value.span().start,
                    section,
                    format!(
                        "`{section}` is a section: expected a table, got {}",
                        describe(other)
                    ),
                    Some(format!("write the keys under a [{section}] line")),
                ),
            }
        } else if let Some(key) = Key::find(None, key_name) {
            self.value(key, value);
        } else if matches!(value.get_ref(), DeValue::Table(_)) {
            self.error(
                name.span().start,
                key_name,
                "unknown section".to_owned(),
                suggest::unknown_section(key_name),
            );
        } else {
            self.error(
                name.span().start,
                key_name,
                "unknown key".to_owned(),
                suggest::unknown_key(None, key_name),
            );
        }
    }

    fn section(&mut self, section: &'static str, start: usize, table: &DeTable<'_>) {
        if section == "smtp" && self.layer.smtp_section.is_none() {
            self.layer.smtp_section = Some(self.at(start));
        }
        for (name, value) in table {
            let key_name = name.get_ref().as_ref();
            match Key::find(Some(section), key_name) {
                Some(key) => self.value(key, value),
                None => self.error(
                    name.span().start,
                    &format!("{section}.{key_name}"),
                    "unknown key".to_owned(),
                    suggest::unknown_key(Some(section), key_name),
                ),
            }
        }
    }

    fn value(&mut self, key: Key, value: &Spanned<DeValue<'_>>) {
        let raw = match value.get_ref() {
            DeValue::String(text) if key.is_secret() => {
                Raw::Secret(SecretString::from(text.as_ref()))
            }
            DeValue::String(text) => Raw::String(text.as_ref().to_owned()),
            DeValue::Integer(integer) => i64::from_str_radix(integer.as_str(), integer.radix())
                .map_or(
                    Raw::Other("an integer too large to represent"),
                    Raw::Integer,
                ),
            other => Raw::Other(describe(other)),
        };
        let origin = self.at(value.span().start);
        self.layer.push(key, raw, origin);
    }
}

fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(text: &str) -> Layer {
        from_str(Path::new("t.toml"), text)
    }

    #[test]
    fn entries_carry_the_line_of_their_value() {
        let layer = walk("listen = \"127.0.0.1:1\"\n\n[smtp]\n  port = 25\n");
        let found: Vec<(Key, Origin)> = layer
            .entries
            .iter()
            .map(|entry| (entry.key, entry.origin.clone()))
            .collect();
        let at = |line, column| Origin::File {
            path: "t.toml".into(),
            line,
            column,
        };
        assert_eq!(
            found,
            vec![(Key::Listen, at(1, 10)), (Key::SmtpPort, at(4, 10))]
        );
        assert_eq!(layer.smtp_section, Some(at(3, 1)));
        assert!(layer.errors.is_empty());
    }

    #[test]
    fn empty_smtp_section_is_noticed() {
        let layer = walk("[smtp]\n");
        assert!(layer.smtp_section.is_some());
        assert!(walk("[log]\n").smtp_section.is_none());
    }

    #[test]
    fn integers_in_any_radix_and_with_underscores() {
        let layer = walk("[password_hash]\nmemory_kib = 19_456\ntime_cost = 0x10\n");
        let values: Vec<Option<i64>> = layer
            .entries
            .iter()
            .map(|entry| match entry.value {
                Raw::Integer(n) => Some(n),
                _ => None,
            })
            .collect();
        assert_eq!(values, vec![Some(19456), Some(16)]);
    }
}
