//! The blocklist: the shipped list, operator lists, and how candidates are matched.

use super::*;
use crate::password_policy::blocklist::EMBEDDED_TEXT;

fn blocked(list: &Blocklist, typed: &str) -> bool {
    list.is_blocked(&normalise(typed))
}

#[test]
fn the_shipped_list_is_large_lower_case_and_small_enough_to_embed() {
    assert!(EMBEDDED.len() >= 10_000, "{} entries", EMBEDDED.len());
    assert!(
        EMBEDDED_TEXT.len() < 200 * 1000,
        "{} bytes",
        EMBEDDED_TEXT.len()
    );
    let entries: Vec<&str> = EMBEDDED_TEXT
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        entries.len(),
        EMBEDDED.len(),
        "no duplicates after normalising"
    );
    assert!(
        entries
            .iter()
            .all(|e| *e == e.to_lowercase() && *e == e.trim())
    );
    for common in [
        "password",
        "12345678",
        "qwertyuiop",
        "iloveyou",
        "trustno1",
        "p@ssw0rd",
    ] {
        assert!(EMBEDDED.contains_word(common), "{common}");
    }
    assert_eq!(
        format!("{:?}", *EMBEDDED),
        format!("Blocklist {{ entries: {} }}", EMBEDDED.len())
    );
}

#[test]
fn matching_is_case_insensitive_after_nfkc_and_on_the_whole_password() {
    assert!(blocked(&EMBEDDED, "PASSWORD"));
    assert!(
        blocked(&EMBEDDED, "ｐａｓｓｗｏｒｄ"),
        "full-width is the same password"
    );
    assert!(blocked(&EMBEDDED, "ＰａｓｓＷｏｒｄ"));
    assert!(
        !blocked(&EMBEDDED, "my password is long and mine"),
        "not a substring match"
    );
    assert!(!blocked(&EMBEDDED, "correcthorsebatterystaple"));
}

#[test]
fn a_listed_word_with_digits_and_symbols_around_it_is_refused() {
    for typed in [
        "Password123!",
        "password1",
        "Monkey2024",
        "monkey!!!",
        "!!monkey99",
        "123dragon456",
        "SUNSHINE 2025",
    ] {
        assert!(blocked(&EMBEDDED, typed), "{typed}");
    }
    // Stems shorter than four characters are left to the strength score.
    let mut short = Blocklist::empty();
    short.insert("abc");
    assert!(blocked(&short, "abc"));
    assert!(!blocked(&short, "abc83720194637281"));
    // Letters inside are not decoration.
    assert!(!blocked(&EMBEDDED, "sun5hine"));
}

#[test]
fn operators_extend_the_shipped_list() {
    let mut list = Blocklist::embedded();
    let before = list.len();
    assert!(!blocked(&list, "Latchkey2024!"));
    list.extend_from_text(
        "# our own words\n\n  Latchkey  \nNCC-1701-D\n# a comment\nｈｏｌｏｄｅｃｋ\npassword\n",
    );
    assert_eq!(list.len(), before + 3, "password was already listed");
    assert!(blocked(&list, "latchkey2024!"));
    assert!(blocked(&list, "ncc-1701-d"));
    assert!(blocked(&list, "Holodeck!!"));
    assert!(blocked(&list, "password"), "the shipped entries stay");
    assert!(!list.contains_word("# our own words"));
    assert!(!list.contains_word(""));
}

#[test]
fn operators_replace_the_shipped_list() {
    let list = Blocklist::from_text("#only ours\r\nwinterfell\r\n\r\n#password\r\n");
    assert_eq!(list.len(), 1);
    assert!(blocked(&list, "Winterfell1"));
    assert!(
        !blocked(&list, "password"),
        "commented out, and not shipped"
    );
    assert!(!list.contains_word("#password"));
    assert!(Blocklist::empty().is_empty());
    assert!(!blocked(&Blocklist::empty(), "password"));
}

#[test]
fn a_hash_inside_an_entry_is_part_of_it() {
    let list = Blocklist::from_text("we#1team\n");
    assert!(list.contains_word("WE#1TEAM"));
    assert!(blocked(&list, "we#1team"));
}
