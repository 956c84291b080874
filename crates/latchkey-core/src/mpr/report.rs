//! The report of a mass reset or onboarding run: rows, totals, and the CSV and HTML renderings.
//!
//! The job runner appends one [`ReportRow`] per account per phase as the run moves (account,
//! target, owner, phase, outcome, the target's message) and renders them here; the server
//! serves the CSV and HTML as downloads. A row never holds a password: there is no field for
//! one, and the runner writes the target's message, never the value it sent.
//!
//! **Totals** count accounts, not rows: each `(target, account)` counts once, by the outcome of
//! its last row (latest `at`, and the later row on equal times).
//!
//! **CSV** ([`to_csv`]): RFC 4180 (CRLF line ends, cells with `,` `"` CR or LF quoted, quotes
//! doubled), times in RFC 3339 UTC. A cell starting with `=` `+` `-` `@`, tab or CR gets a
//! leading `'`, so a spreadsheet shows an account named `=HYPERLINK(...)` as text instead of
//! running it (an account name or a target's message is outside input).
//!
//! **HTML** ([`to_html`]): one self-contained page — inline CSS, no script, no external URL, and a
//! Content-Security-Policy that forbids both — with the totals, an inline SVG chart of accounts
//! finished over time (at most [`CHART_POINTS`] samples, whatever the run's size) and the rows
//! (the first [`HTML_ROW_LIMIT`]; the CSV has them all). Every value is HTML-escaped.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::io;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Rows shown in the HTML table; the rest are only in the CSV.
pub const HTML_ROW_LIMIT: usize = 5_000;
/// Most samples per series in the HTML chart.
pub const CHART_POINTS: usize = 200;

/// A step of an account's run, in the order the runner takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The account is in the run's scope.
    Plan,
    /// A new password was generated and sealed in the vault journal.
    Generate,
    /// The password was set on the target.
    Apply,
    /// The target was checked by binding with the password.
    Verify,
    /// The owner's vault item was written.
    VaultCommit,
    /// Sessions and outstanding reset tokens were revoked.
    Revoke,
}

impl Phase {
    /// Lower snake case, as in the CSV and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Generate => "generate",
            Self::Apply => "apply",
            Self::Verify => "verify",
            Self::VaultCommit => "vault_commit",
            Self::Revoke => "revoke",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The phase succeeded.
    Ok,
    /// The phase failed for good (e.g. the target refused the account).
    Failed,
    /// The phase failed and will be tried again.
    Retried,
    /// The account was left out (out of scope, dry run, cancelled before it started).
    Skipped,
    /// The retry budget is spent; an operator must look at the account.
    Orphaned,
}

impl Outcome {
    /// Lower snake case, as in the CSV and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Retried => "retried",
            Self::Skipped => "skipped",
            Self::Orphaned => "orphaned",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account, one phase. Holds no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    /// When the phase ended.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The account on the target (its login name or DN).
    pub account: String,
    /// The target system's id.
    pub target: String,
    /// The vault user who owns the account's item, when one was found.
    pub owner: Option<String>,
    /// The phase.
    pub phase: Phase,
    /// What happened.
    pub outcome: Outcome,
    /// The target's message or our explanation; never a password.
    pub message: String,
}

/// Accounts counted by the outcome of their last row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Last row `ok`.
    pub done: usize,
    /// Last row `failed`.
    pub failed: usize,
    /// Last row `orphaned`.
    pub orphaned: usize,
    /// Last row `skipped`.
    pub skipped: usize,
    /// Last row `retried`: still in progress.
    pub retrying: usize,
    /// Distinct `(target, account)` pairs.
    pub total: usize,
}

/// The last row of each `(target, account)`: its time and outcome, in no particular order.
fn last_rows(rows: &[ReportRow]) -> Vec<(OffsetDateTime, Outcome)> {
    let mut last: BTreeMap<(&str, &str), (OffsetDateTime, Outcome)> = BTreeMap::new();
    for row in rows {
        let key = (row.target.as_str(), row.account.as_str());
        match last.get_mut(&key) {
            Some(seen) if seen.0 > row.at => {}
            Some(seen) => *seen = (row.at, row.outcome),
            None => {
                last.insert(key, (row.at, row.outcome));
            }
        }
    }
    last.into_values().collect()
}

