//! A one-flow browser: keeps the cookies a flow needs, follows no redirect, and turns an
//! answer into what the comparison looks at (status and the body with per-request values
//! removed).

use anyhow::{Context, Result, anyhow};
use reqwest::header::{COOKIE, SET_COOKIE};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One answer, timed from sending the request to the end of the body.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub elapsed: Duration,
}

impl Answer {
    /// The value of a hidden input.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let rest = self.body.get(start..)?;
        Some(rest.get(..rest.find('"')?)?.to_owned())
    }
}

/// A browser with its own cookies (one per flow, so every request starts clean).
pub struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str, http: &reqwest::Client) -> Self {
        Self {
            base: base.to_owned(),
            http: http.clone(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    async fn finish(&mut self, started: Instant, response: reqwest::Response) -> Result<Answer> {
        for set in response.headers().get_all(SET_COOKIE) {
            let text = set.to_str().context("Set-Cookie is not text")?;
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("bad cookie {pair}"))?;
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok(Answer {
            status,
            body,
            elapsed: started.elapsed(),
        })
    }

    pub async fn get(&mut self, path: &str) -> Result<Answer> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header());
        let started = Instant::now();
        let response = request.send().await?;
        self.finish(started, response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Answer> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(form);
        let started = Instant::now();
        let response = request.send().await?;
        self.finish(started, response).await
    }

    /// Posts the next step of the flow shown on `page` (with its CSRF token and version).
    pub async fn step(
        &mut self,
        path: &str,
        page: &Answer,
        fields: &[(&str, &str)],
    ) -> Result<Answer> {
        let csrf = self
            .cookies
            .get("__Host-latchkey_csrf")
            .cloned()
            .ok_or_else(|| anyhow!("no CSRF cookie after {path}"))?;
        let version = page
            .hidden("version")
            .ok_or_else(|| anyhow!("{path} did not answer with a form: {}", page.status))?;
        let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
        form.extend_from_slice(fields);
        self.post(path, &form).await
    }
}

/// The body with what differs on every request taken out: the values of the hidden `csrf`
/// and `version` fields, script nonces, and the user id the person typed (echoed back as
/// "Signing in as …", which is the same for a known and an unknown id by construction).
pub fn normalise(body: &str, typed: &str) -> String {
    let mut out = body.to_owned();
    for marker in [
        "name=\"csrf\" value=\"",
        "name=\"version\" value=\"",
        "nonce=\"",
    ] {
        out = blank_values(&out, marker);
    }
    if typed.is_empty() {
        out
    } else {
        out.replace(typed, "{USER}")
    }
}

/// Replaces every value that follows `marker` (up to the next `"`) with `…`.
fn blank_values(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        match tail.find('"') {
            Some(end) => {
                out.push('…');
                rest = tail.get(end..).unwrap_or("");
            }
            None => {
                rest = tail;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
