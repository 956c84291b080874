//! "Did you mean" hints for misspelled keys, sections and environment variables.
//!
//! A hint names the closest known spelling (Damerau-Levenshtein distance, case-insensitive, at
//! most 3 edits), or points out that a correctly spelled key sits in the wrong section.

use crate::keys::{ENV_PREFIX, Key, RESERVED_ENV_VARS, SECTIONS};

/// Most edits a typo may need before we stop guessing.
const MAX_DISTANCE: usize = 3;

/// The candidate closest to `input`, if any is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_lowercase();
    let input_len = input.chars().count();
    candidates
        .into_iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&input, &candidate.to_lowercase());
            (distance, candidate)
        })
        // Fewer edits than characters: otherwise "ab" would "match" any 2-letter key.
        .filter(|(distance, _)| *distance <= MAX_DISTANCE && *distance < input_len)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn place(section: Option<&str>) -> String {
    match section {
        Some(section) => format!("in [{section}]"),
        None => "at the top level, before any [section]".to_owned(),
    }
}

/// Hint for an unknown key `name` found in `section` (`None`: top level).
pub(crate) fn unknown_key(section: Option<&str>, name: &str) -> Option<String> {
    // A real key in the wrong place is the most useful thing to point out.
    if let Some(key) = Key::ALL.into_iter().find(|key| key.name() == name) {
        return Some(format!("`{name}` belongs {}", place(key.section())));
    }
    let here = Key::ALL
        .into_iter()
        .filter(|key| key.section() == section)
        .map(Key::name);
    if let Some(name) = closest(name, here) {
        let dotted = match section {
            Some(section) => format!("{section}.{name}"),
            None => name.to_owned(),
        };
        return Some(format!("did you mean `{dotted}`?"));
    }
    // `smtp_port = 25` at the top level: the key spelled as one word.
    if section.is_none() {
        let flat: Vec<(String, Key)> = Key::ALL
            .into_iter()
            .map(|key| (key.dotted().replace('.', "_"), key))
            .collect();
        let found = closest(name, flat.iter().map(|(flat, _)| flat.as_str()));
        if let Some((_, key)) = flat.iter().find(|(flat, _)| Some(flat.as_str()) == found) {
            return Some(format!(
                "did you mean `{}` {}?",
                key.name(),
                place(key.section())
            ));
        }
    }
    None
}

/// Hint for an unknown table `[name]` at the top level.
pub(crate) fn unknown_section(name: &str) -> Option<String> {
    if let Some(key) = Key::find(None, name) {
        return Some(format!(
            "`{}` is a key, not a section: write `{} = ...` at the top level",
            key.name(),
            key.name()
        ));
    }
    closest(name, SECTIONS.iter().copied()).map(|section| format!("did you mean [{section}]?"))
}

/// Hint for an unknown `LATCHKEY_*` environment variable.
pub(crate) fn unknown_env_var(var: &str) -> Option<String> {
    if let Some(base) = var.strip_suffix("_FILE")
        && let Some(key) = Key::from_env_var(base)
    {
        let secrets: Vec<&str> = Key::ALL
            .into_iter()
            .filter_map(Key::secret_file_var)
            .collect();
        return Some(format!(
            "{} cannot be read from a file; only {} exist",
            key.env_var(),
            secrets.join(" and ")
        ));
    }
    let known = Key::ALL
        .into_iter()
        .map(Key::env_var)
        .chain(Key::ALL.into_iter().filter_map(Key::secret_file_var))
        .chain(RESERVED_ENV_VARS.iter().copied());
    // Compare without the shared prefix so it does not dilute the distance.
    let suffix = var.strip_prefix(ENV_PREFIX).unwrap_or(var);
    let suffixes: Vec<(&str, &str)> = known
        .map(|full| (full.strip_prefix(ENV_PREFIX).unwrap_or(full), full))
        .collect();
    let found = closest(suffix, suffixes.iter().map(|(suffix, _)| *suffix))?;
    suffixes
        .iter()
        .find(|(suffix, _)| *suffix == found)
        .map(|(_, full)| format!("did you mean {full}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_in_section_suggests_sibling() {
        assert_eq!(
            unknown_key(Some("smtp"), "prot").as_deref(),
            Some("did you mean `smtp.port`?")
        );
        assert_eq!(
            unknown_key(None, "lisen").as_deref(),
            Some("did you mean `listen`?")
        );
        assert_eq!(
            unknown_key(Some("log"), "Format").as_deref(),
            Some("did you mean `log.format`?")
        );
    }

    #[test]
    fn key_in_wrong_section_names_the_right_one() {
        assert_eq!(
            unknown_key(None, "port").as_deref(),
            Some("`port` belongs in [smtp]")
        );
        assert_eq!(
            unknown_key(Some("smtp"), "listen").as_deref(),
            Some("`listen` belongs at the top level, before any [section]")
        );
    }

    #[test]
    fn flattened_key_at_top_level() {
        assert_eq!(
            unknown_key(None, "smtp_prot").as_deref(),
            Some("did you mean `port` in [smtp]?")
        );
    }

    #[test]
    fn nothing_close_gives_no_hint() {
        assert_eq!(unknown_key(Some("smtp"), "wibblewobble"), None);
        assert_eq!(unknown_section("zzzzzzzz"), None);
        assert_eq!(unknown_env_var("LATCHKEY_COMPLETELY_DIFFERENT"), None);
        assert_eq!(closest("ab", ["xy"]), None);
    }

    #[test]
    fn sections_and_env_vars() {
        assert_eq!(
            unknown_section("stmp").as_deref(),
            Some("did you mean [smtp]?")
        );
        assert_eq!(
            unknown_section("listen").as_deref(),
            Some("`listen` is a key, not a section: write `listen = ...` at the top level")
        );
        assert_eq!(
            unknown_env_var("LATCHKEY_SMTP_PROT").as_deref(),
            Some("did you mean LATCHKEY_SMTP_PORT?")
        );
        assert_eq!(
            unknown_env_var("LATCHKEY_CONFG").as_deref(),
            Some("did you mean LATCHKEY_CONFIG?")
        );
        assert_eq!(
            unknown_env_var("LATCHKEY_LISTEN_FILE").as_deref(),
            Some(
                "LATCHKEY_LISTEN cannot be read from a file; only \
                 LATCHKEY_DATABASE_URL_FILE and LATCHKEY_SMTP_PASSWORD_FILE exist"
            )
        );
    }
}
