//! One HTTP call to an operator's webhook (the post actions of a forgotten-password profile):
//! the request is built and checked by `latchkey_core::sspr::post_action`; this sends it once,
//! within a deadline, and reports the status.
//!
//! The answer decides the outcome: 2xx delivered; 408, 429, 5xx, a timeout or a failed
//! connection are worth retrying ([`WebhookError::Unavailable`]); any other status — redirects
//! are not followed — is a refusal ([`WebhookError::Rejected`]). The answer's body is never
//! read, and neither the URL (its query may name the person) nor the body reaches an error:
//! errors name the endpoint as `scheme://host:port` only. It shares the TLS stack of the SMS
//! gateway client (rustls with the Mozilla roots).

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, USER_AGENT};

/// A call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookCall {
    /// `GET`, `POST` or `PUT`.
    pub method: String,
    /// The full URL.
    pub url: String,
    /// A JSON body.
    pub body: Option<String>,
    /// `scheme://host:port`, the name used in errors.
    pub endpoint: String,
}

/// Why a webhook call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No connection, no answer in time, or HTTP 408, 429 or 5xx: trying again may work.
    #[error("the webhook {endpoint} is unavailable: {reason}")]
    Unavailable {
        /// `scheme://host:port`.
        endpoint: String,
        /// What happened (the status, or the innermost cause).
        reason: String,
        /// The HTTP status when there was an answer.
        status: Option<u16>,
    },
    /// Any other non-2xx status: trying again will not help.
    #[error("the webhook {endpoint} refused the call (HTTP {status})")]
    Rejected {
        /// `scheme://host:port`.
        endpoint: String,
        /// The HTTP status.
        status: u16,
    },
    /// The call cannot be made at all (a bad method or URL, no HTTP client).
    #[error("the webhook {endpoint} cannot be called: {reason}")]
    Invalid {
        /// `scheme://host:port`.
        endpoint: String,
        /// Why.
        reason: String,
    },
}

impl WebhookError {
    /// Is another attempt worth making?
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// The HTTP status, when the endpoint answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unavailable { status, .. } => *status,
            Self::Rejected { status, .. } => Some(*status),
            Self::Invalid { .. } => None,
        }
    }
}

fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| format!("the HTTP client: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Makes the call once; the HTTP status of a 2xx answer.
pub async fn call(call: &WebhookCall, timeout: Duration) -> Result<u16, WebhookError> {
    let invalid = |reason: String| WebhookError::Invalid {
        endpoint: call.endpoint.clone(),
        reason,
    };
    let client = client().map_err(invalid)?;
    let method = reqwest::Method::from_bytes(call.method.as_bytes())
        .map_err(|_| invalid(format!("{:?} is not an HTTP method", call.method)))?;
    let mut request = client
        .request(method, call.url.as_str())
        .timeout(timeout)
        .header(USER_AGENT, concat!("latchkey/", env!("CARGO_PKG_VERSION")));
    if let Some(body) = &call.body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone());
    }
    let response = request.send().await.map_err(|e| unavailable(call, e))?;
    let status = response.status();
    // The body is not read: it is not needed and may echo what was sent.
    drop(response);
    let code = status.as_u16();
    if status.is_success() {
        return Ok(code);
    }
    if status.is_server_error() || code == 408 || code == 429 {
        return Err(WebhookError::Unavailable {
            endpoint: call.endpoint.clone(),
            reason: format!("it answered HTTP {code}"),
            status: Some(code),
        });
    }
    Err(WebhookError::Rejected {
        endpoint: call.endpoint.clone(),
        status: code,
    })
}

fn unavailable(call: &WebhookCall, err: reqwest::Error) -> WebhookError {
    // reqwest's own text names the URL.
    let err = err.without_url();
    let reason = if err.is_timeout() {
        "no answer in time".to_owned()
    } else {
        let mut cause: &dyn std::error::Error = &err;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        let prefix = if err.is_connect() {
            "cannot connect"
        } else {
            "the request failed"
        };
        format!("{prefix}: {cause}")
    };
    WebhookError::Unavailable {
        endpoint: call.endpoint.clone(),
        reason: reason
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect(),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_closed_port_is_unavailable_and_names_only_the_endpoint() {
        // Port 1 is privileged: nothing of the test run can be listening there.
        let endpoint = "http://127.0.0.1:1".to_owned();
        let hook = WebhookCall {
            method: "POST".into(),
            url: format!("{endpoint}/hook?user=secretive-name"),
            body: Some("{}".into()),
            endpoint: endpoint.clone(),
        };
        let err = call(&hook, Duration::from_secs(5)).await.unwrap_err();
        assert!(err.retryable(), "{err}");
        assert_eq!(err.status(), None);
        let text = err.to_string();
        assert!(text.contains(&endpoint), "{text}");
        assert!(!text.contains("secretive-name"), "{text}");

        let bad = WebhookCall {
            method: "NOT A METHOD".into(),
            ..hook
        };
        let err = call(&bad, Duration::from_secs(5)).await.unwrap_err();
        assert!(!err.retryable(), "{err}");
    }
}
