//! Forgotten-password profiles and the user search form ("the SSPR way", seed 001): who may
//! reset through which chain, and how a person is found from what they type. Decisions only:
//! the server renders the form, runs the search against the directory and drives the chain.
//!
//! How data moves through it:
//!
//! 1. [`ForgottenPassword::from_settings`] reads namespace `FORGOTTEN_PASSWORD` (see
//!    [`config`]) once per request and refuses a bad configuration whole, with an error that
//!    names the setting, the profile and what is wrong. No rows at all is today's service: one
//!    profile matching everyone, the `PASSWORD_RESET` chain, a form asking for the user ID.
//! 2. [`SearchForm::query`] turns the submitted fields into a [`Query`]: the login id as typed,
//!    or an LDAP-style [`Filter`] built from the operator's template with every value escaped
//!    (RFC 4515) by [`ldap_filter::from_template`]. The built filter always has the template's
//!    shape; a submission that would change it (an empty value turning `(cn=*%name%*)` into a
//!    presence test), or that holds a control character, searches for nobody.
//! 3. The server keeps a person only when exactly one entry matches ([`entry`] is what a filter
//!    sees of a profile); then [`ForgottenPassword::profile_for`] picks the first configured
//!    profile whose match filter or user classes take them, and that profile names the chain.
//!    Nobody, several people or no profile all go the same way as an unknown user.

pub mod config;
pub mod post_action;
pub mod post_attribute;
pub mod recovery;

use crate::chain::ChainId;
use crate::ids::UserClassId;
use crate::ldap_filter::{self, Filter};
use crate::profile::{Attributes, Profile};
use std::collections::BTreeMap;

pub use config::{ConfigError, NS_FORGOTTEN_PASSWORD};
pub use post_action::Webhook;
pub use post_attribute::AttributeWrite;
pub use recovery::RecoveryMode;

/// The profile used when none is configured.
pub const DEFAULT_PROFILE: &str = "default";
/// The form name of the user-ID field of the default search form.
pub const LOGIN_FIELD: &str = "user";
/// Longest value taken from one search field (characters; the rest is dropped).
pub const MAX_VALUE_CHARS: usize = 256;

/// One field of the user search form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchField {
    /// The form name, also the `%name%` of the search filter template (usually an attribute).
    pub name: String,
    /// What the page shows next to the field.
    pub label: String,
    /// Must it be filled in? An empty required field searches for nobody.
    pub required: bool,
}

/// How the submitted fields find a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The one field is the login id (the default form).
    LoginId,
    /// The fields fill an LDAP-style filter template such as `(&(mail=%mail%)(sn=%sn%))`.
    Filter {
        /// The template as configured.
        template: String,
    },
}

/// The user search form: its fields and how they are used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchForm {
    /// Fields in page order.
    pub fields: Vec<SearchField>,
    /// What the values are looked up with.
    pub lookup: Lookup,
}

/// What a submitted search form asks the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The profile with this login id (as typed, trimmed).
    LoginId(String),
    /// Every entry this filter matches.
    Filter(Filter),
    /// Nobody: a required field is empty, or the values would change the filter's shape.
    Nobody,
}

/// A forgotten-password profile: which people it takes and the chain that verifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetProfile {
    /// The name it is configured under.
    pub name: String,
    /// An LDAP-style filter over the person's [`entry`].
    pub filter: Option<Filter>,
    /// Members of any of these classes match.
    pub user_classes: Vec<UserClassId>,
    /// The chain a person of this profile goes through (default `PASSWORD_RESET`).
    pub chain: ChainId,
    /// How a verified reset ends (default: the person sets the password).
    pub recovery: RecoveryMode,
    /// Called after a reset or unlock of this profile succeeded ([`post_action`]).
    pub webhooks: Vec<Webhook>,
    /// Attributes written on the person's accounts after a reset or unlock of this profile
    /// succeeded ([`post_attribute`]).
    pub attribute_writes: Vec<AttributeWrite>,
}

/// The whole forgotten-password configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgottenPassword {
    /// Profiles in match order (never empty).
    pub profiles: Vec<ResetProfile>,
    /// The user search form.
    pub search: SearchForm,
}

impl SearchForm {
    /// The default form: the user ID.
    pub fn login_id() -> Self {
        Self {
            fields: vec![SearchField {
                name: LOGIN_FIELD.into(),
                label: "User ID".into(),
                required: true,
            }],
            lookup: Lookup::LoginId,
        }
    }

