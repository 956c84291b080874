#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn attrs(pairs: &[(&str, &str)]) -> Attributes {
    let mut a = Attributes::new();
    for (k, v) in pairs {
        a.add(k, *v).unwrap();
    }
    a
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

const TEMPLATE: &str = "(&(mail=%mail%)(sn=%sn%))";

#[test]
fn the_five_special_characters_are_escaped() {
    assert_eq!(
        escape_filter_value("a*b(c)d\\e\0f"),
        "a\\2ab\\28c\\29d\\5ce\\00f"
    );
    assert_eq!(escape_filter_value("Zoë 山田"), "Zoë 山田");
}

#[test]
fn typed_values_never_change_the_filter_shape() {
    for typed in ["*", "*)(mail=*", "x)(|(sn=*", "\\", "\0", ")(", "a*b"] {
        let f = from_template(TEMPLATE, &fields(&[("mail", typed), ("sn", "Doe")])).unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::Equal {
                    attr: "mail".into(),
                    value: typed.into()
                },
                Filter::Equal {
                    attr: "sn".into(),
                    value: "Doe".into()
                },
            ]),
            "{typed:?}"
        );
    }
}

#[test]
fn a_star_is_a_character_not_a_wildcard() {
    let alice = attrs(&[("mail", "alice@example.org"), ("sn", "Doe")]);
    let star = attrs(&[("mail", "*"), ("sn", "Doe")]);
    let f = from_template(TEMPLATE, &fields(&[("mail", "*"), ("sn", "Doe")])).unwrap();
    assert!(!f.matches(&alice));
    assert!(f.matches(&star));
    // An operator's own wildcard still works.
    assert!(parse("(mail=al*@*.org)").unwrap().matches(&alice));
    assert!(parse("(mail=*)").unwrap().matches(&alice));
}

#[test]
fn matching_folds_case_and_keeps_non_ascii() {
    let zoe = attrs(&[("mail", "zoe@example.org"), ("sn", "Zoë Ürban")]);
    let f = from_template(
        TEMPLATE,
        &fields(&[("mail", "ZOE@example.org"), ("sn", "zoë ürban")]),
    );
    assert!(f.unwrap().matches(&zoe));
    let other = from_template(
        TEMPLATE,
        &fields(&[("mail", "zoe@example.org"), ("sn", "Zoe Urban")]),
    );
    assert!(!other.unwrap().matches(&zoe));
    assert!(!parse("(sn=Doe)").unwrap().matches(&attrs(&[])));
    assert!(parse("(!(sn=Doe))").unwrap().matches(&attrs(&[])));
}

#[test]
fn broken_filters_and_templates_are_refused() {
    for bad in [
        "",
        "mail=x",
        "(mail=x",
        "(mail=x))",
        "(=x)",
        "(&)",
        "(mail=a(b)",
        "(mail=\\2)",
        "(mail=\\zz)",
        "(mail=\\ff)",
        "(mail=\\+f)",
        "(mail=\\-1)",
        "(mail>=x)",
        "(mail=x)(sn=y)",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} parsed");
    }
    assert_eq!(
        from_template("(uid=%uid%)", &fields(&[])),
        Err(FilterError::UnknownField("uid".into()))
    );
    let deep = format!("{}(a=b){}", "(!".repeat(40), ")".repeat(40));
    assert_eq!(parse(&deep), Err(FilterError::TooDeep));
    // A lone percent sign is text.
    assert_eq!(
        from_template("(note=100%)", &fields(&[])).unwrap(),
        Filter::Equal {
            attr: "note".into(),
            value: "100%".into()
        }
    );
}

#[test]
fn display_writes_an_equivalent_escaped_filter() {
    for text in [
        "(&(mail=a\\2ab)(|(sn=x\\28\\29)(!(cn=*))))",
        "(cn=ab*c\\5c*d)",
        "(cn=*end)",
        "(cn=Zoë\\00)",
    ] {
        let f = parse(text).unwrap();
        assert_eq!(parse(&f.to_string()).unwrap(), f, "{text}");
    }
}

proptest! {
    #[test]
    fn escaping_then_parsing_is_an_equality_on_exactly_that_value(value in any::<String>()) {
        let f = parse(&format!("(mail={})", escape_filter_value(&value))).unwrap();
        prop_assert_eq!(f, Filter::Equal { attr: "mail".into(), value: value.clone() });
    }

    #[test]
    fn a_template_value_only_matches_itself(a in "[a-z*()\\\\\0é]{1,8}", b in "[a-z*()\\\\\0é]{1,8}") {
        let profile = attrs(&[("sn", &b)]);
        let f = from_template("(sn=%sn%)", &fields(&[("sn", &a)])).unwrap();
        prop_assert_eq!(f.matches(&profile), fold_attribute(&a) == fold_attribute(&b));
    }
}
