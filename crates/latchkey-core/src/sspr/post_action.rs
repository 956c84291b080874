//! Post actions of a forgotten-password profile (seed 001's "post actions"): after a reset or
//! an unlock has succeeded, the service calls the operator's webhooks, so another system can
//! learn of it (a ticket, a SIEM, a provisioning job).
//!
//! A webhook is one `FORGOTTEN_PASSWORD / POST_ACTION_WEBHOOK` row,
//! `PROFILE METHOD URL [JSON_BODY]` (several rows per profile call several webhooks):
//!
//! - `METHOD` is `GET`, `POST` or `PUT`; a `GET` has no body, a `POST`/`PUT` without one sends
//!   [`DEFAULT_BODY`].
//! - `URL` is `https://…`; `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
//!   `::1`), as nothing else is safe to send account events to in clear. It may not carry a
//!   user name or password (settings are listed in clear), and macros may stand only after
//!   the host (path, query, fragment): a person's data never chooses where the call goes.
//! - The body is JSON; macros stand inside its strings (keys or values).
//!
//! Macros: `%login%`, `%name%` (display name), `%mail%` (empty when none), `%profile%` (the
//! forgotten-password profile), `%action%` (`reset` or `unlock`), `%time%` (RFC 3339, UTC). A
//! `%` not followed by letters or `_` and another `%` is itself (so `%20` stays); any other
//! `%word%` is an error. No macro carries a password, a code or a token, and none ever will:
//! the webhook is not a channel for secrets.
//!
//! **Injection-proof by construction.** In the URL a value is percent-encoded (everything but
//! `A-Z a-z 0-9 - . _ ~`), so it cannot add a path segment, a query parameter or a fragment.
//! The body is parsed once, at configuration, into a JSON tree; a value only ever replaces
//! text inside one of its strings and the tree is serialized again, so quotes, backslashes,
//! newlines or non-ASCII in a value are escaped by the serializer and never change the
//! structure.
//!
//! Decisions only: [`Webhook::render`] turns a webhook and the facts of one event (time passed
//! in) into a [`WebhookRequest`]; the server sends it in the background.

use serde_json::Value;
use std::fmt::Write as _;
use std::net::IpAddr;
use time::OffsetDateTime;

/// The body of a `POST`/`PUT` webhook configured without one.
pub const DEFAULT_BODY: &str =
    r#"{"login":"%login%","profile":"%profile%","action":"%action%","time":"%time%"}"#;

/// A value a macro stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Macro {
    /// `%login%`: the login id.
    Login,
    /// `%name%`: the display name.
    Name,
    /// `%mail%`: the email address on record, or empty.
    Mail,
    /// `%profile%`: the forgotten-password profile that took the person.
    Profile,
    /// `%action%`: `reset` or `unlock`.
    Action,
    /// `%time%`: when it happened, RFC 3339 in UTC.
    Time,
}

impl Macro {
    /// Every macro, as written between `%`.
    pub const ALL: [(&'static str, Macro); 6] = [
        ("login", Macro::Login),
        ("name", Macro::Name),
        ("mail", Macro::Mail),
        ("profile", Macro::Profile),
        ("action", Macro::Action),
        ("time", Macro::Time),
    ];

    fn named(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, m)| *m)
    }
}

/// What succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The password was reset (set by the person or sent).
    Reset,
    /// The account was unlocked and the password kept.
    Unlock,
}

impl Action {
    /// The word `%action%` stands for.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Unlock => "unlock",
        }
    }
}

/// The HTTP method of a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`, no body.
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `PUT` with a JSON body.
    Put,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }
}

/// Why a `POST_ACTION_WEBHOOK` row cannot be used (the caller names setting and profile).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostActionError {
    /// Not `METHOD URL [BODY]`.
    #[error("expected `PROFILE METHOD URL [JSON_BODY]`")]
    Shape,
    /// A method other than GET, POST or PUT.
    #[error("{0:?} is not a webhook method: use GET, POST or PUT")]
    Method(String),
    /// A `%word%` that is no macro.
    #[error(
        "%{0}% is not a macro: use %login%, %name%, %mail%, %profile%, %action% or %time% (no macro carries a password or token)"
    )]
    UnknownMacro(String),
    /// The URL is not usable.
    #[error("the URL {url:?} {problem}")]
    Url {
        /// The URL as configured.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// The body is not JSON, or a GET has one.
    #[error("the body {0}")]
    Body(String),
}

