//! Configuration lint (spec §2 and security.md): warnings for chains that work but are risky,
//! errors for configurations that cannot work. Shown by `config check`, `authcfg import` and
//! `chain explain`; an import with errors is refused.

use super::admin;
use super::model::{ChainDef, ChainId, ChainPurpose, Control, ModuleType, SUCCESS_CHAIN};
use super::selector::{MatchType, RuleAction, SelectorRule};
use super::{AVAILABLE_MODULES, chain_list};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Works, but probably not as meant.
    Warning,
    /// Cannot work; refused on import.
    Error,
}

/// Where a finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A chain (and module order, if about one module).
    Chain(ChainId, Option<u32>),
    /// A selector rule (stage, rule).
    Rule(u32, u32),
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// Where.
    pub subject: Subject,
    /// What.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match &self.subject {
            Subject::Chain(c, Some(order)) => {
                write!(f, "{sev}: chain {c}, module {order}: {}", self.message)
            }
            Subject::Chain(c, None) => write!(f, "{sev}: chain {c}: {}", self.message),
            Subject::Rule(s, r) => write!(f, "{sev}: rule {s}/{r}: {}", self.message),
        }
    }
}

/// Can a module bring a strong success (itself, or through the chains it enters)?
fn may_be_strong(kind: ModuleType) -> bool {
    kind.is_strong() || matches!(kind, ModuleType::SelectChain | ModuleType::AtLeast)
}

