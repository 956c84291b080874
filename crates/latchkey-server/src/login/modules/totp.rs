//! `totp`: a code from the person's authenticator app, or one of their recovery codes.
//!
//! The enrolment (`latchkey_core::otp::repo`) holds the secret sealed under the master key's
//! `totp` box. A code is checked by `latchkey_core::otp` (current and previous step, never a
//! step at or before the last one used) and then claimed in the store by compare-and-set on
//! `last_used_step`: of two requests with one code, on one node or two, only one gets in. A
//! recovery code (16 characters, told apart from a 6- or 8-digit code by its form) is claimed by
//! deleting its hash. Both count against the lockout counter like a password.
//!
//! Settings: `missing = fail | ignore` — what a person without an enrolment gets (default
//! fail: a chain that asks for TOTP does not let the unenrolled through); `allow_locked` — a
//! *locked* profile may be verified in a password-reset flow ([`delivery::may_verify`]), its
//! tries counted by [`lockout::reserve_locked`]. Otherwise a locked profile never passes.

use super::delivery;
use super::lockout::{self, Gate};
use super::simple::{identified, ignore_missing};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::ModuleDef;
use latchkey_core::otp::recovery::{self, RecoveryCheck};
use latchkey_core::otp::repo::{BOX_PURPOSE, TotpEnrolment, TotpRepo};
use latchkey_core::otp::{Totp, TotpCheck, open_secret};
use latchkey_core::profile::Profile;
use latchkey_core::repo::{AuditEvent, AuditRepo};
use time::OffsetDateTime;

fn ask() -> Step {
    Step::Ask(Prompt {
        title: "Enter your authentication code".into(),
        intro: "Open your authenticator app and enter the code it shows for Latchkey. \
                Lost your phone? Enter one of your recovery codes instead."
            .into(),
        fields: vec![Field {
            inputmode: "",
            ..Field::code("code", "Code")
        }],
        submit: "Verify".into(),
        ..Prompt::default()
    })
}

/// Evaluates `totp`.
pub async fn totp(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let profile = match identified(ctx, state).await? {
        Ok(p) => p,
        Err(step) => return Ok(step),
    };
    let Some(enrolment) = ctx.app.store.totp_enrolment(profile.id).await? else {
        return Ok(match ignore_missing(module) {
            Ok(true) => IGNORE,
            // A method of an `at_least` menu: the page must not tell who enrolled, so the
            // unenrolled are asked too, and fail like a wrong code.
            Ok(false)
                if state.flow.can_leave_method()
                    && input.and_then(|i| i.field("code")).is_none() =>
            {
                ask()
            }
            Ok(false) => fail("no authenticator enrolled"),
            Err(e) => error(e),
        });
    };
    let Some(code) = input.and_then(|i| i.field("code")) else {
        return Ok(ask());
    };
    let may = match delivery::may_verify(state, module, &profile) {
        Ok(may) => may,
        Err(e) => return Ok(error(e)),
    };
    let gate = if profile.locked && may {
        lockout::reserve_locked(ctx, &profile).await?
    } else {
        lockout::reserve(ctx, module, &profile).await?
    };
    match gate {
        Gate::Broken(step) => Ok(step),
        Gate::Refuse => Ok(fail(reason::LOCKED_OUT)),
        Gate::Evaluate(slot) => {
            let verdict = if recovery::hash_typed(code).is_some() {
                recovery_code(ctx, &profile, code).await?
            } else {
                app_code(ctx, &enrolment, code).await?
            };
            let ok = matches!(verdict, Verdict::Accepted);
            lockout::settle(ctx, slot, &profile, ok).await?;
            Ok(match verdict {
                Verdict::Accepted if profile.locked && !may => fail(reason::LOCKED_OUT),
                Verdict::Accepted => SUCCESS,
                Verdict::Refused(why) => fail(why),
                Verdict::Broken(why) => error(why),
            })
        }
    }
}

enum Verdict {
    Accepted,
    Refused(&'static str),
    Broken(String),
}

async fn app_code(
    ctx: &Context<'_>,
    enrolment: &TotpEnrolment,
    code: &str,
) -> Result<Verdict, PageError> {
    let Some(master) = ctx.app.master_key.as_ref() else {
        return Ok(Verdict::Broken(
            "no master key is configured (keys.master_key_file): TOTP secrets cannot be opened"
                .into(),
        ));
    };
    let totp = master
        .secret_box(BOX_PURPOSE)
        .map_err(|e| e.to_string())
        .and_then(|b| {
            open_secret(&b, &enrolment.sealed_secret, enrolment.profile).map_err(|e| e.to_string())
        })
        .and_then(|secret| Totp::new(&secret, enrolment.params).map_err(|e| e.to_string()));
    let totp = match totp {
        Ok(t) => t,
        Err(e) => return Ok(Verdict::Broken(format!("TOTP enrolment unusable: {e}"))),
    };
    let now = OffsetDateTime::now_utc();
    Ok(match totp.verify(code, now, enrolment.last_used_step) {
        TotpCheck::Valid { step } => {
            // The store decides who used this step first.
            if ctx
                .app
                .store
                .advance_totp_step(enrolment.profile, step, now)
                .await?
            {
                Verdict::Accepted
            } else {
                Verdict::Refused("totp code already used")
            }
        }
        TotpCheck::Replay => Verdict::Refused("totp code already used"),
        TotpCheck::Invalid => Verdict::Refused("wrong totp code"),
    })
}

async fn recovery_code(
    ctx: &Context<'_>,
    profile: &Profile,
    code: &str,
) -> Result<Verdict, PageError> {
    let store = &ctx.app.store;
    let stored = store.recovery_code_hashes(profile.id).await?;
    let RecoveryCheck::Consume(hash) = recovery::check(&stored, code) else {
        return Ok(Verdict::Refused("wrong or used recovery code"));
    };
    if !store.consume_recovery_code(profile.id, &hash).await? {
        return Ok(Verdict::Refused("wrong or used recovery code"));
    }
    let left = stored.len().saturating_sub(1);
    let event = AuditEvent {
        at: OffsetDateTime::now_utc(),
        actor: Some(profile.id),
        action: "totp.recovery_code_used".into(),
        subject: Some(profile.login_id.to_string()),
        detail: serde_json::json!({ "remaining": left }).to_string(),
    };
    if let Err(e) = store.append_audit(&event).await {
        tracing::error!(error = %e, "could not write the audit log");
    }
    Ok(Verdict::Accepted)
}
