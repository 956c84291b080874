//! `latchkey totp enrol | reset`: authenticator-app enrolments made by an operator.
//!
//! `enrol` draws a secret from the OS, seals it with the master key's `totp` box for that
//! profile, stores it with the hashes of a fresh set of recovery codes, and prints the
//! `otpauth://` URI and the codes once: neither can be shown again. The self-service
//! page, `/account/totp`, makes the same record through the same [`new_enrolment`], once the
//! person has proved the app works by typing a code.

use crate::cli::TotpCommand;
use crate::context::Context;
use crate::failure::BadInput;
use crate::output::outln;
use latchkey_core::keys::MasterKey;
use latchkey_core::otp::repo::{BOX_PURPOSE, TotpRepo};
use latchkey_core::otp::{Totp, TotpParams, TotpSecret, new_enrolment};
use latchkey_core::profile::{LoginId, Profile};
use latchkey_core::repo::{AuditEvent, AuditRepo, ProfileRepo};
use latchkey_server::os::OsRandom;
use std::path::Path;
use time::OffsetDateTime;

/// Runs a `totp` subcommand.
pub async fn run(command: TotpCommand, config_flag: Option<&Path>) -> anyhow::Result<()> {
    let ctx = Context::open(config_flag).await?;
    match command {
        TotpCommand::Enrol { login, replace } => enrol(&ctx, &login, replace).await,
        TotpCommand::Reset { login } => reset(&ctx, &login).await,
    }
}

async fn profile(ctx: &Context, login: &str) -> anyhow::Result<Profile> {
    let id = LoginId::new(login).map_err(|e| BadInput::error(e.to_string()))?;
    ctx.store
        .profile_by_login(&id)
        .await?
        .ok_or_else(|| BadInput::error(format!("no profile has the login id {login:?}")))
}

fn master_key(ctx: &Context) -> anyhow::Result<MasterKey> {
    ctx.require_master_key("TOTP secrets")
}

async fn enrol(ctx: &Context, login: &str, replace: bool) -> anyhow::Result<()> {
    let profile = profile(ctx, login).await?;
    let master = master_key(ctx)?;
    if !replace && ctx.store.totp_enrolment(profile.id).await?.is_some() {
        return Err(BadInput::error(format!(
            "{} already has an authenticator enrolled; nothing was changed (use --replace to \
             make a new one, which stops the old app and recovery codes working)",
            profile.login_id
        )));
    }
    let params = TotpParams::default();
    let secret = TotpSecret::generate(&params, &mut OsRandom);
    let uri = Totp::new(&secret, params)?.enrolment_uri(profile.login_id.as_str())?;
    let secret_box = master.secret_box(BOX_PURPOSE)?;
    let now = OffsetDateTime::now_utc();
    let made = new_enrolment(
        &secret,
        params,
        &secret_box,
        profile.id,
        None,
        now,
        &mut OsRandom,
    )?;
    ctx.store
        .save_totp_enrolment(&made.record, &made.recovery_hashes)
        .await?;
    let codes = made.recovery_codes;
    audit(ctx, &profile, "totp.enrol", now).await;
    outln!(
        "enrolled an authenticator for {}. Shown once, never again:",
        profile.login_id
    )?;
    outln!()?;
    outln!("authenticator URI (turn into a QR code, or open on the phone):")?;
    outln!("  {}", uri.as_str())?;
    outln!(
        "key, for typing in instead: {}",
        secret.to_base32().as_str()
    )?;
    outln!()?;
    outln!("recovery codes (each works once, instead of a code from the app):")?;
    for code in &codes {
        outln!("  {}", code.expose())?;
    }
    Ok(())
}

async fn reset(ctx: &Context, login: &str) -> anyhow::Result<()> {
    let profile = profile(ctx, login).await?;
    if ctx.store.delete_totp_enrolment(profile.id).await? {
        audit(ctx, &profile, "totp.reset", OffsetDateTime::now_utc()).await;
        outln!(
            "removed the authenticator enrolment and recovery codes of {}",
            profile.login_id
        )?;
    } else {
        outln!(
            "{} has no authenticator enrolment: nothing to remove",
            profile.login_id
        )?;
    }
    Ok(())
}

async fn audit(ctx: &Context, profile: &Profile, action: &str, now: OffsetDateTime) {
    let event = AuditEvent {
        at: now,
        actor: None,
        action: action.into(),
        subject: Some(profile.login_id.to_string()),
        detail: "{\"by\":\"cli\"}".into(),
    };
    if let Err(e) = ctx.store.append_audit(&event).await {
        tracing::warn!(error = %e, action, "could not write the audit log");
    }
}
