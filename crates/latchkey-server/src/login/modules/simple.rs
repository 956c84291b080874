//! The small modules: `localauth`, `hint`, `attribute_verification` and `pii`.
//!
//! - `localauth` (demo only): succeeds for a connection from 127.0.0.1 or ::1 that did not come
//!   through a proxy, fails otherwise.
//! - `hint` (weak): shows the profile's hint (attribute `attribute`, default `passwordHint`)
//!   with a Continue button, then succeeds. No hint: fails, or is ignored with
//!   `accept_empty = true`. Showing a hint tells whoever typed the user ID that the account
//!   exists and has a hint; chains put it after a check that already tells as much.
//! - `attribute_verification` (weak): asks for the attributes listed in `attributes`
//!   (`name[:rule], …`, rule default from `match`, default `normalised`) and succeeds when every
//!   answer matches.
//! - `pii` (weak): asks for `PII_REQUIRED` (namespace `config`, default AUTHCHAIN_PII_CONFIG)
//!   of the personal-data kinds mapped to attributes in namespace `attributes` (default
//!   AUTHCHAIN_PII_ATTRS: DOB, DL, MMN, SSN), the first ones the person has on file.
//!
//! The two checking modules compare every field (`latchkey_core::attributes_check`), fail
//! without saying which one was wrong, and count failures like a password. A person without
//! the values on file fails, or is skipped with `missing = ignore`.

use super::lockout::{self, Gate};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::attributes_check::{
    self as check, MatchRule, PiiKind, PiiPlan, Requested, parse_requested,
};
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::profile::{Profile, attribute_name};
use latchkey_core::repo::ProfileRepo;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A module's `missing` setting: `fail` (default) → false, `ignore` → true.
pub fn ignore_missing(module: &ModuleDef) -> Result<bool, String> {
    match ChainDef::setting(module, "missing").map(str::to_ascii_lowercase) {
        None => Ok(false),
        Some(v) if v == "fail" => Ok(false),
        Some(v) if v == "ignore" => Ok(true),
        Some(v) => Err(format!("setting missing = {v:?}: use fail or ignore")),
    }
}

fn missing(module: &ModuleDef, why: &str) -> Step {
    match ignore_missing(module) {
        Ok(true) => IGNORE,
        Ok(false) => fail(why),
        Err(e) => error(e),
    }
}

/// The identified profile, or the Error step to return.
pub async fn identified(
    ctx: &Context<'_>,
    state: &LoginState,
) -> Result<Result<Profile, Step>, PageError> {
    let Some(user) = state.user else {
        return Ok(Err(error("this module needs an identified user")));
    };
    Ok(match ctx.app.store.profile_by_id(user).await? {
        Some(p) => Ok(p),
        None => Err(error("the identified profile no longer exists")),
    })
}

/// `localauth`: loopback connections only, never through a proxy.
pub fn localauth(state: &LoginState) -> Step {
    if state.request.headers.contains_key("HTTP_X_FORWARDED_FOR") {
        return fail("proxied connection is not local");
    }
    let local = state
        .request
        .remote_addr
        .parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .is_ok_and(|ip| {
            ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
        });
    if local {
        SUCCESS
    } else {
        fail("not a loopback connection")
    }
}

/// `hint`: show the hint, succeed on Continue.
pub async fn hint(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let profile = match identified(ctx, state).await? {
        Ok(p) => p,
        Err(step) => return Ok(step),
    };
    let attribute = ChainDef::setting(module, "attribute").unwrap_or("passwordHint");
    let accept_empty = match ChainDef::setting(module, "accept_empty").map(str::to_ascii_lowercase)
    {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return Ok(error(format!(
                "setting accept_empty = {v:?}: use true or false"
            )));
        }
    };
    let Some(text) = profile
        .attributes
        .first(attribute)
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        return Ok(if accept_empty {
            IGNORE
        } else {
            fail("no hint")
        });
    };
    if input.is_some() {
        return Ok(SUCCESS);
    }
    Ok(Step::Ask(Prompt {
        title: "Your password hint".into(),
        intro: format!("Hint: {text}"),
        submit: "Continue".into(),
        ..Prompt::default()
    }))
}

fn match_rule(module: &ModuleDef) -> Result<MatchRule, String> {
    match ChainDef::setting(module, "match") {
        None => Ok(MatchRule::default()),
        Some(v) => v.parse::<MatchRule>().map_err(|e| e.to_string()),
    }
}

/// Asks for `fields` (name, label), or checks the posted answers against `expected`.
async fn ask_and_check(
    ctx: &Context<'_>,
    module: &ModuleDef,
    profile: &Profile,
    prompt: Prompt,
    expected: Vec<(String, MatchRule, Vec<String>)>,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let answered = input.is_some_and(|i| prompt.fields.iter().any(|f| i.field(&f.name).is_some()));
    let Some(input) = input.filter(|_| answered) else {
        return Ok(Step::Ask(prompt));
    };
    match lockout::reserve(ctx, module, profile).await? {
        Gate::Broken(step) => Ok(step),
        Gate::Refuse => Ok(fail(reason::LOCKED_OUT)),
        Gate::Evaluate(slot) => {
            let ok = check::all_match(
                expected
                    .iter()
                    .map(|(field, rule, stored)| (*rule, stored.as_slice(), input.field(field))),
            );
            lockout::settle(ctx, slot, profile, ok).await?;
            Ok(if ok {
                SUCCESS
            } else {
                fail("answers do not match")
            })
        }
    }
}

