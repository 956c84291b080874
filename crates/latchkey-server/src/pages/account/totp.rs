//! `/account/totp`: enrol an authenticator app, replace it, or remove it.
//!
//! `GET` draws a new secret from the OS and shows it as a QR code (inline SVG of the
//! `otpauth://` URI, drawn on the server so no script is needed) and as base32 in groups of
//! four for typing in. Nothing is stored yet. The person types a code from the app; `POST`
//! checks it, and only then is the enrolment stored (secret sealed, recovery-code hashes) and
//! the recovery codes shown, once. Replacing an enrolment goes through the same confirmation.
//!
//! **The pending secret** travels between the two requests in a hidden field, sealed with the
//! master key's `totp` box under associated data naming the profile and an expiry
//! (`totp-pending:<profile>:<unix expiry>`, the expiry also in clear in front of the sealed
//! value). So it is never in clear outside the page the person is looking at, nothing is
//! written to the store until the code is right, a value made for one person does not open for
//! another, a changed expiry does not open at all, and an old page stops working after
//! [`PENDING_FOR`]. (The flow store would work too, but would need a write per page view and a
//! clean-up of abandoned enrolments; the sealed field needs neither.)

use super::{audit, continue_to, gate, is_enrolled, mode, record_skip};
use crate::error::PageError;
use crate::os::OsRandom;
use crate::pages::html;
use crate::pages::mpr::with_cookie;
use crate::security::{check_form, csrf_token};
use crate::state::AppState;
use crate::stepup::{Refusal, SignedIn};
use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use latchkey_core::enrolment::EnrolmentKind;
use latchkey_core::ids::ProfileId;
use latchkey_core::otp::repo::{BOX_PURPOSE, TotpRepo};
use latchkey_core::otp::{Totp, TotpCheck, TotpParams, TotpSecret, new_enrolment};
use latchkey_core::secretbox::{Sealed, SecretBox};
use time::{Duration, OffsetDateTime};

/// Where the page is.
const HERE: &str = "/account/totp";
/// How long a drawn secret may be confirmed.
pub const PENDING_FOR: Duration = Duration::minutes(10);

#[derive(Template)]
#[template(path = "account_totp.html")]
struct TotpPage {
    /// Translates the page's texts.
    tr: crate::i18n::Tr,
    enrolled: bool,
    may_skip: bool,
    qr: String,
    key: String,
    pending: String,
    next: String,
    csrf: String,
    error: Option<String>,
    codes: Vec<String>,
    continue_to: String,
}

/// The query and form fields of the page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pending: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn secret_box(state: &AppState) -> Result<SecretBox, PageError> {
    let master = state.master_key.as_ref().ok_or_else(|| {
        PageError::Unavailable("Authenticator apps cannot be set up on this server.".into())
    })?;
    master
        .secret_box(BOX_PURPOSE)
        .map_err(|e| PageError::Internal(e.to_string()))
}

fn pending_aad(profile: ProfileId, expires: i64) -> Vec<u8> {
    format!("totp-pending:{profile}:{expires}").into_bytes()
}

fn seal_pending(
    boxed: &SecretBox,
    secret: &TotpSecret,
    profile: ProfileId,
    now: OffsetDateTime,
) -> Result<String, PageError> {
    let expires = (now + PENDING_FOR).unix_timestamp();
    let sealed = boxed
        .seal(
            secret.expose_bytes(),
            &pending_aad(profile, expires),
            &mut OsRandom,
        )
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(format!("{expires}~{sealed}"))
}

/// The secret of a pending field, if it is this person's and has not expired.
fn open_pending(
    boxed: &SecretBox,
    field: &str,
    profile: ProfileId,
    now: OffsetDateTime,
) -> Option<TotpSecret> {
    let (expires, sealed) = field.split_once('~')?;
    let expires: i64 = expires.parse().ok()?;
    if now.unix_timestamp() > expires {
        return None;
    }
    let sealed: Sealed = sealed.parse().ok()?;
    let bytes = boxed.open(&sealed, &pending_aad(profile, expires)).ok()?;
    TotpSecret::from_bytes(bytes).ok()
}

/// The `otpauth://` URI as an inline SVG QR code.
fn qr_svg(uri: &str) -> Result<String, PageError> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| PageError::Internal(format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build();
    // Inline in HTML: drop the XML declaration.
    Ok(svg
        .find("<svg")
        .and_then(|i| svg.get(i..))
        .unwrap_or_default()
        .to_owned())
}

