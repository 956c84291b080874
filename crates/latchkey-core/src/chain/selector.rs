//! The chain selector's rule table (seed 003), evaluated as a pure function of the rules and
//! the facts of one login.
//!
//! Order is (stage, rule), never table order; a stage completes before the next; a matching
//! rule with `skip_remaining = stage` ends its stage, `all` ends the evaluation. Actions append
//! a chain, flush the list (then append the rule's chain if any) or remove a chain.
//!
//! Facts and what "cannot be evaluated" means — such a rule denies the login, it is never
//! "no match":
//! - `cgi`: request facts `REMOTE_ADDR`, `PATH`, `METHOD` and `HTTP_<HEADER>`; an absent
//!   header is an empty value. `REMOTE_ADDR` with equal/notequal/in/notin compares addresses
//!   and accepts CIDR blocks (every item of a list is checked); an unparsable address or
//!   block, or an empty list, is an error. An IPv4-mapped client address (`::ffff:a.b.c.d`)
//!   is compared as the IPv4 address it is.
//! - `parameter`: request parameter (the name is exact); absent is empty.
//! - `userclass`: membership; the value names classes (`in` takes a list); an unknown class,
//!   `set`/`notset`, or an unidentified user is an error. Class ids are exact (as stored).
//! - `userstat`, `attribute`: the identified user's tag or attribute; absent is empty; an
//!   unidentified user is an error.
//! - `state`: facts gathered in this flow (`FINGERPRINT`, `IDENTIFIED`); an unknown name is an
//!   error.

use super::model::{CfgId, ChainId};
use crate::condition::Condition;
use crate::ids::UserClassId;
use crate::profile::Attributes;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// What a matching rule skips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SkipRemaining {
    /// Nothing.
    #[default]
    None,
    /// The rest of its stage.
    Stage,
    /// Every remaining rule.
    All,
}

/// Where a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchType {
    /// Request facts.
    Cgi,
    /// Request parameter.
    Parameter,
    /// User-class membership.
    UserClass,
    /// USERSTAT tag.
    UserStat,
    /// Facts gathered in this flow.
    State,
    /// Profile attribute.
    Attribute,
}

/// What a matching rule does to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Add the chain.
    Append,
    /// Empty the list, then add the chain if given.
    Flush,
    /// Take the chain out.
    Remove,
}

/// One row of the rule table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectorRule {
    /// Stage number.
    pub stage: u32,
    /// Rule number within the stage.
    pub rule: u32,
    /// What a match skips.
    #[serde(default)]
    pub skip_remaining: SkipRemaining,
    /// The selector module this rule belongs to (None: every selector; allowed, warned).
    #[serde(default)]
    pub cfg_id: Option<CfgId>,
    /// Where to look.
    pub match_type: MatchType,
    /// Which fact.
    #[serde(default)]
    pub match_key: String,
    /// How to compare.
    pub condition: Condition,
    /// With what.
    #[serde(default)]
    pub match_value: String,
    /// What a match does.
    pub action: RuleAction,
    /// The chain it adds or removes.
    #[serde(default)]
    pub chain_id: Option<ChainId>,
    /// Shown when the list ends empty after this rule matched.
    #[serde(default)]
    pub error_msg: String,
    /// For administrators.
    #[serde(default)]
    pub comment: String,
    /// The scenario component that installed it; empty for manual rules.
    #[serde(default)]
    pub owner: String,
}

/// State facts a rule may name.
pub const STATE_FACTS: [&str; 2] = ["FINGERPRINT", "IDENTIFIED"];

/// What is known about this login.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Request facts (`REMOTE_ADDR`, `PATH`, `METHOD`, `HTTP_*`), upper-case keys.
    pub cgi: BTreeMap<String, String>,
    /// Request parameters.
    pub parameters: BTreeMap<String, String>,
    /// Every user class that exists.
    pub known_classes: BTreeSet<UserClassId>,
    /// The identified user's facts, if identified.
    pub user: Option<UserFacts>,
    /// Flow state facts (keys from [`STATE_FACTS`]).
    pub state: BTreeMap<String, String>,
}

/// Facts about the identified user.
#[derive(Debug, Clone, Default)]
pub struct UserFacts {
    /// Classes the user belongs to (membership cache).
    pub classes: BTreeSet<UserClassId>,
    /// USERSTAT tags.
    pub userstats: BTreeMap<String, String>,
    /// Profile attributes.
    pub attributes: Attributes,
}

