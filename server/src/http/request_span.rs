//! Gives every request an id of our own making (a client's `x-request-id` is not trusted: it
//! would let anyone write into the log), runs the request in a span that carries it, and
//! returns it in `x-request-id` so a user's report can be matched to the log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// `<process prefix>-<counter>`: unique across restarts and instances without coordination.
fn next_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::thread_rng().gen::<u32>()));
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub async fn with_request_span(request: Request, next: Next) -> Response {
    let id = next_id();
    // The path only: a query string is the client's text.
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path()
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        let status = response.status();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), "request done");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
