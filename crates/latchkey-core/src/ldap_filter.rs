//! LDAP search filters (RFC 4515) for the forgotten-password search form: a template such as
//! `(&(mail=%mail%)(sn=%sn%))` gets the typed values substituted, each escaped with
//! [`escape_filter_value`], and is then parsed into one [`Filter`]. The same parsed filter
//! serves both places a search goes: [`Filter`]'s `Display` writes it back for an LDAP target
//! (every value escaped again), and [`Filter::matches`] evaluates it against a profile's
//! attributes for the internal directory.
//!
//! Why escaping is enough: after substitution every character a person typed that means
//! something in a filter (`*`, `(`, `)`, `\`, NUL) is a `\XX` escape, which the parser only
//! ever reads as part of a value. A typed `*` therefore never becomes a wildcard, and a typed
//! `)(uid=*` never closes the filter (the PWM #690 class of bug). Anything that does not parse
//! is refused, never "matched nothing" silently turned into "matched everything".
//!
//! Matching for the internal directory compares folded values ([`fold_attribute`]: NFKC, case
//! folded, whitespace collapsed), like LDAP's `caseIgnoreMatch` on `mail`, `cn` or `sn`.

use crate::profile::{Attributes, fold_attribute};
use std::collections::BTreeMap;
use std::fmt;

/// Deepest nesting of `&`, `|` and `!` accepted.
const MAX_DEPTH: usize = 16;
/// Longest filter text accepted (after substitution).
const MAX_LEN: usize = 8192;

/// Why a filter or template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The text is not a filter; the position is a byte offset.
    #[error("not an LDAP filter at byte {0}")]
    Syntax(usize),
    /// A value escape is not two hex digits, or the unescaped bytes are not UTF-8.
    #[error("bad escape in a filter value at byte {0}")]
    Escape(usize),
    /// Nesting deeper than allowed.
    #[error("filter nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// Longer than allowed.
    #[error("filter longer than {MAX_LEN} bytes")]
    TooLong,
    /// The template names a field the form does not have.
    #[error("the filter template names %{0}%, which is not a search field")]
    UnknownField(String),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `(&…)`.
    And(Vec<Filter>),
    /// `(|…)`.
    Or(Vec<Filter>),
    /// `(!…)`.
    Not(Box<Filter>),
    /// `(attr=value)`.
    Equal {
        /// Attribute name.
        attr: String,
        /// The value, unescaped.
        value: String,
    },
    /// `(attr=*)`.
    Present {
        /// Attribute name.
        attr: String,
    },
    /// `(attr=ini*any*fin)`.
    Substring {
        /// Attribute name.
        attr: String,
        /// Before the first `*`.
        initial: Option<String>,
        /// Between stars, in order.
        any: Vec<String>,
        /// After the last `*`.
        last: Option<String>,
    },
}

/// Escapes a value for use inside a filter (RFC 4515 §3): `*` `(` `)` `\` and NUL become
/// `\2a` `\28` `\29` `\5c` `\00`; everything else, non-ASCII included, stays as it is.
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            other => out.push(other),
        }
    }
    out
}

/// Substitutes `%name%` in `template` with the escaped value of field `name`, then parses.
/// A `%name%` that is not a field is an error; a `%` not around a name stays as it is.
pub fn from_template(
    template: &str,
    fields: &BTreeMap<String, String>,
) -> Result<Filter, FilterError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('%') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let tail = after.get(1..).unwrap_or("");
        let name_len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(tail.len());
        let name = tail.get(..name_len).unwrap_or("");
        if name_len > 0 && tail.get(name_len..).is_some_and(|t| t.starts_with('%')) {
            let value = fields
                .get(name)
                .ok_or_else(|| FilterError::UnknownField(name.to_owned()))?;
            out.push_str(&escape_filter_value(value));
            rest = tail.get(name_len + 1..).unwrap_or("");
        } else {
            out.push('%');
            rest = tail;
        }
    }
    out.push_str(rest);
    parse(&out)
}