    /// The values of the form's fields in `submitted` (trimmed, at most [`MAX_VALUE_CHARS`]
    /// characters; a missing field is empty). Other submitted names are ignored.
    pub fn values(&self, submitted: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|f| {
                let value = submitted.get(&f.name).map_or("", |v| v.trim());
                (
                    f.name.clone(),
                    value.chars().take(MAX_VALUE_CHARS).collect(),
                )
            })
            .collect()
    }

    /// What to look up for these submitted fields. A value with a control character (NUL, say:
    /// nobody types one, it is an attack on filters kept as C strings) searches for nobody,
    /// rather than being folded away by the matching rule.
    pub fn query(&self, submitted: &BTreeMap<String, String>) -> Query {
        let values = self.values(submitted);
        let missing = self
            .fields
            .iter()
            .any(|f| f.required && values.get(&f.name).is_none_or(String::is_empty));
        let control = values.values().any(|v| v.chars().any(char::is_control));
        if missing || control {
            return Query::Nobody;
        }
        match &self.lookup {
            Lookup::LoginId => Query::LoginId(
                self.fields
                    .first()
                    .and_then(|f| values.get(&f.name))
                    .cloned()
                    .unwrap_or_default(),
            ),
            Lookup::Filter { template } => {
                let (Ok(built), Ok(expected)) = (
                    ldap_filter::from_template(template, &values),
                    ldap_filter::from_template(template, &self.sample_values()),
                ) else {
                    // Only values can fail here (the template was checked): too long.
                    return Query::Nobody;
                };
                if same_shape(&built, &expected) {
                    Query::Filter(built)
                } else {
                    Query::Nobody
                }
            }
        }
    }

    /// A non-empty value for every field: the template's shape, as configuration checks it.
    pub(crate) fn sample_values(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .map(|f| (f.name.clone(), "x".to_owned()))
            .collect()
    }
}

/// Do two filters have the same operators, attributes and wildcard positions (values aside)?
pub fn same_shape(a: &Filter, b: &Filter) -> bool {
    match (a, b) {
        (Filter::And(x), Filter::And(y)) | (Filter::Or(x), Filter::Or(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_shape(p, q))
        }
        (Filter::Not(p), Filter::Not(q)) => same_shape(p, q),
        (Filter::Equal { attr: p, .. }, Filter::Equal { attr: q, .. })
        | (Filter::Present { attr: p }, Filter::Present { attr: q }) => p == q,
        (
            Filter::Substring {
                attr: p,
                initial: pi,
                any: pa,
                last: pl,
            },
            Filter::Substring {
                attr: q,
                initial: qi,
                any: qa,
                last: ql,
            },
        ) => {
            p == q
                && pi.is_some() == qi.is_some()
                && pa.len() == qa.len()
                && pl.is_some() == ql.is_some()
        }
        _ => false,
    }
}

/// What a filter sees of a profile of the internal directory: its attributes, plus `loginId`
/// (always the login id), and — when the profile has no attribute of that name — `uid` (the
/// login id), `displayName` and `objectClass: person`, so LDAP-style templates read as they
/// would against a directory of people.
pub fn entry(profile: &Profile) -> Attributes {
    let mut attributes = profile.attributes.clone();
    let login = profile.login_id.as_str().to_owned();
    // The names are valid constants; `set`/`add` only fail on invalid names.
    let _ = attributes.set("loginId", vec![login.clone()]);
    for (name, value) in [
        ("uid", login),
        ("displayName", profile.display_name.clone()),
        ("objectClass", "person".to_owned()),
    ] {
        if attributes.get(name).is_empty() {
            let _ = attributes.add(name, value);
        }
    }
    attributes
}

impl ResetProfile {
    /// Everyone, through `chain`.
    pub fn everyone(name: &str, chain: ChainId) -> Self {
        Self {
            name: name.to_owned(),
            filter: None,
            user_classes: Vec::new(),
            chain,
            recovery: RecoveryMode::Set,
            webhooks: Vec::new(),
            attribute_writes: Vec::new(),
        }
    }

    /// Does this profile take a person with this entry and these classes? A profile with
    /// neither a filter nor classes takes everyone; otherwise the filter matching or
    /// membership of any listed class is enough.
    pub fn takes(&self, entry: &Attributes, classes: &[UserClassId]) -> bool {
        if self.filter.is_none() && self.user_classes.is_empty() {
            return true;
        }
        self.filter.as_ref().is_some_and(|f| f.matches(entry))
            || self.user_classes.iter().any(|c| classes.contains(c))
    }
}

impl ForgottenPassword {
    /// The first profile, in configured order, that takes the person; None when none does
    /// (the person is then treated exactly like an unknown user).
    pub fn profile_for(
        &self,
        entry: &Attributes,
        classes: &[UserClassId],
    ) -> Option<&ResetProfile> {
        self.profiles.iter().find(|p| p.takes(entry, classes))
    }

    /// Does choosing a profile need the person's user classes?
    pub fn needs_classes(&self) -> bool {
        self.profiles.iter().any(|p| !p.user_classes.is_empty())
    }
}

#[cfg(test)]
mod tests;
