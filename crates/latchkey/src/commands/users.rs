//! `latchkey users list | add | set-password | import`.

use crate::cli::{AddArgs, SetPasswordArgs, UsersCommand};
use crate::context::Context;
use crate::failure::{BadInput, plural};
use crate::output::{errln, out, outln};
use crate::password::{random_password, read_from_stdin};
use crate::table::Table;
use anyhow::Context as _;
use latchkey_core::admin::{Administrator, Privilege};
use latchkey_core::ids::ProfileId;
use latchkey_core::profile::{Attributes, LoginId, NewProfile, Profile, validate_email};
use latchkey_core::repo::{AdminRepo, ProfileRepo, RepoError, SessionRepo};
use latchkey_core::secret::Password;
use latchkey_server::os::OsRandom;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use time::OffsetDateTime;

/// Profiles fetched per query when listing.
const PAGE: u32 = 500;

/// Runs a `users` subcommand.
pub async fn run(command: UsersCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    match command {
        UsersCommand::List { limit, json } => list(&ctx, limit, json).await,
        UsersCommand::Add(args) => add(&ctx, args).await,
        UsersCommand::SetPassword(args) => set_password(&ctx, args).await,
        UsersCommand::Import { file, dry_run } => super::import::run(&ctx, &file, dry_run).await,
    }
}

async fn list(ctx: &Context, limit: u32, as_json: bool) -> anyhow::Result<()> {
    let mut profiles: Vec<Profile> = Vec::new();
    let mut after: Option<LoginId> = None;
    while u32::try_from(profiles.len()).unwrap_or(u32::MAX) < limit {
        let want = limit
            .saturating_sub(u32::try_from(profiles.len()).unwrap_or(u32::MAX))
            .min(PAGE);
        let page = ctx.store.list_profiles(after.as_ref(), want).await?;
        let full = u32::try_from(page.len()).unwrap_or(u32::MAX) == want;
        after = page.last().map(|p| p.login_id.clone());
        profiles.extend(page);
        if !full {
            break;
        }
    }
    let admins: BTreeMap<ProfileId, Administrator> = ctx
        .store
        .list_administrators()
        .await?
        .into_iter()
        .map(|a| (a.profile_id, a))
        .collect();
    let total = ctx.store.count_profiles().await?;

    if as_json {
        let items: Vec<serde_json::Value> = profiles
            .iter()
            .map(|p| profile_json(p, admins.get(&p.id)))
            .collect();
        let text = serde_json::to_string_pretty(&items).context("cannot render JSON")?;
        outln!("{text}")?;
    } else {
        let mut table = Table::new(&["LOGIN", "NAME", "EMAIL", "STATUS", "ADMIN"]);
        for p in &profiles {
            table.row(vec![
                p.login_id.to_string(),
                p.display_name.clone(),
                p.email.clone().unwrap_or_default(),
                status(p),
                admin_summary(admins.get(&p.id)),
            ]);
        }
        if table.is_empty() {
            outln!(
                "No profiles yet: add one with `latchkey users add` or `latchkey users import`."
            )?;
        } else {
            out!("{}", table.render())?;
        }
    }
    let shown = u64::try_from(profiles.len()).unwrap_or(u64::MAX);
    if shown < total {
        errln!("(showing {shown} of {total} profiles; use --limit to see more)");
    }
    Ok(())
}

fn status(p: &Profile) -> String {
    let mut s = if p.enabled { "enabled" } else { "disabled" }.to_owned();
    if p.locked {
        s.push_str(", locked");
    }
    s
}

