//! `external`: a program or an HTTP service decides (protocol: docs/external-module.md).
//!
//! Each evaluation sends one JSON request — the user, their attributes, the fields of the
//! prompt the service asked for, the request facts and the service's own state — and reads one
//! JSON reply: `success`, `fail`, `ignore`, or `pending` with a prompt to show. Anything else
//! — the program cannot start, exits non-zero, runs past `timeout_ms`, the service answers
//! with a non-2xx status, the reply is not the protocol's JSON or is larger than 64 KiB — is an
//! Error outcome, which denies; an external module never succeeds by accident.
//!
//! Settings: `command` (absolute path) with `args` (words, or a JSON array of strings), or
//! `url` (http://); `timeout_ms` (default 5000, at most 60000).

use super::external_io::{self, Target};
use super::lockout::{self, Gate};
use super::{Context, IGNORE, Input, SUCCESS, Step, error, fail, reason};
use crate::error::PageError;
use crate::login::prompt::{Field, Prompt};
use crate::login::state::LoginState;
use latchkey_core::chain::{ChainDef, ModuleDef};
use latchkey_core::profile::Profile;
use latchkey_core::repo::ProfileRepo;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// Protocol version sent in every request.
pub const VERSION: u32 = 1;
/// Default time a call may take.
const DEFAULT_TIMEOUT_MS: u64 = 5000;
/// Longest time a call may be given.
const MAX_TIMEOUT_MS: u64 = 60_000;
/// Most fields a prompt may ask for.
const MAX_FIELDS: usize = 8;
/// Longest state a service may ask us to keep.
const MAX_STATE: usize = 4096;
/// Field names the login form uses itself.
const RESERVED: [&str; 5] = ["csrf", "version", "username", "chain", "user"];

/// What a call reports (the reply, checked).
#[derive(Debug, Clone, Deserialize)]
struct Reply {
    result: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    prompt: Option<ReplyPrompt>,
    #[serde(default)]
    state: Option<String>,
}

/// A prompt the service wants shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReplyPrompt {
    #[serde(default)]
    title: String,
    #[serde(default)]
    intro: String,
    #[serde(default)]
    submit: String,
    #[serde(default)]
    fields: Vec<ReplyField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReplyField {
    name: String,
    #[serde(default)]
    label: String,
    #[serde(default, rename = "type")]
    kind: String,
}

/// What this module keeps in the flow while the service waits for input.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Waiting {
    prompt: ReplyPrompt,
    state: Option<String>,
}

impl ReplyPrompt {
    fn check(&self) -> Result<(), String> {
        if self.fields.len() > MAX_FIELDS {
            return Err(format!("a prompt may have at most {MAX_FIELDS} fields"));
        }
        for f in &self.fields {
            let ok = !f.name.is_empty()
                && f.name.len() <= 32
                && f.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && !RESERVED.contains(&f.name.as_str());
            if !ok {
                return Err(format!("field name {:?} is not allowed", f.name));
            }
            if !matches!(f.kind.as_str(), "" | "text" | "password" | "code") {
                return Err(format!(
                    "field type {:?} is not text, password or code",
                    f.kind
                ));
            }
        }
        Ok(())
    }

    fn to_prompt(&self) -> Prompt {
        let text = |s: &str, default: &str, max: usize| -> String {
            let s = s.trim();
            if s.is_empty() { default } else { s }
                .chars()
                .take(max)
                .collect()
        };
        Prompt {
            title: text(&self.title, "Verify your identity", 120),
            intro: text(&self.intro, "", 1000),
            submit: text(&self.submit, "Continue", 40),
            fields: self
                .fields
                .iter()
                .map(|f| {
                    let label = text(&f.label, &f.name, 120);
                    match f.kind.as_str() {
                        "password" => Field::secret(&f.name, &label, "off"),
                        "code" => Field::code(&f.name, &label),
                        _ => Field::text(&f.name, &label, "off", ""),
                    }
                })
                .collect(),
            ..Prompt::default()
        }
    }
}

fn target(module: &ModuleDef) -> Result<(Target, Duration), String> {
    let timeout_ms = match ChainDef::setting(module, "timeout_ms") {
        None => DEFAULT_TIMEOUT_MS,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|ms| (1..=MAX_TIMEOUT_MS).contains(ms))
            .ok_or_else(|| format!("timeout_ms = {v:?}: use 1 to {MAX_TIMEOUT_MS}"))?,
    };
    let target = match (
        ChainDef::setting(module, "command"),
        ChainDef::setting(module, "url"),
    ) {
        (Some(command), None) => Target::program(command, ChainDef::setting(module, "args"))?,
        (None, Some(url)) => Target::http(url)?,
        _ => return Err("set exactly one of command or url".into()),
    };
    Ok((target, Duration::from_millis(timeout_ms)))
}

