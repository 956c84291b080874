//! The compiled-in Fluent catalogues, parsed once, and the lookups over them.
//!
//! A missing French text falls back to English and is logged once per id, so a gap shows in
//! the log without flooding it. Texts are formatted without Unicode isolation marks: the
//! English pages must read byte for byte as they did before translation.
//!
//! [`Catalogue::localize`] finds the French for a text built in English by Rust code: an exact
//! match on an English text, or a text with one argument whose fixed parts match ("Signing in
//! as { $user }." matches "Signing in as ada."), the argument carried over. A text that starts
//! with its argument is never matched this way (it would catch too much).

use super::{Arg, Lang};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

/// The English catalogue.
pub const EN: &str = include_str!("../../locales/en/latchkey.ftl");
/// The French catalogue.
pub const FR: &str = include_str!("../../locales/fr/latchkey.ftl");

/// Stands for an argument while the English texts are indexed; never typed by anyone.
const MARK: &str = "\u{1}";

/// A text with one argument, as fixed parts around it.
struct Pattern {
    prefix: String,
    suffix: String,
    id: String,
    arg: String,
}

/// Both catalogues and the index of English texts.
pub struct Catalogue {
    en: FluentBundle<FluentResource>,
    fr: FluentBundle<FluentResource>,
    exact: HashMap<String, String>,
    patterns: Vec<Pattern>,
    warned: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("texts", &self.exact.len())
            .field("patterns", &self.patterns.len())
            .finish_non_exhaustive()
    }
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::load);

/// The catalogue (parsed on first use).
pub fn get() -> &'static Catalogue {
    &CATALOGUE
}

fn bundle(tag: &str, source: &str) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![tag.parse().unwrap_or_default()]);
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(lang = tag, ?errors, "the page texts have syntax errors");
            partial
        });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = tag, ?errors, "the page texts have duplicate ids");
    }
    bundle
}

/// Each message of a catalogue with the `$variables` it uses (a small reader for the plain
/// subset our catalogues use: `id = text`, continuation lines indented, `#` comments).
pub fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut id: Option<String> = None;
    for line in source.lines() {
        let body = if line.starts_with([' ', '\t']) {
            line
        } else if let Some((name, rest)) = line.split_once('=')
            && !line.starts_with('#')
        {
            id = Some(name.trim().to_owned());
            out.entry(name.trim().to_owned()).or_default();
            rest
        } else {
            id = None;
            continue;
        };
        if let Some(vars) = id.as_ref().and_then(|i| out.get_mut(i)) {
            vars.extend(variables(body));
        }
    }
    out
}

fn variables(text: &str) -> Vec<String> {
    text.split("{ $")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        })
        .collect()
}

impl Catalogue {
    fn load() -> Catalogue {
        let en = bundle("en", EN);
        let fr = bundle("fr", FR);
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for (id, vars) in messages(EN) {
            match vars.iter().collect::<Vec<_>>().as_slice() {
                [] => {
                    exact
                        .entry(format(&en, &id, &FluentArgs::new()).unwrap_or_default())
                        .or_insert(id);
                }
                [arg] => {
                    let mut args = FluentArgs::new();
                    args.set(arg.as_str(), MARK);
                    let text = format(&en, &id, &args).unwrap_or_default();
                    // A text starting with its argument ("{ $count } done") would match any
                    // English ending the same way: such texts are only used by id.
                    if let Some((prefix, suffix)) = text.split_once(MARK)
                        && !prefix.is_empty()
                        && !suffix.contains(MARK)
                    {
                        patterns.push(Pattern {
                            prefix: prefix.to_owned(),
                            suffix: suffix.to_owned(),
                            arg: (*arg).clone(),
                            id,
                        });
                    }
                }
                _ => {}
            }
        }
        // The most specific pattern first.
        patterns.sort_by_key(|p| std::cmp::Reverse(p.prefix.len() + p.suffix.len()));
        Catalogue {
            en,
            fr,
            exact,
            patterns,
            warned: Mutex::new(HashSet::new()),
        }
    }

    fn warn_once(&self, lang: Lang, id: &str) {
        let first = self
            .warned
            .lock()
            .map(|mut w| w.insert(format!("{}:{id}", lang.code())))
            .unwrap_or(false);
        if first {
            tracing::warn!(
                lang = lang.code(),
                id,
                "page text missing; shown in English"
            );
        }
    }

