//! Message texts: a subject and a plain-text body per [`MessageKind`] and language, with
//! macros such as `{name}` and `{pin}` filled in at send time.
//!
//! English and French ship built in ([`Templates::builtin`]). Operators replace or add texts
//! with settings rows in the namespace [`NAMESPACE`] (`MESSAGE_TEMPLATES`), named
//! `<KIND>_<LANG>_SUBJECT` and `<KIND>_<LANG>_BODY`, e.g. `PIN_FR_BODY` or `LINK_DE_SUBJECT`.
//! A body may span several rows, joined by line breaks; a subject is one row. A language that
//! ships no text needs both a subject and a body.
//!
//! Each kind accepts the macros that make sense for it ([`Macro::allowed_for`]): a PIN template
//! may say `{pin}`, a sign-in notice may not. Subjects never take `{pin}` or `{link}`: they are
//! kept in clear on the message queue and show on lock screens. `{{` and `}}` write a literal brace. A row naming
//! an unknown kind, or using a macro the kind does not have, is refused when the templates are
//! loaded ([`Templates::with_overrides`]), with the setting's name in the error, instead of
//! mailing people a literal `{pni}`.
//!
//! Rendering escapes nothing: these are plain-text messages, and HTML never sees them. It does
//! refuse a subject that would contain a line break after substitution (a display name with a
//! newline must not add mail headers).

mod builtin;
mod syntax;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::MessageKind;
use syntax::{Template, parse_setting_name};

/// The settings namespace of operator overrides.
pub const NAMESPACE: &str = "MESSAGE_TEMPLATES";
/// The language used when a message has no text in the one asked for.
pub const DEFAULT_LANG: &str = "en";

/// A value a template can insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Macro {
    /// `{name}`: the person's display name.
    Name,
    /// `{login}`: their login id.
    Login,
    /// `{pin}`: a one-time code.
    Pin,
    /// `{link}`: a one-time link.
    Link,
    /// `{expiry_minutes}`: how long the code or link stays valid.
    ExpiryMinutes,
    /// `{time}`: when the event happened.
    Time,
    /// `{browser}`: the browser's description (User-Agent).
    Browser,
    /// `{site}`: the public URL of Latchkey.
    Site,
    /// `{password}`: a generated password (forgotten-password "send new password").
    Password,
}

impl Macro {
    const ALL: [Macro; 9] = [
        Macro::Name,
        Macro::Login,
        Macro::Pin,
        Macro::Link,
        Macro::ExpiryMinutes,
        Macro::Time,
        Macro::Browser,
        Macro::Site,
        Macro::Password,
    ];

    /// The name written between braces.
    pub fn as_str(self) -> &'static str {
        match self {
            Macro::Name => "name",
            Macro::Login => "login",
            Macro::Pin => "pin",
            Macro::Link => "link",
            Macro::ExpiryMinutes => "expiry_minutes",
            Macro::Time => "time",
            Macro::Browser => "browser",
            Macro::Site => "site",
            Macro::Password => "password",
        }
    }

    fn parse(name: &str) -> Option<Macro> {
        Macro::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The macros a kind of message may use.
    pub fn allowed_for(kind: MessageKind) -> &'static [Macro] {
        use Macro::*;
        match kind {
            MessageKind::SignInNotice
            | MessageKind::PasswordChanged
            | MessageKind::AccountUnlocked => &[Name, Login, Time, Browser, Site],
            MessageKind::Pin => &[Name, Login, Pin, ExpiryMinutes, Site],
            MessageKind::Link => &[Name, Login, Link, ExpiryMinutes, Site],
            MessageKind::Test => &[Name, Time, Site],
            MessageKind::NewPassword => &[Name, Login, Password, Time, Browser, Site],
        }
    }
}

/// The macros a subject may use: those of its kind but the secrets (`{pin}`, `{link}`,
/// `{password}`). Subjects
/// are stored in clear on the message queue and shown in mail lists and lock screens.
fn allowed_in_subject(kind: MessageKind) -> Vec<Macro> {
    Macro::allowed_for(kind)
        .iter()
        .copied()
        .filter(|m| !matches!(m, Macro::Pin | Macro::Link | Macro::Password))
        .collect()
}

/// The values for one message.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<Macro, String>);

impl Vars {
    /// No values yet.
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Sets one value.
    pub fn with(mut self, name: Macro, value: impl Into<String>) -> Vars {
        self.0.insert(name, value.into());
        self
    }
}

/// `Debug` names the macros set, never their values (a PIN or a link is one of them).
impl std::fmt::Debug for Vars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.0.keys().map(|m| m.as_str()))
            .finish()
    }
}

/// A rendered message text.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Why templates could not be loaded or a message rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// An operator's row cannot be used.
    #[error("{NAMESPACE}/{setting}: {problem}")]
    Setting {
        /// The setting's name, e.g. `PIN_FR_BODY`.
        setting: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No text for the kind in the language asked for, nor in the default language.
    #[error("there is no {kind} message text in {lang:?} or {DEFAULT_LANG:?}")]
    Missing {
        /// The kind (`pin`, ...).
        kind: &'static str,
        /// The language asked for.
        lang: String,
    },
    /// The caller did not supply a value the text uses (a bug in the caller).
    #[error("the {kind} message uses {{{name}}} but no value was given")]
    MissingValue {
        /// The kind.
        kind: &'static str,
        /// The macro.
        name: &'static str,
    },
    /// After substitution the subject would hold a line break.
    #[error("the subject of the {kind} message would contain a line break")]
    LineBreak {
        /// The kind.
        kind: &'static str,
    },
}

