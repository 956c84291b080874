//! `latchkey mpr …`: plan, confirm and run mass password onboarding and resets; resume, pause,
//! cancel; progress and reports.
//!
//! Every command that changes a run names its operator (`--as LOGIN`), who must be in the
//! `MPR_ADMINS` user class, hold the `mass_password_reset` privilege, and type their password
//! (re-authentication against the internal directory, as the password module of a chain does).
//! The run itself is `latchkey_mpr`; this module only asks, shows and reports. No password of an
//! account is ever printed: the owner reads it in the vault.

use super::mpr_progress::watch;
use crate::cli::{MprCommand, Operator, StartArgs};
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::outln;
use crate::table::Table;
use anyhow::Context as _;
use latchkey_core::admin::Privilege;
use latchkey_core::ids::{MprJobId, UserClassId};
use latchkey_core::mpr::job::{JobKind, MprRequest};
use latchkey_core::mpr::repo::MprRepo;
use latchkey_core::mpr::report::{to_csv, to_html};
use latchkey_core::profile::LoginId;
use latchkey_core::repo::{AdminRepo, ProfileRepo, SettingsRepo, UserClassRepo};
use latchkey_core::userclass::MPR_ADMINS;
use latchkey_mpr::control;
use latchkey_mpr::run::RunOptions;
use latchkey_server::os::OsRandom;
use std::io::IsTerminal;
use std::path::Path;

/// Runs an `mpr` subcommand.
pub async fn run(command: MprCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    match command {
        MprCommand::Onboard(args) => start(&ctx, JobKind::Onboard, args).await,
        MprCommand::Reset(args) => start(&ctx, JobKind::Reset, args).await,
        MprCommand::Status { run } => status(&ctx, run.as_deref()).await,
        MprCommand::Resume {
            run,
            operator,
            no_progress,
        } => {
            let login = authorize(&ctx, &operator).await?;
            let job = job_id(&run)?;
            let revived = control::resume(&ctx.store, job, &login).await?;
            if revived > 0 {
                outln!("{revived} orphaned accounts get a new retry budget")?;
            }
            work(&ctx, job, no_progress).await
        }
        MprCommand::Pause { run, operator } => {
            let login = authorize(&ctx, &operator).await?;
            control::pause(&ctx.store, job_id(&run)?, &login).await?;
            outln!("run {run} pauses after the batches in flight")?;
            Ok(())
        }
        MprCommand::Cancel { run, operator } => {
            let login = authorize(&ctx, &operator).await?;
            control::cancel(&ctx.store, job_id(&run)?, &login).await?;
            outln!(
                "run {run} is cancelled: accounts not started are skipped, started ones finish"
            )?;
            Ok(())
        }
        MprCommand::Report { run, csv, html } => report(&ctx, &run, csv, html).await,
    }
}

fn job_id(raw: &str) -> anyhow::Result<MprJobId> {
    raw.trim().parse().map_err(|_| {
        BadInput::error(format!(
            "{raw:?} is not a run id; list runs with `latchkey mpr status`"
        ))
    })
}

/// Checks that the operator may run mass resets and re-authenticates them. Returns their login.
async fn authorize(ctx: &Context, operator: &Operator) -> anyhow::Result<String> {
    let refused = || {
        BadInput::error(format!(
            "{} may not run mass password resets: it takes membership of {MPR_ADMINS}, the \
             mass_password_reset privilege and the right password",
            operator.login
        ))
    };
    let login = LoginId::new(&operator.login).map_err(|_| refused())?;
    let profile = ctx
        .store
        .profile_by_login(&login)
        .await?
        .ok_or_else(refused)?;
    let password = if operator.password_stdin {
        crate::password::read_from_stdin()?
    } else if std::io::stdin().is_terminal() {
        let typed = rpassword::prompt_password(format!("Password for {}: ", operator.login))
            .context("cannot read the password from the terminal")?;
        latchkey_core::secret::Password::new(typed)
    } else {
        return Err(BadInput::error(
            "type your password at a terminal, or pipe it with --password-stdin",
        ));
    };
    // The password is checked even when the privileges are missing, so the answer takes the
    // same time and says the same either way.
    let password_ok = ctx.directory()?.verify_profile(&profile, password).await?;
    let class = UserClassId::new(MPR_ADMINS).map_err(|e| anyhow::anyhow!(e))?;
    let member = ctx.store.members(&class).await?.contains(&profile.id);
    let privileged = ctx
        .store
        .administrator(profile.id)
        .await?
        .is_some_and(|a| a.privileges.contains(&Privilege::MassPasswordReset));
    if password_ok && member && privileged {
        Ok(profile.login_id.to_string())
    } else {
        Err(refused())
    }
}