/// Base32 in groups of four, for typing in.
fn grouped(base32: &str) -> String {
    base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders the set-up form for `secret` (drawn now, or the pending one after a wrong code).
async fn setup_page(
    state: &AppState,
    viewer: &SignedIn,
    secret: &TotpSecret,
    next: &str,
    csrf: String,
    error: Option<String>,
) -> Result<TotpPage, PageError> {
    let profile = &viewer.session.profile;
    let boxed = secret_box(state)?;
    let totp =
        Totp::new(secret, TotpParams::default()).map_err(|e| PageError::Internal(e.to_string()))?;
    let uri = totp
        .enrolment_uri(profile.login_id.as_str())
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(TotpPage {
        tr: crate::i18n::Tr::current(),
        enrolled: is_enrolled(state, profile.id, EnrolmentKind::Totp).await?,
        may_skip: mode(state, EnrolmentKind::Totp).await?.may_skip(),
        // Declassified for the person enrolling, on a page that is never cached.
        qr: qr_svg(uri.as_str())?,
        key: grouped(secret.to_base32().as_str()),
        pending: seal_pending(&boxed, secret, profile.id, OffsetDateTime::now_utc())?,
        next: next.to_owned(),
        csrf,
        error,
        codes: Vec::new(),
        continue_to: String::new(),
    })
}

/// `GET /account/totp`: a new secret to scan.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TotpForm>,
) -> Result<Response, Refusal> {
    let viewer = gate(&state, &headers, EnrolmentKind::Totp, HERE).await?;
    let secret = TotpSecret::generate(&TotpParams::default(), &mut OsRandom);
    let (csrf, cookie) = csrf_token(&state.cookies, &headers);
    let page = setup_page(&state, &viewer, &secret, &query.next, csrf, None).await?;
    Ok(with_cookie(html(&page)?.into_response(), cookie))
}

/// `POST /account/totp`: the code that confirms the app works; stores the enrolment.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TotpForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    let viewer = gate(&state, &headers, EnrolmentKind::Totp, HERE).await?;
    let profile = viewer.session.profile.clone();
    let boxed = secret_box(&state)?;
    let now = OffsetDateTime::now_utc();
    let Some(secret) = open_pending(&boxed, &form.pending, profile.id, now) else {
        let fresh = TotpSecret::generate(&TotpParams::default(), &mut OsRandom);
        let error = "This page was open too long. Scan the new code below and try again.";
        let page = setup_page(
            &state,
            &viewer,
            &fresh,
            &form.next,
            form.csrf,
            Some(error.into()),
        );
        return Ok(html(&page.await?)?.into_response());
    };
    let params = TotpParams::default();
    let totp = Totp::new(&secret, params).map_err(|e| PageError::Internal(e.to_string()))?;
    let TotpCheck::Valid { step } = totp.verify(&form.code, now, None) else {
        let error = "That code is not right. Type the code your app shows now (6 digits).";
        let page = setup_page(
            &state,
            &viewer,
            &secret,
            &form.next,
            form.csrf,
            Some(error.into()),
        );
        return Ok(html(&page.await?)?.into_response());
    };
    let made = new_enrolment(
        &secret,
        params,
        &boxed,
        profile.id,
        Some(step),
        now,
        &mut OsRandom,
    )
    .map_err(|e| PageError::Internal(e.to_string()))?;
    drop(secret);
    state
        .store
        .save_totp_enrolment(&made.record, &made.recovery_hashes)
        .await?;
    audit(&state, &profile, "totp.enrol").await;
    let page = TotpPage {
        tr: crate::i18n::Tr::current(),
        enrolled: true,
        may_skip: false,
        qr: String::new(),
        key: String::new(),
        pending: String::new(),
        next: String::new(),
        csrf: form.csrf,
        error: None,
        // Declassified once, for their owner; only the hashes are stored.
        codes: made
            .recovery_codes
            .iter()
            .map(|c| c.expose().to_owned())
            .collect(),
        continue_to: continue_to(&state, profile.id, &form.next).await?,
    };
    Ok(html(&page)?.into_response())
}

/// `POST /account/totp/remove`: removes the enrolment and its recovery codes.
pub async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TotpForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    let viewer = gate(&state, &headers, EnrolmentKind::Totp, HERE).await?;
    let profile = &viewer.session.profile;
    if state.store.delete_totp_enrolment(profile.id).await? {
        audit(&state, profile, "totp.remove").await;
    }
    Ok(Redirect::to("/").into_response())
}

/// `POST /account/totp/skip`: "Not now", when the setting allows it.
pub async fn skip(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TotpForm>, FormRejection>,
) -> Result<Response, Refusal> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    check_form(&state.cookies, &state.public_origin, &headers, &form.csrf)?;
    skip_kind(&state, &headers, EnrolmentKind::Totp, &form.next).await
}

/// Records "Not now" for `kind` and moves on.
pub(super) async fn skip_kind(
    state: &AppState,
    headers: &HeaderMap,
    kind: EnrolmentKind,
    next: &str,
) -> Result<Response, Refusal> {
    let viewer = gate(state, headers, kind, super::path(kind)).await?;
    if !mode(state, kind).await?.may_skip() {
        return Err(PageError::NotFound.into());
    }
    let me = viewer.session.profile.id;
    record_skip(state, me, kind).await?;
    let to = continue_to(state, me, next).await?;
    Ok(Redirect::to(&to).into_response())
}