/// One configured webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The method.
    pub method: Method,
    /// The URL template.
    pub url: String,
    /// The body template (never for GET).
    pub body: Option<Value>,
}

/// The facts of one event, what the macros stand for. Nothing secret belongs here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The login id.
    pub login: String,
    /// The display name.
    pub name: String,
    /// The address on record.
    pub mail: Option<String>,
    /// The forgotten-password profile.
    pub profile: String,
    /// What succeeded.
    pub action: Action,
    /// When.
    pub time: OffsetDateTime,
}

impl Facts {
    fn value(&self, m: Macro) -> String {
        match m {
            Macro::Login => self.login.clone(),
            Macro::Name => self.name.clone(),
            Macro::Mail => self.mail.clone().unwrap_or_default(),
            Macro::Profile => self.profile.clone(),
            Macro::Action => self.action.as_str().to_owned(),
            Macro::Time => self
                .time
                .to_offset(time::UtcOffset::UTC)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        }
    }

    /// Facts with every value filled, for checking a configuration.
    fn sample() -> Self {
        Self {
            login: "x".into(),
            name: "x".into(),
            mail: Some("x@example.org".into()),
            profile: "x".into(),
            action: Action::Reset,
            time: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// A webhook call ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The method.
    pub method: Method,
    /// The URL with the values percent-encoded.
    pub url: String,
    /// The JSON body.
    pub body: Option<String>,
    /// `scheme://host:port`: what logs and the audit log may name (never the full URL).
    pub endpoint: String,
}

enum Piece<'t> {
    Text(&'t str),
    Macro(Macro),
}

/// Splits `text` into literal text and macros; the byte offset of the first macro, if any.
fn pieces(text: &str) -> Result<(Vec<Piece<'_>>, Option<usize>), PostActionError> {
    let mut out = Vec::new();
    let mut first = None;
    let mut literal_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while let Some(offset) = text.get(i..).and_then(|rest| rest.find('%')) {
        let start = i + offset;
        let rest = text.get(start + 1..).unwrap_or_default();
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphabetic() || *b == b'_')
            .count();
        if name_len > 0 && bytes.get(start + 1 + name_len) == Some(&b'%') {
            let name = rest.get(..name_len).unwrap_or_default();
            let m =
                Macro::named(name).ok_or_else(|| PostActionError::UnknownMacro(name.to_owned()))?;
            out.push(Piece::Text(
                text.get(literal_start..start).unwrap_or_default(),
            ));
            out.push(Piece::Macro(m));
            first.get_or_insert(start);
            i = start + name_len + 2;
            literal_start = i;
        } else {
            i = start + 1;
        }
    }
    out.push(Piece::Text(text.get(literal_start..).unwrap_or_default()));
    Ok((out, first))
}

/// Checks that every `%word%` of `text` is a macro (shared with [`super::post_attribute`]).
pub(super) fn check_macros(text: &str) -> Result<(), PostActionError> {
    pieces(text).map(drop)
}

/// `text` with every macro replaced by `encode(value)` (shared with [`super::post_attribute`]).
pub(super) fn substitute(
    text: &str,
    facts: &Facts,
    encode: impl Fn(&str) -> String,
) -> Result<String, PostActionError> {
    let (parts, _) = pieces(text)?;
    let mut out = String::with_capacity(text.len());
    for part in parts {
        match part {
            Piece::Text(t) => out.push_str(t),
            Piece::Macro(m) => out.push_str(&encode(&facts.value(m))),
        }
    }
    Ok(out)
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Every string (keys and values) of `value` passed through `f`.
fn map_strings(
    value: &Value,
    f: &impl Fn(&str) -> Result<String, PostActionError>,
) -> Result<Value, PostActionError> {
    Ok(match value {
        Value::String(s) => Value::String(f(s)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| map_strings(v, f))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| Ok((f(k)?, map_strings(v, f)?)))
                .collect::<Result<_, PostActionError>>()?,
        ),
        other => other.clone(),
    })
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Checks a URL template (see the module docs).
fn check_url(template: &str) -> Result<(), PostActionError> {
    let bad = |problem: &str| PostActionError::Url {
        url: template.to_owned(),
        problem: problem.to_owned(),
    };
    let (_, first_macro) = pieces(template)?;
    let authority_end = template
        .find("://")
        .map(|s| {
            let after = s + 3;
            after
                + template
                    .get(after..)
                    .and_then(|r| r.find(['/', '?', '#']))
                    .unwrap_or(template.len() - after)
        })
        .unwrap_or(0);
    if first_macro.is_some_and(|m| m < authority_end) {
        return Err(bad(
            "has a macro before its path: the scheme, host and port must be written out",
        ));
    }
    let url = url::Url::parse(&substitute(template, &Facts::sample(), percent_encode)?)
        .map_err(|e| bad(&format!("is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(
                "must use https:// (http:// is allowed only for a loopback host: localhost, 127.0.0.1, ::1)",
            ));
        }
        _ => return Err(bad("must be https:// (or http:// to a loopback host)")),
    }
    if url.host().is_none() {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "carries a user name or password: settings are listed in clear, put no credentials in them",
        ));
    }
    Ok(())
}