/// How one rule fared (for `chain explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleResult {
    /// Matched; the action applied.
    Matched,
    /// Did not match.
    NoMatch,
    /// Skipped by an earlier rule's skip_remaining.
    Skipped,
    /// Could not be evaluated: the login is denied.
    Error(String),
}

/// One line of the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// (stage, rule).
    pub position: (u32, u32),
    /// Result.
    pub result: RuleResult,
    /// The list after this rule.
    pub list: Vec<ChainId>,
}

/// The selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Chains produced, in order.
    pub chains: Vec<ChainId>,
    /// The error message of the last matching rule that had one (used when the list is empty).
    pub error_msg: Option<String>,
    /// Every rule considered.
    pub trace: Vec<TraceLine>,
}

/// The selection failed: the login is denied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("selector rule {}/{} cannot be evaluated: {reason}", position.0, position.1)]
pub struct SelectError {
    /// (stage, rule).
    pub position: (u32, u32),
    /// Why.
    pub reason: String,
    /// The trace up to the failure.
    pub trace: Vec<TraceLine>,
}

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{s:?} is not an IP address"))
}

/// `value` is an address or a CIDR block; does it contain `ip`? The block is checked against
/// its own family first, so a bad block is an error whichever family the client has.
fn ip_matches(ip: IpAddr, value: &str) -> Result<bool, String> {
    let value = value.trim();
    let Some((net, bits)) = value.split_once('/') else {
        return Ok(parse_ip(value)? == ip);
    };
    let net = parse_ip(net)?;
    let bad_block = || format!("{value:?} is not a CIDR block");
    let bits: u32 = bits.parse().map_err(|_| bad_block())?;
    if bits > if net.is_ipv4() { 32 } else { 128 } {
        return Err(bad_block());
    }
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            Ok(u32::from(n) & mask == u32::from(a) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            Ok(u128::from(n) & mask == u128::from(a) & mask)
        }
        _ => Ok(false),
    }
}

fn remote_addr_rule(rule: &SelectorRule, facts: &Facts) -> Result<bool, String> {
    let raw = facts
        .cgi
        .get("REMOTE_ADDR")
        .ok_or("REMOTE_ADDR is not known")?;
    // A dual-stack listener reports IPv4 clients as `::ffff:a.b.c.d`: they are IPv4 clients.
    let ip = parse_ip(raw)?.to_canonical();
    rule.condition
        .check_value(&rule.match_value)
        .map_err(|e| e.to_string())?;
    // Every item is checked, so a bad block is an error even when an earlier item matched.
    let any_in_list = || -> Result<bool, String> {
        let mut items = rule
            .match_value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .peekable();
        if items.peek().is_none() {
            return Err("the address list is empty".into());
        }
        let mut any = false;
        for item in items {
            any |= ip_matches(ip, item)?;
        }
        Ok(any)
    };
    match rule.condition {
        Condition::Equal => ip_matches(ip, &rule.match_value),
        Condition::NotEqual => ip_matches(ip, &rule.match_value).map(|m| !m),
        Condition::In => any_in_list(),
        Condition::NotIn => any_in_list().map(|m| !m),
        other => other
            .evaluate(std::slice::from_ref(raw), &rule.match_value)
            .map_err(|e| e.to_string()),
    }
}

/// Evaluates one rule against the facts.
pub fn evaluate(rule: &SelectorRule, facts: &Facts) -> Result<bool, String> {
    let key = rule.match_key.trim();
    let single = |v: Option<&String>| v.map(|s| vec![s.clone()]).unwrap_or_default();
    let values: Vec<String> = match rule.match_type {
        MatchType::Cgi => {
            let key = key.to_ascii_uppercase();
            if key == "REMOTE_ADDR" {
                return remote_addr_rule(rule, facts);
            }
            single(facts.cgi.get(&key))
        }
        MatchType::Parameter => single(facts.parameters.get(key)),
        MatchType::State => {
            let key = key.to_ascii_uppercase();
            if !STATE_FACTS.contains(&key.as_str()) {
                return Err(format!(
                    "{key:?} is not a state fact (known: {})",
                    STATE_FACTS.join(", ")
                ));
            }
            single(facts.state.get(&key))
        }
        MatchType::UserStat => {
            let user = facts.user.as_ref().ok_or("the user is not identified")?;
            single(user.userstats.get(&key.to_ascii_uppercase()))
        }
        MatchType::Attribute => {
            let user = facts.user.as_ref().ok_or("the user is not identified")?;
            user.attributes.get(key).to_vec()
        }
        MatchType::UserClass => return user_class_rule(rule, facts),
    };
    rule.condition
        .evaluate(&values, &rule.match_value)
        .map_err(|e| e.to_string())
}

