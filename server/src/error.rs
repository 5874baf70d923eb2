//! One error type for every handler. A handler returns [`AppError`]; its response carries the
//! kind of failure, and [`render_errors`] (which sees the request) turns it into an HTML page in
//! the user's language or the contract's JSON `{"error": ...}`.

use askama::Template;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use chat_shared::api::ErrorBody;

use crate::http::respond::{found, wants_json};
use crate::i18n::{self, Texts};
use crate::store::StoreError;

/// Why a request was refused with 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Csrf,
    CrossOrigin,
    NotCreator,
    /// The user is banned from the room.
    Banned,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Anonymous request to a page that needs a login: HTML redirects, JSON gets 401.
    #[error("login required")]
    LoginRequired,
    /// No valid session where one is needed and no page to send the user to (WebSockets).
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden: {0:?}")]
    Forbidden(Refusal),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("bad request")]
    BadRequest,
    /// `GET /chat/list?before=` that is not a room number.
    #[error("bad room list cursor")]
    BadRoomCursor,
    /// `GET /chat/list?limit=` outside 1..=`ROOM_PAGE_MAX`.
    #[error("bad room list limit")]
    BadRoomLimit,
    /// The user has `--sockets-per-user` room sockets open already.
    #[error("too many sockets")]
    TooManySockets,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The part of an error the renderer needs, carried in the response's extensions.
#[derive(Debug, Clone, Copy)]
struct ErrorKind {
    status: StatusCode,
    message: fn(&Texts) -> &'static str,
    login_required: bool,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Forbidden(Refusal::Csrf) => crate::metrics::refused("csrf"),
            AppError::Forbidden(Refusal::CrossOrigin) => crate::metrics::refused("origin"),
            _ => {}
        }
        let (status, message): (StatusCode, fn(&Texts) -> &'static str) = match &self {
            AppError::LoginRequired => (StatusCode::UNAUTHORIZED, |t| t.err_login_required),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, |t| t.err_login_required),
            AppError::Forbidden(Refusal::Csrf) => (StatusCode::FORBIDDEN, |t| t.err_csrf),
            AppError::Forbidden(Refusal::CrossOrigin) => {
                (StatusCode::FORBIDDEN, |t| t.err_cross_origin)
            }
            AppError::Forbidden(Refusal::NotCreator) => {
                (StatusCode::FORBIDDEN, |t| t.err_forbidden_creator)
            }
            AppError::Forbidden(Refusal::Banned) => (StatusCode::FORBIDDEN, |t| t.err_banned),
            AppError::NotFound => (StatusCode::NOT_FOUND, |t| t.err_not_found),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, |t| t.err_method),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, |t| t.err_too_large),
            AppError::BadRequest => (StatusCode::BAD_REQUEST, |t| t.err_bad_request),
            AppError::BadRoomCursor => (StatusCode::BAD_REQUEST, |t| t.err_room_cursor),
            AppError::BadRoomLimit => (StatusCode::BAD_REQUEST, |t| t.err_room_limit),
            AppError::TooManySockets => (StatusCode::TOO_MANY_REQUESTS, |t| t.err_too_many_sockets),
            AppError::Store(e) => {
                tracing::error!(error = ?e, "storage failed");
                (StatusCode::INTERNAL_SERVER_ERROR, |t| t.err_internal)
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, |t| t.err_internal)
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorKind {
            status,
            message,
            login_required: matches!(self, AppError::LoginRequired),
        });
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'static Texts,
    message: &'a str,
    status: u16,
}

/// Middleware: renders [`AppError`] responses for the client that asked.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let json = wants_json(request.headers());
    let t = i18n::negotiate(request.headers());
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let response = next.run(request).await;
    let Some(kind) = response.extensions().get::<ErrorKind>().copied() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let mut rendered = if kind.login_required && !json {
        let next = url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
        found(&format!("/accounts/login/?next={next}"))
    } else if json {
        (
            kind.status,
            Json(ErrorBody {
                error: (kind.message)(t).to_owned(),
            }),
        )
            .into_response()
    } else {
        let page = ErrorPage {
            t,
            message: (kind.message)(t),
            status: kind.status.as_u16(),
        };
        match page.render() {
            Ok(html) => (kind.status, Html(html)).into_response(),
            Err(_) => kind.status.into_response(),
        }
    };
    // Keep headers the handler set (Retry-After, cookies), but not its content type.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        rendered.headers_mut().append(name, value.clone());
    }
    rendered
}
