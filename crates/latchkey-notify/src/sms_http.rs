//! Text messages through an HTTP SMS gateway, configured with settings rows in the namespace
//! [`NAMESPACE`] (`SMS_HTTP_GATEWAY`):
//!
//! | setting           | meaning                                                             |
//! |-------------------|---------------------------------------------------------------------|
//! | `URL`             | `https://…`; may contain `{to}` and `{message}` (for GET gateways)  |
//! | `METHOD`          | `POST` (default) or `GET`                                           |
//! | `BODY`            | POST body with `{to}` and `{message}`; default `to={to}&message={message}` |
//! | `CONTENT_TYPE`    | default `application/x-www-form-urlencoded`                         |
//! | `AUTH_HEADER`     | name of the header carrying the credential, e.g. `Authorization`   |
//! | `AUTH_VALUE_FILE` | file holding that header's value (the secret stays out of the table) |
//! | `TIMEOUT_SECS`    | whole-request timeout, 1 to 120, default 10                         |
//!
//! Values are encoded for where they land: percent-encoded in the URL and in a form body,
//! JSON-string-escaped in a JSON body (`CONTENT_TYPE` containing `json`), inserted as they are
//! otherwise. So a message cannot add form fields or JSON members.
//!
//! The answer decides the outcome: 2xx sent; 408, 429, 5xx, a timeout or a failed connection
//! are worth retrying ([`NotifyError::GatewayUnavailable`]); any other status — redirects are
//! not followed — is a permanent refusal ([`NotifyError::GatewayRejected`]).
//!
//! Neither the URL nor the answer's body ever reaches a log or an error: a GET gateway's URL
//! holds the message (a PIN), and gateways often echo the message back. Errors name the gateway
//! as `scheme://host:port` only. The credential is marked sensitive for the HTTP stack and is
//! not printed by `Debug`.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};

use crate::{NotifyError, PhoneNumber};

/// The settings namespace of the gateway.
pub const NAMESPACE: &str = "SMS_HTTP_GATEWAY";

const DEFAULT_BODY: &str = "to={to}&message={message}";
const DEFAULT_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Form,
    Json,
    Raw,
}

/// A configured HTTP SMS gateway. Cheap to clone (the HTTP client is shared).
#[derive(Clone)]
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    method: Method,
    body: String,
    content_type: String,
    auth: Option<(HeaderName, HeaderValue)>,
    gateway: String,
}

impl std::fmt::Debug for HttpSmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsGateway")
            .field("gateway", &self.gateway)
            .field("method", &self.method)
            .field("content_type", &self.content_type)
            .field("auth_header", &self.auth.as_ref().map(|(name, _)| name))
            .finish_non_exhaustive()
    }
}

