#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;
use time::macros::datetime;

fn row(secs: i64, account: &str, phase: Phase, outcome: Outcome, message: &str) -> ReportRow {
    ReportRow {
        at: datetime!(2025-06-15 12:00:00 UTC) + time::Duration::seconds(secs),
        account: account.into(),
        target: "ldap-main".into(),
        owner: Some("alice".into()),
        phase,
        outcome,
        message: message.into(),
    }
}

fn csv(rows: &[ReportRow]) -> String {
    let mut out = Vec::new();
    to_csv(rows, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A strict RFC 4180 reader, to check what a spreadsheet would see.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut cell) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => {
                assert!(cell.is_empty(), "quote inside an unquoted cell");
                quoted = true;
            }
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "bare CR outside quotes");
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("bare LF outside quotes"),
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && record.is_empty(),
        "unterminated record"
    );
    records
}

#[test]
fn csv_has_the_header_and_plain_rows() {
    let mut r = row(0, "jsmith", Phase::VaultCommit, Outcome::Ok, "stored");
    r.owner = None;
    assert_eq!(
        csv(&[r]),
        "time,account,target,owner,phase,result,message\r\n\
         2025-06-15T12:00:00Z,jsmith,ldap-main,,vault_commit,ok,stored\r\n"
    );
}

#[test]
fn csv_times_are_rfc3339_utc() {
    let mut r = row(0, "a", Phase::Plan, Outcome::Ok, "");
    r.at = datetime!(2025-06-15 14:30:05.25 +02:00);
    assert!(csv(&[r]).contains("\r\n2025-06-15T12:30:05.25Z,a,"));
}

#[test]
fn csv_quotes_commas_quotes_and_newlines() {
    let r = row(
        0,
        "cn=Smith\\, John,ou=people",
        Phase::Apply,
        Outcome::Failed,
        "the server said \"no\",\r\nthen closed\nthe connection",
    );
    let text = csv(&[r]);
    assert!(text.contains(",\"cn=Smith\\, John,ou=people\","));
    assert!(text.contains(",\"the server said \"\"no\"\",\r\nthen closed\nthe connection\"\r\n"));
    let records = parse_csv(&text);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1][1], "cn=Smith\\, John,ou=people");
    assert_eq!(
        records[1][6],
        "the server said \"no\",\r\nthen closed\nthe connection"
    );
}

#[test]
fn csv_cells_that_look_like_formulas_are_defused() {
    let cases = [
        (
            "=HYPERLINK(\"http://x\")",
            "\"'=HYPERLINK(\"\"http://x\"\")\"",
        ),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "\"'\rcmd\""),
        ("a=1", "a=1"),
        ("plain-name", "plain-name"),
    ];
    for (value, cell) in cases {
        let text = csv(&[row(0, value, Phase::Plan, Outcome::Ok, value)]);
        assert!(
            text.ends_with(&format!(",{cell},ldap-main,alice,plan,ok,{cell}\r\n")),
            "{value:?} → {text:?}"
        );
    }
}

#[test]
fn totals_count_each_account_by_its_last_row() {
    let mut other_target = row(5, "bob", Phase::Apply, Outcome::Failed, "refused");
    other_target.target = "ad".into();
    let rows = vec![
        row(0, "alice", Phase::Plan, Outcome::Ok, ""),
        row(1, "alice", Phase::Apply, Outcome::Retried, "timeout"),
        row(2, "alice", Phase::Apply, Outcome::Ok, ""),
        row(3, "alice", Phase::Revoke, Outcome::Ok, ""),
        row(0, "bob", Phase::Plan, Outcome::Ok, ""),
        row(4, "bob", Phase::Apply, Outcome::Retried, "down"),
        other_target,
        row(9, "carol", Phase::Apply, Outcome::Orphaned, "budget spent"),
        // Appended late but older: carol's last row stays the orphaned one.
        row(8, "carol", Phase::Generate, Outcome::Ok, ""),
        row(0, "dave", Phase::Plan, Outcome::Skipped, "dry run"),
        // Equal times: the later row wins.
        row(7, "erin", Phase::Apply, Outcome::Retried, ""),
        row(7, "erin", Phase::Apply, Outcome::Ok, ""),
    ];
    assert_eq!(
        totals(&rows),
        Totals {
            done: 2,
            failed: 1,
            orphaned: 1,
            skipped: 1,
            retrying: 1,
            total: 6,
        }
    );
}

