//! Page texts in English and French.
//!
//! The texts live in two Fluent catalogues (`locales/en/latchkey.ftl`, `locales/fr/latchkey.ftl`)
//! compiled into the binary and parsed once ([`catalogue`]). Each request gets one language,
//! chosen by [`choose::layer`] — `?LANG=` (remembered in a cookie) > the signed-in person's
//! `LASTLANG` (copied into that cookie when they sign in) > `Accept-Language` > English — and
//! kept for the request in a task-local, so every page, including the error page an error
//! turns into, renders in it without each handler passing it along.
//!
//! Templates get a [`Tr`] field and write `{{ tr.t("home-title") }}`. Texts built in Rust (the
//! sign-in modules' prompts, the error messages) stay English where they are made, so they read
//! the same for every user and language; [`localize`] swaps them for the chosen language's text
//! at rendering time, by their English wording. English output is therefore exactly what it was.
//! Texts with numbers that change their wording (the password rules) go by id and arguments
//! instead ([`rules`]).

pub mod catalogue;
pub mod choose;
pub mod rules;

use fluent_bundle::FluentValue;
use std::borrow::Cow;

/// A language Latchkey's pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the default and the fallback for a missing text.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The tag used in `?LANG=`, cookies, `LASTLANG` and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// Reads a tag such as `fr`, `FR`, `fr-CA` or `fr_BE` (only the first part counts);
    /// None for a language Latchkey has no pages in.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }
}

/// What the current request renders with.
#[derive(Debug, Clone, Default)]
pub struct RequestLang {
    /// The chosen language.
    pub lang: Lang,
    /// Chosen by the person (`?LANG=` now or earlier, i.e. the cookie) rather than guessed.
    pub explicit: bool,
    /// The request's path, for the language switch.
    pub path: String,
}

tokio::task_local! {
    static CURRENT: RequestLang;
}

/// The current request's language choice (English and `/` outside a request).
pub fn current() -> RequestLang {
    CURRENT.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `f` with `choice` as the current request's language.
pub async fn scope<F: Future>(choice: RequestLang, f: F) -> F::Output {
    CURRENT.scope(choice, f).await
}

/// A value given to a text (`{ $name }` in the catalogue).
pub trait Arg {
    /// As Fluent sees it: numbers stay numbers so plurals work.
    fn fluent(&self) -> FluentValue<'static>;
}

impl Arg for str {
    fn fluent(&self) -> FluentValue<'static> {
        FluentValue::from(self.to_owned())
    }
}
impl Arg for String {
    fn fluent(&self) -> FluentValue<'static> {
        FluentValue::from(self.clone())
    }
}
impl<T: Arg + ?Sized> Arg for &T {
    fn fluent(&self) -> FluentValue<'static> {
        (**self).fluent()
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn fluent(&self) -> FluentValue<'static> {
                FluentValue::from(*self)
            }
        }
    )*};
}
number_arg!(u8, u16, u32, u64, usize, i32, i64);

/// The text `id` in `lang` (English when French lacks it; the id itself when both do).
pub fn t(lang: Lang, id: &str, args: &[(&str, &dyn Arg)]) -> String {
    catalogue::get().text(lang, id, args)
}

/// A Rust-built English text in the current language (see the module docs).
pub fn localize(english: &str) -> Cow<'_, str> {
    catalogue::get().localize(current().lang, english)
}

/// A link of the language switch.
#[derive(Debug, Clone)]
pub struct SwitchLink {
    /// The language's tag.
    pub code: &'static str,
    /// Its own name.
    pub name: &'static str,
    /// The current path with `?LANG=`.
    pub href: String,
    /// The page is in this language now.
    pub current: bool,
}

/// The translator a template holds: `{{ tr.t("id") }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    /// The language it translates into.
    pub lang: Lang,
}

impl Tr {
    /// The current request's.
    pub fn current() -> Tr {
        Tr {
            lang: current().lang,
        }
    }

    /// A text without arguments.
    pub fn t(&self, id: &str) -> String {
        t(self.lang, id, &[])
    }

    /// A text with one argument.
    pub fn t1(&self, id: &str, name: &str, value: impl Arg) -> String {
        t(self.lang, id, &[(name, &value)])
    }

    /// A text with two arguments.
    pub fn t2(&self, id: &str, a: (&str, &dyn Arg), b: (&str, &dyn Arg)) -> String {
        t(self.lang, id, &[a, b])
    }

    /// The text `<prefix>-<code>` (`mpr-status-running`): a stable code shown in words.
    pub fn of(&self, prefix: &str, code: &str) -> String {
        t(self.lang, &format!("{prefix}-{code}"), &[])
    }

    /// A password rule as the line next to the field.
    pub fn rule(&self, rule: &latchkey_core::password_policy::Rule) -> String {
        rules::description(self.lang, rule)
    }

    /// What a password that broke `rule` is told.
    pub fn refusal(&self, rule: &latchkey_core::password_policy::Rule) -> String {
        rules::refusal(self.lang, rule)
    }

    /// A Rust-built English text in this language.
    pub fn localize(&self, english: impl AsRef<str>) -> String {
        catalogue::get()
            .localize(self.lang, english.as_ref())
            .into_owned()
    }
}

/// `<html lang="…">` of the current page (base.html).
pub fn html_lang() -> &'static str {
    current().lang.code()
}

/// A text in the current language, for templates without a [`Tr`] (base.html).
pub fn text(id: &str) -> String {
    t(current().lang, id, &[])
}

/// The language switch of the current page: the same path in each language. The query is
/// dropped, since it may carry a one-time token.
pub fn switch() -> Vec<SwitchLink> {
    switch_at(&current().path)
}

/// The language switch leading to `path` (error pages: the start page, so that a missing and
/// a hidden page read the same whatever the address).
pub fn switch_at(path: &str) -> Vec<SwitchLink> {
    let now = current();
    Lang::ALL
        .into_iter()
        .map(|l| SwitchLink {
            code: l.code(),
            name: l.name(),
            href: format!("{path}?LANG={}", l.code()),
            current: l == now.lang,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_by_their_first_part() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("FR-ca"), Some(Lang::Fr));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[tokio::test]
    async fn the_request_language_reaches_templates() {
        assert_eq!(html_lang(), "en");
        let choice = RequestLang {
            lang: Lang::Fr,
            explicit: true,
            path: "/vault".into(),
        };
        let links = scope(choice, async { (html_lang(), switch()) }).await;
        assert_eq!(links.0, "fr");
        assert_eq!(links.1.len(), 2);
        assert_eq!(links.1[0].href, "/vault?LANG=en");
        assert!(links.1[1].current);
    }
}
