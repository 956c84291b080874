//! The password-policy rules in the request's language.
//!
//! `latchkey-core` describes a [`Rule`] in English ([`Rule::description`], [`Rule::message`])
//! and keeps its numbers in the value; pages translate by the rule's stable code and those
//! numbers instead of by the English wording: `rule-<code>` is the line shown next to the
//! field, `refusal-<code>` what a refused password is told (`too_short` → `rule-too-short`).
//! The English catalogue reads exactly as the core's texts (a test compares every rule).

use super::{Arg, Lang, t};
use latchkey_core::password_policy::Rule;

/// The rule's numbers, as the catalogue names them.
fn args(rule: &Rule, kinds: &str) -> Vec<(&'static str, String, Option<usize>)> {
    match *rule {
        Rule::TooShort { min }
        | Rule::NeedsLower { min }
        | Rule::NeedsUpper { min }
        | Rule::NeedsDigits { min }
        | Rule::NeedsSymbols { min } => vec![("min", String::new(), Some(min))],
        Rule::TooLong { max } => vec![("max", String::new(), Some(max))],
        Rule::NeedsClasses { min } => vec![
            ("min", String::new(), Some(min)),
            ("kinds", kinds.to_owned(), None),
        ],
        Rule::TooWeak { min } => vec![("min", String::new(), Some(usize::from(min)))],
        Rule::Reused { count } => vec![("count", String::new(), Some(count))],
        Rule::Common | Rule::ContainsUserData => Vec::new(),
    }
}

fn text(lang: Lang, prefix: &str, rule: &Rule) -> String {
    let kinds = t(lang, "rule-kinds", &[]);
    let values = args(rule, &kinds);
    let list: Vec<(&str, &dyn Arg)> = values
        .iter()
        .map(|(name, text, number)| match number {
            Some(n) => (*name, n as &dyn Arg),
            None => (*name, text as &dyn Arg),
        })
        .collect();
    let id = format!("{prefix}-{}", rule.code().replace('_', "-"));
    t(lang, &id, &list)
}

/// The line shown next to the password field ("At least 8 characters").
pub fn description(lang: Lang, rule: &Rule) -> String {
    text(lang, "rule", rule)
}

/// What a person whose password broke `rule` is told, and what to do.
pub fn refusal(lang: Lang, rule: &Rule) -> String {
    text(lang, "refusal", rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_rule() -> Vec<Rule> {
        let mut all = vec![Rule::Common, Rule::ContainsUserData];
        for n in [1usize, 2, 3, 8, 64] {
            all.extend([
                Rule::TooShort { min: n },
                Rule::TooLong { max: n },
                Rule::NeedsLower { min: n },
                Rule::NeedsUpper { min: n },
                Rule::NeedsDigits { min: n },
                Rule::NeedsSymbols { min: n },
                Rule::NeedsClasses { min: n },
                Rule::Reused { count: n },
            ]);
        }
        all.extend((0..=4).map(|min| Rule::TooWeak { min }));
        all
    }

    #[test]
    fn english_reads_exactly_as_the_core() {
        for rule in every_rule() {
            assert_eq!(description(Lang::En, &rule), rule.description(), "{rule:?}");
            assert_eq!(refusal(Lang::En, &rule), rule.message(), "{rule:?}");
        }
    }

    #[test]
    fn every_rule_has_its_own_french() {
        for rule in every_rule() {
            for (fr, en) in [
                (description(Lang::Fr, &rule), rule.description()),
                (refusal(Lang::Fr, &rule), rule.message()),
            ] {
                assert_ne!(fr, en, "{rule:?} is not translated");
                assert!(
                    !fr.starts_with("rule-") && !fr.starts_with("refusal-"),
                    "{fr}"
                );
            }
        }
        assert_eq!(
            description(Lang::Fr, &Rule::TooShort { min: 8 }),
            "Au moins 8 caractères"
        );
        assert_eq!(
            description(Lang::Fr, &Rule::NeedsDigits { min: 1 }),
            "Au moins 1 chiffre"
        );
        assert_eq!(
            refusal(Lang::Fr, &Rule::Reused { count: 1 }),
            "Ne réutilisez pas votre mot de passe précédent."
        );
    }

    #[test]
    fn the_page_script_reads_the_number_first() {
        // change_password.html ticks a rule live from the first number in its line.
        for rule in every_rule().iter().filter(|r| r.checkable_in_page()) {
            let fr = description(Lang::Fr, rule);
            let first: String = fr
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            let en = rule.description();
            let expected: String = en
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            assert_eq!(first, expected, "{fr}");
        }
    }
}
