//! Prometheus metrics, served on their own address (`--metrics-bind`), never the public one.
//! Code anywhere records through the `metrics` macros with the names below; without
//! `--metrics-bind` no recorder is installed and they cost next to nothing.
//!
//! Names follow Prometheus' guide: a `chat_` prefix, base units (`_seconds`), `_total` on
//! counters, labels with a few fixed values each.

use std::net::SocketAddr;
use std::sync::OnceLock;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

/// Open WebSockets; label `kind`: `room` or `lobby`.
pub const SOCKETS_OPEN: &str = "chat_sockets_open";
/// Rooms with at least one live socket on this instance.
pub const ROOMS_LIVE: &str = "chat_rooms_live";
pub const MESSAGES_STORED: &str = "chat_messages_stored_total";
/// Messages per write (one transaction, then one delivery).
pub const WRITE_BATCH_MESSAGES: &str = "chat_write_batch_messages";
pub const WRITE_BATCH_SECONDS: &str = "chat_write_batch_duration_seconds";
/// Message frames queued to sockets (one per message and receiving socket).
pub const DELIVERIES: &str = "chat_deliveries_total";
pub const SOCKETS_TOO_SLOW: &str = "chat_sockets_dropped_too_slow_total";
/// Refused requests and frames; label `kind`: `rate`, `size`, `csrf`, `origin`,
/// `login_throttled`.
pub const REFUSALS: &str = "chat_refusals_total";
/// Label `result`: `success` or `failure`.
pub const LOGINS: &str = "chat_logins_total";
pub const REDIS_RECONNECTS: &str = "chat_redis_reconnects_total";
/// Ranges of messages a room read back from the database because fan-out skipped them.
pub const GAP_FILLS: &str = "chat_gap_fills_total";
/// Labels `route` (the matched path, so ids do not make new series), `method`, `status`.
pub const HTTP_REQUESTS: &str = "chat_http_requests_total";
pub const HTTP_SECONDS: &str = "chat_http_request_duration_seconds";

/// Chat latencies are milliseconds; a write or page taking seconds is an incident.
const SECONDS_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// From one message after a quiet spell to a full `WRITE_BATCH`.
const BATCH_BUCKETS: [f64; 10] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0, 2048.0, 4096.0,
];

/// The process-wide recorder, installed on first use (a test process may start several
/// servers; they share it).
fn handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(WRITE_BATCH_MESSAGES.into()), &BATCH_BUCKETS)?
        .install_recorder()
        .context("could not install the metrics recorder")?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    describe_gauge!(SOCKETS_OPEN, "Open WebSockets, by kind (room, lobby).");
    describe_gauge!(
        ROOMS_LIVE,
        "Rooms with at least one live socket on this instance."
    );
    describe_counter!(
        MESSAGES_STORED,
        "Messages stored (repeated nonces not counted)."
    );
    describe_histogram!(WRITE_BATCH_MESSAGES, "Messages per database write.");
    describe_histogram!(
        WRITE_BATCH_SECONDS,
        Unit::Seconds,
        "Duration of each database write of messages."
    );
    describe_counter!(DELIVERIES, "Message frames queued to sockets.");
    describe_counter!(
        SOCKETS_TOO_SLOW,
        "Sockets closed because they read too slowly (1013)."
    );
    describe_counter!(
        REFUSALS,
        "Requests and frames refused, by kind (rate, size, csrf, origin, login_throttled)."
    );
    describe_counter!(LOGINS, "Login attempts, by result (success, failure).");
    describe_counter!(
        REDIS_RECONNECTS,
        "Times the Redis subscription came back after a loss."
    );
    describe_counter!(
        GAP_FILLS,
        "Message ranges read back from the database to fill a delivery gap."
    );
    describe_counter!(HTTP_REQUESTS, "HTTP requests, by route, method and status.");
    describe_histogram!(
        HTTP_SECONDS,
        Unit::Seconds,
        "HTTP request durations, by route and method (WebSockets: until the upgrade)."
    );
}

/// Binds `bind` and serves `GET /metrics` there until `shutdown`; the bound address.
pub async fn serve(bind: &str, shutdown: CancellationToken) -> anyhow::Result<SocketAddr> {
    let handle = handle()?;
    let listener = crate::serve::listen(bind)
        .await
        .with_context(|| format!("could not listen for metrics on {bind} (--metrics-bind)"))?;
    let addr = listener.local_addr()?;
    let router = Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    );
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    tracing::info!(%addr, "metrics listening");
    Ok(addr)
}

/// Counts an open socket for as long as it lives.
pub struct OpenSocket(&'static str);

impl OpenSocket {
    pub fn new(kind: &'static str) -> Self {
        metrics::gauge!(SOCKETS_OPEN, "kind" => kind).increment(1.0);
        Self(kind)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        metrics::gauge!(SOCKETS_OPEN, "kind" => self.0).decrement(1.0);
    }
}

/// Counts one refusal of `kind`.
pub fn refused(kind: &'static str) {
    metrics::counter!(REFUSALS, "kind" => kind).increment(1);
}
