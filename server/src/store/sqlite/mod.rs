//! SQLite, the embedded default: the pool every query but message inserts uses, the message
//! inserter's own connection ([`inserts`]), which the search indexer ([`search_indexer`])
//! shares, the checkpoint task ([`checkpoint`]), and where an id falls among a room's lines
//! ([`positions`]).

pub mod checkpoint;
pub mod inserts;
pub mod positions;
pub mod search_indexer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};
use sqlx::{AnyPool, Executor};

use inserts::SqliteInserter;

/// Every SQLite connection's settings, the pool's and the inserter's. Wait for the writer
/// instead of failing at once; NORMAL is durable in WAL mode against process crashes, which is
/// what `kill -9` tests; after a checkpoint, a log that grew under a burst shrinks back.
const CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864;";

/// Begins a transaction that takes the write lock at once: a deferred one that reads first
/// could not become the writer if another connection wrote in between. Plain SQL rather than
/// sqlx's `Transaction`: after some errors SQLite rolls back by itself, the `ROLLBACK` that
/// follows then fails, and sqlx would count the connection as still in a transaction and
/// refuse every `BEGIN IMMEDIATE` after.
pub async fn begin_immediate(connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    connection.execute("BEGIN IMMEDIATE").await?;
    Ok(())
}

/// Ends a transaction begun with [`begin_immediate`]: commits what `body` did if it succeeded,
/// and rolls back if it failed, or if the commit does.
pub async fn commit_or_roll_back<T>(
    connection: &mut SqliteConnection,
    body: Result<T, sqlx::Error>,
) -> Result<T, sqlx::Error> {
    let ended = match body {
        Ok(value) => connection.execute("COMMIT").await.map(|_| value),
        Err(e) => Err(e),
    };
    if ended.is_err() {
        let _ = connection.execute("ROLLBACK").await;
    }
    ended
}

/// `url` with `mode=rwc`, so a missing file is created.
pub fn creating(url: &str) -> String {
    if url.contains("mode=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

/// The pool (in WAL mode, so readers run while the inserter commits) and the inserter.
pub async fn open(
    url: &str,
    options: AnyConnectOptions,
    max_connections: u32,
) -> Result<(AnyPool, SqliteInserter), sqlx::Error> {
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        // A local file: checking a connection before handing it out would only add a round
        // trip to its worker thread before every query.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(CONNECTION_PRAGMAS).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    pool.execute("PRAGMA journal_mode = WAL;").await?;
    let inserter = SqliteInserter::new(inserter_connection(url).await?);
    Ok((pool, inserter))
}

/// The inserter's connection, on the native driver: its worker thread gets a name of its own,
/// and its statements need no `Any` conversions.
async fn inserter_connection(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        // Tells its thread apart from the pool's in `top -H` and profiles.
        .thread_name(|id| format!("sqlite-inserter-{id}"));
    SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(CONNECTION_PRAGMAS).await?;
                // The checkpoint task copies the log into the database without blocking this
                // connection; it checkpoints itself only at 32 MiB of log, which then has
                // little left to copy. Without that backstop, a log that is written to without
                // pause is never restarted and grows without bound.
                conn.execute("PRAGMA wal_autocheckpoint = 8192;").await?;
                // 16 MiB of page cache: a batch of a thousand messages to a hundred rooms
                // dirties more pages than SQLite's default 2 MiB holds, and spilling them to the
                // log mid-write costs a read and a write each (BENCHMARKS.md).
                conn.execute("PRAGMA cache_size = -16384;").await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}
