//! `latchkey targets add | list | test | discover`: target systems from the shell.
//!
//! `add` validates the definition, seals the service password with the master key's `targets`
//! box and stores both; `test` and `discover` open the password again to build the connector.
//! Discovery's report names the accounts it could not associate; nothing prints a password.

use crate::cli::{TargetAddArgs, TargetsCommand};
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::{errln, outln};
use crate::table::Table;
use anyhow::Context as _;
use latchkey_core::ids::TargetId;
use latchkey_core::keys::MasterKey;
use latchkey_core::secret::Password;
use latchkey_core::target::discovery::DiscoveryReport;
use latchkey_core::target::repo::{StoredTarget, TargetRepo};
use latchkey_core::target::{
    PasswordMethod, ProfileSource, TargetConnector, TargetDef, TargetKind,
};
use latchkey_targets::credentials;
use latchkey_targets::discovery::{DiscoveryOptions, discover};
use std::path::Path;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Runs a `targets` subcommand.
pub async fn run(command: TargetsCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    match command {
        TargetsCommand::Add(args) => add(&ctx, *args).await,
        TargetsCommand::List { json } => list(&ctx, json).await,
        TargetsCommand::Test { id } => test(&ctx, &id).await,
        TargetsCommand::Discover {
            id,
            incremental,
            page_size,
            due,
            watch,
            json,
        } => match (id, due) {
            (Some(id), _) => discover_one(&ctx, &id, incremental, page_size, json).await,
            (None, true) => discover_due(&ctx, watch, json).await,
            (None, false) => Err(BadInput::error("name a target, or use --due")),
        },
    }
}

/// The master key, if one is configured.
fn master_key(ctx: &Context) -> anyhow::Result<Option<MasterKey>> {
    ctx.master_key()
}

fn target_id(raw: &str) -> anyhow::Result<TargetId> {
    TargetId::new(raw).map_err(|e| BadInput::error(format!("target id {raw:?}: {e}")))
}

async fn stored(ctx: &Context, raw: &str) -> anyhow::Result<StoredTarget> {
    let id = target_id(raw)?;
    ctx.store
        .target(&id)
        .await?
        .ok_or_else(|| BadInput::error(format!("no target {id}; see `latchkey targets list`")))
}

fn definition(args: &TargetAddArgs) -> anyhow::Result<TargetDef> {
    let kind = TargetKind::parse(&args.kind).ok_or_else(|| {
        BadInput::error(format!("--kind {:?}: use ldap, ad or postgres", args.kind))
    })?;
    let mut def = TargetDef::new(target_id(&args.id)?, kind, &args.url, &args.service_account);
    def.description = args.description.clone();
    def.starttls = args.starttls;
    def.ca_file = args.ca_file.clone();
    def.base_dn = args.base_dn.clone();
    def.account_filter = args.filter.clone();
    def.attributes = args.attributes.clone();
    def.password_method = match args.method.as_str() {
        "exop" => PasswordMethod::Exop,
        "replace" => PasswordMethod::Replace,
        other => {
            return Err(BadInput::error(format!(
                "--method {other:?}: use exop or replace"
            )));
        }
    };
    def.enforce_history_on_reset = args.enforce_history;
    def.association_attribute = args.association.clone();
    def.profile_source = args.source_login.as_ref().map(|login| ProfileSource {
        login_attribute: login.clone(),
        display_name_attribute: args.source_name.clone(),
        email_attribute: args.source_email.clone(),
    });
    def.discovery_interval_s = args.discover_every;
    def.pool_size = args.pool;
    def.operation_timeout_ms = args.timeout_ms;
    let problems = def.problems();
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        return Err(BadInput::error(format!(
            "the target definition is not valid; nothing was stored:\n{}",
            lines.join("\n")
        )));
    }
    Ok(def)
}

fn read_secret(args: &TargetAddArgs) -> anyhow::Result<Option<Password>> {
    if args.password_stdin {
        return crate::password::read_from_stdin().map(Some);
    }
    if let Some(path) = &args.password_file {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            BadInput::error(format!(
                "cannot read the password file {}: {e}",
                path.display()
            ))
        })?);
        let value = text.strip_suffix('\n').unwrap_or(&text);
        let value = value.strip_suffix('\r').unwrap_or(value);
        if value.is_empty() {
            return Err(BadInput::error(format!("{} is empty", path.display())));
        }
        return Ok(Some(Password::new(value)));
    }
    if args.no_password {
        return Ok(None);
    }
    Err(BadInput::error(
        "give the service password with --password-stdin or --password-file (or --no-password)",
    ))
}

