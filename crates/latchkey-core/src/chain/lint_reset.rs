//! The lint of a password reset chain (the built-in `PASSWORD_RESET` as stored, or the global
//! policy's reset `sequence`).
//!
//! [`questions_alone`]: security questions must never be enough alone to reset a password. They are a weak secret (guessable, often public), so a reset chain in which
//! answering them can succeed without a mailed code, a TOTP or another strong method gets a
//! warning that says how to fix it. The shipped chains never do this; an operator may still
//! choose to (seed 002's interns), knowingly.
//!
//! [`shown_before_the_code`]: a page only a known person can get (their hint, their security
//! questions, a menu of the verification methods they may use) shown before the mailed code
//! tells whoever types a user ID that the account exists: unknown users go straight to the
//! generic "we sent a code" page.

use super::lint::{Finding, Severity, Subject};
use super::model::{ChainDef, Control, ModuleType};

/// Module types that ask security questions.
fn asks_questions(kind: ModuleType) -> bool {
    matches!(kind, ModuleType::Response | ModuleType::ScoreQna)
}

/// A module that can bring a strong success other than questions (itself, or through the
/// chains it enters).
fn strong_otherwise(kind: ModuleType) -> bool {
    !asks_questions(kind)
        && (kind.is_strong() || matches!(kind, ModuleType::SelectChain | ModuleType::AtLeast))
}

/// The warning for reset chain `chain` when security questions alone can reset a password:
/// a `sufficient` or `binding` questions module with no required strong module before it, or
/// questions as the chain's only strong modules.
pub fn questions_alone(chain: &ChainDef) -> Option<Finding> {
    let mut modules: Vec<_> = chain.modules.iter().collect();
    modules.sort_by_key(|m| m.order);
    let mut strong_required_before = false;
    for m in &modules {
        if asks_questions(m.kind)
            && matches!(m.control, Control::Sufficient | Control::Binding)
            && !strong_required_before
        {
            return Some(warning(
                chain,
                Some(m.order),
                format!(
                    "answering the security questions is {} here, so they alone reset a \
                     password; make the module required, or put a required mailed code before it",
                    m.control
                ),
            ));
        }
        if strong_otherwise(m.kind) && matches!(m.control, Control::Required | Control::Requisite) {
            strong_required_before = true;
        }
    }
    let questions = modules.iter().any(|m| asks_questions(m.kind));
    let other = modules.iter().any(|m| strong_otherwise(m.kind));
    (questions && !other).then(|| {
        warning(
            chain,
            None,
            "security questions are this reset chain's only strong method, so they alone reset \
             a password; add a mailed code (mail_nonce or emailsmspin) or TOTP"
                .into(),
        )
    })
}

/// Warnings for the modules of reset chain `chain`, before its first mailed code or link, whose
/// page only a known person gets (see the module docs).
pub fn shown_before_the_code(chain: &ChainDef) -> Vec<Finding> {
    let mailed = chain
        .modules
        .iter()
        .filter(|m| matches!(m.kind, ModuleType::MailNonce | ModuleType::EmailSmsPin))
        .map(|m| m.order)
        .min()
        .unwrap_or(u32::MAX);
    let mut modules: Vec<_> = chain.modules.iter().filter(|m| m.order < mailed).collect();
    modules.sort_by_key(|m| m.order);
    modules
        .into_iter()
        .filter_map(|m| {
            let what = match m.kind {
                ModuleType::Hint => "a password hint",
                ModuleType::Response => "security questions",
                ModuleType::AtLeast => "a menu of verification methods",
                _ => return None,
            };
            Some(warning(
                chain,
                Some(m.order),
                format!(
                    "the password reset sequence shows {what} before the mailed code: whoever \
                     types a user ID learns that the account exists and has {what} \
                     (unknown users never see this page); put it after the mailed code, or \
                     rate-limit /forgot"
                ),
            ))
        })
        .collect()
}

