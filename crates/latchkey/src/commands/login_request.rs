//! The request facts a login keeps, for the commands that reason about logins (`chain explain`,
//! `rules add`): built by the server's own `RequestFacts::capture`, so what the commands show
//! and check is what a real `GET /login` sees.

use crate::failure::BadInput;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use latchkey_server::login::facts::RequestFacts;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The query parameters `GET /login` keeps. Anything else never reaches a selector rule.
pub use latchkey_server::login::PARAMS as LOGIN_PARAMS;

/// How much of a parameter's value the login keeps.
const PARAM_CHARS: usize = 256;

/// The `cgi` fact name of a header (`User-Agent` → `HTTP_USER_AGENT`).
fn header_fact(name: &str) -> String {
    format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"))
}

/// The facts of `GET /login` from `remote_addr` with these parameters and headers, and a note
/// for each parameter or header the login would leave out.
pub fn request(
    remote_addr: IpAddr,
    params: &[(String, String)],
    headers: &[(String, String)],
) -> anyhow::Result<(RequestFacts, Vec<String>)> {
    let mut notes = Vec::new();
    let mut kept = BTreeMap::new();
    for (name, value) in params {
        if LOGIN_PARAMS.contains(&name.as_str()) {
            kept.insert(name.clone(), value.chars().take(PARAM_CHARS).collect());
        } else {
            notes.push(format!(
                "parameter {name} is left out: the login page keeps only {}, so rules never see it",
                LOGIN_PARAMS.join(", ")
            ));
        }
    }
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| BadInput::error(format!("{name:?} is not a header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| BadInput::error(format!("header {name}: the value is not valid")))?;
        map.append(header, value);
    }
    let request = RequestFacts::capture(remote_addr.to_string(), "GET", "/login", &map, kept);
    for (name, _) in headers {
        if !request.headers.contains_key(&header_fact(name)) {
            notes.push(format!(
                "header {name} is left out: the login page does not keep it, so rules never see it"
            ));
        }
    }
    Ok((request, notes))
}

/// Does a login keep the header behind the `cgi` fact `HTTP_<NAME>`? Asked of
/// `RequestFacts::capture` itself, with a request carrying only that header.
pub fn header_is_kept(fact: &str) -> bool {
    let Some(name) = fact.strip_prefix("HTTP_") else {
        return false;
    };
    let name = name.to_ascii_lowercase().replace('_', "-");
    let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
        return false;
    };
    let mut map = HeaderMap::new();
    map.insert(header, HeaderValue::from_static("x"));
    let probe = RequestFacts::capture(String::new(), "GET", "/login", &map, BTreeMap::new());
    probe.headers.contains_key(fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_login_keeps_is_kept() {
        let (request, notes) = request(
            "10.0.0.1".parse().unwrap(),
            &[("LANG".into(), "fr".into()), ("debug".into(), "1".into())],
            &[
                ("User-Agent".into(), "curl".into()),
                ("X-Secret".into(), "s".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            request.parameters.get("LANG").map(String::as_str),
            Some("fr")
        );
        assert!(!request.parameters.contains_key("debug"));
        assert_eq!(
            request.headers.get("HTTP_USER_AGENT").map(String::as_str),
            Some("curl")
        );
        assert_eq!(request.headers.len(), 1);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("debug") && notes[1].contains("X-Secret"));
    }

    #[test]
    fn kept_headers_are_asked_of_the_server() {
        assert!(header_is_kept("HTTP_USER_AGENT"));
        assert!(header_is_kept("HTTP_X_FORWARDED_FOR"));
        assert!(!header_is_kept("HTTP_X_SECRET"));
        assert!(!header_is_kept("REMOTE_ADDR"));
    }
}
