//! Every class of error at its exact `file:line:column`, several at once, and lint warnings.

use super::*;

/// A valid file: one custom chain (lines 3-11) and one rule on DEFAULT_LOGIN's selector
/// (lines 13-23).
const BASE: &[&str] = &[
    "format = 1",                                        // 1
    "",                                                  // 2
    "[[chain]]",                                         // 3
    "id = \"MINE\"",                                     // 4
    "enabled = false",                                   // 5
    "",                                                  // 6
    "[[chain.module]]",                                  // 7
    "cfg_id = \"abcd0000-0000-4000-8000-000000000001\"", // 8
    "order = 10",                                        // 9
    "type = \"password\"",                               // 10
    "control = \"required\"",                            // 11
    "",                                                  // 12
    "[[rule]]",                                          // 13
    "stage = 1",                                         // 14
    "rule = 2",                                          // 15
    "cfg_id = \"1a7c4e79-0000-4000-8000-000000000301\"", // 16
    "match_type = \"parameter\"",                        // 17
    "match_key = \"lang\"",                              // 18
    "match_condition = \"equal\"",                       // 19
    "match_value = \"fr\"",                              // 20
    "action = \"append\"",                               // 21
    "chain_id = \"PASSWORD\"",                           // 22
    "owner = \"\"",                                      // 23
];

/// BASE with lines replaced (1-based) and lines appended.
fn file(replace: &[(usize, &str)], append: &[&str]) -> String {
    let mut lines: Vec<&str> = BASE.to_vec();
    for (n, text) in replace {
        lines[n - 1] = text;
    }
    lines.extend(append);
    lines.join("\n") + "\n"
}