impl HttpSmsGateway {
    /// Builds the gateway from the (setting, value) rows of [`NAMESPACE`]. No `URL` row means
    /// no gateway (`Ok(None)`); anything unusable is a [`NotifyError::Config`] naming the
    /// setting. The credential file is read here.
    pub fn from_settings<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<HttpSmsGateway>, NotifyError> {
        let mut url = None;
        let mut method = Method::Post;
        let mut body = None;
        let mut content_type = DEFAULT_CONTENT_TYPE.to_owned();
        let mut header = None;
        let mut value_file = None;
        let mut timeout = DEFAULT_TIMEOUT;
        for (setting, value) in rows {
            let value = value.trim();
            match setting.trim().to_ascii_uppercase().as_str() {
                "URL" => url = Some(value.to_owned()),
                "METHOD" => {
                    method = match value.to_ascii_uppercase().as_str() {
                        "GET" => Method::Get,
                        "POST" => Method::Post,
                        _ => return Err(config("METHOD", "must be GET or POST")),
                    }
                }
                "BODY" => body = Some(value.to_owned()),
                "CONTENT_TYPE" => content_type = value.to_owned(),
                "AUTH_HEADER" => header = Some(value.to_owned()),
                "AUTH_VALUE_FILE" => value_file = Some(value.to_owned()),
                "TIMEOUT_SECS" => {
                    let secs = value
                        .parse::<u64>()
                        .ok()
                        .filter(|s| (1..=120).contains(s))
                        .ok_or_else(|| config("TIMEOUT_SECS", "must be 1 to 120"))?;
                    timeout = Duration::from_secs(secs);
                }
                other => {
                    return Err(NotifyError::Config(format!(
                        "{NAMESPACE}/{other} is not a gateway setting (known: URL, METHOD, BODY, \
                         CONTENT_TYPE, AUTH_HEADER, AUTH_VALUE_FILE, TIMEOUT_SECS)"
                    )));
                }
            }
        }
        let Some(url) = url else {
            return Ok(None);
        };
        let probe = reqwest::Url::parse(&substitute(&url, "1", "x", Encoding::Form))
            .map_err(|e| config("URL", &format!("is not a URL: {e}")))?;
        if !matches!(probe.scheme(), "http" | "https") || probe.host_str().is_none() {
            return Err(config(
                "URL",
                "must be an http:// or https:// URL with a host",
            ));
        }
        let gateway = format!(
            "{}://{}:{}",
            probe.scheme(),
            probe.host_str().unwrap_or_default(),
            probe.port_or_known_default().unwrap_or_default()
        );
        if method == Method::Get && body.is_some() {
            return Err(config("BODY", "is sent only with METHOD POST"));
        }
        HeaderValue::from_str(&content_type)
            .map_err(|_| config("CONTENT_TYPE", "is not a valid header value"))?;
        let auth = match (header, value_file) {
            (None, None) => None,
            (Some(name), Some(file)) => Some(read_auth(&name, Path::new(&file))?),
            _ => {
                return Err(config(
                    "AUTH_HEADER",
                    "and AUTH_VALUE_FILE must be set together",
                ));
            }
        };
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Config(format!("the HTTP client for SMS: {e}")))?;
        Ok(Some(HttpSmsGateway {
            client,
            url,
            method,
            body: body.unwrap_or_else(|| DEFAULT_BODY.to_owned()),
            content_type,
            auth,
            gateway,
        }))
    }

    /// `scheme://host:port` of the gateway.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }

    /// Sends `text` to `to` and waits for the gateway's answer.
    pub async fn send(&self, to: &PhoneNumber, text: &str) -> Result<(), NotifyError> {
        let number = to.to_string();
        let url = substitute(&self.url, &number, text, Encoding::Form);
        let mut request = match self.method {
            Method::Get => self.client.get(url),
            Method::Post => {
                let encoding = if self.content_type.contains("json") {
                    Encoding::Json
                } else if self.content_type.starts_with(DEFAULT_CONTENT_TYPE) {
                    Encoding::Form
                } else {
                    Encoding::Raw
                };
                self.client
                    .post(url)
                    .header(CONTENT_TYPE, self.content_type.as_str())
                    .body(substitute(&self.body, &number, text, encoding))
            }
        };
        if let Some((name, value)) = &self.auth {
            request = request.header(name.clone(), value.clone());
        }
        let response = request.send().await.map_err(|e| self.unavailable(e))?;
        let status = response.status();
        // The body is not read: it may echo the message.
        drop(response);
        if status.is_success() {
            tracing::debug!(gateway = %self.gateway, "SMS accepted by the gateway");
            return Ok(());
        }
        let code = status.as_u16();
        if status.is_server_error() || code == 408 || code == 429 {
            return Err(NotifyError::GatewayUnavailable {
                gateway: self.gateway.clone(),
                reason: format!("it answered HTTP {code}"),
            });
        }
        Err(NotifyError::GatewayRejected {
            gateway: self.gateway.clone(),
            status: code,
        })
    }

    fn unavailable(&self, err: reqwest::Error) -> NotifyError {
        // reqwest's own text names the URL, which may carry the message.
        let err = err.without_url();
        let reason = if err.is_timeout() {
            "no answer in time".to_owned()
        } else {
            // The innermost cause, e.g. "Connection refused".
            let mut cause: &dyn std::error::Error = &err;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            let text = cause.to_string();
            if err.is_connect() {
                format!("cannot connect: {text}")
            } else {
                format!("the request failed: {text}")
            }
        };
        let short: String = reason
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        NotifyError::GatewayUnavailable {
            gateway: self.gateway.clone(),
            reason: short,
        }
    }
}