/// Counts each `(target, account)` once, by the outcome of its last row.
pub fn totals(rows: &[ReportRow]) -> Totals {
    let mut t = Totals::default();
    for (_, outcome) in last_rows(rows) {
        t.total += 1;
        match outcome {
            Outcome::Ok => t.done += 1,
            Outcome::Failed => t.failed += 1,
            Outcome::Orphaned => t.orphaned += 1,
            Outcome::Skipped => t.skipped += 1,
            Outcome::Retried => t.retrying += 1,
        }
    }
    t
}

/// RFC 3339 in UTC; the Unix time in the (far-fetched) case the year does not fit RFC 3339.
fn rfc3339(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(&Rfc3339)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// `YYYY-MM-DD hh:mm:ss` in UTC, for people.
fn readable(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Appends one CSV cell: formula guard, then RFC 4180 quoting.
fn csv_cell(out: &mut String, value: &str) {
    let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = value.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// Writes the rows as CSV with the header `time,account,target,owner,phase,result,message`.
pub fn to_csv(rows: &[ReportRow], writer: &mut impl io::Write) -> io::Result<()> {
    writer.write_all(b"time,account,target,owner,phase,result,message\r\n")?;
    let mut line = String::new();
    for row in rows {
        line.clear();
        let time = rfc3339(row.at);
        let cells = [
            time.as_str(),
            &row.account,
            &row.target,
            row.owner.as_deref().unwrap_or(""),
            row.phase.as_str(),
            row.outcome.as_str(),
            &row.message,
        ];
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            csv_cell(&mut line, cell);
        }
        line.push_str("\r\n");
        writer.write_all(line.as_bytes())?;
    }
    writer.flush()
}

/// Appends `value` with `& < > " '` escaped, safe in element text and quoted attributes.
fn esc(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `3725` seconds → `1 h 2 min`, for the chart's axis.
fn duration(seconds: i128) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s if s < 172_800 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} days {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `12345` → `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}\
main{max-width:72rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:.2rem 0}\
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}.meta{color:#57606a;margin:.2rem 0}\
.wrap{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.9rem}\
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td{overflow-wrap:anywhere}.num{text-align:right}\
.rows td:first-child{white-space:nowrap}.o-ok{color:#1a7f37}.o-failed,.o-orphaned{color:#cf222e;font-weight:600}\
.o-retried{color:#9a6700}.o-skipped{color:#57606a}\
svg{width:100%;max-width:48rem;height:auto;display:block}figure{margin:0}\
figcaption{color:#57606a;font-size:.85rem}";

/// The SVG chart: cumulative accounts finished (done; failed or orphaned) against time.
fn chart(out: &mut String, rows: &[ReportRow]) {
    let (Some(first), Some(last)) = (
        rows.iter().map(|r| r.at).min(),
        rows.iter().map(|r| r.at).max(),
    ) else {
        out.push_str("<p class=\"meta\">Nothing to chart yet.</p>\n");
        return;
    };
    let (mut done, mut failed): (Vec<i128>, Vec<i128>) = (Vec::new(), Vec::new());
    for (at, outcome) in last_rows(rows) {
        match outcome {
            Outcome::Ok => done.push(at.unix_timestamp_nanos()),
            Outcome::Failed | Outcome::Orphaned => failed.push(at.unix_timestamp_nanos()),
            Outcome::Skipped | Outcome::Retried => {}
        }
    }
    done.sort_unstable();
    failed.sort_unstable();
    let (t0, t1) = (first.unix_timestamp_nanos(), last.unix_timestamp_nanos());
    let steps = CHART_POINTS.min(done.len().max(failed.len())).max(1);
    let y_max = done.len().max(failed.len()).max(1);
    let (left, right, top, bottom) = (72.0_f64, 628.0_f64, 36.0_f64, 228.0_f64);
    let y_of = |n: usize| bottom - (bottom - top) * n as f64 / y_max as f64;
    // Sample time i/steps of the way through the run: how many finished by then.
    let series = |events: &[i128]| {
        let mut points = String::new();
        for i in 0..=steps {
            let t = t0 + (t1 - t0) * i as i128 / steps as i128;
            let n = events.partition_point(|e| *e <= t);
            let x = left + (right - left) * i as f64 / steps as f64;
            let _ = write!(points, "{x:.1},{:.1} ", y_of(n));
        }
        points
    };
    let took = duration((t1 - t0) / 1_000_000_000);
    let _ = write!(
        out,
        "<figure><svg viewBox=\"0 0 640 280\" role=\"img\" aria-labelledby=\"chart-title\">\
         <title id=\"chart-title\">Accounts finished over time</title>\
         <g font-size=\"13\" fill=\"#57606a\">\
         <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#57606a\"/>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"#57606a\"/>"
    );
    let mid = (y_max >= 2).then_some(y_max / 2);
    for n in [Some(0), mid, Some(y_max)].into_iter().flatten() {
        let y = y_of(n);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" stroke=\"#d0d7de\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{n}</text>",
            left - 6.0,
            y + 4.0
        );
    }
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"{:.1}\">{}</text>\
         <text x=\"{right}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <text x=\"350\" y=\"274\" text-anchor=\"middle\">time (UTC), {took} in all</text>\
         <text x=\"14\" y=\"132\" text-anchor=\"middle\" transform=\"rotate(-90 14 132)\">accounts finished</text>\
         </g>",
        bottom + 18.0,
        readable(first),
        bottom + 18.0,
        readable(last),
    );
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\" points=\"{}\"/>\
         <polyline fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\" points=\"{}\"/>\
         <g font-size=\"13\"><rect x=\"{left}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#1a7f37\"/>\
         <text x=\"{:.1}\" y=\"17\">done</text>\
         <rect x=\"{:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"#cf222e\"/>\
         <text x=\"{:.1}\" y=\"17\">failed or orphaned</text></g></svg>\
         <figcaption>Cumulative accounts whose last step succeeded (green) or failed (red), \
         by the time of that step.</figcaption></figure>",
        series(&done),
        series(&failed),
        left + 18.0,
        left + 70.0,
        left + 88.0,
    );
    out.push('\n');
}

/// One self-contained HTML page: title, totals, progress chart and the rows (all escaped).
pub fn to_html(title: &str, rows: &[ReportRow], generated_at: OffsetDateTime) -> String {
    let mut out = String::with_capacity(4096 + rows.len().min(HTML_ROW_LIMIT) * 256);
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>",
    );
    esc(&mut out, title);
    let _ = write!(out, "</title><style>{CSS}</style></head>\n<body><main><h1>");
    esc(&mut out, title);
    let t = totals(rows);
    let _ = write!(
        out,
        "</h1>\n<p class=\"meta\">Generated {} UTC · {} rows · {} accounts</p>\n\
         <h2>Totals</h2>\n<div class=\"wrap\"><table class=\"totals\"><tbody>",
        readable(generated_at),
        thousands(rows.len()),
        thousands(t.total),
    );
    for (label, n) in [
        ("Done", t.done),
        ("Failed", t.failed),
        ("Orphaned (needs an operator)", t.orphaned),
        ("Skipped", t.skipped),
        ("Still retrying", t.retrying),
        ("Total accounts", t.total),
    ] {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{label}</th><td class=\"num\">{}</td></tr>",
            thousands(n)
        );
    }
    out.push_str("</tbody></table></div>\n<h2>Progress</h2>\n");
    chart(&mut out, rows);
    out.push_str("<h2>Rows</h2>\n");
    if rows.len() > HTML_ROW_LIMIT {
        let _ = writeln!(
            out,
            "<p class=\"meta\">Showing the first {} of {} rows; the CSV report has all {}.</p>",
            thousands(HTML_ROW_LIMIT),
            thousands(rows.len()),
            thousands(rows.len()),
        );
    }
    out.push_str(
        "<div class=\"wrap\"><table class=\"rows\"><thead><tr><th>Time (UTC)</th>\
         <th>Account</th><th>Target</th><th>Owner</th><th>Phase</th><th>Result</th>\
         <th>Message</th></tr></thead><tbody>\n",
    );
    for row in rows.iter().take(HTML_ROW_LIMIT) {
        out.push_str("<tr><td>");
        esc(&mut out, &readable(row.at));
        out.push_str("</td><td>");
        esc(&mut out, &row.account);
        out.push_str("</td><td>");
        esc(&mut out, &row.target);
        out.push_str("</td><td>");
        esc(&mut out, row.owner.as_deref().unwrap_or(""));
        let outcome = row.outcome.as_str();
        let _ = write!(
            out,
            "</td><td>{}</td><td class=\"o-{outcome}\">{outcome}</td><td>",
            row.phase.as_str()
        );
        esc(&mut out, &row.message);
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n</main></body></html>\n");
    out
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