fn errors(text: &str) -> Vec<String> {
    match parse("t.toml", text) {
        Ok(_) => panic!("parsed:\n{text}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(text: &str) -> String {
    let all = errors(text);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.into_iter().next().unwrap()
}

#[test]
fn base_is_valid_and_clean() {
    let parsed = parse("t.toml", &file(&[], &[])).unwrap();
    assert_eq!(parsed.chains.len(), 1);
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(parsed.warnings, vec![]);
}

#[test]
fn toml_syntax() {
    let e = one_error(&file(&[(5, "enabled = ")], &[]));
    assert!(e.starts_with("t.toml:5:11: TOML syntax: "), "{e}");
    let e = errors(&file(&[(7, "[[chain.module]")], &[]));
    assert!(e[0].starts_with("t.toml:7:"), "{e:?}");
}

#[test]
fn unknown_keys_have_hints() {
    assert_eq!(
        errors(&file(&[(11, "contrl = \"required\"")], &[])),
        [
            "t.toml:7:1: chain MINE, module 10: missing key `control`",
            "t.toml:11:1: chain MINE, module 10: unknown key `contrl` (did you mean `control`?)",
        ]
    );
    assert_eq!(
        errors(&file(&[(19, "condition = \"equal\"")], &[])),
        [
            "t.toml:13:1: rule 1/2: missing key `match_condition`",
            "t.toml:19:1: rule 1/2: unknown key `condition` (did you mean `match_condition`?)",
        ]
    );
    assert_eq!(
        errors(&file(&[], &["colour = 1"]))[0],
        "t.toml:24:1: rule 1/2: unknown key `colour` (known keys here: stage, rule, skip_remaining, cfg_id, match_type, match_key, match_condition, match_value, action, chain_id, error_msg, comment, owner)"
    );
    assert_eq!(
        one_error(&file(&[(2, "rules = []")], &[])),
        "t.toml:2:1: unknown key `rules` (did you mean `rule`?)"
    );
}

#[test]
fn wrong_types() {
    assert_eq!(
        one_error(&file(&[(5, "enabled = \"no\"")], &[])),
        "t.toml:5:11: chain MINE: `enabled` must be true or false, not text"
    );
    assert_eq!(
        errors(&file(&[(9, "order = \"10\"")], &[]))[0],
        "t.toml:9:9: chain MINE, module: `order` must be a whole number, not text"
    );
    assert_eq!(
        one_error(&file(&[(15, "rule = -2")], &[])),
        "t.toml:15:8: rule: `rule` must be a whole number from 0 to 4294967295"
    );
    assert_eq!(
        one_error(&file(&[(1, "format = \"1\"")], &[])),
        "t.toml:1:10: `format` must be the number 1, not text"
    );
    assert_eq!(
        one_error(&file(&[], &["", "[chain.module.settings]", "retries = 3"])),
        "t.toml:26:11: chain MINE, module 10: setting `retries` must be text in quotes, not an integer"
    );
}

#[test]
fn single_table_instead_of_array() {
    let text = "format = 1\n\n[chain]\nid = \"X\"\n";
    assert_eq!(
        one_error(text),
        "t.toml:3:1: `chain` must be a list of [[chain]] tables, not a table"
    );
}

#[test]
fn bad_values() {
    assert_eq!(
        one_error(&file(&[(4, "id = \"MY CHAIN\"")], &[])),
        "t.toml:4:6: chain: `id`: \"MY CHAIN\" is not a valid chain id: use 1 to 64 letters, digits and '_'"
    );
    assert_eq!(
        one_error(&file(&[(10, "type = \"pasword\"")], &[])),
        format!(
            "t.toml:10:8: chain MINE, module 10: `type`: unknown module type \"pasword\": use {} (did you mean \"password\"?)",
            names::list(&names::module_types()).replace(" | ", ", ")
        )
    );
    assert_eq!(
        one_error(&file(&[(11, "control = \"sufficent\"")], &[])),
        "t.toml:11:11: chain MINE, module 10: `control`: unknown control type \"sufficent\": use binding, required, requisite, sufficient, optional (did you mean \"sufficient\"?)"
    );
    assert_eq!(
        one_error(&file(&[(19, "match_condition = \"equals\"")], &[])),
        "t.toml:19:19: rule 1/2: `match_condition`: unknown condition \"equals\": use equal, notequal, in, notin, contain, notcontain, set, notset (did you mean \"equal\"?)"
    );
    assert_eq!(
        one_error(&file(&[(17, "match_type = \"param\"")], &[])),
        "t.toml:17:14: rule 1/2: `match_type`: unknown match type \"param\": use cgi, parameter, userclass, userstat, state, attribute"
    );
    assert_eq!(
        one_error(&file(&[(21, "action = \"add\"")], &[])),
        "t.toml:21:10: rule 1/2: `action`: unknown action \"add\": use append, flush, remove"
    );
    assert_eq!(
        one_error(&file(&[(23, "skip_remaining = \"stag\"")], &[])),
        "t.toml:23:18: rule 1/2: `skip_remaining`: unknown skip_remaining \"stag\": use none, stage, all (did you mean \"stage\"?)"
    );
    assert_eq!(
        one_error(&file(&[(8, "cfg_id = \"abcd-1\"")], &[])),
        "t.toml:8:10: chain MINE, module 10: `cfg_id` \"abcd-1\" is not a UUID (write one like 1a7c4e79-0000-4000-8000-000000000301)"
    );
    assert_eq!(
        one_error(&file(&[(1, "format = 2")], &[])),
        "t.toml:1:10: `format` 2 is not known to this version of Latchkey, which reads format 1"
    );
    assert_eq!(
        one_error(&file(&[(1, "")], &[])),
        "t.toml:1:1: missing `format = 1` at the top of the file"
    );
}

#[test]
fn builtin_flag_must_match_the_id() {
    assert_eq!(
        one_error(&file(&[(6, "builtin = true")], &[])),
        "t.toml:6:11: chain MINE: MINE is not a built-in chain: set `builtin = false`"
    );
    assert_eq!(
        one_error(&file(&[(4, "id = \"PASSWORD\"")], &[])),
        "t.toml:3:1: chain PASSWORD: PASSWORD is a built-in chain: keep `builtin = true`"
    );
}

const OTHER_CHAIN: &[&str] = &[
    "",                                                  // 24
    "[[chain]]",                                         // 25
    "id = \"OTHER\"",                                    // 26
    "enabled = false",                                   // 27
    "",                                                  // 28
    "[[chain.module]]",                                  // 29
    "cfg_id = \"abcd0000-0000-4000-8000-000000000002\"", // 30
    "order = 10",                                        // 31
    "type = \"totp\"",                                   // 32
    "control = \"required\"",                            // 33
];

#[test]
fn duplicates() {
    assert_eq!(
        parse("t.toml", &file(&[], OTHER_CHAIN)).map(|c| c.chains.len()),
        Ok(2)
    );
    assert_eq!(
        one_error(&file(&[], OTHER_CHAIN).replace("id = \"OTHER\"", "id = \"MINE\"")),
        "t.toml:26:6: chain MINE: the chain id is already used by the chain at line 3"
    );
    let e = errors(&file(&[], OTHER_CHAIN).replace("000000000002", "000000000001"));
    assert_eq!(
        e,
        [
            "t.toml:30:10: chain OTHER, module 10: CfgId abcd0000-0000-4000-8000-000000000001 is already used by chain MINE, module 10 (line 7): every module needs a CfgId of its own"
        ]
    );
    let second_module = [
        "",
        "[[chain.module]]",
        "cfg_id = \"abcd0000-0000-4000-8000-000000000003\"",
        "order = 10",
        "type = \"totp\"",
        "control = \"required\"",
    ];
    let text = file(&[], &[OTHER_CHAIN, &second_module].concat());
    assert_eq!(
        one_error(&text),
        "t.toml:37:9: chain OTHER: two modules have order 10: this one and the one at line 29"
    );
    let rule_again: Vec<&str> = BASE[12..].to_vec();
    let text = file(&[], &[&[""][..], &rule_again].concat());
    assert_eq!(
        one_error(&text),
        "t.toml:25:1: rule 1/2: the rule at line 13 has the same selector, stage and rule number"
    );
}

#[test]
fn lint_errors_point_at_their_item() {
    assert_eq!(
        one_error(&file(&[(22, "chain_id = \"NOPE\"")], &[])),
        "t.toml:13:1: rule 1/2: chain NOPE does not exist"
    );
    assert_eq!(
        one_error(&file(
            &[(16, "cfg_id = \"abcd0000-0000-4000-8000-000000000001\"")],
            &[]
        )),
        "t.toml:13:1: rule 1/2: CfgId abcd0000-0000-4000-8000-000000000001 is not a select_chain module"
    );
    assert_eq!(
        one_error(&file(&[(19, "match_condition = \"set\"")], &[])),
        "t.toml:13:1: rule 1/2: condition set takes no value"
    );
    assert_eq!(
        one_error(&file(&[(4, "id = \"MY-CHAIN\"")], &[])),
        "t.toml:3:1: chain MY-CHAIN: custom chain ids may contain only letters, digits and '_'"
    );
    let select = ["", "[chain.module.settings]", "available = \"PASSWORD\""];
    assert!(parse("t.toml", &file(&[(10, "type = \"select_chain\"")], &select)).is_ok());
    assert_eq!(
        one_error(
            &file(&[(10, "type = \"select_chain\"")], &select)
                .replace("available = \"PASSWORD\"", "available = \"PASSWORD,GONE\"")
        ),
        "t.toml:7:1: chain MINE, module 10: chain GONE does not exist"
    );
}

#[test]
fn a_lint_error_goes_to_the_rule_it_is_about_among_same_numbered_ones() {
    let mut other_selector: Vec<&str> = vec![""];
    other_selector.extend(&BASE[12..]);
    other_selector[4] = "cfg_id = \"1a7c4e79-0000-4000-8000-000000000105\"";
    other_selector[10] = "chain_id = \"NOPE\"";
    assert_eq!(
        one_error(&file(&[], &other_selector)),
        "t.toml:25:1: rule 1/2: chain NOPE does not exist"
    );
    let text = file(&[(22, "chain_id = \"NOPE\"")], &other_selector);
    assert_eq!(
        errors(&text),
        [
            "t.toml:13:1: rule 1/2: chain NOPE does not exist",
            "t.toml:25:1: rule 1/2: chain NOPE does not exist",
        ]
    );
}

#[test]
fn every_error_is_reported_in_file_order() {
    let text = file(
        &[
            (5, "enabled = 1"),
            (10, "type = \"pasword\""),
            (17, "match_type = \"param\""),
            (22, "chain_id = \"NOPE\""),
        ],
        &[
            "",
            "[[rule]]",
            "stage = 1",
            "rule = 3",
            "match_type = \"cgi\"",
            "match_condition = \"in\"",
            "action = \"append\"",
            "chain_id = \"ALSO_NOPE\"",
        ],
    );
    let lines: Vec<String> = errors(&text)
        .iter()
        .map(|e| e.split(": ").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "t.toml:5:11",
            "t.toml:10:8",
            "t.toml:17:14",
            "t.toml:25:1",
            "t.toml:25:1"
        ],
        "{:#?}",
        errors(&text)
    );
}

#[test]
fn lint_warnings_come_with_a_successful_parse() {
    let text = file(&[(11, "control = \"sufficient\"")], &[]);
    let parsed = parse("t.toml", &text).unwrap();
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "t.toml:7:1: warning: chain MINE, module 10: the last module is sufficient: make it binding, required or requisite so a failure there counts"
        ]
    );
}