/// `attribute_verification`.
pub async fn attribute_verification(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let requested: Vec<Requested> = match match_rule(module).and_then(|rule| {
        parse_requested(ChainDef::setting(module, "attributes").unwrap_or(""), rule)
            .map_err(|e| e.to_string())
    }) {
        Ok(r) => r,
        Err(e) => return Ok(error(e)),
    };
    let profile = match identified(ctx, state).await? {
        Ok(p) => p,
        Err(step) => return Ok(step),
    };
    if requested
        .iter()
        .any(|r| profile.attributes.get(&r.attribute).is_empty())
    {
        return Ok(missing(module, "attribute not on file"));
    }
    let mut fields = Vec::new();
    let mut expected = Vec::new();
    for (i, r) in requested.iter().enumerate() {
        let name = format!("attr_{i}");
        fields.push(Field::text(&name, &r.attribute, "off", ""));
        expected.push((name, r.rule, profile.attributes.get(&r.attribute).to_vec()));
    }
    let prompt = Prompt {
        title: "Confirm your details".into(),
        intro: "Enter these details exactly as your organisation has them on file.".into(),
        fields,
        submit: "Continue".into(),
        ..Prompt::default()
    };
    ask_and_check(ctx, module, &profile, prompt, expected, input).await
}

/// `pii`.
pub async fn pii(
    ctx: &Context<'_>,
    state: &LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let attrs_ns = ChainDef::setting(module, "attributes").unwrap_or("AUTHCHAIN_PII_ATTRS");
    let config_ns = ChainDef::setting(module, "config").unwrap_or("AUTHCHAIN_PII_CONFIG");
    let rule = match match_rule(module) {
        Ok(r) => r,
        Err(e) => return Ok(error(e)),
    };
    let required = match check::pii_required(ctx.settings.value(config_ns, "PII_REQUIRED")) {
        Ok(n) => n,
        Err(e) => return Ok(error(e.to_string())),
    };
    let mut configured = Vec::new();
    for kind in PiiKind::ALL {
        if let Some(name) = ctx.settings.value(attrs_ns, kind.setting()) {
            match attribute_name(name.trim()) {
                Ok(a) => configured.push((kind, a)),
                Err(e) => return Ok(error(format!("{attrs_ns}/{}: {e}", kind.setting()))),
            }
        }
    }
    if configured.is_empty() {
        return Ok(error(format!(
            "no personal data attributes are mapped in {attrs_ns}"
        )));
    }
    let profile = match identified(ctx, state).await? {
        Ok(p) => p,
        Err(step) => return Ok(step),
    };
    let has = |a: &str| {
        profile
            .attributes
            .get(a)
            .iter()
            .any(|v| !v.trim().is_empty())
    };
    let PiiPlan::Ask(plan) = check::pii_plan(&configured, has, required) else {
        return Ok(missing(module, "not enough personal data on file"));
    };
    let mut fields = Vec::new();
    let mut expected = Vec::new();
    for (kind, attribute) in &plan {
        let name = format!("pii_{}", kind.setting().to_ascii_lowercase());
        fields.push(Field::text(&name, kind.label(), "off", ""));
        expected.push((name, rule, profile.attributes.get(attribute).to_vec()));
    }
    let prompt = Prompt {
        title: "Confirm your personal details".into(),
        intro: "Enter these details as your employer has them on file.".into(),
        fields,
        submit: "Continue".into(),
        ..Prompt::default()
    };
    ask_and_check(ctx, module, &profile, prompt, expected, input).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::login::facts::RequestFacts;
    use latchkey_core::chain::ChainId;

    fn state(addr: &str) -> LoginState {
        let request = RequestFacts {
            remote_addr: addr.into(),
            ..RequestFacts::default()
        };
        LoginState::new(ChainId::new("LOCAL").unwrap(), request)
    }

    #[test]
    fn localauth_is_for_loopback_only() {
        for local in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(localauth(&state(local)), SUCCESS, "{local}");
        }
        for remote in [
            "10.0.0.1",
            "192.168.1.10",
            "127.0.0.2",
            "::2",
            "0.0.0.0",
            "",
            "localhost",
        ] {
            assert_ne!(localauth(&state(remote)), SUCCESS, "{remote}");
            assert!(matches!(localauth(&state(remote)), Step::Done(_)));
        }
        let mut proxied = state("127.0.0.1");
        proxied
            .request
            .headers
            .insert("HTTP_X_FORWARDED_FOR".into(), "10.0.0.1".into());
        assert_ne!(localauth(&proxied), SUCCESS);
    }

    #[test]
    fn missing_is_fail_or_ignore() {
        let mut module = ModuleDef {
            cfg_id: latchkey_core::chain::builtin::cfg::PASSWORD_PASSWORD,
            order: 1,
            kind: latchkey_core::chain::ModuleType::Totp,
            control: latchkey_core::chain::Control::Required,
            description: String::new(),
            bypass_on_retry: false,
            increment_lockout: true,
            settings: Default::default(),
        };
        assert_eq!(ignore_missing(&module), Ok(false));
        module.settings.insert("missing".into(), "Ignore".into());
        assert_eq!(ignore_missing(&module), Ok(true));
        module.settings.insert("missing".into(), "skip".into());
        assert!(ignore_missing(&module).is_err());
    }
}