fn config(setting: &str, problem: &str) -> NotifyError {
    NotifyError::Config(format!("{NAMESPACE}/{setting} {problem}"))
}

/// Reads the credential: the file's content without its final line break.
fn read_auth(name: &str, file: &Path) -> Result<(HeaderName, HeaderValue), NotifyError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| config("AUTH_HEADER", "is not a valid header name"))?;
    let text = std::fs::read_to_string(file).map_err(|e| {
        config(
            "AUTH_VALUE_FILE",
            &format!("{} cannot be read: {e}", file.display()),
        )
    })?;
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(config("AUTH_VALUE_FILE", "holds an empty value"));
    }
    // The error never quotes the value.
    let mut value = HeaderValue::from_str(secret)
        .map_err(|_| config("AUTH_VALUE_FILE", "holds characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// Replaces `{to}` and `{message}` in one pass (a message that contains `{to}` stays as it is),
/// encoding the values for where they land.
fn substitute(template: &str, to: &str, message: &str, encoding: Encoding) -> String {
    let encode = |value: &str| match encoding {
        Encoding::Form => url::form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        Encoding::Json => {
            let quoted = serde_json::Value::String(value.to_owned()).to_string();
            quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .unwrap_or_default()
                .to_owned()
        }
        Encoding::Raw => value.to_owned(),
    };
    let mut out = String::with_capacity(template.len() + message.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let (before, from_brace) = rest.split_at(start);
        out.push_str(before);
        if let Some(after) = from_brace.strip_prefix("{to}") {
            out.push_str(&encode(to));
            rest = after;
        } else if let Some(after) = from_brace.strip_prefix("{message}") {
            out.push_str(&encode(message));
            rest = after;
        } else {
            out.push('{');
            rest = from_brace.get(1..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_for_where_they_land() {
        let text = "PIN 12 & {to} \"x\"\n";
        assert_eq!(
            substitute("to={to}&message={message}", "+1555", text, Encoding::Form),
            "to=%2B1555&message=PIN+12+%26+%7Bto%7D+%22x%22%0A"
        );
        assert_eq!(
            substitute(
                r#"{"to":"{to}","text":"{message}"}"#,
                "+1555",
                text,
                Encoding::Json
            ),
            r#"{"to":"+1555","text":"PIN 12 & {to} \"x\"\n"}"#
        );
        assert_eq!(
            substitute("{to}: {message}{", "+1555", "hi", Encoding::Raw),
            "+1555: hi{"
        );
    }

    #[test]
    fn settings_are_checked() {
        assert!(HttpSmsGateway::from_settings([]).unwrap().is_none());
        for (rows, expected) in [
            (vec![("URL", "ftp://x")], "URL must be"),
            (vec![("URL", "not a url")], "URL is not a URL"),
            (vec![("URL", "http://x"), ("METHOD", "PUT")], "GET or POST"),
            (
                vec![("URL", "http://x"), ("METHOD", "get"), ("BODY", "b")],
                "only with",
            ),
            (
                vec![("URL", "http://x"), ("AUTH_HEADER", "X-Key")],
                "set together",
            ),
            (vec![("URL", "http://x"), ("TIMEOUT_SECS", "0")], "1 to 120"),
            (
                vec![("URL", "http://x"), ("PASSWORD", "p")],
                "not a gateway setting",
            ),
            (
                vec![
                    ("URL", "http://x"),
                    ("AUTH_HEADER", "X-Key"),
                    ("AUTH_VALUE_FILE", "/nonexistent/key"),
                ],
                "cannot be read",
            ),
        ] {
            let err = HttpSmsGateway::from_settings(rows.clone())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{rows:?}: {err}");
        }
        let gateway = HttpSmsGateway::from_settings([("URL", "https://sms.example.com/send?k=1")])
            .unwrap()
            .unwrap();
        assert_eq!(gateway.gateway(), "https://sms.example.com:443");
    }
}
