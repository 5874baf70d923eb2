//! The HTTP surface: one router per area, merged here, with the layers every response gets
//! (error rendering, CSRF, security headers). Every path answers with and without a trailing
//! slash (CONTRACT.md "HTTP").

pub(crate) mod accounts;
mod assets;
mod chat;
mod health;
mod input;
mod moderation;
mod pages;
mod request_span;
pub mod respond;
mod room_list;
mod search;

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use axum::Router;

use crate::auth::csrf;
use crate::error::render_errors;
use crate::socket;
use crate::state::AppState;

pub use input::Input;
pub use respond::{found, json_error, wait_secs, wants_json, with_retry_after};

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
    let pages = [
        accounts::routes(),
        chat::routes(),
        moderation::routes(),
        search::routes(),
    ]
    .into_iter()
    .fold(Router::new(), |router, path_handlers| {
        path_handlers
            .into_iter()
            .fold(router, |r, (path, handlers)| route_both(r, path, handlers))
    })
    .layer(middleware::from_fn_with_state(state.clone(), csrf::protect));
    let mut sockets: Routes = vec![
        ("/ws/chat/{id}", get(socket::upgrade::room)),
        ("/ws/lobby", get(socket::upgrade::lobby)),
    ];
    if state.config.enable_echo_route {
        sockets.push(("/ws/echo", get(socket::echo::upgrade)));
    }
    let sockets = sockets
        .into_iter()
        .fold(Router::new(), |r, (path, handlers)| {
            route_both(r, path, handlers)
        });
    let probes = health::routes()
        .into_iter()
        .fold(Router::new(), |r, (path, handlers)| r.route(path, handlers));
    Router::new()
        .merge(pages)
        .merge(sockets)
        .merge(probes)
        .merge(assets::routes())
        .fallback(|| async { crate::error::AppError::NotFound })
        .method_not_allowed_fallback(|| async { crate::error::AppError::MethodNotAllowed })
        .layer(middleware::from_fn(render_errors))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(record_request))
        .layer(middleware::from_fn(request_span::with_request_span))
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

/// Counts the request and its duration by route (the matched pattern without its optional
/// trailing slash, so ids and slashes make no new series; `unmatched` for 404s), method and
/// status.
async fn record_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| match m.as_str().trim_end_matches('/') {
            "" => "/",
            route => route,
        })
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(crate::metrics::HTTP_SECONDS, "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(crate::metrics::HTTP_REQUESTS, "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// A route table: paths (with or without the trailing slash) and their handlers.
type Routes = Vec<(&'static str, MethodRouter<AppState>)>;
