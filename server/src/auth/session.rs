//! Server-side sessions (CONTRACT.md "Sessions and CSRF"): the `sessionid` cookie carries a
//! random 256-bit token, the database keeps its SHA-256 with the user and an expiry, so logout
//! and expiry are real and a copied database holds no usable session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{now_ms, User};

pub use chat_shared::session::SESSION_COOKIE;

/// A new random session token (what the cookie holds).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of the named cookie in the request, if present.
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// True when the request reached us over TLS (directly or through a proxy that says so), so
/// cookies get the `Secure` flag.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the contract's flags.
pub fn cookie_header(
    name: &str,
    value: &str,
    max_age_secs: i64,
    http_only: bool,
    secure: bool,
) -> String {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The logged-in user of this request. As an extractor it rejects anonymous requests with
/// [`AppError::LoginRequired`] (a redirect to the login page, or 401 for JSON).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The session's hash, to end it at logout.
    pub session_hash: String,
    /// When the session expires (Unix ms): its sockets close then.
    pub session_expires_at: i64,
}

/// The user if logged in, for pages that anyone may see.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

async fn lookup(parts: &Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = request_cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let session_hash = hash_token(&token);
    let user = state.store.session_user(&session_hash, now_ms()).await?;
    Ok(user.map(|(user, session_expires_at)| CurrentUser {
        user,
        session_hash,
        session_expires_at,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        lookup(parts, state).await?.ok_or(AppError::LoginRequired)
    }
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(MaybeUser(lookup(parts, state).await?))
    }
}
