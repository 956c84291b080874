//! Round trips of hand-built configurations, and every error class at its line and column.

use super::*;
use crate::chain::builtin::{self, cfg};
use crate::chain::lint::Severity;
use crate::chain::selector::{MatchType, RuleAction, SkipRemaining};
use crate::chain::{CfgId, ChainPurpose, Control, ModuleDef, ModuleType};
use crate::condition::Condition;
use std::collections::BTreeMap;
use uuid::Uuid;

pub(super) fn sorted(
    mut chains: Vec<ChainDef>,
    mut rules: Vec<SelectorRule>,
) -> (Vec<ChainDef>, Vec<SelectorRule>) {
    chains = chains.into_iter().map(ChainDef::sorted).collect();
    chains.sort_by(|a, b| a.id.cmp(&b.id));
    rules.sort_by_key(|r| (r.stage, r.rule, r.cfg_id));
    (chains, rules)
}

/// export → parse gives the same values; export of the result gives the same bytes.
pub(super) fn assert_round_trip(chains: &[ChainDef], rules: &[SelectorRule]) -> AuthConfig {
    let text = export(chains, rules);
    let parsed = parse("x.toml", &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    let (want_chains, want_rules) = sorted(chains.to_vec(), rules.to_vec());
    assert_eq!(parsed.chains, want_chains);
    assert_eq!(parsed.rules, want_rules);
    assert_eq!(export(&parsed.chains, &parsed.rules), text);
    parsed
}

fn id(n: u128) -> CfgId {
    CfgId(Uuid::from_u128(
        0xabcd_0000_0000_4000_8000_0000_0000_0000 | n,
    ))
}

fn module(n: u128, order: u32, kind: ModuleType, control: Control) -> ModuleDef {
    ModuleDef {
        cfg_id: id(n),
        order,
        kind,
        control,
        description: String::new(),
        bypass_on_retry: false,
        increment_lockout: true,
        settings: BTreeMap::new(),
    }
}

fn custom(id: &str, modules: Vec<ModuleDef>) -> ChainDef {
    ChainDef {
        id: ChainId::new(id).unwrap(),
        description: format!("{id} chain"),
        enabled: false,
        builtin: false,
        abort_on_failure: false,
        cache_results: false,
        purpose: ChainPurpose::Authentication,
        modules,
    }
}

fn rule(stage: u32, number: u32, cfg_id: Option<CfgId>, chain: Option<&str>) -> SelectorRule {
    SelectorRule {
        stage,
        rule: number,
        skip_remaining: SkipRemaining::None,
        cfg_id,
        match_type: MatchType::Parameter,
        match_key: "k".into(),
        condition: Condition::Equal,
        match_value: "v".into(),
        action: RuleAction::Append,
        chain_id: chain.map(|c| ChainId::new(c).unwrap()),
        error_msg: String::new(),
        comment: String::new(),
        owner: String::new(),
    }
}

#[test]
fn builtin_configuration_round_trips() {
    let parsed = assert_round_trip(&builtin::all(), &builtin::rules());
    assert!(
        parsed
            .warnings
            .iter()
            .all(|w| w.finding.severity == Severity::Warning)
    );
    // Every module type the shipped chains use can run in this build.
    assert!(
        !parsed
            .warnings
            .iter()
            .any(|w| w.to_string().contains("is not available in this version")),
        "{:?}",
        parsed.warnings
    );
}

/// A configuration touching every column and every name the file knows.
fn rich() -> (Vec<ChainDef>, Vec<SelectorRule>) {
    let mut chains = builtin::all();
    let mut select = module(1, 5, ModuleType::SelectChain, Control::Required);
    select.settings = BTreeMap::from([
        ("available".into(), "MY_OTP,PASSWORD".into()),
        ("initial".into(), "PASSWORD".into()),
    ]);
    let mut strange = module(2, 10, ModuleType::External, Control::Binding);
    strange.description =
        "say \"hi\"\\ then\nnext line\ttab \u{1} \u{7f} \u{85} ünïcödé 🔑 '''".into();
    strange.bypass_on_retry = true;
    strange.increment_lockout = false;
    strange.settings = BTreeMap::from([
        ("program".into(), "/usr/bin/check \"$USER\"".into()),
        ("with space".into(), "a\r\nb".into()),
        ("ключ".into(), "значение".into()),
        ("".into(), "empty key".into()),
        ("quote\"key".into(), String::new()),
    ]);
    let mut gateway = custom("GATEWAY", vec![select]);
    gateway.description = "Multi-factor «gateway»".into();
    gateway.enabled = true;
    gateway.cache_results = true;
    let mut otp = custom(
        "MY_OTP",
        vec![
            module(3, 30, ModuleType::Totp, Control::Requisite),
            strange,
            module(4, 20, ModuleType::Hint, Control::Optional),
            module(5, 40, ModuleType::Password, Control::Sufficient),
            module(6, 50, ModuleType::Password, Control::Required),
        ],
    );
    otp.abort_on_failure = true;
    let mut ident = custom(
        "MY_IDENT",
        vec![module(7, 1, ModuleType::UserIdent, Control::Sufficient)],
    );
    ident.purpose = ChainPurpose::Identification;
    chains.extend([gateway, otp, ident]);
    let mut rules = builtin::rules();
    let match_types = [
        MatchType::Cgi,
        MatchType::Parameter,
        MatchType::UserClass,
        MatchType::UserStat,
        MatchType::State,
        MatchType::Attribute,
    ];
    for (i, condition) in Condition::ALL.into_iter().enumerate() {
        let n = i as u32;
        let mut r = rule(2, n, Some(id(1)), Some("MY_OTP"));
        r.match_type = match_types[i % match_types.len()];
        r.condition = condition;
        r.match_value = if condition.takes_value() {
            format!("a, b \"{n}\"")
        } else {
            String::new()
        };
        r.action = [RuleAction::Append, RuleAction::Flush, RuleAction::Remove][i % 3];
        r.skip_remaining = [
            SkipRemaining::None,
            SkipRemaining::Stage,
            SkipRemaining::All,
        ][i % 3];
        r.match_key = format!("KEY_{n}");
        r.error_msg = "Nope — «no» chain\nfor you".into();
        r.comment = format!("rule {n}");
        r.owner = if n.is_multiple_of(2) {
            "fingerprint".into()
        } else {
            String::new()
        };
        rules.push(r);
    }
    let mut flush = rule(3, 1, None, None);
    flush.action = RuleAction::Flush;
    rules.push(flush);
    // Same position, another selector: allowed.
    rules.push(rule(1, 1, Some(cfg::STD_SELECT), Some("DEFAULT_LOGIN")));
    (chains, rules)
}

#[test]
fn rich_configuration_round_trips() {
    let (chains, rules) = rich();
    let parsed = assert_round_trip(&chains, &rules);
    let flush_warning = parsed
        .warnings
        .iter()
        .find(|w| w.finding.message.contains("no CfgId"))
        .expect("rule without CfgId is warned about");
    let text = export(&chains, &rules);
    let line = text.lines().nth(flush_warning.line - 1).unwrap();
    assert_eq!(line, "[[rule]]");
}

#[test]
fn export_is_sorted_and_documented() {
    let (chains, rules) = rich();
    let mut reversed_chains = chains.clone();
    reversed_chains.reverse();
    let mut reversed_rules = rules.clone();
    reversed_rules.reverse();
    let text = export(&chains, &rules);
    assert_eq!(export(&reversed_chains, &reversed_rules), text);
    assert!(text.starts_with("# Latchkey authentication configuration (authcfg)\n"));
    assert!(text.contains("\nformat = 1\n"));
    assert!(text.contains("Keep every cfg_id as it is"));
    // A rule's selector is named next to its CfgId.
    assert!(text.contains(&format!(
        "cfg_id = \"{}\"  # DEFAULT_LOGIN, module 10\n",
        cfg::DEFAULT_SELECT
    )));
    assert!(text.contains("cfg_id = \"\"  # every selector\n"));
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id = "))
        .collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    assert_eq!(ids, sorted_ids);
}

#[test]
fn file_names() {
    let now = time::macros::datetime!(2026-03-04 05:06:07 UTC);
    assert_eq!(default_file_name(now), "authcfg-20260304-050607.toml");
    assert_eq!(backup_file_name(now), "authcfg-20260304-050607-backup.toml");
}

#[test]
fn reset_restores_builtins_only() {
    let (mut chains, mut rules) = rich();
    for c in chains.iter_mut().filter(|c| c.builtin) {
        c.enabled = false;
        c.description = "changed".into();
        c.modules.clear();
    }
    chains.retain(|c| c.id.as_str() != builtin::HELPDESK_LOGIN);
    rules.retain(|r| r.owner != BUILTIN_OWNER);
    let (new_chains, new_rules) = reset(&chains, &rules);
    let (got, got_rules) = sorted(new_chains, new_rules);
    let customs: Vec<ChainDef> = chains.iter().filter(|c| !c.builtin).cloned().collect();
    let mut want = builtin::all();
    want.extend(customs);
    let mut want_rules = rules.clone();
    want_rules.extend(builtin::rules());
    assert_eq!((got, got_rules), sorted(want, want_rules));

    // A manual rule in a shipped rule's place keeps it.
    let mut mine = builtin::rules()[0].clone();
    mine.owner = String::new();
    mine.comment = "mine".into();
    let (_, kept) = reset(&builtin::all(), std::slice::from_ref(&mine));
    assert_eq!(kept, vec![mine]);
}

/// The `at_least` example of docs/verification-methods.md loads; a method that is no chain, or
/// a minimum above the number of methods, is refused.
#[test]
fn at_least_chains_load_and_bad_methods_are_refused() {
    let doc = include_str!("../../../../docs/verification-methods.md");
    let block = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let text = format!("format = 1\n\n{block}").replace(
        "\nid = \"PASSWORD_RESET\"\n",
        "\nid = \"RESET_CUSTOM\"\nenabled = true\n",
    );
    let parsed = parse("doc.toml", &text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
    let reset = parsed
        .chains
        .iter()
        .find(|c| c.id.as_str() == "RESET_CUSTOM")
        .unwrap();
    assert_eq!(reset.modules[0].kind, ModuleType::AtLeast);
    let missing = text.replace("RESET_QUESTIONS,RESET_TOTP", "RESET_QUESTIONS,NO_SUCH");
    let err = parse("doc.toml", &missing).unwrap_err().to_string();
    assert!(err.contains("chain NO_SUCH does not exist"), "{err}");
    let too_many = text.replace("minimum = \"1\"", "minimum = \"3\"");
    let err = parse("doc.toml", &too_many).unwrap_err().to_string();
    assert!(err.contains("at_least minimum = 3"), "{err}");
}
