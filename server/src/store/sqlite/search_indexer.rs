//! SQLite's search indexer: indexes stored lines behind the inserter, in transactions of its
//! own (migration 0013), instead of in the transaction that stores them.
//!
//! A line is delivered once it is stored, and storing is the one thing every message waits
//! for; cutting lines into tokens and writing FTS5's entries was a large part of each write
//! (BENCHMARKS.md, issue 19). So the inserter only stores, and this task indexes what was
//! stored since, a few times a second; a search first indexes whatever is left
//! ([`SearchIndexer::catch_up`]), so it never misses a line stored before it.
//!
//! It writes on the inserter's connection (SQLite has one writer at a time, and that
//! connection's queue is fair), a chunk per transaction, so a message waits behind at most one
//! chunk. The highest id looked at is kept in the same transaction as the entries, so a server
//! that stops midway resumes after the last chunk that committed.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use sqlx::{Row, SqliteConnection, SqlitePool};
use tokio_util::sync::CancellationToken;

use super::inserts::statement_rows;
use super::{begin_immediate, commit_or_roll_back};
use crate::store::rows::placeholders;
use crate::store::search::{index_value, SEARCHABLE_LINE};
use crate::store::Backend;

/// Lines looked at per transaction: what a message being stored may have to wait behind
/// (a chunk of 1000 made the 100 × 10 sweep's p99 worse than indexing inline; BENCHMARKS.md).
const CHUNK: i64 = 200;
/// After a failed chunk, the wait before the next try.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The indexer's handle: what has been stored and what has been indexed.
#[derive(Debug)]
pub struct SearchIndexer {
    connection: SqlitePool,
    /// The highest message id stored, as far as this server knows.
    stored: AtomicI64,
    /// The highest message id the index has looked at (`search_indexed.upto`).
    indexed: AtomicI64,
}

impl SearchIndexer {
    /// Reads where the index is and where the messages are, on the inserter's `connection`.
    pub async fn open(connection: SqlitePool) -> Result<Self, sqlx::Error> {
        let row = sqlx::query(
            "SELECT (SELECT upto FROM search_indexed) AS indexed, \
                    (SELECT COALESCE(MAX(id), 0) FROM messages) AS stored",
        )
        .fetch_one(&connection)
        .await?;
        Ok(Self {
            connection,
            stored: AtomicI64::new(row.try_get("stored")?),
            indexed: AtomicI64::new(row.try_get("indexed")?),
        })
    }

    /// Messages up to `id` are stored (called after each insert commits).
    pub fn stored(&self, id: i64) {
        self.stored.fetch_max(id, Ordering::Relaxed);
    }

    /// Indexes every line stored so far that is not yet, here and now: a search waits for
    /// this, so it finds every line stored before it. Should that fail, the search goes on
    /// with what is indexed, and says so in the log.
    pub async fn catch_up(&self) {
        let target = self.stored.load(Ordering::Relaxed);
        while self.indexed.load(Ordering::Relaxed) < target {
            if let Err(e) = self.index_next().await {
                tracing::warn!(error = ?e, "could not bring the search index up to date; searching what it holds");
                return;
            }
        }
    }

    /// Indexes what is stored every `interval` until `shutdown`.
    pub async fn run(&self, interval: Duration, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            while self.indexed.load(Ordering::Relaxed) < self.stored.load(Ordering::Relaxed) {
                if shutdown.is_cancelled() {
                    return;
                }
                if let Err(e) = self.index_next().await {
                    tracing::warn!(error = ?e, "could not index new lines for search; trying again");
                    tokio::time::sleep(RETRY_AFTER).await;
                    break;
                }
            }
        }
    }

    /// Indexes the next chunk, and notes how far the index now is (a search's catch-up and
    /// the rounds may both be at it; each chunk reads where the last one ended).
    async fn index_next(&self) -> Result<(), sqlx::Error> {
        let started = std::time::Instant::now();
        let before = self.indexed.load(Ordering::Relaxed);
        let stored = self.stored.load(Ordering::Relaxed);
        // Nothing after `upto`: every line stored before this chunk began has been looked at.
        let upto = self.index_chunk().await?.unwrap_or(stored);
        self.indexed.fetch_max(upto, Ordering::Relaxed);
        tracing::debug!(
            lines = upto - before,
            micros = started.elapsed().as_micros() as u64,
            "indexed lines for search"
        );
        Ok(())
    }

    /// Indexes the next [`CHUNK`] lines after `search_indexed.upto` in one transaction, and
    /// returns the new `upto`; `None` if there was no line after it.
    async fn index_chunk(&self) -> Result<Option<i64>, sqlx::Error> {
        let mut connection = self.connection.acquire().await?;
        // The write lock from the start, so no edit commits between reading a line and
        // indexing it (an edit re-indexes only lines at or below `upto`).
        begin_immediate(&mut connection).await?;
        let upto = index_chunk_in(&mut connection).await;
        commit_or_roll_back(&mut connection, upto).await
    }
}

/// The body of [`SearchIndexer::index_chunk`], inside its transaction.
async fn index_chunk_in(connection: &mut SqliteConnection) -> Result<Option<i64>, sqlx::Error> {
    let upto: i64 = sqlx::query_scalar("SELECT upto FROM search_indexed")
        .fetch_one(&mut *connection)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT id, {SEARCHABLE_LINE} AS searchable, body FROM messages \
         WHERE id > ? ORDER BY id LIMIT ?"
    ))
    .bind(upto)
    .bind(CHUNK)
    .fetch_all(&mut *connection)
    .await?;
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    // Columns by position, as selected above: a name is looked up for every row.
    let last: i64 = last.try_get(0)?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<i64, _>(1)? != 0 {
            let body: &str = row.try_get(2)?;
            if let Some(terms) = index_value(Backend::Sqlite, body) {
                entries.push((row.try_get::<i64, _>(0)?, terms));
            }
        }
    }
    insert_entries(connection, &entries).await?;
    sqlx::query("UPDATE search_indexed SET upto = ?")
        .bind(last)
        .execute(&mut *connection)
        .await?;
    Ok(Some(last))
}

/// Index entries (id, terms) in one statement, padded as the inserter's are
/// ([`statement_rows`]), so its few sizes stay prepared.
async fn insert_entries(
    connection: &mut SqliteConnection,
    entries: &[(i64, String)],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = statement_rows(entries.len());
    let sql = format!(
        "INSERT INTO message_search (rowid, terms) \
         SELECT * FROM (VALUES {}) WHERE column1 IS NOT NULL",
        placeholders(Backend::Sqlite, rows, 2)
    );
    let mut query = sqlx::query(&sql);
    for (id, terms) in entries {
        query = query.bind(*id).bind(terms.as_str());
    }
    for _ in entries.len()..rows {
        query = query.bind(None::<i64>).bind(None::<String>);
    }
    query.execute(&mut *connection).await?;
    Ok(())
}
