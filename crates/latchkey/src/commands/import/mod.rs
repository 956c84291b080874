//! `latchkey users import FILE.csv`: all rows or none.
//!
//! The file is read whole and every row is checked (against the header, the other rows and the
//! database) before anything is written, so an operator sees every problem in one run and a
//! file with one bad line leaves the database as it was. Problems are located as
//! `FILE:LINE: column: message`, lines counted as an editor shows them (the header is line 1).
//! Cells of the `password` column never appear in any message.

mod parse;

use crate::context::Context;
use crate::failure::{BadInput, Problems, plural};
use crate::output::outln;
use crate::password::hash_all;
use anyhow::Context as _;
use latchkey_core::ids::ProfileId;
use latchkey_core::password_hash::PasswordHashString;
use latchkey_core::profile::Profile;
use latchkey_core::repo::{ProfileRepo, RepoError};
use latchkey_server::os::OsRandom;
use parse::{Parsed, parse};
use std::path::Path;
use time::OffsetDateTime;

/// Runs the import.
pub async fn run(ctx: &Context, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let data =
        std::fs::read(file).map_err(|e| BadInput::error(format!("cannot read {name}: {e}")))?;
    let Parsed {
        rows,
        mut problems,
        logins,
    } = parse(&name, &data)?;
    for (login, line) in &logins {
        if ctx.store.profile_by_login(login).await?.is_some() {
            problems.push((
                *line,
                format!("{name}:{line}: login_id: {login} already exists in the database"),
            ));
        }
    }
    let now = OffsetDateTime::now_utc();
    let mut profiles = Vec::with_capacity(rows.len());
    let mut passwords = Vec::with_capacity(rows.len());
    for row in rows {
        match row
            .profile
            .into_profile(ProfileId::generate(now, &mut OsRandom), now)
        {
            Ok(profile) => {
                profiles.push(profile);
                passwords.push(row.password);
            }
            Err(e) => problems.push((row.line, format!("{name}:{}: {e}", row.line))),
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|(line, _)| *line);
        let count = problems.len();
        return Err(anyhow::Error::new(Problems {
            lines: problems.into_iter().map(|(_, text)| text).collect(),
            summary: format!(
                "{name} has {count} problem{}; nothing was imported",
                plural(count)
            ),
        }));
    }
    let with_password = passwords.iter().filter(|p| p.is_some()).count();
    if profiles.is_empty() {
        outln!("{name} has no rows after the header; nothing to import")?;
        return Ok(());
    }
    if dry_run {
        outln!(
            "{name}: {} profile{} would be imported ({with_password} with a password); nothing was changed (dry run)",
            profiles.len(),
            plural(profiles.len())
        )?;
        return Ok(());
    }
    let hashes = hash_all(&ctx.directory()?, passwords).await?;
    let batch: Vec<(Profile, Option<PasswordHashString>)> =
        profiles.into_iter().zip(hashes).collect();
    match ctx.store.create_profiles(&batch).await {
        Err(RepoError::Conflict(_)) => {
            return Err(BadInput::error(format!(
                "a login id in {name} was taken while importing; nothing was imported, run the import again"
            )));
        }
        other => other.context("the import failed; nothing was imported")?,
    }
    outln!(
        "Imported {} profile{} from {name} ({with_password} with a password)",
        batch.len(),
        plural(batch.len())
    )?;
    Ok(())
}