/// Lints chains and rules together. `chains` are the stored chains; built-in ids count as
/// existing even when not stored (they fall back to their shipped definitions).
pub fn lint(chains: &[ChainDef], rules: &[SelectorRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut known: BTreeSet<ChainId> = chains.iter().map(|c| c.id.clone()).collect();
    known.extend(
        super::builtin::IDS
            .iter()
            .filter_map(|id| ChainId::new(id).ok()),
    );
    let exists = |id: &ChainId| id.as_str() == SUCCESS_CHAIN || known.contains(id);
    let mut selectors: BTreeMap<super::model::CfgId, (ChainId, Vec<ChainId>)> = BTreeMap::new();
    let mut all_cfg_ids = BTreeSet::new();

    out.extend(
        chains
            .iter()
            .filter(|c| c.id.as_str() == super::builtin::PASSWORD_RESET)
            .flat_map(|c| {
                let mut found: Vec<Finding> =
                    super::lint_reset::questions_alone(c).into_iter().collect();
                found.extend(super::lint_reset::shown_before_the_code(c));
                found
            }),
    );
    for chain in chains {
        let at = |order: Option<u32>| Subject::Chain(chain.id.clone(), order);
        let mut push = |severity, order, message: String| {
            out.push(Finding {
                severity,
                subject: at(order),
                message,
            })
        };
        for e in admin::validate(chain) {
            push(Severity::Error, None, e.to_string());
        }
        let mut modules = chain.modules.clone();
        modules.sort_by_key(|m| m.order);
        for m in &modules {
            if !all_cfg_ids.insert(m.cfg_id) {
                push(
                    Severity::Error,
                    Some(m.order),
                    format!("CfgId {} is used by another module", m.cfg_id),
                );
            }
            if !AVAILABLE_MODULES.contains(&m.kind) {
                push(
                    Severity::Warning,
                    Some(m.order),
                    format!(
                        "module type {} is not available in this version: it will deny",
                        m.kind
                    ),
                );
            }
            if m.kind == ModuleType::SelectChain {
                let available = chain_list(m.settings.get("available").map(String::as_str));
                let initial = chain_list(m.settings.get("initial").map(String::as_str));
                match (available, initial) {
                    (Ok(available), Ok(initial)) => {
                        for c in available.iter().chain(&initial) {
                            if !exists(c) {
                                push(
                                    Severity::Error,
                                    Some(m.order),
                                    format!("chain {c} does not exist"),
                                );
                            }
                        }
                        for c in &initial {
                            if !available.contains(c) {
                                push(
                                    Severity::Error,
                                    Some(m.order),
                                    format!("initial chain {c} is not in the available chains"),
                                );
                            }
                        }
                        selectors.insert(m.cfg_id, (chain.id.clone(), available));
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        push(Severity::Error, Some(m.order), e.to_string())
                    }
                }
            }
            if m.kind == ModuleType::AtLeast {
                match super::at_least::AtLeast::from_module(m) {
                    Ok(config) => {
                        for c in config.methods.iter().filter(|c| !exists(c)) {
                            push(
                                Severity::Error,
                                Some(m.order),
                                format!("chain {c} does not exist"),
                            );
                        }
                    }
                    Err(e) => push(Severity::Error, Some(m.order), e),
                }
            }
            for key in ["chain"] {
                if let Some(v) = m.settings.get(key).filter(|v| !v.trim().is_empty()) {
                    match ChainId::new(v.trim()) {
                        Ok(c) if exists(&c) => {}
                        Ok(c) => push(
                            Severity::Error,
                            Some(m.order),
                            format!("chain {c} does not exist"),
                        ),
                        Err(e) => push(Severity::Error, Some(m.order), e.to_string()),
                    }
                }
            }
        }
        if chain.purpose == ChainPurpose::Identification {
            continue;
        }
        if let Some(last) = modules.last()
            && matches!(last.control, Control::Sufficient | Control::Optional)
        {
            push(
                Severity::Warning,
                Some(last.order),
                format!(
                    "the last module is {}: make it binding, required or requisite so a failure there counts",
                    last.control
                ),
            );
        }
        for (i, m) in modules.iter().enumerate() {
            if m.control == Control::Sufficient
                && modules
                    .iter()
                    .skip(i + 1)
                    .any(|n| n.control == Control::Required)
            {
                push(Severity::Warning, Some(m.order),
                    "a sufficient module before a required one: its success skips the required module".into());
            }
        }
        // GENERIC_LOGIN_FAILURE denies on purpose: it only imitates a password check.
        let always_denies_by_design =
            chain.builtin && chain.id.as_str() == super::builtin::GENERIC_LOGIN_FAILURE;
        if !always_denies_by_design && !modules.iter().any(|m| may_be_strong(m.kind)) {
            push(
                Severity::Warning,
                None,
                "no module can authenticate on its own: as the first chain of a flow it always denies, and as a sub-chain it can only complete a chain that has one (a second factor)".into(),
            );
        }
    }

    let mut positions = BTreeSet::new();
    for r in rules {
        let at = Subject::Rule(r.stage, r.rule);
        let mut push = |severity, message: String| {
            out.push(Finding {
                severity,
                subject: at.clone(),
                message,
            })
        };
        if !positions.insert((r.cfg_id, r.stage, r.rule)) {
            push(
                Severity::Error,
                "another rule of the same selector has this stage and rule number".into(),
            );
        }
        if let Err(e) = r.condition.check_value(&r.match_value)
            && r.match_type != MatchType::UserClass
        {
            push(Severity::Error, e.to_string());
        }
        match (&r.chain_id, r.action) {
            (None, RuleAction::Append | RuleAction::Remove) => push(
                Severity::Error,
                format!("{:?} needs a chain id", r.action).to_lowercase(),
            ),
            (Some(c), _) if !exists(c) => {
                push(Severity::Error, format!("chain {c} does not exist"))
            }
            _ => {}
        }
        match r.cfg_id {
            None => push(
                Severity::Warning,
                "no CfgId: this rule applies to every selector".into(),
            ),
            Some(cfg) => match selectors.get(&cfg) {
                None if !super::builtin::all().iter().any(|c| {
                    c.module(cfg)
                        .is_some_and(|m| m.kind == ModuleType::SelectChain)
                }) =>
                {
                    push(
                        Severity::Error,
                        format!("CfgId {cfg} is not a select_chain module"),
                    )
                }
                Some((owner, available)) => {
                    if let Some(c) = &r.chain_id
                        && r.action != RuleAction::Remove
                        && !available.contains(c)
                        && c.as_str() != SUCCESS_CHAIN
                    {
                        push(
                            Severity::Error,
                            format!(
                                "chain {c} is not among the available chains of the selector in {owner}"
                            ),
                        );
                    }
                }
                None => {}
            },
        }
    }
    out
}

/// True when any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
