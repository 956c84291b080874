//! Vault writes prepared without IO.
//!
//! The mass-reset runner puts its vault writes into the same transaction as its journal
//! (`MprRepo::write_batch`), so it needs the [`VaultWrite`]s themselves rather than a service
//! that writes them. These functions build them: a new item (cloned from a template when one is
//! given) and a new secret for an existing item. [`crate::Vault`] uses the same functions.

use crate::envelope::{DataKey, Envelope};
use crate::error::VaultError;
use latchkey_core::ids::{AccountId, ProfileId, VaultItemId};
use latchkey_core::random::RandomSource;
use latchkey_core::secret::Password;
use latchkey_core::vault::{
    FIELD_ACCOUNT_LINK, FIELD_ASSOCIATION, FIELD_USERNAME, VaultItem, VaultWrite,
};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What a new item is: its owner, what it is for, and its first secret if it has one.
#[derive(Debug, Clone)]
pub struct ItemSpec {
    /// A name for people ("LDAP_MAIN: uid=ann").
    pub name: String,
    /// The profile that owns it: the only one who may ever read its secret.
    pub owner: ProfileId,
    /// The collection (team); the template's when `None`.
    pub collection: Option<String>,
    /// The account on a target system whose password this is.
    pub account: Option<AccountId>,
    /// The account's user name on its target (field [`FIELD_USERNAME`]).
    pub username: Option<String>,
    /// The account it is for, as the run names it (field [`FIELD_ACCOUNT_LINK`]).
    pub account_link: Option<String>,
    /// The owner's association-attribute value (field [`FIELD_ASSOCIATION`]).
    pub association: Option<String>,
    /// The first secret. Without one the item has no data key until a secret is set.
    pub password: Option<Password>,
}

/// A new item, cloned from `template` when given: the template's fields are copied, then the
/// `username`, `AccountLink` and `assocID` fields of `spec` are set over them. The initial
/// password, if any, is sealed under a fresh data key wrapped by the current vault key.
pub fn new_item(
    envelope: &Envelope,
    spec: &ItemSpec,
    template: Option<&VaultItem>,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> Result<VaultWrite, VaultError> {
    if let Some(t) = template.filter(|t| !t.is_template) {
        return Err(VaultError::NotTemplate(t.id));
    }
    let id = VaultItemId::generate(now, rng);
    let mut fields = template.map(|t| t.fields.clone()).unwrap_or_default();
    for (name, value) in [
        (FIELD_USERNAME, &spec.username),
        (FIELD_ACCOUNT_LINK, &spec.account_link),
        (FIELD_ASSOCIATION, &spec.association),
    ] {
        if let Some(value) = value {
            fields.insert(name.to_owned(), value.clone());
        }
    }
    let (wrapped_key, secret, secret_changed_at) = match &spec.password {
        Some(password) => {
            let data_key = DataKey::generate(rng);
            let wrapped = envelope.wrap_key(id, &data_key, rng)?;
            let sealed = envelope.seal_secret(id, &data_key, password, rng)?;
            (Some(wrapped), Some(sealed), Some(now))
        }
        None => (None, None, None),
    };
    Ok(VaultWrite::Create(VaultItem {
        id,
        name: spec.name.clone(),
        owner: Some(spec.owner),
        collection: spec
            .collection
            .clone()
            .or_else(|| template.and_then(|t| t.collection.clone())),
        is_template: false,
        template: template.map(|t| t.id),
        account: spec.account,
        fields,
        wrapped_key,
        secret,
        secret_changed_at,
        created_at: now,
        updated_at: now,
        version: 0,
    }))
}

/// A new template: fields to copy into the items cloned from it, no owner, no secret.
pub fn new_template(
    name: &str,
    fields: BTreeMap<String, String>,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> VaultWrite {
    VaultWrite::Create(VaultItem {
        id: VaultItemId::generate(now, rng),
        name: name.to_owned(),
        owner: None,
        collection: None,
        is_template: true,
        template: None,
        account: None,
        fields,
        wrapped_key: None,
        secret: None,
        secret_changed_at: None,
        created_at: now,
        updated_at: now,
        version: 0,
    })
}

/// A new secret for `item`, sealed with its existing data key (so its history stays readable),
/// or with a fresh one when it has none. The data key is wrapped by the current vault key, so
/// setting a secret also moves the item to the current master key. The write applies only if
/// the item is still at the version read (`item.version`).
pub fn set_secret(
    envelope: &Envelope,
    item: &VaultItem,
    password: &Password,
    now: OffsetDateTime,
    rng: &mut dyn RandomSource,
) -> Result<VaultWrite, VaultError> {
    if item.is_template {
        return Err(VaultError::Template);
    }
    let (data_key, wrapped_key) = match &item.wrapped_key {
        Some(wrapped) => {
            let data_key = envelope.unwrap_key(item.id, wrapped)?;
            let wrapped_key = match envelope.rewrap(item.id, wrapped, rng)? {
                Some(rewrapped) => rewrapped,
                None => wrapped.clone(),
            };
            (data_key, wrapped_key)
        }
        // A secret without its data key could never be opened again: that is damage.
        None if item.secret.is_some() => return Err(VaultError::Corrupt(item.id)),
        None => {
            let data_key = DataKey::generate(rng);
            let wrapped_key = envelope.wrap_key(item.id, &data_key, rng)?;
            (data_key, wrapped_key)
        }
    };
    let secret = envelope.seal_secret(item.id, &data_key, password, rng)?;
    Ok(VaultWrite::SetSecret {
        id: item.id,
        expected_version: item.version,
        wrapped_key,
        secret,
        changed_at: now,
    })
}

#[cfg(test)]
#[path = "prepare_tests.rs"]
mod tests;
