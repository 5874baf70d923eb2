//! SQLite's message inserts: one connection of its own, numbering messages itself.
//!
//! Plain messages and join and leave lines take the grouped insert; anything else the exact
//! path (`one_by_one`). Neither writes the search index: `search_indexer` follows them.
//!
//! It is the only writer of messages to the file, so it numbers them itself: each message's id
//! and seq come from the last ones it stored, and the insert is a plain one, with no lookup of a
//! room's last seq per row, no sort and no `RETURNING` rows to read back (BENCHMARKS.md). The
//! unique keys still guard every number: if anything else wrote to the file, a clash fails the
//! statement, the numbers are forgotten and the batch takes the exact path.

use std::collections::HashMap;

use sqlx::{AnyPool, SqliteConnection, SqlitePool};

use super::{begin_immediate, commit_or_roll_back};
use crate::store::one_by_one::insert_one_by_one;
use crate::store::rows::{distinct, newly_stored, placeholders};
use crate::store::{Backend, Inserted, NewMessage, MAX_BATCH};

/// Rows per INSERT statement: a whole batch, so a batch is one statement.
const ROWS_PER_STATEMENT: usize = MAX_BATCH;
/// Parameters per row of the insert's VALUES list: id, room, seq, sender, body, sent at, nonce.
const ROW_WIDTH: usize = 7;
// A statement's parameters must stay within SQLite's limit of 32766, and the largest statement
// (`statement_rows`, a power of two) must be the chunk size.
const _: () = assert!(ROWS_PER_STATEMENT * ROW_WIDTH <= 32766);
const _: () = assert!(ROWS_PER_STATEMENT.is_power_of_two());

/// The message inserter: its connection, and what it knows of the messages table.
#[derive(Debug)]
pub struct SqliteInserter {
    connection: SqlitePool,
    /// Held for a whole insert, so reading the numbers, storing and advancing them is one step.
    /// Only the send queue inserts, so it is never contended.
    numbering: tokio::sync::Mutex<Numbering>,
}

/// The next message id and each room's last seq, as of the last successful insert.
#[derive(Debug, Default)]
struct Numbering {
    /// `None` until read from the database, and again after any failure.
    next_id: Option<i64>,
    last_seq: HashMap<i64, i64>,
}

impl Numbering {
    /// Forgets everything, so the next insert reads the numbers from the database again.
    fn forget(&mut self) {
        self.next_id = None;
        self.last_seq.clear();
    }

    /// Reads what the insert of `chunk` needs and is not known yet: the next id, and the last
    /// seq of each room not written to since the start (one statement for all of them).
    async fn learn(
        &mut self,
        connection: &mut SqliteConnection,
        chunk: &[NewMessage],
    ) -> Result<i64, sqlx::Error> {
        let next_id = match self.next_id {
            Some(id) => id,
            None => {
                // AUTOINCREMENT's counter too: an id once used is never used again.
                let id: i64 = sqlx::query_scalar(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0), \
                                COALESCE((SELECT MAX(id) FROM messages), 0)) + 1",
                )
                .fetch_one(&mut *connection)
                .await?;
                *self.next_id.insert(id)
            }
        };
        let unknown = distinct(
            chunk
                .iter()
                .map(|m| m.room_id)
                .filter(|room| !self.last_seq.contains_key(room)),
        );
        if !unknown.is_empty() {
            let rooms = serde_json::to_string(&unknown).expect("a list of integers is JSON");
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT r.value, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.room_id = r.value) \
                 FROM json_each(?) AS r",
            )
            .bind(rooms)
            .fetch_all(&mut *connection)
            .await?;
            self.last_seq.extend(rows);
        }
        Ok(next_id)
    }
}

impl SqliteInserter {
    pub fn new(connection: SqlitePool) -> Self {
        Self {
            connection,
            numbering: Default::default(),
        }
    }

    /// Its connection, for the search indexer to write on in turn (SQLite has one writer).
    pub fn connection(&self) -> SqlitePool {
        self.connection.clone()
    }

    /// Stores `batch` in order, all of it or none of it. A batch that repeats a nonce (or
    /// clashes with a row written by someone else) stores nothing here and takes the exact path
    /// instead, in one transaction on `pool` (rare: a client resending after a reconnect).
    pub async fn insert(
        &self,
        pool: &AnyPool,
        batch: &[NewMessage],
    ) -> Result<Vec<Inserted>, sqlx::Error> {
        let mut numbering = self.numbering.lock().await;
        if !batch.iter().all(|m| m.is_plain() || m.is_membership_line()) {
            numbering.forget();
            let mut tx = pool.begin().await?;
            let stored = insert_one_by_one(&mut tx, Backend::Sqlite, batch).await?;
            tx.commit().await?;
            return Ok(stored);
        }
        let mut connection = self.connection.acquire().await?;
        // A transaction even for one statement: the lines and the kinds of the join and
        // leave lines among them are stored together or not at all.
        let stored = insert_chunks_in_one_transaction(&mut connection, &mut numbering, batch).await;
        drop(connection);
        match stored {
            Ok(stored) => Ok(stored),
            Err(e) => {
                // Whatever failed, the numbers may no longer be the database's.
                numbering.forget();
                match e {
                    sqlx::Error::Database(e) if e.is_unique_violation() => {
                        let mut tx = pool.begin().await?;
                        let stored = insert_one_by_one(&mut tx, Backend::Sqlite, batch).await?;
                        tx.commit().await?;
                        Ok(stored)
                    }
                    e => Err(e),
                }
            }
        }
    }
}

