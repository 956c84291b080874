//! The facts a selector rule may look at, gathered from the request and the store.

use latchkey_core::chain::selector::{Facts, UserFacts};
use latchkey_core::ids::ProfileId;
use latchkey_core::repo::{ProfileRepo, RepoResult, UserClassRepo, UserStatRepo};
use latchkey_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Request headers copied into `cgi` facts as `HTTP_<NAME>`.
const HEADERS: [&str; 3] = ["user-agent", "accept-language", "x-forwarded-for"];

/// What the request said, captured when a flow starts (so later steps see the same facts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFacts {
    /// Peer address.
    pub remote_addr: String,
    /// Path asked for.
    pub path: String,
    /// HTTP method.
    pub method: String,
    /// `HTTP_*` facts.
    pub headers: BTreeMap<String, String>,
    /// Query parameters.
    pub parameters: BTreeMap<String, String>,
    /// The profile named by a valid device cookie of this browser (`modules::device`); at
    /// identification it makes the browser recognised if it names the identified user.
    #[serde(default)]
    pub device_user: Option<ProfileId>,
}

impl RequestFacts {
    /// Captures the facts of an HTTP request.
    pub fn capture(
        remote_addr: String,
        method: &str,
        path: &str,
        headers: &axum::http::HeaderMap,
        parameters: BTreeMap<String, String>,
    ) -> Self {
        let headers = HEADERS
            .iter()
            .filter_map(|name| {
                let value = headers.get(*name)?.to_str().ok()?;
                let key = format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"));
                Some((key, value.chars().take(512).collect()))
            })
            .collect();
        Self {
            remote_addr,
            path: path.to_owned(),
            method: method.to_owned(),
            headers,
            parameters,
            device_user: None,
        }
    }
}

/// Builds the selector's facts for this request and (if identified) user.
pub async fn gather(
    store: &Store,
    request: &RequestFacts,
    user: Option<ProfileId>,
    state: BTreeMap<String, String>,
) -> RepoResult<Facts> {
    let mut cgi = request.headers.clone();
    cgi.insert("REMOTE_ADDR".into(), request.remote_addr.clone());
    cgi.insert("PATH".into(), request.path.clone());
    cgi.insert("METHOD".into(), request.method.clone());
    let known_classes = store
        .list_user_classes()
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let user = match user {
        Some(id) => match store.profile_by_id(id).await? {
            Some(profile) => Some(UserFacts {
                classes: store.classes_of(id).await?.into_iter().collect(),
                userstats: store
                    .userstats(id)
                    .await?
                    .into_iter()
                    .map(|(tag, value)| (tag.as_str().to_owned(), value))
                    .collect(),
                attributes: profile.attributes,
            }),
            None => None,
        },
        None => None,
    };
    Ok(Facts {
        cgi,
        parameters: request.parameters.clone(),
        known_classes,
        user,
        state,
    })
}
