//! Reading an import file into profiles to create, collecting every problem on the way.

use crate::failure::BadInput;
use csv::StringRecord;
use latchkey_core::profile::{Attributes, LoginId, NewProfile, attribute_name, validate_email};
use latchkey_core::secret::Password;
use std::collections::BTreeMap;

/// What a column of the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Login,
    DisplayName,
    Email,
    Password,
    /// An attribute, by its canonical name.
    Attribute(String),
}

/// One valid row.
#[derive(Debug)]
pub struct ImportRow {
    /// Line of the file where the row starts.
    pub line: u64,
    /// The profile to create.
    pub profile: NewProfile,
    /// Its password, if the cell was not blank.
    pub password: Option<Password>,
}

/// A problem and the line it is on (for sorting).
pub type Located = (u64, String);

/// What a file holds.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Rows without a problem.
    pub rows: Vec<ImportRow>,
    /// Every problem found.
    pub problems: Vec<Located>,
    /// Every valid login id, with the line it is first on (also of rows with other problems),
    /// to check against the database.
    pub logins: BTreeMap<LoginId, u64>,
}

/// Reads the file. Only a file that cannot be read at all is an `Err`; everything else wrong
/// with it is in [`Parsed::problems`].
pub fn parse(name: &str, data: &[u8]) -> anyhow::Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut records = reader.records();
    let mut problems = Vec::new();
    let header = match records.next() {
        None => {
            return Err(BadInput::error(format!(
                "{name} is empty: the first line must name the columns, e.g. login_id,display_name,email"
            )));
        }
        Some(Err(e)) => return Err(BadInput::error(format!("{name}:1: {}", csv_problem(&e)))),
        Some(Ok(header)) => header,
    };
    let columns = match read_header(name, &header) {
        Ok(columns) => columns,
        Err(problems) => {
            return Ok(Parsed {
                problems,
                ..Parsed::default()
            });
        }
    };
    let mut rows = Vec::new();
    let mut seen: BTreeMap<LoginId, u64> = BTreeMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(anyhow::anyhow!("cannot read {name}: {e}"));
                }
                let line = e.position().map_or(0, csv::Position::line);
                problems.push((line, format!("{name}:{line}: {}", csv_problem(&e))));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let at =
            |column: &str, message: String| (line, format!("{name}:{line}: {column}: {message}"));
        if record.len() != columns.len() {
            problems.push((
                line,
                format!(
                    "{name}:{line}: expected {} fields like the header, found {}",
                    columns.len(),
                    record.len()
                ),
            ));
            continue;
        }
        let mut login = None;
        let mut display_name = String::new();
        let mut email = None;
        let mut password = None;
        let mut attributes = Attributes::new();
        let mut ok = true;
        for (column, cell) in columns.iter().zip(record.iter()) {
            match column {
                Column::Login => match LoginId::new(cell) {
                    Ok(id) => login = Some(id),
                    Err(e) => {
                        problems.push(at("login_id", e.to_string()));
                        ok = false;
                    }
                },
                Column::DisplayName => {
                    let trimmed = cell.trim();
                    if trimmed.is_empty() || trimmed.chars().count() > 256 {
                        problems.push(at(
                            "display_name",
                            "must be 1 to 256 characters long".into(),
                        ));
                        ok = false;
                    }
                    display_name = trimmed.to_owned();
                }
                Column::Email => {
                    let trimmed = cell.trim();
                    if !trimmed.is_empty() {
                        match validate_email(trimmed) {
                            Ok(()) => email = Some(trimmed.to_owned()),
                            Err(e) => {
                                problems.push(at("email", e.to_string()));
                                ok = false;
                            }
                        }
                    }
                }
                Column::Password => {
                    if !cell.is_empty() {
                        password = Some(Password::new(cell));
                    }
                }
                Column::Attribute(attr) => {
                    let value = cell.trim();
                    if !value.is_empty()
                        && let Err(e) = attributes.add(attr, value)
                    {
                        problems.push(at(attr, e.to_string()));
                        ok = false;
                    }
                }
            }
        }
        let Some(login) = login else { continue };
        if let Some(first) = seen.get(&login) {
            problems.push(at(
                "login_id",
                format!("{login} appears again (first on line {first})"),
            ));
            continue;
        }
        seen.insert(login.clone(), line);
        if ok {
            rows.push(ImportRow {
                line,
                profile: NewProfile {
                    login_id: login,
                    display_name,
                    email,
                    attributes,
                },
                password,
            });
        }
    }
    Ok(Parsed {
        rows,
        problems,
        logins: seen,
    })
}

