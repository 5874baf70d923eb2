//! CSRF protection (CONTRACT.md "Sessions and CSRF"), with Django's names and stronger: the
//! `csrftoken` cookie is signed by the server and bound to the session, every POST must echo it
//! (form field `csrfmiddlewaretoken` or header `X-CSRFToken`), and a POST from another origin is
//! refused outright.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use chat_shared::session::{
    CSRF_COOKIE, CSRF_FORM_FIELD, CSRF_HEADER, PRESESSION_COOKIE, SESSION_COOKIE,
};

use super::session::{cookie_header, hash_token, is_https, new_token, request_cookie};
use crate::error::AppError;
use crate::state::AppState;
/// A year, as Django does: the token is only useful together with the session it is bound to.
const CSRF_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;
/// Forms are small; a larger body is refused before it is read into memory.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The token valid for this request, for templates to put in their forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// What a token is bound to for this request: the session cookie's hash, else the
/// pre-session's; `None` for a visitor with neither, who is given a pre-session.
pub fn binding(headers: &HeaderMap) -> Option<String> {
    request_cookie(headers, SESSION_COOKIE)
        .map(|t| hash_token(&t))
        .or_else(|| request_cookie(headers, PRESESSION_COOKIE).map(|p| presession_binding(&p)))
}

fn presession_binding(presession: &str) -> String {
    format!("pre:{}", hash_token(presession))
}

/// The binding for this visitor once logged out: their pre-session's, or a new pre-session's
/// (returned, to be set as a cookie).
pub fn anonymous_binding(headers: &HeaderMap) -> (String, Option<String>) {
    match request_cookie(headers, PRESESSION_COOKIE) {
        Some(p) => (presession_binding(&p), None),
        None => {
            let p = new_token();
            (presession_binding(&p), Some(p))
        }
    }
}

/// The `Set-Cookie` value for a new pre-session: as long-lived as a CSRF cookie, and out of
/// scripts' reach.
pub fn presession_cookie(value: &str, headers: &HeaderMap) -> String {
    cookie_header(
        PRESESSION_COOKIE,
        value,
        CSRF_COOKIE_MAX_AGE,
        true,
        is_https(headers),
    )
}

/// The `Set-Cookie` value for a CSRF token (readable by page scripts, as Django's is).
pub fn csrf_cookie(token: &str, headers: &HeaderMap) -> String {
    cookie_header(
        CSRF_COOKIE,
        token,
        CSRF_COOKIE_MAX_AGE,
        false,
        is_https(headers),
    )
}

/// The host a request was addressed to.
fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// True when the header value (an origin or a URL) names a host other than ours, or the
/// plain-HTTP origin of our host while we are served over HTTPS (a page injected on the
/// unencrypted side of the same host is not ours). Where we cannot tell our own scheme (a
/// proxy that sets no `X-Forwarded-Proto`), an `https` origin is taken as ours.
fn names_other_host(value: &str, host: Option<&str>, over_https: bool) -> bool {
    match (url::Url::parse(value), host) {
        (Ok(url), _) if !matches!(url.scheme(), "http" | "https") => true,
        (Ok(url), _) if over_https && url.scheme() == "http" => true,
        (Ok(url), Some(host)) => {
            let authority = match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_owned(),
            };
            !authority.eq_ignore_ascii_case(host)
        }
        _ => true,
    }
}

/// The `Origin` check shared by POSTs and WebSocket upgrades: a present `Origin` must be ours.
/// For POSTs without an `Origin`, the `Referer` is checked the same way.
pub fn foreign_origin(headers: &HeaderMap, check_referer: bool) -> bool {
    let host = request_host(headers);
    let over_https = is_https(headers);
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        return names_other_host(origin, host, over_https);
    }
    if check_referer {
        if let Some(referer) = headers.get(header::REFERER) {
            return names_other_host(referer.to_str().unwrap_or(""), host, over_https);
        }
    }
    false
}

/// Middleware: checks POSTs, and makes sure every response carries a valid token cookie.
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let (binding, new_presession) = match binding(&headers) {
        Some(binding) => (binding, None),
        None => anonymous_binding(&headers),
    };
    let cookie_token =
        request_cookie(&headers, CSRF_COOKIE).filter(|t| state.csrf.verify(t, &binding));

    let mut request = request;
    if request.method() == Method::POST {
        if foreign_origin(&headers, true) {
            return AppError::Forbidden(crate::error::Refusal::CrossOrigin).into_response();
        }
        let submitted = match headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
            Some(v) => Some(v.to_owned()),
            None => match form_field(request).await {
                Ok((rebuilt, value)) => {
                    request = rebuilt;
                    value
                }
                Err(response) => return response,
            },
        };
        let ok = matches!((&cookie_token, &submitted), (Some(c), Some(s)) if c == s);
        if !ok {
            return AppError::Forbidden(crate::error::Refusal::Csrf).into_response();
        }
    }

    let (token, fresh) = match cookie_token {
        Some(t) => (t, false),
        None => (state.csrf.issue(&binding), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    let handler_set_one = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
    if fresh && !handler_set_one {
        if let Ok(value) = HeaderValue::from_str(&csrf_cookie(&token, &headers)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    if let Some(presession) = new_presession {
        if let Ok(value) = HeaderValue::from_str(&presession_cookie(&presession, &headers)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Reads the `csrfmiddlewaretoken` field of a form body and puts the body back.
async fn form_field(request: Request) -> Result<(Request, Option<String>), Response> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::PayloadTooLarge.into_response())?;
    let value = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == CSRF_FORM_FIELD)
                .map(|(_, v)| v)
        });
    Ok((Request::from_parts(parts, Body::from(bytes)), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::csrf_key::CsrfKey;

    #[test]
    fn tokens_verify_only_for_their_binding_and_key() {
        let key = CsrfKey([7; 32]);
        let token = key.issue("session-a");
        assert!(key.verify(&token, "session-a"));
        assert!(!key.verify(&token, "session-b"));
        assert!(!key.verify(&token, ""));
        assert!(!CsrfKey([8; 32]).verify(&token, "session-a"));
        assert!(!key.verify("planted-by-another-site", ""));
    }

    #[test]
    fn origins_are_compared_with_the_host_header() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8000".parse().unwrap());
        assert!(!foreign_origin(&h, true));
        h.insert(header::ORIGIN, "http://127.0.0.1:8000".parse().unwrap());
        assert!(!foreign_origin(&h, true));
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(foreign_origin(&h, true));
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(foreign_origin(&h, true));
        h.remove(header::ORIGIN);
        h.insert(header::REFERER, "http://evil.example/page".parse().unwrap());
        assert!(foreign_origin(&h, true));
        assert!(!foreign_origin(&h, false));
    }
}