fn admin_summary(admin: Option<&Administrator>) -> String {
    match admin {
        None => String::new(),
        Some(a) if a.privileges.len() == Privilege::ALL.len() => "all privileges".to_owned(),
        Some(a) => a
            .privileges
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn profile_json(p: &Profile, admin: Option<&Administrator>) -> serde_json::Value {
    let attributes: serde_json::Map<String, serde_json::Value> = p
        .attributes
        .iter()
        .map(|(name, values)| (name.to_owned(), json!(values)))
        .collect();
    let privileges: Vec<&str> = admin
        .map(|a| a.privileges.iter().map(|p| p.as_str()).collect())
        .unwrap_or_default();
    let created = p
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json!({
        "id": p.id.to_string(),
        "login_id": p.login_id.as_str(),
        "display_name": p.display_name,
        "email": p.email,
        "enabled": p.enabled,
        "locked": p.locked,
        "attributes": attributes,
        "admin_privileges": privileges,
        "created_at": created,
    })
}

/// How the password of a command is chosen.
enum PasswordChoice {
    Stdin,
    Random,
    None,
}

impl PasswordChoice {
    /// The password to set (None for no password) and whether it must be shown.
    fn obtain(&self) -> anyhow::Result<Option<(Password, bool)>> {
        Ok(match self {
            PasswordChoice::Stdin => Some((read_from_stdin()?, false)),
            PasswordChoice::Random => Some((random_password(&mut OsRandom), true)),
            PasswordChoice::None => None,
        })
    }
}

async fn add(ctx: &Context, args: AddArgs) -> anyhow::Result<()> {
    let choice = match (args.password_stdin, args.random_password, args.no_password) {
        (true, _, _) => PasswordChoice::Stdin,
        (_, true, _) => PasswordChoice::Random,
        (_, _, true) => PasswordChoice::None,
        _ => {
            return Err(BadInput::error(
                "say how to set the password: --password-stdin (piped in), --random-password \
                 (generated and shown once) or --no-password; passwords are never accepted as \
                 arguments",
            ));
        }
    };
    let login = LoginId::new(&args.login)
        .map_err(|e| BadInput::error(format!("login id {:?}: {e}", args.login)))?;
    let email = args.email.map(|e| e.trim().to_owned());
    if let Some(email) = &email {
        validate_email(email).map_err(|e| BadInput::error(e.to_string()))?;
    }
    let mut attributes = Attributes::new();
    for (name, value) in args.attrs {
        attributes
            .add(&name, value)
            .map_err(|e| BadInput::error(e.to_string()))?;
    }
    let now = OffsetDateTime::now_utc();
    let profile = NewProfile {
        login_id: login.clone(),
        display_name: args.name,
        email,
        attributes,
    }
    .into_profile(ProfileId::generate(now, &mut OsRandom), now)
    .map_err(|e| BadInput::error(e.to_string()))?;
    if ctx.store.profile_by_login(&login).await?.is_some() {
        return Err(BadInput::error(format!(
            "a profile with login id {login} already exists"
        )));
    }
    let password = choice.obtain()?;
    let hash = match &password {
        Some((pw, _)) => Some(ctx.directory()?.hash(pw.clone()).await?),
        None => None,
    };
    match ctx.store.create_profile(&profile, hash.as_ref()).await {
        Err(RepoError::Conflict(_)) => {
            return Err(BadInput::error(format!(
                "a profile with login id {login} already exists"
            )));
        }
        other => other?,
    }
    outln!("Created {} ({})", profile.login_id, profile.display_name)?;
    if let Some((pw, true)) = &password {
        print_generated(&login, pw)?;
    }
    Ok(())
}

async fn set_password(ctx: &Context, args: SetPasswordArgs) -> anyhow::Result<()> {
    let choice = match (args.password_stdin, args.random_password) {
        (true, _) => PasswordChoice::Stdin,
        (_, true) => PasswordChoice::Random,
        _ => {
            return Err(BadInput::error(
                "say where the new password comes from: --password-stdin (piped in) or \
                 --random-password (generated and shown once); passwords are never accepted as \
                 arguments",
            ));
        }
    };
    let login = LoginId::new(&args.login)
        .map_err(|e| BadInput::error(format!("login id {:?}: {e}", args.login)))?;
    let profile = ctx
        .store
        .profile_by_login(&login)
        .await?
        .ok_or_else(|| BadInput::error(format!("no profile has the login id {login}")))?;
    let Some((password, show)) = choice.obtain()? else {
        return Ok(());
    };
    ctx.directory()?
        .set_password(&profile, password.clone())
        .await?;
    // Whoever held a session with the old password should not keep it.
    let ended = ctx.store.delete_sessions_of(profile.id, None).await?;
    outln!(
        "Set a new password for {login}; ended {ended} session{}",
        plural(usize::try_from(ended).unwrap_or(usize::MAX))
    )?;
    if show {
        print_generated(&login, &password)?;
    }
    if profile.locked || !profile.enabled {
        errln!(
            "note: {login} is {}; the new password works only once that changes",
            status(&profile).replace("enabled, ", "")
        );
    }
    Ok(())
}

fn print_generated(login: &LoginId, password: &Password) -> anyhow::Result<()> {
    // Declassified on purpose: the operator asked for a generated password to hand over.
    outln!(
        "Password for {login}: {}\n(shown once; it is stored only as a hash)",
        password.expose()
    )?;
    Ok(())
}
