//! Reading typed values out of the toml crate's spanned tables: each getter records a problem
//! (wrong type, missing key, bad name, bad UUID) at the offset of the key or value and returns
//! what it could read, so the walk in [`super::parse`] goes on and finds every problem.

use super::names;
use crate::chain::CfgId;
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The walk's state: problems found so far (byte offset, message) and CfgIds of modules that
/// could not be built.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) errors: Vec<(usize, String)>,
    pub(super) tainted_cfg: BTreeSet<CfgId>,
}

/// A table being read, and how to name it in messages.
pub(super) struct Tbl<'t, 'i> {
    pub(super) map: &'t DeTable<'i>,
    pub(super) at: usize,
    pub(super) place: String,
}

pub(super) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

impl<'a> Cx<'a> {
    pub(super) fn err(&mut self, at: usize, message: String) {
        self.errors.push((at, message));
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub(super) fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset = offset.saturating_sub(1);
        }
        let before = self.text.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(start..).unwrap_or_default().chars().count() + 1;
        (line, column)
    }

    pub(super) fn line(&self, offset: usize) -> usize {
        self.line_column(offset).0
    }

    pub(super) fn known_keys(&mut self, t: &Tbl<'_, '_>, known: &[&str]) {
        for (k, _) in t.map {
            let name: &str = k.get_ref();
            if !known.contains(&name) {
                let message = format!("{}: {}", t.place, names::unknown_key(name, known));
                self.err(k.span().start, message);
            }
        }
    }

    pub(super) fn wrong_type(
        &mut self,
        t: &Tbl<'_, '_>,
        key: &str,
        v: &Spanned<DeValue<'_>>,
        want: &str,
    ) {
        let message = format!(
            "{}: `{key}` must be {want}, not {}",
            t.place,
            describe(v.get_ref())
        );
        self.err(v.span().start, message);
    }

    pub(super) fn missing(&mut self, t: &Tbl<'_, '_>, key: &str) {
        self.err(t.at, format!("{}: missing key `{key}`", t.place));
    }

    /// Text value and its offset; `None` when absent (an error if `required`) or not text.
    pub(super) fn text_of(
        &mut self,
        t: &Tbl<'_, '_>,
        key: &str,
        required: bool,
    ) -> Option<(String, usize)> {
        match t.map.get(key) {
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Some((s.to_string(), v.span().start)),
                _ => {
                    self.wrong_type(t, key, v, "text in quotes");
                    None
                }
            },
            None => {
                if required {
                    self.missing(t, key);
                }
                None
            }
        }
    }

    pub(super) fn text_or_empty(&mut self, t: &Tbl<'_, '_>, key: &str) -> String {
        self.text_of(t, key, false)
            .map(|(s, _)| s)
            .unwrap_or_default()
    }

    pub(super) fn flag(&mut self, t: &Tbl<'_, '_>, key: &str, default: Option<bool>) -> bool {
        match t.map.get(key) {
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                _ => {
                    self.wrong_type(t, key, v, "true or false");
                    default.unwrap_or(false)
                }
            },
            None => {
                if default.is_none() {
                    self.missing(t, key);
                }
                default.unwrap_or(false)
            }
        }
    }

    /// A required whole number 0..=u32::MAX and its offset.
    pub(super) fn number(&mut self, t: &Tbl<'_, '_>, key: &str) -> Option<(u32, usize)> {
        let Some(v) = t.map.get(key) else {
            self.missing(t, key);
            return None;
        };
        let DeValue::Integer(i) = v.get_ref() else {
            self.wrong_type(t, key, v, "a whole number");
            return None;
        };
        match u32::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Some((n, v.span().start)),
            Err(_) => {
                let message = format!(
                    "{}: `{key}` must be a whole number from 0 to {}",
                    t.place,
                    u32::MAX
                );
                self.err(v.span().start, message);
                None
            }
        }
    }

    /// A required (or defaulted) name from `table`.
    pub(super) fn choice<T: Copy>(
        &mut self,
        t: &Tbl<'_, '_>,
        key: &str,
        what: &str,
        table: &[(T, &'static str)],
        default: Option<T>,
    ) -> Option<T> {
        let (raw, at) = self.text_of(t, key, default.is_none())?;
        match names::pick(what, table, &raw) {
            Ok(v) => Some(v),
            Err(message) => {
                self.err(at, format!("{}: `{key}`: {message}", t.place));
                None
            }
        }
        .or(default)
    }

    /// An optional CfgId (empty text: none).
    pub(super) fn cfg_id(&mut self, t: &Tbl<'_, '_>, required: bool) -> Option<(CfgId, usize)> {
        let (raw, at) = self.text_of(t, "cfg_id", required)?;
        if raw.trim().is_empty() {
            if required {
                self.err(
                    at,
                    format!(
                        "{}: `cfg_id` must not be empty: every module needs a UUID of its own",
                        t.place
                    ),
                );
            }
            return None;
        }
        match raw.trim().parse::<CfgId>() {
            Ok(id) => Some((id, at)),
            Err(_) => {
                let message = format!(
                    "{}: `cfg_id` {raw:?} is not a UUID (write one like 1a7c4e79-0000-4000-8000-000000000301)",
                    t.place
                );
                self.err(at, message);
                None
            }
        }
    }

    /// Tables of an array-of-tables key (`[[chain]]`, `[[chain.module]]`, `[[rule]]`).
    pub(super) fn tables<'t, 'i>(
        &mut self,
        place: &str,
        key: &str,
        header: &str,
        v: &'t Spanned<DeValue<'i>>,
    ) -> Vec<(&'t DeTable<'i>, usize)> {
        let items = match v.get_ref() {
            DeValue::Array(items) => items,
            other => {
                let message = format!(
                    "{place}`{key}` must be a list of [[{header}]] tables, not {}",
                    describe(other)
                );
                self.err(v.span().start, message);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(map) => out.push((map, item.span().start)),
                other => {
                    let message = format!(
                        "{place}each `{key}` must be a [[{header}]] table, not {}",
                        describe(other)
                    );
                    self.err(item.span().start, message);
                }
            }
        }
        out
    }

    pub(super) fn settings(&mut self, t: &Tbl<'_, '_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(v) = t.map.get("settings") else {
            return out;
        };
        let DeValue::Table(map) = v.get_ref() else {
            self.wrong_type(t, "settings", v, "a [chain.module.settings] table");
            return out;
        };
        for (k, value) in map {
            match value.get_ref() {
                DeValue::String(s) => {
                    out.insert(k.get_ref().to_string(), s.to_string());
                }
                other => {
                    let message = format!(
                        "{}: setting `{}` must be text in quotes, not {}",
                        t.place,
                        k.get_ref(),
                        describe(other)
                    );
                    self.err(value.span().start, message);
                }
            }
        }
        out
    }
}
