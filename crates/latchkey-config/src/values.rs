//! Checks for single values: turning the text of one key into its typed form, or explaining why
//! it cannot be. Each check returns a [`Problem`] (message and hint) that the caller places at the
//! value's origin.
//!
//! Messages may quote the offending text, so none of these checks is used for a secret.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use url::{Host, Url};

/// What is wrong with a value, and what to do about it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Problem {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

pub(crate) fn non_empty(text: String) -> Result<String, Problem> {
    if text.trim().is_empty() {
        Err(Problem::new("must not be empty"))
    } else {
        Ok(text)
    }
}

pub(crate) fn path(text: String) -> Result<PathBuf, Problem> {
    non_empty(text).map(PathBuf::from)
}

pub(crate) fn socket_addr(text: &str) -> Result<SocketAddr, Problem> {
    text.trim().parse().map_err(|_| {
        Problem::new(format!("expected an IP address and port, got {text:?}"))
            .hint("for example 127.0.0.1:8080, or [::]:8080 for every interface")
    })
}

/// An http(s) URL without query or fragment, normalised to end in `/` so relative links join
/// under it rather than replacing its last segment.
pub(crate) fn public_url(text: &str) -> Result<Url, Problem> {
    let example = "for example https://id.example.com/";
    let mut url = Url::parse(text.trim())
        .map_err(|error| Problem::new(format!("not a URL: {error}, got {text:?}")).hint(example))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Problem::new(format!(
            "scheme must be http or https, got `{}`",
            url.scheme()
        ))
        .hint(example));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Problem::new("must not have a query (`?`) or fragment (`#`)").hint(example));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Problem::new("must not contain a user name or password").hint(example));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A host name or IP address; IPv6 in brackets.
pub(crate) fn host(text: String) -> Result<String, Problem> {
    let text = non_empty(text)?;
    let trimmed = text.trim();
    match Host::parse(trimmed) {
        Ok(_) => Ok(trimmed.to_owned()),
        Err(_) => Err(
            Problem::new(format!("expected a host name or IP address, got {text:?}")).hint(
                "write only the host, for example mail.example.com; the port goes in smtp.port",
            ),
        ),
    }
}

/// A sender mailbox: `addr@example.com` or `Display Name <addr@example.com>`.
///
/// Only the shape is checked (one `@` with text on both sides, no spaces or line breaks); the
/// mail crate does the full RFC 5322 parse when it builds messages.
pub(crate) fn mailbox(text: String) -> Result<String, Problem> {
    let example = "for example latchkey@example.com or \"Latchkey <latchkey@example.com>\"";
    let text = non_empty(text)?;
    let trimmed = text.trim();
    if trimmed.contains(['\r', '\n']) {
        // A line break here would let the value inject mail headers.
        return Err(Problem::new("must not contain line breaks").hint(example));
    }
    let address = match trimmed.strip_suffix('>') {
        Some(rest) => match rest.rsplit_once('<') {
            Some((_, address)) => address,
            None => return Err(Problem::new(format!("unbalanced `>` in {text:?}")).hint(example)),
        },
        None => trimmed,
    };
    let at_signs = address.matches('@').count();
    let well_formed = at_signs == 1
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.starts_with('.')
        })
        && !address.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
    if well_formed {
        Ok(trimmed.to_owned())
    } else {
        Err(Problem::new(format!(
            "expected an email address with exactly one `@`, got {text:?}"
        ))
        .hint(example))
    }
}

/// Whether `host` names this machine: `localhost`, `*.localhost`, or a loopback address.
pub(crate) fn is_loopback_host<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(name) => {
            let name = name.as_ref().trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Checks that a key file exists and can be opened for reading. Reading it is the server's job.
pub(crate) fn readable_file(path: &Path) -> Result<(), Problem> {
    let file = std::fs::File::open(path)
        .map_err(|error| Problem::new(format!("cannot read {}: {error}", path.display())))?;
    match file.metadata() {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(_) => Err(Problem::new(format!(
            "{} is not a regular file",
            path.display()
        ))),
        Err(error) => Err(Problem::new(format!(
            "cannot read {}: {error}",
            path.display()
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        for good in [
            "a@example.com",
            "Latchkey <a@example.com>",
            "\"Ops, Team\" <ops@example.com>",
            "  a@b  ",
        ] {
            assert!(mailbox(good.to_owned()).is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.com",
            "a@b@c",
            "Name <a@b@c>",
            "Name <>",
            "@example.com",
            "a@",
            "a b@example.com",
            "a@example.com>",
            "a@example.com\r\nBcc: x@y",
        ] {
            assert!(mailbox(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_url_gets_trailing_slash() {
        assert_eq!(
            public_url("https://id.example.com/sub").unwrap().as_str(),
            "https://id.example.com/sub/"
        );
        assert_eq!(
            public_url("https://id.example.com").unwrap().as_str(),
            "https://id.example.com/"
        );
        assert!(public_url("https://u:p@id.example.com/").is_err());
        assert!(public_url("ftp://id.example.com/").is_err());
        assert!(public_url("https://id.example.com/?a=b").is_err());
        assert!(public_url("https://id.example.com/#top").is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host(" mail.example.com ".into()).unwrap(),
            "mail.example.com"
        );
        assert!(host("[::1]".into()).is_ok());
        assert!(host("mail.example.com:25".into()).is_err());
        assert!(host("".into()).is_err());
        assert!(is_loopback_host(&Host::Domain("LocalHost.")));
        assert!(!is_loopback_host(&Host::Domain("example.com")));
    }
}
