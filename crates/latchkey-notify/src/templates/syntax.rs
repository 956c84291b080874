//! The template language: text with `{macro}` insertions and `{{`/`}}` for literal braces,
//! and the names of the operator's settings rows.

use super::{Macro, TemplateError, Vars};
use crate::MessageKind;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Insert(Macro),
}

/// A parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Template(Vec<Piece>);

impl Template {
    /// Parses `text`, allowing only `allowed` macros.
    pub(super) fn parse(text: &str, allowed: &[Macro]) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(n) if name.len() < 32 => name.push(n),
                            _ => {
                                return Err(
                                    "has a `{` without its `}` (write `{{` for a brace)".into()
                                );
                            }
                        }
                    }
                    let known = Macro::parse(&name)
                        .ok_or_else(|| format!("uses the unknown macro {{{name}}}"))?;
                    if !allowed.contains(&known) {
                        return Err(format!(
                            "uses {{{name}}}, which is not available here (available: {})",
                            allowed
                                .iter()
                                .map(|m| format!("{{{}}}", m.as_str()))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Insert(known));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template(pieces))
    }

    pub(super) fn render(&self, kind: MessageKind, vars: &Vars) -> Result<String, TemplateError> {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Insert(name) => {
                    out.push_str(vars.0.get(name).ok_or(TemplateError::MissingValue {
                        kind: kind.as_str(),
                        name: name.as_str(),
                    })?)
                }
            }
        }
        Ok(out)
    }
}

/// `PIN_FR_BODY` → (Pin, "fr", false).
pub(super) fn parse_setting_name(setting: &str) -> Result<(MessageKind, String, bool), String> {
    let upper = setting.trim().to_ascii_uppercase();
    let shape =
        || "expected <KIND>_<LANG>_SUBJECT or <KIND>_<LANG>_BODY, e.g. PIN_FR_BODY".to_owned();
    let (rest, part) = upper.rsplit_once('_').ok_or_else(shape)?;
    let is_subject = match part {
        "SUBJECT" => true,
        "BODY" => false,
        _ => return Err(shape()),
    };
    let (kind, lang) = rest.rsplit_once('_').ok_or_else(shape)?;
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "{lang:?} is not a language code (two or three letters)"
        ));
    }
    let kind = MessageKind::ALL
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(kind))
        .ok_or_else(|| {
            format!(
                "{kind:?} is not a kind of message (known: {})",
                MessageKind::ALL
                    .iter()
                    .map(|k| k.as_str().to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    Ok((kind, lang.to_ascii_lowercase(), is_subject))
}