/// A batch in one transaction: if a later chunk fails, the earlier ones are rolled back too,
/// so a caller that retries the batch stores nothing twice. The search index follows in
/// transactions of its own (`search_indexer`).
async fn insert_chunks_in_one_transaction(
    connection: &mut SqliteConnection,
    numbering: &mut Numbering,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    begin_immediate(connection).await?;
    let stored = insert_chunks(connection, numbering, batch).await;
    commit_or_roll_back(connection, stored).await
}

async fn insert_chunks(
    connection: &mut SqliteConnection,
    numbering: &mut Numbering,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    let mut stored = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(ROWS_PER_STATEMENT) {
        stored.extend(insert_numbered(connection, numbering, chunk).await?);
    }
    Ok(stored)
}

/// The rows of the insert statement that takes `messages` messages: the next power of two (at
/// least 8), the rest filled with NULL rows that the statement skips. So ten statements serve
/// every batch size, and each is prepared once and kept by the driver's statement cache;
/// sized exactly, every batch would be a new statement to prepare and cache (BENCHMARKS.md).
pub(super) fn statement_rows(messages: usize) -> usize {
    messages.next_power_of_two().max(8)
}

/// One statement, `INSERT … SELECT` from a VALUES list, numbered here: ids follow the last one
/// stored, in batch order, and each room's seqs follow its last one, so ids grow with seqs
/// within a room. A repeated nonce fails the whole statement (unique violation) and stores
/// nothing; the numbers advance only once it has succeeded.
async fn insert_numbered(
    connection: &mut SqliteConnection,
    numbering: &mut Numbering,
    chunk: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    let first_id = numbering.learn(connection, chunk).await?;
    let rows = statement_rows(chunk.len());
    let sql = format!(
        "INSERT INTO messages (id, room_id, seq, sender_id, body, sent_at, nonce) \
         SELECT * FROM (VALUES {}) WHERE column1 IS NOT NULL",
        placeholders(Backend::Sqlite, rows, ROW_WIDTH)
    );
    let mut last_seq: HashMap<i64, i64> = HashMap::new();
    let mut numbered = Vec::with_capacity(chunk.len());
    let mut query = sqlx::query(&sql);
    for (id, m) in (first_id..).zip(chunk) {
        let seq = last_seq
            .entry(m.room_id)
            .or_insert_with(|| numbering.last_seq[&m.room_id]);
        *seq += 1;
        numbered.push((id, *seq));
        // Text is bound borrowed: the batch outlives the statement, so no copies.
        query = query
            .bind(id)
            .bind(m.room_id)
            .bind(*seq)
            .bind(m.sender.id)
            .bind(m.body.as_str())
            .bind(m.sent_at)
            .bind(m.nonce.as_deref());
    }
    for _ in chunk.len()..rows {
        for _ in 0..ROW_WIDTH {
            query = query.bind(None::<i64>);
        }
    }
    let stored = query.execute(&mut *connection).await?.rows_affected();
    if stored != chunk.len() as u64 {
        return Err(sqlx::Error::Protocol(format!(
            "stored {stored} of a batch of {} messages",
            chunk.len()
        )));
    }
    mark_membership_lines(connection, first_id, chunk).await?;
    numbering.next_id = Some(first_id + chunk.len() as i64);
    numbering.last_seq.extend(last_seq);
    Ok(chunk
        .iter()
        .zip(numbered)
        .map(|(m, (id, seq))| newly_stored(m, id, seq))
        .collect())
}

/// Gives the join and leave lines of a chunk just stored with ids from `first_id` their kind
/// (the insert writes every row as text, which keeps its statement within SQLite's limit on
/// parameters): one statement per kind present, none for a chunk of messages only.
async fn mark_membership_lines(
    connection: &mut SqliteConnection,
    first_id: i64,
    chunk: &[NewMessage],
) -> Result<(), sqlx::Error> {
    let mut by_kind: HashMap<&'static str, Vec<i64>> = HashMap::new();
    for (id, m) in (first_id..).zip(chunk) {
        if m.is_membership_line() {
            by_kind.entry(m.kind_column()).or_default().push(id);
        }
    }
    for (kind, ids) in by_kind {
        let ids = serde_json::to_string(&ids).expect("a list of integers is JSON");
        sqlx::query("UPDATE messages SET kind = ? WHERE id IN (SELECT value FROM json_each(?))")
            .bind(kind)
            .bind(ids)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_come_in_a_few_sizes_that_fit_the_largest_batch() {
        assert_eq!(statement_rows(1), 8);
        assert_eq!(statement_rows(8), 8);
        assert_eq!(statement_rows(9), 16);
        assert_eq!(statement_rows(1300), 2048);
        assert_eq!(statement_rows(MAX_BATCH), ROWS_PER_STATEMENT);
        let sizes: std::collections::BTreeSet<usize> =
            (1..=MAX_BATCH).map(statement_rows).collect();
        assert_eq!(sizes.len(), 10);
    }
}