/// Evaluates `external`.
pub async fn external(
    ctx: &Context<'_>,
    state: &mut LoginState,
    module: &ModuleDef,
    input: Option<&Input>,
) -> Result<Step, PageError> {
    let (target, timeout) = match target(module) {
        Ok(t) => t,
        Err(e) => return Ok(error(format!("external module: {e}"))),
    };
    let waiting: Option<Waiting> = state.module_data(module.cfg_id);
    // A page shown again without an answer (reload, stale tab) does not call the service again.
    if let (Some(w), None) = (&waiting, input) {
        return Ok(Step::Ask(w.prompt.to_prompt()));
    }
    let fields: BTreeMap<String, String> = match (&waiting, input) {
        (Some(w), Some(i)) => w
            .prompt
            .fields
            .iter()
            .filter_map(|f| Some((f.name.clone(), i.field(&f.name)?.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    };
    let profile: Option<Profile> = match state.user {
        Some(id) => ctx.app.store.profile_by_id(id).await?,
        None => None,
    };
    let slot = match &profile {
        None => None,
        Some(p) => match lockout::reserve(ctx, module, p).await? {
            Gate::Broken(step) => return Ok(step),
            Gate::Refuse => return Ok(fail(reason::LOCKED_OUT)),
            Gate::Evaluate(slot) => Some(slot),
        },
    };
    let request = serde_json::json!({
        "version": VERSION,
        "module": module.cfg_id.to_string(),
        "user": profile.as_ref().map(|p| p.login_id.to_string()).unwrap_or_else(|| state.typed.clone()),
        "identified": profile.is_some(),
        "attributes": profile.as_ref().map(|p| p.attributes.iter().collect::<BTreeMap<_, _>>()).unwrap_or_default(),
        "input": fields,
        "state": waiting.as_ref().and_then(|w| w.state.clone()),
        "request": {
            "remote_addr": &state.request.remote_addr,
            "method": &state.request.method,
            "path": &state.request.path,
            "headers": &state.request.headers,
            "parameters": &state.request.parameters,
        },
    });
    let outcome = match external_io::call(&target, &request, timeout).await {
        Ok(body) => interpret(&body),
        Err(e) => Outcome::Broken(e),
    };
    if let (Some(slot), Some(p)) = (slot, &profile) {
        lockout::settle(ctx, slot, p, !matches!(outcome, Outcome::Failed(_))).await?;
    }
    state.clear_module_data(module.cfg_id);
    Ok(match outcome {
        Outcome::Success => SUCCESS,
        Outcome::Ignore => IGNORE,
        Outcome::Failed(why) => fail(&why),
        Outcome::Broken(why) => error(format!("external module: {why}")),
        Outcome::Pending(w) => {
            let prompt = w.prompt.to_prompt();
            state.set_module_data(module.cfg_id, &w)?;
            Step::Ask(prompt)
        }
    })
}

enum Outcome {
    Success,
    Ignore,
    Failed(String),
    Pending(Waiting),
    Broken(String),
}

fn interpret(body: &[u8]) -> Outcome {
    let reply: Reply = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => return Outcome::Broken(format!("the reply is not the protocol's JSON: {e}")),
    };
    let reason = reply
        .reason
        .map(|r| r.chars().take(200).collect::<String>())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "refused by the external module".into());
    match reply.result.as_str() {
        "success" => Outcome::Success,
        "ignore" => Outcome::Ignore,
        "fail" => Outcome::Failed(reason),
        "pending" => {
            let Some(prompt) = reply.prompt else {
                return Outcome::Broken("a pending reply needs a prompt".into());
            };
            if let Err(e) = prompt.check() {
                return Outcome::Broken(e);
            }
            if reply.state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
                return Outcome::Broken(format!("state is longer than {MAX_STATE} bytes"));
            }
            Outcome::Pending(Waiting {
                prompt,
                state: reply.state,
            })
        }
        other => Outcome::Broken(format!("unknown result {other:?}")),
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_strictly() {
        assert!(matches!(
            interpret(br#"{"result":"success"}"#),
            Outcome::Success
        ));
        assert!(matches!(
            interpret(br#"{"result":"ignore","extra":1}"#),
            Outcome::Ignore
        ));
        let Outcome::Failed(why) = interpret(br#"{"result":"fail","reason":"no badge"}"#) else {
            panic!("fail expected");
        };
        assert_eq!(why, "no badge");
        for bad in [
            &br#"{"result":"SUCCESS"}"#[..],
            br#"{"result":"ok"}"#,
            br#"{"reason":"x"}"#,
            br#"success"#,
            b"",
            br#"{"result":"pending"}"#,
            br#"{"result":"pending","prompt":{"fields":[{"name":"csrf"}]}}"#,
            br#"{"result":"pending","prompt":{"fields":[{"name":"Bad Name"}]}}"#,
            br#"{"result":"pending","prompt":{"fields":[{"name":"a","type":"file"}]}}"#,
        ] {
            assert!(
                matches!(interpret(bad), Outcome::Broken(_)),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let Outcome::Pending(w) = interpret(
            br#"{"result":"pending","state":"s1","prompt":{"title":"Badge","fields":[{"name":"badge","label":"Badge number","type":"code"}]}}"#,
        ) else {
            panic!("pending expected");
        };
        let p = w.prompt.to_prompt();
        assert_eq!((p.title.as_str(), p.submit.as_str()), ("Badge", "Continue"));
        assert_eq!(p.fields.len(), 1);
        assert_eq!(w.state.as_deref(), Some("s1"));
    }
}