async fn add(ctx: &Context, args: TargetAddArgs) -> anyhow::Result<()> {
    let def = definition(&args)?;
    let secret = read_secret(&args)?;
    let sealed = match &secret {
        Some(password) => {
            let master = master_key(ctx)?.ok_or_else(|| {
                BadInput::error(
                    "service passwords are stored sealed with the master key, and none is \
                     configured: set keys.master_key_file (make one with `latchkey keys generate FILE`)",
                )
            })?;
            Some(credentials::seal(
                &master,
                &def,
                password,
                &mut latchkey_server::os::OsRandom,
            )?)
        }
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let existing = ctx.store.target(&def.id).await?;
    let target = StoredTarget {
        def,
        sealed_secret: sealed,
        created_at: existing.as_ref().map_or(now, |t| t.created_at),
        updated_at: now,
    };
    match (existing, args.replace) {
        (Some(_), false) => {
            return Err(BadInput::error(format!(
                "target {} already exists; nothing was changed (use --replace)",
                target.def.id
            )));
        }
        (Some(_), true) => ctx.store.update_target(&target).await?,
        (None, _) => ctx.store.create_target(&target).await?,
    }
    outln!(
        "stored target {} ({}, {}); check it with `latchkey targets test {}`",
        target.def.id,
        target.def.kind.as_str(),
        target.def.url,
        target.def.id
    )?;
    Ok(())
}

async fn list(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let targets = ctx.store.list_targets().await?;
    let mut rows = Vec::new();
    for t in &targets {
        let last = ctx.store.last_discovery(&t.def.id, false).await?;
        rows.push((t, last));
    }
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(t, last)| {
                serde_json::json!({
                    "definition": t.def,
                    "service_password_stored": t.sealed_secret.is_some(),
                    "last_discovery": last.as_ref().map(|r| serde_json::json!({
                        "finished_at": r.finished_at.unix_timestamp(),
                        "ok": r.ok,
                    })),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&items)?)?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "ID",
        "KIND",
        "URL",
        "SOURCE",
        "ASSOCIATION",
        "LAST DISCOVERY",
    ]);
    for (t, last) in rows {
        let last = match last {
            None => "never".to_owned(),
            Some(r) => format!(
                "{} {}",
                r.finished_at.date(),
                if r.ok { "ok" } else { "failed" }
            ),
        };
        table.row(vec![
            t.def.id.to_string(),
            t.def.kind.as_str().to_owned(),
            t.def.url.clone(),
            if t.def.profile_source.is_some() {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
            t.def
                .association_attribute
                .clone()
                .unwrap_or_else(|| "-".into()),
            last,
        ]);
    }
    if table.is_empty() {
        outln!("no targets; define one with `latchkey targets add`")?;
    } else {
        crate::output::out!("{}", table.render())?;
    }
    Ok(())
}

async fn test(ctx: &Context, id: &str) -> anyhow::Result<()> {
    let target = stored(ctx, id).await?;
    let master = master_key(ctx)?;
    let connector = credentials::connector(master.as_ref(), &target)?;
    let info = connector
        .test_connection()
        .await
        .with_context(|| format!("target {} failed the test", target.def.id))?;
    outln!(
        "target {}: connected as {} ({}): {}",
        target.def.id,
        target.def.service_account,
        if info.encrypted {
            "encrypted"
        } else {
            "NOT encrypted"
        },
        info.server
    )?;
    Ok(())
}

/// Prints a report: counts, then the accounts that need a person's attention.
fn print_report(id: &TargetId, report: &DiscoveryReport, json: bool) -> anyhow::Result<()> {
    if json {
        outln!("{}", serde_json::to_string_pretty(report)?)?;
        return Ok(());
    }
    outln!(
        "target {id}: {} accounts{}, {} profiles created, {} updated, {} associated, \
         {} unmatched, {} ambiguous, {} without a value, {} invalid",
        report.accounts,
        if report.incremental {
            " changed since the last run"
        } else {
            ""
        },
        report.profiles_created,
        report.profiles_updated,
        report.associated,
        report.unmatched.len(),
        report.ambiguous.len(),
        report.no_value.len(),
        report.invalid.len()
    )?;
    for a in &report.ambiguous {
        outln!(
            "  ambiguous: {} matches {}",
            a.account,
            a.profiles.join(", ")
        )?;
    }
    for a in &report.unmatched {
        outln!("  unmatched: {a}")?;
    }
    for a in &report.no_value {
        outln!("  no value:  {a}")?;
    }
    for a in &report.invalid {
        outln!("  invalid:   {}: {}", a.account, a.reason)?;
    }
    Ok(())
}

async fn discover_one(
    ctx: &Context,
    id: &str,
    incremental: bool,
    page_size: u32,
    json: bool,
) -> anyhow::Result<()> {
    let target = stored(ctx, id).await?;
    let master = master_key(ctx)?;
    let connector = credentials::connector(master.as_ref(), &target)?;
    let options = DiscoveryOptions {
        incremental,
        page_size,
    };
    let report = discover(&connector, &target.def, &ctx.store, options)
        .await
        .with_context(|| format!("discovery of {} failed (recorded)", target.def.id))?;
    print_report(&target.def.id, &report, json)
}

async fn discover_due(ctx: &Context, watch: Option<u64>, json: bool) -> anyhow::Result<()> {
    let master = master_key(ctx)?;
    loop {
        let runs = latchkey_targets::schedule::run_due(
            &ctx.store,
            master.as_ref(),
            OffsetDateTime::now_utc(),
        )
        .await?;
        for run in runs {
            match run.outcome {
                Ok(report) => print_report(&run.target, &report, json)?,
                Err(e) => errln!("target {}: discovery failed: {e}", run.target),
            }
        }
        let Some(seconds) = watch else {
            return Ok(());
        };
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(seconds.max(1))) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