fn user_class_rule(rule: &SelectorRule, facts: &Facts) -> Result<bool, String> {
    let user = facts.user.as_ref().ok_or("the user is not identified")?;
    let mut named = Vec::new();
    for raw in rule
        .match_value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let id = UserClassId::new(raw).map_err(|e| format!("user class {raw:?}: {e}"))?;
        if !facts.known_classes.contains(&id) {
            return Err(format!("user class {raw} does not exist"));
        }
        named.push(id);
    }
    if named.is_empty() {
        return Err("a userclass rule needs the class id as its value".into());
    }
    let member_of_any = named.iter().any(|c| user.classes.contains(c));
    match rule.condition {
        Condition::Equal | Condition::In => Ok(member_of_any),
        Condition::NotEqual | Condition::NotIn => Ok(!member_of_any),
        other => Err(format!("condition {other} does not apply to user classes")),
    }
}

/// Runs the rules of `selector` over `initial`. Chains outside `available` are an error.
pub fn select(
    rules: &[SelectorRule],
    selector: CfgId,
    initial: &[ChainId],
    available: &[ChainId],
    facts: &Facts,
) -> Result<Selection, SelectError> {
    let mut mine: Vec<&SelectorRule> = rules
        .iter()
        .filter(|r| r.cfg_id.is_none_or(|c| c == selector))
        .collect();
    mine.sort_by_key(|r| (r.stage, r.rule));
    let mut list: Vec<ChainId> = initial.to_vec();
    let mut error_msg = None;
    let mut trace = Vec::new();
    let mut skip_stage: Option<u32> = None;
    let mut stop = false;
    for rule in mine {
        let position = (rule.stage, rule.rule);
        if stop || skip_stage == Some(rule.stage) {
            trace.push(TraceLine {
                position,
                result: RuleResult::Skipped,
                list: list.clone(),
            });
            continue;
        }
        let fail = |reason: String, mut trace: Vec<TraceLine>, list: &[ChainId]| {
            trace.push(TraceLine {
                position,
                result: RuleResult::Error(reason.clone()),
                list: list.to_vec(),
            });
            SelectError {
                position,
                reason,
                trace,
            }
        };
        match evaluate(rule, facts) {
            Err(reason) => return Err(fail(reason, trace, &list)),
            Ok(false) => trace.push(TraceLine {
                position,
                result: RuleResult::NoMatch,
                list: list.clone(),
            }),
            Ok(true) => {
                if let Some(chain) = &rule.chain_id
                    && !available.contains(chain)
                    && rule.action != RuleAction::Remove
                {
                    let reason = format!("chain {chain} is not available to this selector");
                    return Err(fail(reason, trace, &list));
                }
                match (rule.action, &rule.chain_id) {
                    (RuleAction::Append, Some(c)) => {
                        if !list.contains(c) {
                            list.push(c.clone());
                        }
                    }
                    (RuleAction::Append, None) => {
                        return Err(fail("append needs a chain id".into(), trace, &list));
                    }
                    (RuleAction::Flush, c) => {
                        list.clear();
                        list.extend(c.iter().cloned());
                    }
                    (RuleAction::Remove, Some(c)) => list.retain(|x| x != c),
                    (RuleAction::Remove, None) => {
                        return Err(fail("remove needs a chain id".into(), trace, &list));
                    }
                }
                if !rule.error_msg.trim().is_empty() {
                    error_msg = Some(rule.error_msg.clone());
                }
                trace.push(TraceLine {
                    position,
                    result: RuleResult::Matched,
                    list: list.clone(),
                });
                match rule.skip_remaining {
                    SkipRemaining::None => {}
                    SkipRemaining::Stage => skip_stage = Some(rule.stage),
                    SkipRemaining::All => stop = true,
                }
            }
        }
    }
    Ok(Selection {
        chains: list,
        error_msg,
        trace,
    })
}
