//! `latchkey settings list | get | set | add | unset`: the settings table from the shell.
//!
//! Names are case-insensitive here and stored upper-case. Every value is checked with
//! [`validate_row`] before anything is written, so a typo'd name (with a hint) or a bad value
//! changes nothing.

use crate::cli::SettingsCommand;
use crate::context::Context;
use crate::failure::{BadInput, plural};
use crate::output::{errln, out, outln};
use crate::table::Table;
use latchkey_core::repo::SettingsRepo;
use latchkey_core::settings::{
    KNOWN, SettingError, SettingRow, Settings, find_known, validate_row,
};
use latchkey_core::sspr::{ForgottenPassword, NS_FORGOTTEN_PASSWORD};
use std::path::Path;

/// Runs a `settings` subcommand.
pub async fn run(command: SettingsCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    match command {
        SettingsCommand::List { namespace } => list(&ctx, namespace.as_deref()).await,
        SettingsCommand::Get { namespace, setting } => get(&ctx, &namespace, &setting).await,
        SettingsCommand::Set {
            namespace,
            setting,
            values,
            custom,
        } => set(&ctx, &namespace, &setting, &values, custom).await,
        SettingsCommand::Add {
            namespace,
            setting,
            value,
            custom,
        } => add(&ctx, &namespace, &setting, &value, custom).await,
        SettingsCommand::Unset {
            namespace,
            setting,
            value,
        } => unset(&ctx, &namespace, &setting, value.as_deref()).await,
    }
}

fn bad(error: SettingError) -> anyhow::Error {
    BadInput::error(error.to_string())
}

/// Settings read together as one configuration are checked whole, on the table as it would
/// be after the change, before anything is written: a change that would leave the
/// forgotten-password configuration unusable (a filter that does not parse, a `%field%` the
/// search form lacks) is refused and changes nothing.
fn check_whole(
    settings: &Settings,
    namespace: &str,
    change: impl FnOnce(&mut Vec<SettingRow>),
) -> anyhow::Result<()> {
    if namespace != NS_FORGOTTEN_PASSWORD {
        return Ok(());
    }
    let mut rows = settings.rows().to_vec();
    change(&mut rows);
    ForgottenPassword::from_settings(&Settings::new(rows))
        .map(|_| ())
        .map_err(|e| BadInput::error(format!("{e}; nothing changed")))
}

/// The stored rows of one setting (names already normalised).
fn rows_of<'a>(settings: &'a Settings, namespace: &str, setting: &str) -> Vec<&'a SettingRow> {
    settings
        .rows()
        .iter()
        .filter(|r| r.namespace == namespace && r.setting == setting)
        .collect()
}

/// Normalises and checks a setting's name. A name outside the registry is accepted only when
/// rows with it are already stored (a custom setting someone added), so a typo gets its hint.
fn resolve(
    settings: &Settings,
    namespace: &str,
    setting: &str,
) -> anyhow::Result<(String, String)> {
    // The value is irrelevant here: names are checked before values, and a value error
    // means the name is fine.
    match validate_row(namespace, setting, "x", false) {
        Ok(row) => Ok((row.namespace, row.setting)),
        Err(SettingError::Value {
            namespace, setting, ..
        }) => Ok((namespace, setting)),
        Err(e @ SettingError::Unknown { .. }) => {
            let (ns, s) = (
                namespace.trim().to_ascii_uppercase(),
                setting.trim().to_ascii_uppercase(),
            );
            if rows_of(settings, &ns, &s).is_empty() {
                Err(bad(e))
            } else {
                Ok((ns, s))
            }
        }
        Err(e) => Err(bad(e)),
    }
}

async fn list(ctx: &Context, namespace: Option<&str>) -> anyhow::Result<()> {
    let settings = ctx.store.settings().await?;
    let wanted = namespace.map(|n| n.trim().to_ascii_uppercase());
    let keep = |ns: &str| wanted.as_deref().is_none_or(|w| w == ns);
    let mut entries: Vec<(String, String, String)> = settings
        .rows()
        .iter()
        .filter(|r| keep(&r.namespace))
        .map(|r| (r.namespace.clone(), r.setting.clone(), r.value.clone()))
        .collect();
    for known in KNOWN.iter().filter(|k| keep(k.namespace)) {
        if rows_of(&settings, known.namespace, known.setting).is_empty() {
            let shown = match known.default {
                Some(default) => format!("{default} (default)"),
                None => "(not set)".to_owned(),
            };
            entries.push((known.namespace.into(), known.setting.into(), shown));
        }
    }
    // Stable: rows of a repeated setting keep their stored order.
    entries.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    if entries.is_empty() {
        outln!(
            "No settings in namespace {}",
            wanted.as_deref().unwrap_or("(any)")
        )?;
        return Ok(());
    }
    let mut table = Table::new(&["NAMESPACE", "SETTING", "VALUE"]);
    for (ns, setting, value) in entries {
        table.row(vec![ns, setting, value]);
    }
    out!("{}", table.render())?;
    Ok(())
}