async fn start(ctx: &Context, kind: JobKind, args: StartArgs) -> anyhow::Result<()> {
    let login = authorize(ctx, &args.operator).await?;
    let settings = ctx.store.settings().await?;
    let mut request = MprRequest::from_settings(kind, &settings)
        .map_err(|e| BadInput::error(format!("{e}; nothing was started")))?;
    request.dry_run = args.dry_run;
    for class in &args.user_classes {
        let id = UserClassId::new(class)
            .map_err(|e| BadInput::error(format!("user class {class:?}: {e}")))?;
        if ctx.store.user_class(&id).await?.is_none() {
            return Err(BadInput::error(format!("there is no user class {class:?}")));
        }
        request.scope.user_classes.push(id);
    }
    request.scope.accounts = args.accounts.clone();
    // Plan first, without storing anything, so the operator confirms what will happen; that very
    // plan is what gets stored.
    let (id, plan) = latchkey_mpr::prepare(&ctx.store, &request, &mut OsRandom).await?;
    let mut table = Table::new(&["target", "planned", "skipped", "why skipped"]);
    for (target, t) in &plan.targets {
        let why = t
            .skipped
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect::<Vec<_>>()
            .join("; ");
        table.row(vec![
            target.to_string(),
            t.planned.to_string(),
            t.skipped.values().sum::<u64>().to_string(),
            why,
        ]);
    }
    outln!("{}", table.render())?;
    outln!(
        "{} of {} accounts get a new password ({}).",
        plan.planned(),
        plan.entries.len(),
        if kind == JobKind::Onboard {
            "onboarding"
        } else {
            "reset"
        }
    )?;
    if args.dry_run {
        latchkey_mpr::confirm(&ctx.store, request, id, &plan, &login).await?;
        outln!("Dry run: nothing was changed.")?;
        return Ok(());
    }
    if plan.planned() == 0 {
        outln!("Nothing to do; no run was stored.")?;
        return Ok(());
    }
    if !args.yes && !confirm(plan.planned())? {
        outln!("Not confirmed; nothing was changed.")?;
        return Ok(());
    }
    let Some(job) = latchkey_mpr::confirm(&ctx.store, request, id, &plan, &login).await? else {
        return Ok(());
    };
    outln!("Run {job} stored.")?;
    if args.detach {
        outln!("Work on it with: latchkey mpr resume {job} --as {login}")?;
        return Ok(());
    }
    work(ctx, job, args.no_progress).await
}

fn confirm(planned: u64) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Err(BadInput::error(
            "confirm at a terminal, or pass --yes; nothing was changed",
        ));
    }
    let answer = rpassword::prompt_password(format!(
        "Type the number of accounts ({planned}) to set new passwords on them: "
    ))
    .or_else(|_| Ok::<_, anyhow::Error>(String::new()))?;
    Ok(answer.trim() == planned.to_string())
}

/// Works on a run in this process, with a progress bar, until it is finished or paused.
async fn work(ctx: &Context, job: MprJobId, no_progress: bool) -> anyhow::Result<()> {
    let master = ctx.require_master_key("vault items and the run's journal")?;
    let store = ctx.store.clone();
    let runner = tokio::spawn(async move {
        latchkey_mpr::run(&store, &master, job, OsRandom, &RunOptions::default()).await
    });
    let summary = watch(&ctx.store, job, runner, no_progress).await?;
    let p = control::progress(&ctx.store, job).await?;
    outln!(
        "Run {job} is {}: {} done, {} failed or orphaned, {} remaining.",
        summary.status.as_str(),
        p.done(),
        p.failed(),
        p.remaining()
    )?;
    outln!("Report: latchkey mpr report {job} > report.csv")?;
    Ok(())
}

async fn status(ctx: &Context, run: Option<&str>) -> anyhow::Result<()> {
    let jobs = match run {
        Some(raw) => {
            let id = job_id(raw)?;
            vec![ctx.store.job(id).await?.ok_or_else(|| {
                BadInput::error(format!(
                    "no run {raw}; list runs with `latchkey mpr status`"
                ))
            })?]
        }
        None => ctx.store.jobs(50).await?,
    };
    if jobs.is_empty() {
        outln!("No runs yet. Start one with `latchkey mpr onboard` or `latchkey mpr reset`.")?;
        return Ok(());
    }
    let mut table = Table::new(&[
        "run",
        "kind",
        "status",
        "by",
        "started",
        "done",
        "failed",
        "remaining",
    ]);
    for job in jobs {
        let p = control::progress(&ctx.store, job.id).await?;
        table.row(vec![
            job.id.to_string(),
            job.request.kind.to_string(),
            job.status.as_str().to_owned(),
            job.requested_by.clone(),
            job.created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            p.done().to_string(),
            p.failed().to_string(),
            p.remaining().to_string(),
        ]);
    }
    outln!("{}", table.render())?;
    Ok(())
}

async fn report(
    ctx: &Context,
    run: &str,
    csv: Option<std::path::PathBuf>,
    html: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let job = job_id(run)?;
    if ctx.store.job(job).await?.is_none() {
        return Err(BadInput::error(format!(
            "no run {run}; list runs with `latchkey mpr status`"
        )));
    }
    let rows = control::report(&ctx.store, job).await?;
    if let Some(path) = &html {
        let page = to_html(
            &format!("Mass password run {job}"),
            &rows,
            time::OffsetDateTime::now_utc(),
        );
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    match csv {
        Some(path) => {
            let mut file = std::fs::File::create(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            to_csv(&rows, &mut file).with_context(|| format!("cannot write {}", path.display()))?;
        }
        None if html.is_none() => {
            let mut out = std::io::stdout().lock();
            to_csv(&rows, &mut out)?;
        }
        None => {}
    }
    Ok(())
}