fn warning(chain: &ChainDef, order: Option<u32>, message: String) -> Finding {
    Finding {
        severity: Severity::Warning,
        subject: Subject::Chain(chain.id.clone(), order),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::builtin;
    use crate::chain::model::{CfgId, ChainId, ChainPurpose, ModuleDef};

    fn module(order: u32, kind: ModuleType, control: Control) -> ModuleDef {
        ModuleDef {
            cfg_id: CfgId(uuid::Uuid::from_u128(u128::from(order))),
            order,
            kind,
            control,
            description: String::new(),
            bypass_on_retry: false,
            increment_lockout: true,
            settings: Default::default(),
        }
    }

    fn chain(modules: Vec<ModuleDef>) -> ChainDef {
        ChainDef {
            id: ChainId::new("RESET").unwrap(),
            description: String::new(),
            enabled: true,
            builtin: false,
            abort_on_failure: false,
            cache_results: false,
            purpose: ChainPurpose::Authentication,
            modules,
        }
    }

    use ModuleType::{FocusIdent, Hint, MailNonce, Response, UserIdent};

    #[test]
    fn the_shipped_reset_chain_is_clean() {
        let shipped = builtin::shipped(&ChainId::new(builtin::PASSWORD_RESET).unwrap()).unwrap();
        assert_eq!(questions_alone(&shipped), None);
    }

    #[test]
    fn sufficient_questions_before_the_code_are_enough_alone() {
        // Seed 002's interns: questions at 25 (sufficient) before the mailed link at 30.
        let interns = chain(vec![
            module(10, FocusIdent, Control::Requisite),
            module(20, Hint, Control::Optional),
            module(25, Response, Control::Sufficient),
            module(30, MailNonce, Control::Required),
        ]);
        let found = questions_alone(&interns).unwrap();
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.subject, Subject::Chain(interns.id.clone(), Some(25)));
        assert!(found.message.contains("sufficient"), "{}", found.message);
    }

    #[test]
    fn questions_after_a_required_code_or_required_questions_are_fine() {
        let after = chain(vec![
            module(10, UserIdent, Control::Requisite),
            module(20, MailNonce, Control::Required),
            module(30, Response, Control::Sufficient),
        ]);
        assert_eq!(questions_alone(&after), None);
        let both = chain(vec![
            module(10, UserIdent, Control::Requisite),
            module(20, Response, Control::Required),
            module(30, MailNonce, Control::Required),
        ]);
        assert_eq!(questions_alone(&both), None);
    }

    #[test]
    fn questions_as_the_only_strong_method_are_enough_alone() {
        let only = chain(vec![
            module(10, UserIdent, Control::Requisite),
            module(20, Response, Control::Required),
        ]);
        let found = questions_alone(&only).unwrap();
        assert_eq!(found.subject, Subject::Chain(only.id.clone(), None));
        assert!(
            found.message.contains("only strong method"),
            "{}",
            found.message
        );
        assert_eq!(
            questions_alone(&chain(vec![module(10, UserIdent, Control::Requisite)])),
            None
        );
    }

    #[test]
    fn the_lint_applies_it_to_the_stored_password_reset_chain() {
        let mut stored = chain(vec![
            module(10, UserIdent, Control::Requisite),
            module(20, Response, Control::Binding),
            module(30, MailNonce, Control::Required),
        ]);
        let warned = |c: &ChainDef| {
            crate::chain::lint::lint(std::slice::from_ref(c), &[])
                .iter()
                .any(|f| f.message.contains("they alone reset a password"))
        };
        assert!(!warned(&stored), "only the reset chain is a reset chain");
        stored.id = ChainId::new(builtin::PASSWORD_RESET).unwrap();
        assert!(warned(&stored));
    }

    #[test]
    fn a_method_menu_before_the_code_tells_who_exists() {
        let mut reset = chain(vec![
            module(10, UserIdent, Control::Requisite),
            module(20, ModuleType::AtLeast, Control::Required),
            module(30, MailNonce, Control::Required),
        ]);
        let found = shown_before_the_code(&reset);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("a menu of verification methods"));
        assert_eq!(found[0].subject, Subject::Chain(reset.id.clone(), Some(20)));
        // After the code (the shipped pattern) it tells nothing.
        reset.modules[1].order = 40;
        assert!(shown_before_the_code(&reset).is_empty());
        // The lint checks the stored PASSWORD_RESET chain too.
        reset.modules[1].order = 20;
        reset.id = ChainId::new(builtin::PASSWORD_RESET).unwrap();
        let lint = crate::chain::lint::lint(std::slice::from_ref(&reset), &[]);
        assert!(
            lint.iter()
                .any(|f| f.message.contains("menu of verification")),
            "{lint:?}"
        );
    }
}
