//! Liveness and readiness for process supervisors, load balancers and uptime monitors: no
//! session, no CSRF, and nothing in the answer but up or down and which part is down.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use super::Routes;
use crate::state::AppState;

/// A readiness probe that hangs is as bad as one that fails: monitors time out at a few
/// seconds, so each part gets less than that.
const PART_DEADLINE: Duration = Duration::from_secs(2);

pub fn routes() -> Routes {
    vec![("/healthz", get(healthz)), ("/readyz", get(readyz))]
}

/// The process answers HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers a query and, in scale-out mode, Redis carries events: 200, or 503
/// naming the part that does not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = tokio::time::timeout(PART_DEADLINE, state.store.ping()).await;
    if !matches!(database, Ok(Ok(()))) {
        if let Ok(Err(e)) = database {
            tracing::warn!(error = %e, "readiness: the database does not answer");
        }
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n");
    }
    let fanout = tokio::time::timeout(PART_DEADLINE, state.rooms.fanout_connected()).await;
    if !matches!(fanout, Ok(true)) {
        return (StatusCode::SERVICE_UNAVAILABLE, "redis unavailable\n");
    }
    (StatusCode::OK, "ready\n")
}
