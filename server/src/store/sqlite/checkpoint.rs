//! Copies SQLite's write-ahead log into the database file several times a second, away from
//! the message inserter, so the copying and its fsyncs stay off the path of every message (the
//! inserter checkpoints by itself only as a backstop; see `sqlite::open`).

use std::time::Duration;

use sqlx::{AnyPool, Executor};
use tokio_util::sync::CancellationToken;

/// How often the log is copied.
const EVERY: Duration = Duration::from_millis(200);

/// Runs until `shutdown`.
pub async fn checkpoint_until(pool: AnyPool, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {
                // PASSIVE: copy what no reader still needs, without blocking anyone.
                if let Err(e) = pool.execute("PRAGMA wal_checkpoint(PASSIVE);").await {
                    tracing::warn!(error = ?e, "could not checkpoint the SQLite write-ahead log");
                }
            }
        }
    }
}