async fn get(ctx: &Context, namespace: &str, setting: &str) -> anyhow::Result<()> {
    let settings = ctx.store.settings().await?;
    let (ns, s) = resolve(&settings, namespace, setting)?;
    let rows = rows_of(&settings, &ns, &s);
    if rows.is_empty() {
        match find_known(&ns, &s).and_then(|k| k.default) {
            Some(default) => {
                outln!("{default}")?;
                errln!("note: {ns}/{s} is not set; this is its default");
            }
            None => errln!("note: {ns}/{s} is not set and has no default"),
        }
    }
    for row in rows {
        outln!("{}", row.value)?;
    }
    Ok(())
}

async fn set(
    ctx: &Context,
    namespace: &str,
    setting: &str,
    values: &[String],
    custom: bool,
) -> anyhow::Result<()> {
    let rows: Vec<SettingRow> = values
        .iter()
        .map(|v| validate_row(namespace, setting, v, custom))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let Some(first) = rows.first() else {
        return Err(BadInput::error("give at least one value"));
    };
    let (ns, s) = (first.namespace.clone(), first.setting.clone());
    if rows.len() > 1 && find_known(&ns, &s).is_some_and(|k| !k.repeatable) {
        return Err(BadInput::error(format!(
            "{ns}/{s} takes one value, {} were given",
            rows.len()
        )));
    }
    let current = ctx.store.settings().await?;
    check_whole(&current, &ns, |all| {
        all.retain(|r| !(r.namespace == ns && r.setting == s));
        all.extend(rows.iter().cloned());
    })?;
    ctx.store.replace_setting(&ns, &s, &rows).await?;
    let shown: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
    outln!("{ns}/{s} = {}", shown.join(", "))?;
    Ok(())
}

async fn add(
    ctx: &Context,
    namespace: &str,
    setting: &str,
    value: &str,
    custom: bool,
) -> anyhow::Result<()> {
    let row = validate_row(namespace, setting, value, custom).map_err(bad)?;
    let settings = ctx.store.settings().await?;
    let existing = rows_of(&settings, &row.namespace, &row.setting).len();
    if existing > 0 && find_known(&row.namespace, &row.setting).is_some_and(|k| !k.repeatable) {
        return Err(bad(SettingError::NotRepeatable {
            namespace: row.namespace,
            setting: row.setting,
        }));
    }
    check_whole(&settings, &row.namespace, |all| all.push(row.clone()))?;
    ctx.store.add_setting(&row).await?;
    outln!(
        "{}/{}: added {} (now {} value{})",
        row.namespace,
        row.setting,
        row.value,
        existing + 1,
        plural(existing + 1)
    )?;
    Ok(())
}

async fn unset(
    ctx: &Context,
    namespace: &str,
    setting: &str,
    value: Option<&str>,
) -> anyhow::Result<()> {
    let settings = ctx.store.settings().await?;
    let (ns, s) = resolve(&settings, namespace, setting)?;
    let value = value.map(str::trim);
    check_whole(&settings, &ns, |all| {
        all.retain(|r| {
            !(r.namespace == ns && r.setting == s && value.is_none_or(|v| r.value == v))
        });
    })?;
    let removed = ctx.store.unset_setting(&ns, &s, value).await?;
    match (removed, value) {
        (0, Some(v)) => outln!("{ns}/{s} has no value {v:?}; nothing changed"),
        (0, None) => outln!("{ns}/{s} was not set; nothing changed"),
        (n, _) => outln!(
            "{ns}/{s}: removed {n} value{}",
            plural(usize::try_from(n).unwrap_or(usize::MAX))
        ),
    }?;
    let after = ctx.store.settings().await?;
    if rows_of(&after, &ns, &s).is_empty()
        && let Some(default) = find_known(&ns, &s).and_then(|k| k.default)
    {
        outln!("{ns}/{s} is back to its default, {default}")?;
    }
    Ok(())
}