impl Webhook {
    /// Parses and checks `METHOD URL [JSON_BODY]` (the row without its profile).
    pub fn parse(value: &str) -> Result<Self, PostActionError> {
        let value = value.trim();
        let (method, rest) = value
            .split_once(char::is_whitespace)
            .ok_or(PostActionError::Shape)?;
        let rest = rest.trim_start();
        let (url, body) = match rest.split_once(char::is_whitespace) {
            Some((url, body)) => (url, Some(body.trim())),
            None => (rest, None),
        };
        let method = match method.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            _ => return Err(PostActionError::Method(method.to_owned())),
        };
        check_url(url)?;
        let body = match (method, body) {
            (Method::Get, Some(_)) => {
                return Err(PostActionError::Body(
                    "is not sent with GET: use POST or PUT, or drop the body".into(),
                ));
            }
            (Method::Get, None) => None,
            (_, body) => {
                let text = body.unwrap_or(DEFAULT_BODY);
                let tree: Value = serde_json::from_str(text).map_err(|e| {
                    PostActionError::Body(format!(
                        "is not JSON ({e}); macros go inside JSON strings, e.g. {{\"user\":\"%login%\"}}"
                    ))
                })?;
                // Every string is checked for unknown macros now, not at the first reset.
                map_strings(&tree, &|s| pieces(s).map(|_| s.to_owned()))?;
                Some(tree)
            }
        };
        Ok(Self {
            method,
            url: url.to_owned(),
            body,
        })
    }

    /// The call for one event (see the module docs for the encoding).
    pub fn render(&self, facts: &Facts) -> Result<WebhookRequest, PostActionError> {
        let url = substitute(&self.url, facts, percent_encode)?;
        let parsed = url::Url::parse(&url).map_err(|e| PostActionError::Url {
            url: self.url.clone(),
            problem: format!("is not a URL once filled in: {e}"),
        })?;
        let endpoint = format!(
            "{}://{}:{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            parsed.port_or_known_default().unwrap_or_default()
        );
        let body = match &self.body {
            None => None,
            Some(tree) => {
                let filled = map_strings(tree, &|s| substitute(s, facts, str::to_owned))?;
                Some(filled.to_string())
            }
        };
        Ok(WebhookRequest {
            method: self.method,
            url: parsed.to_string(),
            body,
            endpoint,
        })
    }
}

#[cfg(test)]
#[path = "post_action_tests.rs"]
mod tests;
