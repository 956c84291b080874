//! Configuration lint findings as the commands report them: which findings a change brings,
//! warnings printed, errors turned into a refusal (exit status 2).

use crate::failure::{Problems, plural};
use crate::output::outln;
use latchkey_core::chain::lint::{Finding, Severity, Subject};

/// The findings of `after` that `before` does not have, each counted as often as it occurs:
/// what a change would add to the configuration's lint.
pub fn added(before: &[Finding], after: &[Finding]) -> Vec<Finding> {
    let mut unmatched: Vec<&Finding> = before.iter().collect();
    let mut out = Vec::new();
    for finding in after {
        match unmatched.iter().position(|b| *b == finding) {
            Some(i) => {
                unmatched.swap_remove(i);
            }
            None => out.push(finding.clone()),
        }
    }
    out
}

/// `chain X, module N: message` / `rule S/R: message`: a finding without its severity.
pub fn describe(finding: &Finding) -> String {
    let place = match &finding.subject {
        Subject::Chain(chain, Some(order)) => format!("chain {chain}, module {order}"),
        Subject::Chain(chain, None) => format!("chain {chain}"),
        Subject::Rule(stage, rule) => format!("rule {stage}/{rule}"),
    };
    format!("{place}: {}", finding.message)
}

/// Prints every warning (`warning: …`) to standard output.
pub fn print_warnings(findings: &[Finding]) -> anyhow::Result<()> {
    for finding in findings.iter().filter(|f| f.severity == Severity::Warning) {
        outln!("{finding}")?;
    }
    Ok(())
}

/// `Err` listing every error of `findings` under `summary` (exit status 2); `Ok` when there is
/// none.
pub fn refuse_errors(findings: &[Finding], summary: &str) -> anyhow::Result<()> {
    let lines: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(describe)
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let count = lines.len();
    Err(anyhow::Error::new(Problems {
        lines,
        summary: format!("{summary} ({count} error{})", plural(count)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::chain::ChainId;

    fn finding(severity: Severity, message: &str) -> Finding {
        Finding {
            severity,
            subject: Subject::Chain(ChainId::new("C").unwrap(), Some(10)),
            message: message.into(),
        }
    }

    #[test]
    fn added_counts_repeated_findings() {
        let a = finding(Severity::Error, "a");
        let b = finding(Severity::Warning, "b");
        let before = vec![a.clone(), b.clone()];
        let after = vec![b.clone(), a.clone(), a.clone()];
        assert_eq!(added(&before, &after), vec![a]);
        assert!(added(&after, &before).is_empty());
    }

    #[test]
    fn errors_become_problems_warnings_do_not() {
        let warning = finding(Severity::Warning, "risky");
        assert!(refuse_errors(std::slice::from_ref(&warning), "no").is_ok());
        let error = finding(Severity::Error, "broken");
        let err = refuse_errors(&[warning, error], "refused").unwrap_err();
        let problems = err.downcast_ref::<Problems>().unwrap();
        assert_eq!(problems.lines, ["chain C, module 10: broken"]);
        assert_eq!(problems.summary, "refused (1 error)");
    }
}