    /// The text `id` in `lang`, English when `lang` lacks it, the id itself when both do.
    pub fn text(&self, lang: Lang, id: &str, args: &[(&str, &dyn Arg)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.fluent());
        }
        let bundle = match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        };
        if let Some(s) = format(bundle, id, &fluent) {
            return s;
        }
        self.warn_once(lang, id);
        if lang != Lang::En
            && let Some(s) = format(&self.en, id, &fluent)
        {
            return s;
        }
        id.to_owned()
    }

    /// `english` (a text built by Rust code) in `lang`; unchanged in English or when the
    /// catalogue does not know it.
    pub fn localize<'a>(&self, lang: Lang, english: &'a str) -> Cow<'a, str> {
        if lang == Lang::En || english.is_empty() {
            return Cow::Borrowed(english);
        }
        if let Some(id) = self.exact.get(english) {
            return Cow::Owned(self.text(lang, id, &[]));
        }
        for p in &self.patterns {
            if english.len() >= p.prefix.len() + p.suffix.len()
                && let Some(value) = english
                    .strip_prefix(p.prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(p.suffix.as_str()))
            {
                return Cow::Owned(self.text(lang, &p.id, &[(p.arg.as_str(), &value)]));
            }
        }
        Cow::Borrowed(english)
    }
}

fn format(bundle: &FluentBundle<FluentResource>, id: &str, args: &FluentArgs) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(id, ?errors, "page text formatted with errors");
    }
    Some(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_ids_and_arguments() {
        let (en, fr) = (messages(EN), messages(FR));
        assert!(en.len() > 50, "{}", en.len());
        let only_en: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        let only_fr: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(only_en.is_empty(), "missing in French: {only_en:?}");
        assert!(only_fr.is_empty(), "missing in English: {only_fr:?}");
        for (id, vars) in &en {
            assert_eq!(Some(vars), fr.get(id), "arguments of {id}");
        }
    }

    #[test]
    fn every_id_a_template_names_is_in_the_catalogue() {
        let en = messages(EN);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut named = 0;
        for file in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            for call in ["tr.t(\"", "tr.t1(\"", "tr.t2(\"", "i18n::text(\""] {
                for rest in text.split(call).skip(1) {
                    let id = rest.split('"').next().unwrap();
                    assert!(en.contains_key(id), "{id} is not in the catalogue");
                    named += 1;
                }
            }
        }
        assert!(named > 150, "{named}");
    }

    #[test]
    fn rust_built_forgot_and_mass_reset_texts_are_translated() {
        let c = get();
        for english in [
            "Reset your password",
            "We could not verify you with that code. Please start again.",
            "This password reset cannot be used here. Start again from \"Forgot your password?\".",
            "Send a new code",
            "no owner: discovery could not associate the account with a profile",
            "There is no user class \"ops\".",
        ] {
            assert_ne!(c.localize(Lang::Fr, english), english);
        }
        // A text starting with its argument matches nothing by its English.
        assert_eq!(c.localize(Lang::Fr, "All done"), "All done");
    }

    #[test]
    fn both_catalogues_parse_and_every_message_formats() {
        for (tag, source) in [("en", EN), ("fr", FR)] {
            assert!(FluentResource::try_new(source.to_owned()).is_ok(), "{tag}");
        }
        let c = get();
        for id in messages(EN).keys() {
            assert!(c.en.has_message(id) && c.fr.has_message(id), "{id}");
        }
    }

    #[test]
    fn french_falls_back_to_english_then_to_the_id() {
        let c = get();
        assert_eq!(c.text(Lang::Fr, "home-sign-in", &[]), "Se connecter");
        assert_eq!(c.text(Lang::Fr, "no-such-text", &[]), "no-such-text");
    }

    #[test]
    fn rust_texts_are_found_by_their_english() {
        let c = get();
        let generic = "The user ID or password is not correct.";
        assert_eq!(c.localize(Lang::En, generic), generic);
        assert_eq!(
            c.localize(Lang::Fr, generic),
            "L’identifiant ou le mot de passe est incorrect."
        );
        assert_eq!(
            c.localize(Lang::Fr, "Signing in as ada."),
            "Connexion en tant que ada."
        );
        assert_eq!(c.localize(Lang::Fr, "Something new"), "Something new");
    }

    #[test]
    fn plurals_and_arguments() {
        let c = get();
        let one = c.text(Lang::Fr, "sessions-ended", &[("count", &1u64)]);
        let many = c.text(Lang::Fr, "sessions-ended", &[("count", &3u64)]);
        assert_eq!(one, "1 session a été déconnectée.");
        assert_eq!(many, "3 sessions ont été déconnectées.");
        assert_eq!(
            c.text(Lang::En, "sessions-ended", &[("count", &1u64)]),
            "1 session was signed out."
        );
    }
}
