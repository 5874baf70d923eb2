//! The HTTP surface: one router per area, merged here, with the layers every response gets
//! (error rendering, CSRF, security headers). Every path answers with and without a trailing
//! slash (CONTRACT.md "HTTP").

mod accounts;
mod assets;
mod chat;
mod closing;
mod echo;
mod input;
mod lobby;
mod pages;
mod ws;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;

use crate::app::AppState;
use crate::auth::csrf;
use crate::error::render_errors;

pub use input::Input;

/// True when the client asked for JSON (`Accept: application/json`).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// A 302 redirect (the contract's status for every redirect; axum's `Redirect` sends 303).
pub fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Routes `path` and `path/` to the same handlers.
fn route_both(
    router: Router<AppState>,
    path: &str,
    handlers: MethodRouter<AppState>,
) -> Router<AppState> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return router.route("/", handlers);
    }
    router
        .route(trimmed, handlers.clone())
        .route(&format!("{trimmed}/"), handlers)
}

pub fn router(state: AppState) -> Router {
    let pages = [accounts::routes(), chat::routes()]
        .into_iter()
        .fold(Router::new(), |router, path_handlers| {
            path_handlers
                .into_iter()
                .fold(router, |r, (path, handlers)| route_both(r, path, handlers))
        })
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect));
    let echo = if state.config.enable_echo_route {
        echo::routes()
    } else {
        Vec::new()
    };
    let sockets = ws::routes()
        .into_iter()
        .chain(lobby::routes())
        .chain(echo)
        .fold(Router::new(), |r, (path, handlers)| {
            route_both(r, path, handlers)
        });
    Router::new()
        .merge(pages)
        .merge(sockets)
        .merge(assets::routes())
        .fallback(|| async { crate::error::AppError::NotFound })
        .method_not_allowed_fallback(|| async { crate::error::AppError::MethodNotAllowed })
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Headers that keep pages from being framed, sniffed or made to run injected script
/// (CONTRACT.md and SECURITY: no inline script, so every script lives in `static/`).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// A route table: paths (with or without the trailing slash) and their handlers.
type Routes = Vec<(&'static str, MethodRouter<AppState>)>;
