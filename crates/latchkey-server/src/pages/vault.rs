//! The owner's view of the vault: `GET /vault` lists the items the signed-in person owns (never
//! anyone else's), and `POST /vault/{id}/reveal` shows one secret.
//!
//! Revealing goes through [`latchkey_vault::Vault::reveal`], which checks that the viewer owns
//! the item and audits the read (or the refusal) before anything is shown. It wants a fresh
//! sign-in ([`crate::stepup`]) and a CSRF token; the answer is never cached and sends no
//! referrer. An item of someone else gets the same 404 as an id that does not exist.
//!
//! The secret is shown in a read-only field the person can select and copy; a "Copy" button
//! (the clipboard API, in a small inline script with its own CSP nonce) appears when JavaScript
//! runs.

use crate::error::PageError;
use crate::pages::html;
use crate::pages::mpr::with_cookie;
use crate::pages::view::{allow_inline_script, script_nonce, utc};
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use crate::stepup::{self, Refusal};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::ids::VaultItemId;
use latchkey_core::vault::{FIELD_ACCOUNT_LINK, FIELD_USERNAME};
use latchkey_store::Store;
use latchkey_vault::{Envelope, ItemSummary, Vault, VaultError};
use time::OffsetDateTime;

/// Where the list is.
const HERE: &str = "/vault";

/// One item in the list.
struct ItemView {
    id: String,
    name: String,
    username: Option<String>,
    account: Option<String>,
    changed: Option<String>,
    has_secret: bool,
}

impl From<ItemSummary> for ItemView {
    fn from(i: ItemSummary) -> Self {
        Self {
            id: i.id.to_string(),
            username: i.fields.get(FIELD_USERNAME).cloned(),
            account: i.fields.get(FIELD_ACCOUNT_LINK).cloned(),
            changed: i.secret_changed_at.map(utc),
            has_secret: i.has_secret,
            name: i.name,
        }
    }
}

/// A secret on show.
struct Revealed<'a> {
    name: String,
    secret: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "vault.html")]
struct VaultPage<'a> {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    items: Vec<ItemView>,
    revealed: Option<Revealed<'a>>,
    unavailable: bool,
    csrf: String,
    nonce: String,
}

/// The vault with this node's keys, if it has a master key.
fn vault(state: &AppState) -> Result<Option<Vault<Store>>, PageError> {
    let Some(master) = state.master_key.as_ref() else {
        return Ok(None);
    };
    let envelope =
        Envelope::new(master, &[]).map_err(|e| PageError::Internal(format!("vault keys: {e}")))?;
    Ok(Some(Vault::new(state.store.clone(), envelope)))
}

fn vault_error(e: VaultError) -> PageError {
    match e {
        VaultError::NotFound(_) | VaultError::NotOwner => PageError::NotFound,
        VaultError::Repo(r) => r.into(),
        other => PageError::Internal(other.to_string()),
    }
}

async fn items(
    vault: Option<&Vault<Store>>,
    viewer: stepup::SignedIn,
) -> Result<Vec<ItemView>, PageError> {
    let Some(vault) = vault else {
        return Ok(Vec::new());
    };
    let owned = vault
        .items_of(viewer.session.profile.id)
        .await
        .map_err(vault_error)?;
    Ok(owned.into_iter().map(ItemView::from).collect())
}

/// `GET /vault`: the signed-in person's items.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Refusal> {
    let Some(viewer) = stepup::signed_in(&state, &headers).await? else {
        return Err(Refusal::SignIn(stepup::login_location(None, HERE)));
    };
    let vault = vault(&state)?;
    let items = items(vault.as_ref(), viewer).await?;
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let body = html(&VaultPage {
        tr: crate::i18n::Tr::current(),
        items,
        revealed: None,
        unavailable: vault.is_none(),
        csrf,
        nonce: String::new(),
    })?;
    Ok(with_cookie(body.into_response(), cookie))
}

/// The form of the reveal button.
#[derive(Debug, serde::Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /vault/{id}/reveal`: one secret, for its owner, after a fresh sign-in.
pub async fn reveal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    form: Result<Form<RevealForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let Some(viewer) = stepup::signed_in(&state, &headers).await? else {
        return Err(Refusal::SignIn(stepup::login_location(None, HERE)));
    };
    let csrf = form.map(|Form(f)| f.csrf).unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &csrf)?;
    let now = OffsetDateTime::now_utc();
    if !viewer.is_fresh(now) {
        return Err(Refusal::sign_in_again(
            &viewer.session.profile.login_id,
            HERE,
        ));
    }
    let Some(vault) = vault(&state)? else {
        return Err(PageError::NotFound.into());
    };
    let id: VaultItemId = raw.parse().map_err(|_| PageError::NotFound)?;
    let me = viewer.session.profile.id;
    let secret = match vault.reveal(id, me, now).await {
        Ok(secret) => Some(secret),
        Err(VaultError::NoSecret) => None,
        Err(e) => return Err(vault_error(e).into()),
    };
    let items = items(Some(&vault), viewer).await?;
    let name = items
        .iter()
        .find(|i| i.id == id.to_string())
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let nonce = script_nonce();
    let body = html(&VaultPage {
        tr: crate::i18n::Tr::current(),
        items,
        revealed: Some(Revealed {
            name,
            // Declassified for its owner, who asked to see it; the page is never cached.
            secret: secret.as_ref().map(|s| s.expose()),
        }),
        unavailable: false,
        csrf,
        nonce: nonce.clone(),
    })?;
    drop(secret);
    let mut response = body.into_response();
    allow_inline_script(&mut response, &nonce);
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}