/// Subject and body templates for every kind and language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    texts: HashMap<(MessageKind, String), (Template, Template)>,
}

impl Templates {
    /// The shipped English and French texts.
    pub fn builtin() -> Templates {
        let texts = builtin::BUILTIN
            .iter()
            .filter_map(|(kind, lang, subject, body)| {
                // The shipped texts are tested to parse; one that did not would be skipped
                // and its kind would fall back to English.
                let subject = Template::parse(subject, &allowed_in_subject(*kind)).ok()?;
                let body = Template::parse(body, Macro::allowed_for(*kind)).ok()?;
                Some(((*kind, (*lang).to_owned()), (subject, body)))
            })
            .collect();
        Templates { texts }
    }

    /// The built-in texts with the operator's rows applied: `rows` are the (setting, value)
    /// pairs of the [`NAMESPACE`] namespace, in table order. Any unusable row fails the whole
    /// load, naming the setting.
    pub fn with_overrides<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Templates, TemplateError> {
        let mut subjects: BTreeMap<(MessageKind, String), (String, Vec<&str>)> = BTreeMap::new();
        let mut bodies: BTreeMap<(MessageKind, String), (String, Vec<&str>)> = BTreeMap::new();
        for (setting, value) in rows {
            let fail = |problem: &str| TemplateError::Setting {
                setting: setting.to_owned(),
                problem: problem.to_owned(),
            };
            let (kind, lang, is_subject) = parse_setting_name(setting).map_err(|p| fail(&p))?;
            let slot = if is_subject {
                &mut subjects
            } else {
                &mut bodies
            };
            let entry = slot
                .entry((kind, lang))
                .or_insert_with(|| (setting.to_owned(), Vec::new()));
            entry.1.push(value);
        }

        let mut templates = Templates::builtin();
        let keys: BTreeSet<(MessageKind, String)> =
            subjects.keys().chain(bodies.keys()).cloned().collect();
        for key in keys {
            let subject_macros = allowed_in_subject(key.0);
            let parse = |(setting, lines): &(String, Vec<&str>), subject: bool| {
                let allowed = if subject {
                    subject_macros.as_slice()
                } else {
                    Macro::allowed_for(key.0)
                };
                let fail = |problem: String| TemplateError::Setting {
                    setting: setting.clone(),
                    problem,
                };
                if subject && (lines.len() > 1 || lines.iter().any(|l| l.contains(['\r', '\n']))) {
                    return Err(fail(
                        "a subject is one line (one row without line breaks)".into(),
                    ));
                }
                Template::parse(&lines.join("\n"), allowed).map_err(fail)
            };
            let subject = subjects.get(&key).map(|s| parse(s, true)).transpose()?;
            let body = bodies.get(&key).map(|b| parse(b, false)).transpose()?;
            let shipped = templates.texts.get(&key).cloned();
            let pair = match (subject, body, shipped) {
                (Some(s), Some(b), _) => (s, b),
                (Some(s), None, Some((_, b))) => (s, b),
                (None, Some(b), Some((s, _))) => (s, b),
                // Not reached: every key came from a subject or a body row.
                (None, None, Some(shipped)) => shipped,
                (s, _, None) => {
                    let (kind, lang) = &key;
                    let (missing, present) = if s.is_some() {
                        ("BODY", "SUBJECT")
                    } else {
                        ("SUBJECT", "BODY")
                    };
                    let upper = lang.to_ascii_uppercase();
                    let kind = kind.as_str().to_ascii_uppercase();
                    return Err(TemplateError::Setting {
                        setting: format!("{kind}_{upper}_{present}"),
                        problem: format!(
                            "no text ships in {lang:?}, so {kind}_{upper}_{missing} must be set too"
                        ),
                    });
                }
            };
            templates.texts.insert(key, pair);
        }
        Ok(templates)
    }

    /// Renders `kind` in `lang` (a language tag such as `fr` or `fr-CA`; only its first part
    /// counts), falling back to [`DEFAULT_LANG`].
    pub fn render(
        &self,
        kind: MessageKind,
        lang: &str,
        vars: &Vars,
    ) -> Result<Rendered, TemplateError> {
        let primary = primary_language(lang);
        let (subject, body) = self
            .texts
            .get(&(kind, primary.clone()))
            .or_else(|| self.texts.get(&(kind, DEFAULT_LANG.to_owned())))
            .ok_or_else(|| TemplateError::Missing {
                kind: kind.as_str(),
                lang: primary,
            })?;
        let subject = subject.render(kind, vars)?;
        if subject.contains(['\r', '\n']) {
            return Err(TemplateError::LineBreak {
                kind: kind.as_str(),
            });
        }
        Ok(Rendered {
            subject,
            body: body.render(kind, vars)?,
        })
    }

    /// The languages that have a text for `kind`, sorted.
    pub fn languages(&self, kind: MessageKind) -> Vec<&str> {
        let mut langs: Vec<&str> = self
            .texts
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, lang)| lang.as_str())
            .collect();
        langs.sort_unstable();
        langs
    }
}

/// `fr-CA`, `FR_ca`, ` fr ` → `fr`.
fn primary_language(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests;