/// The columns named by the header, or every problem with it.
fn read_header(name: &str, header: &StringRecord) -> Result<Vec<Column>, Vec<Located>> {
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        // Spreadsheet programs often start UTF-8 files with a byte-order mark.
        let title = if i == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        }
        .trim();
        let column = match title.to_ascii_lowercase().as_str() {
            "login_id" => Column::Login,
            "display_name" => Column::DisplayName,
            "email" => Column::Email,
            "password" => Column::Password,
            "" => {
                problems.push((1, format!("{name}:1: column {} has no name", i + 1)));
                continue;
            }
            _ => match attribute_name(title) {
                Ok(attr) => Column::Attribute(attr),
                Err(e) => {
                    problems.push((1, format!("{name}:1: column {title:?}: {e}")));
                    continue;
                }
            },
        };
        if columns.contains(&column) {
            problems.push((1, format!("{name}:1: column {title:?} appears twice")));
        }
        columns.push(column);
    }
    for (required, column) in [
        ("login_id", Column::Login),
        ("display_name", Column::DisplayName),
    ] {
        if !columns.contains(&column) {
            problems.push((
                1,
                format!("{name}:1: the required column {required} is missing"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(problems)
    }
}

/// What is wrong, without quoting the data (it may be a password).
fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "the line is not valid UTF-8 (save the file as UTF-8)".into()
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        _ => "the line cannot be read as CSV".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(csv: &str) -> Vec<String> {
        parse("f.csv", csv.as_bytes())
            .unwrap()
            .problems
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    #[test]
    fn good_rows_become_profiles_and_other_columns_attributes() {
        let Parsed { rows, problems, .. } = parse(
            "f.csv",
            b"\xef\xbb\xbflogin_id,display_name,email,Department,password\nalice,Alice,alice@example.org,IT,pw1\nbob,Bob,,,\n",
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].profile.attributes.first("department"), Some("IT"));
        assert_eq!(rows[0].password.as_ref().map(Password::expose), Some("pw1"));
        assert!(rows[1].password.is_none() && rows[1].profile.email.is_none());
    }

    #[test]
    fn every_problem_is_located_and_passwords_are_not_echoed() {
        let p = problems_of(
            "login_id,display_name,email,password\n\
             a b,Ann,,secret-one\n\
             carl,,carl@example.org,secret-two\n\
             dora,Dora,dora@,secret-three\n\
             \"multi\nline\",X,,\n\
             dora,Dora Again,,\n\
             short,row\n",
        );
        assert_eq!(p.len(), 6, "{p:#?}");
        assert!(p[0].starts_with("f.csv:2: login_id:"));
        assert!(p[1].starts_with("f.csv:3: display_name:"));
        assert!(p[2].starts_with("f.csv:4: email:"));
        // A quoted cell spanning lines 5-6: the next row is line 7, as an editor shows it.
        assert!(p[3].starts_with("f.csv:5: login_id:"));
        assert_eq!(
            p[4],
            "f.csv:7: login_id: dora appears again (first on line 4)"
        );
        assert!(p[5].starts_with("f.csv:8: expected 4 fields"));
        assert!(!p.iter().any(|l| l.contains("secret")));
    }

    #[test]
    fn rows_with_problems_still_have_their_login_checked() {
        let parsed = parse(
            "f.csv",
            b"login_id,display_name,email\ncarl,,carl@example.org\nann,Ann,\n",
        )
        .unwrap();
        assert_eq!(parsed.rows.len(), 1);
        let logins: Vec<(&str, u64)> = parsed
            .logins
            .iter()
            .map(|(l, n)| (l.as_str(), *n))
            .collect();
        assert_eq!(logins, [("ann", 3), ("carl", 2)]);
    }

    #[test]
    fn header_problems_stop_before_rows() {
        let p = problems_of("login_id,bad name,Email,email\nx,y,z,w\n");
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[0].contains("\"bad name\""));
        assert!(p[1].contains("appears twice"));
        assert!(p[2].contains("display_name is missing"));
        assert!(parse("f.csv", b"").is_err());
    }
}