#[test]
fn empty_input_renders_without_panicking() {
    assert_eq!(totals(&[]), Totals::default());
    assert_eq!(
        csv(&[]),
        "time,account,target,owner,phase,result,message\r\n"
    );
    let html = to_html("", &[], datetime!(2025-06-15 12:00:00 UTC));
    assert!(html.contains("Nothing to chart yet."));
    assert!(html.ends_with("</html>\n"));
}

#[test]
fn html_escapes_every_value() {
    let mut r = row(
        0,
        "x\"><img src=x onerror=alert(1)>",
        Phase::Apply,
        Outcome::Failed,
        "<script>alert('pwned')</script> & more",
    );
    r.owner = Some("o'neil".into());
    r.target = "<b>t</b>".into();
    let html = to_html("Reset <script>", &[r], datetime!(2025-06-15 12:00:00 UTC));
    assert!(!html.to_lowercase().contains("<script"));
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; more"));
    assert!(html.contains("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("o&#39;neil"));
    assert!(html.contains("&lt;b&gt;t&lt;/b&gt;"));
    assert!(html.contains("<title>Reset &lt;script&gt;</title>"));
}

#[test]
fn html_is_self_contained() {
    let rows = vec![row(0, "a", Phase::Plan, Outcome::Ok, "")];
    let html = to_html("Run 7", &rows, datetime!(2025-06-15 12:00:00 UTC));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<style>"));
    for external in [
        "http:", "https:", "//", "src=", "href=", "@import", "<script",
    ] {
        assert!(!html.contains(external), "{external}");
    }
}

fn polylines(html: &str) -> Vec<usize> {
    html.split("points=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().split_whitespace().count())
        .collect()
}

#[test]
fn chart_with_one_row_is_a_flat_line() {
    let rows = vec![row(0, "a", Phase::Revoke, Outcome::Ok, "")];
    let html = to_html("one", &rows, datetime!(2025-06-15 12:00:00 UTC));
    assert!(html.contains("<svg"));
    assert!(html.contains("accounts finished"));
    assert!(html.contains("time (UTC), 0 s in all"));
    assert_eq!(polylines(&html), vec![2, 2]);
    assert!(!html.contains("NaN") && !html.contains("inf"));
}

#[test]
fn chart_and_table_stay_bounded_for_100_000_rows() {
    let rows: Vec<ReportRow> = (0..100_000)
        .map(|i| {
            let outcome = if i % 50 == 0 {
                Outcome::Failed
            } else {
                Outcome::Ok
            };
            row(i / 10, &format!("user{i}"), Phase::Revoke, outcome, "")
        })
        .collect();
    let html = to_html("big", &rows, datetime!(2025-06-15 12:00:00 UTC));
    assert_eq!(polylines(&html), vec![CHART_POINTS + 1, CHART_POINTS + 1]);
    assert!(
        html.contains("Showing the first 5,000 of 100,000 rows; the CSV report has all 100,000.")
    );
    assert_eq!(html.matches("<tr><td>").count(), HTML_ROW_LIMIT);
    assert!(html.contains(">98,000</td>") && html.contains(">2,000</td>"));
    assert!(html.contains("time (UTC), 2 h 46 min in all"));
    assert!(html.len() < 2_000_000, "{}", html.len());
}

#[test]
fn the_chart_rises_with_finished_accounts() {
    let rows = vec![
        row(0, "a", Phase::Revoke, Outcome::Ok, ""),
        row(10, "b", Phase::Revoke, Outcome::Ok, ""),
        row(20, "c", Phase::Apply, Outcome::Failed, ""),
    ];
    let html = to_html("rise", &rows, datetime!(2025-06-15 12:00:00 UTC));
    let done = html
        .split("points=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let ys: Vec<f64> = done
        .split_whitespace()
        .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(ys.windows(2).all(|w| w[1] <= w[0]), "{ys:?}");
    assert!(ys.first().unwrap() > ys.last().unwrap());
}

#[test]
fn rows_serialize_with_snake_case_names() {
    let r = row(0, "a", Phase::VaultCommit, Outcome::Orphaned, "m");
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"phase\":\"vault_commit\""));
    assert!(json.contains("\"outcome\":\"orphaned\""));
    assert!(json.contains("\"at\":\"2025-06-15T12:00:00Z\""));
    assert_eq!(serde_json::from_str::<ReportRow>(&json).unwrap(), r);
    let names: Vec<&str> = [
        Phase::Plan,
        Phase::Generate,
        Phase::Apply,
        Phase::Verify,
        Phase::VaultCommit,
        Phase::Revoke,
    ]
    .map(Phase::as_str)
    .to_vec();
    assert_eq!(
        names,
        [
            "plan",
            "generate",
            "apply",
            "verify",
            "vault_commit",
            "revoke"
        ]
    );
}

#[test]
fn numbers_and_durations_read_well() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(duration(59), "59 s");
    assert_eq!(duration(125), "2 min 5 s");
    assert_eq!(duration(3725), "1 h 2 min");
    assert_eq!(duration(200_000), "2 days 7 h");
}

fn any_row() -> impl Strategy<Value = ReportRow> {
    (
        0i64..2_000_000_000,
        any::<String>(),
        any::<String>(),
        proptest::option::of(any::<String>()),
        "(<script>|['\"&<>=+@\\-\\t\\r\\n,]|[a-z ]){0,12}",
    )
        .prop_map(|(secs, account, target, owner, message)| ReportRow {
            at: OffsetDateTime::from_unix_timestamp(secs).unwrap(),
            account,
            target,
            owner,
            phase: Phase::Apply,
            outcome: Outcome::Failed,
            message,
        })
}

proptest! {
    #[test]
    fn arbitrary_values_never_break_the_html(
        rows in proptest::collection::vec(any_row(), 0..20),
        title in any::<String>(),
    ) {
        let html = to_html(&title, &rows, datetime!(2025-06-15 12:00:00 UTC));
        prop_assert!(!html.to_lowercase().contains("<script"));
        // With escaping right, the markup does not depend on the values, only on which are equal
        // (the totals and chart count accounts): hex keeps that and has nothing to escape.
        let hex = |v: &str| v.bytes().map(|b| format!("{b:02x}")).collect::<String>() + "x";
        let tame: Vec<ReportRow> = rows
            .iter()
            .map(|r| ReportRow {
                account: hex(&r.account),
                target: hex(&r.target),
                owner: r.owner.as_deref().map(hex),
                message: hex(&r.message),
                ..r.clone()
            })
            .collect();
        let reference = to_html("x", &tame, datetime!(2025-06-15 12:00:00 UTC));
        for c in ['<', '>', '"', '\''] {
            prop_assert_eq!(html.matches(c).count(), reference.matches(c).count());
        }
    }

    #[test]
    fn csv_reads_back_as_the_values(rows in proptest::collection::vec(any_row(), 0..20)) {
        let records = parse_csv(&csv(&rows));
        prop_assert_eq!(records.len(), rows.len() + 1);
        for (record, row) in records.iter().skip(1).zip(&rows) {
            prop_assert_eq!(record.len(), 7);
            let none = String::new();
            let values = [&row.account, &row.target, row.owner.as_ref().unwrap_or(&none), &row.message];
            for (cell, value) in [&record[1], &record[2], &record[3], &record[6]].into_iter().zip(values) {
                let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
                let expected = if formula { format!("'{value}") } else { value.clone() };
                prop_assert_eq!(cell, &expected);
            }
        }
    }
}