/// Parses a whole filter; trailing text is an error.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    if text.len() > MAX_LEN {
        return Err(FilterError::TooLong);
    }
    let mut p = Parser {
        text: text.as_bytes(),
        pos: 0,
    };
    let filter = p.filter(0)?;
    if p.pos != p.text.len() {
        return Err(FilterError::Syntax(p.pos));
    }
    Ok(filter)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<(), FilterError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(FilterError::Syntax(self.pos))
        }
    }

    fn filter(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return Err(FilterError::TooDeep);
        }
        self.expect(b'(')?;
        let f = match self.peek() {
            Some(b'&') => {
                self.pos += 1;
                Filter::And(self.list(depth)?)
            }
            Some(b'|') => {
                self.pos += 1;
                Filter::Or(self.list(depth)?)
            }
            Some(b'!') => {
                self.pos += 1;
                Filter::Not(Box::new(self.filter(depth + 1)?))
            }
            _ => self.item()?,
        };
        self.expect(b')')?;
        Ok(f)
    }

    fn list(&mut self, depth: usize) -> Result<Vec<Filter>, FilterError> {
        let mut items = Vec::new();
        while self.peek() == Some(b'(') {
            items.push(self.filter(depth + 1)?);
        }
        if items.is_empty() {
            return Err(FilterError::Syntax(self.pos));
        }
        Ok(items)
    }

    /// `attr=value` (equality, presence or substrings); other operators are refused.
    fn item(&mut self) -> Result<Filter, FilterError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b';' || b == b'.')
        {
            self.pos += 1;
        }
        let attr = std::str::from_utf8(self.text.get(start..self.pos).unwrap_or_default())
            .map_err(|_| FilterError::Syntax(start))?
            .to_owned();
        if attr.is_empty() {
            return Err(FilterError::Syntax(start));
        }
        self.expect(b'=')?;
        // The value's pieces between unescaped stars.
        let mut pieces: Vec<String> = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'(') | Some(0) => return Err(FilterError::Syntax(self.pos)),
                Some(b')') => break,
                Some(b'*') => {
                    pieces.push(self.utf8(std::mem::take(&mut bytes))?);
                    self.pos += 1;
                }
                Some(b'\\') => {
                    // Exactly two hex digits (`from_str_radix` alone would take `+f`).
                    let hex = self
                        .text
                        .get(self.pos + 1..self.pos + 3)
                        .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or(FilterError::Escape(self.pos))?;
                    bytes.push(hex);
                    self.pos += 3;
                }
                Some(b) => {
                    bytes.push(b);
                    self.pos += 1;
                }
            }
        }
        let last = self.utf8(bytes)?;
        if pieces.is_empty() {
            return Ok(Filter::Equal { attr, value: last });
        }
        let mut pieces = pieces.into_iter();
        let initial = pieces.next().filter(|s| !s.is_empty());
        let any: Vec<String> = pieces.filter(|s| !s.is_empty()).collect();
        let last = Some(last).filter(|s| !s.is_empty());
        if initial.is_none() && any.is_empty() && last.is_none() {
            return Ok(Filter::Present { attr });
        }
        Ok(Filter::Substring {
            attr,
            initial,
            any,
            last,
        })
    }

    fn utf8(&self, bytes: Vec<u8>) -> Result<String, FilterError> {
        String::from_utf8(bytes).map_err(|_| FilterError::Escape(self.pos))
    }
}

impl Filter {
    /// Does a profile with these attributes match? Values compare folded (case, width and
    /// whitespace insensitive); an attribute the profile lacks matches nothing but `!`.
    pub fn matches(&self, attributes: &Attributes) -> bool {
        match self {
            Filter::And(items) => items.iter().all(|f| f.matches(attributes)),
            Filter::Or(items) => items.iter().any(|f| f.matches(attributes)),
            Filter::Not(inner) => !inner.matches(attributes),
            Filter::Present { attr } => !attributes.get(attr).is_empty(),
            Filter::Equal { attr, value } => {
                let want = fold_attribute(value);
                attributes
                    .get(attr)
                    .iter()
                    .any(|v| fold_attribute(v) == want)
            }
            Filter::Substring {
                attr,
                initial,
                any,
                last,
            } => attributes
                .get(attr)
                .iter()
                .any(|v| substring(&fold_attribute(v), initial, any, last)),
        }
    }
}

fn substring(value: &str, initial: &Option<String>, any: &[String], last: &Option<String>) -> bool {
    let mut rest = value;
    if let Some(i) = initial {
        match rest.strip_prefix(fold_attribute(i).as_str()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    for a in any {
        let a = fold_attribute(a);
        match rest.find(a.as_str()) {
            Some(at) => rest = rest.get(at + a.len()..).unwrap_or(""),
            None => return false,
        }
    }
    match last {
        Some(l) => rest.ends_with(fold_attribute(l).as_str()),
        None => true,
    }
}

impl fmt::Display for Filter {
    /// The filter as text for an LDAP server, every value escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::And(items) | Filter::Or(items) => {
                f.write_str(if matches!(self, Filter::And(_)) {
                    "(&"
                } else {
                    "(|"
                })?;
                for i in items {
                    write!(f, "{i}")?;
                }
                f.write_str(")")
            }
            Filter::Not(inner) => write!(f, "(!{inner})"),
            Filter::Present { attr } => write!(f, "({attr}=*)"),
            Filter::Equal { attr, value } => {
                write!(f, "({attr}={})", escape_filter_value(value))
            }
            Filter::Substring {
                attr,
                initial,
                any,
                last,
            } => {
                let esc = |s: &Option<String>| s.as_deref().map(escape_filter_value);
                write!(f, "({attr}={}*", esc(initial).unwrap_or_default())?;
                for a in any {
                    write!(f, "{}*", escape_filter_value(a))?;
                }
                write!(f, "{})", esc(last).unwrap_or_default())
            }
        }
    }
}

#[cfg(test)]
#[path = "ldap_filter_tests.rs"]
mod tests;
