//! Grouped message writes: a whole batch is stored with a fixed number of statements, not one
//! per message, because every statement is a round trip to the database. For SQLite a round
//! trip is a hop to its worker thread and back, which on a busy machine waits for the OS to
//! schedule each side (milliseconds, measured), so there a batch is one statement.

use std::collections::HashMap;

use chat_shared::Message;
use sqlx::{Acquire, Any, AnyPool, Row, SqlitePool, Transaction};

use super::sql::{message_from_row, rfc3339, Backend, MESSAGE_SELECT};
use super::{Inserted, NewMessage, StoredMessage};

/// Rows per INSERT statement on Postgres: 6 parameters each stays far below its 65535.
const ROWS_PER_INSERT: usize = 500;
/// Rows per INSERT statement on SQLite: a whole writer batch, in one statement.
const SQLITE_ROWS_PER_INSERT: usize = crate::writer::MAX_BATCH;
/// Parameters per row of the SQLite insert's VALUES list: id, room, seq, sender, body, sent at,
/// nonce.
const SQLITE_ROW_WIDTH: usize = 7;
// A whole chunk's parameters must stay within SQLite's limit of 32766, and a chunk's
// statement (`statement_rows`, a power of two) must not outgrow it.
const _: () = assert!(SQLITE_ROWS_PER_INSERT * SQLITE_ROW_WIDTH <= 32766);
const _: () = assert!(SQLITE_ROWS_PER_INSERT.is_power_of_two());

/// `rows` groups of `width` placeholders: `($1, $2), ($3, $4)` for Postgres, `(?, ?), (?, ?)`
/// for SQLite. SQLite finds a numbered parameter's name by walking a list, and the driver asks
/// for every one, which made a 3000-parameter insert quadratic (a fifth of the database
/// thread's time in `sqlite3_bind_parameter_name`); anonymous ones cost nothing.
fn placeholders(backend: Backend, rows: usize, width: usize) -> String {
    use std::fmt::Write;
    // Built in place: a batch's statement has thousands of them.
    let mut out = String::with_capacity(rows * width * 6);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 1..=width {
            if c > 1 {
                out.push_str(", ");
            }
            match backend {
                Backend::Postgres => {
                    write!(out, "${}", r * width + c).expect("writing to a String")
                }
                Backend::Sqlite => out.push('?'),
            }
        }
        out.push(')');
    }
    out
}

/// SQLite's message writer: its connection, and what it knows of the messages table.
///
/// It is the only writer of messages to the file, so it numbers them itself: each message's id
/// and seq come from the last ones it stored, and the insert is a plain one, with no lookup of
/// a room's last seq per row, no sort and no `RETURNING` rows to read back. Those were a fifth
/// of the database thread's time (BENCHMARKS.md, sixth round). The unique keys still guard
/// every number: if anything else wrote to the file, a clash fails the statement, the writer
/// forgets what it knew and the batch takes the exact path.
#[derive(Debug)]
pub struct SqliteWriter {
    connection: SqlitePool,
    /// Held for a whole insert, so reading the numbers, storing and advancing them is one step.
    /// Only the message writer task inserts, so it is never contended.
    numbering: tokio::sync::Mutex<Numbering>,
}

/// The next message id and each room's last seq, as of the writer's last successful insert.
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
        connection: &SqlitePool,
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
                .fetch_one(connection)
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
            .fetch_all(connection)
            .await?;
            self.last_seq.extend(rows);
        }
        Ok(next_id)
    }
}

impl SqliteWriter {
    pub fn new(connection: SqlitePool) -> Self {
        Self {
            connection,
            numbering: Default::default(),
        }
    }

    /// Stores `batch` in order, each chunk in one self-committing statement. A chunk that
    /// repeats a nonce (or clashes with a row written by someone else) stores nothing and takes
    /// the exact path instead, in its own transaction on `pool` (rare: a client resending after
    /// a reconnect).
    pub async fn insert(
        &self,
        pool: &AnyPool,
        batch: &[NewMessage],
    ) -> Result<Vec<Inserted>, sqlx::Error> {
        let mut numbering = self.numbering.lock().await;
        let mut out = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(SQLITE_ROWS_PER_INSERT) {
            match insert_numbered(&self.connection, &mut numbering, chunk).await {
                Ok(stored) => out.extend(stored),
                Err(e) => {
                    // Whatever failed, the numbers may no longer be the database's.
                    numbering.forget();
                    match e {
                        sqlx::Error::Database(e) if e.is_unique_violation() => {
                            let mut tx = pool.begin().await?;
                            out.extend(insert_one_by_one(&mut tx, chunk).await?);
                            tx.commit().await?;
                        }
                        e => return Err(e),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The rows of the SQLite insert statement that takes `messages` messages: the next power of
/// two (at least 8), the rest filled with NULL rows that the statement skips. So ten
/// statements serve every batch size, and each is prepared once and kept by the driver's
/// statement cache. Sized exactly, every batch was a new statement: preparing it was ~8% of
/// the database thread's time, and the cache kept up to 100 of them, each up to megabytes of
/// program for a batch of thousands (BENCHMARKS.md, fifth round).
fn statement_rows(messages: usize) -> usize {
    messages.next_power_of_two().max(8)
}

/// One statement, `INSERT … SELECT` from a VALUES list, numbered here: ids follow the last one
/// stored, in batch order, and each room's seqs follow its last one, so ids grow with seqs
/// within a room. A repeated nonce fails the whole statement (unique violation) and stores
/// nothing; the numbers advance only once it has committed.
async fn insert_numbered(
    connection: &SqlitePool,
    numbering: &mut Numbering,
    chunk: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    let first_id = numbering.learn(connection, chunk).await?;
    let rows = statement_rows(chunk.len());
    let sql = format!(
        "INSERT INTO messages (id, room_id, seq, sender_id, body, sent_at, nonce) \
         SELECT * FROM (VALUES {}) WHERE column1 IS NOT NULL",
        placeholders(Backend::Sqlite, rows, SQLITE_ROW_WIDTH)
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
        for _ in 0..SQLITE_ROW_WIDTH {
            query = query.bind(None::<i64>);
        }
    }
    let stored = query.execute(connection).await?.rows_affected();
    if stored != chunk.len() as u64 {
        return Err(sqlx::Error::Protocol(format!(
            "stored {stored} of a batch of {} messages",
            chunk.len()
        )));
    }
    numbering.next_id = Some(first_id + chunk.len() as i64);
    numbering.last_seq.extend(last_seq);
    Ok(chunk
        .iter()
        .zip(numbered)
        .map(|(m, (id, seq))| newly_stored(m, id, seq))
        .collect())
}

/// Postgres: stores `batch` in `tx`, in order, holding the rooms' locks, so the seqs read here
/// are still the last ones at commit.
pub async fn insert_postgres(
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    // Ordering across instances (CONTRACT.md "Ordering"): lock each room's row before
    // numbering its messages, so two instances writing to one room commit one after the
    // other, and seq and id both grow in commit order. Rooms are locked in id order so two
    // batches cannot deadlock.
    for room_id in distinct(batch.iter().map(|m| m.room_id)) {
        sqlx::query("SELECT id FROM rooms WHERE id = $1 FOR UPDATE")
            .bind(room_id)
            .execute(&mut **tx)
            .await?;
    }
    // The usual case: no message repeats a nonce. Number them all and insert them in one
    // statement that skips repeats; if it skipped any, undo it (a savepoint) and take the
    // exact path, so seqs stay gap-free either way.
    let mut attempt = tx.begin().await?;
    if let Some(out) = insert_all(&mut attempt, batch).await? {
        attempt.commit().await?;
        return Ok(out);
    }
    attempt.rollback().await?;
    insert_one_by_one(tx, batch).await
}

/// One multi-row insert; `None` if any message repeated a nonce (nothing is then kept).
async fn insert_all(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
) -> Result<Option<Vec<Inserted>>, sqlx::Error> {
    let mut last_seq = last_seqs(tx, batch).await?;
    let seqs: Vec<(usize, i64)> = batch
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let seq = last_seq.entry(m.room_id).or_insert(0);
            *seq += 1;
            (i, *seq)
        })
        .collect();
    let ids = insert_rows(tx, batch, &seqs).await?;
    if ids.len() < batch.len() {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(batch.len());
    for (i, seq) in seqs {
        let m = &batch[i];
        let id = *ids.get(&(m.room_id, seq)).ok_or(sqlx::Error::RowNotFound)?;
        out.push(newly_stored(m, id, seq));
    }
    // Within a room, ids must grow with seq (CONTRACT.md "Ordering"). Both databases number
    // a multi-row insert in row order; if one ever did not, the exact path is taken instead.
    Ok(ids_follow_seqs(&out).then_some(out))
}

/// The exact path: one statement per message, each numbered after the one before; a repeated
/// nonce returns the original.
async fn insert_one_by_one(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    let mut out = Vec::with_capacity(batch.len());
    for new in batch {
        let row = sqlx::query(
            "INSERT INTO messages (room_id, seq, sender_id, body, sent_at, nonce) \
             VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE room_id = $1), $2, $3, $4, $5) \
             ON CONFLICT (room_id, sender_id, nonce) DO NOTHING RETURNING id, seq",
        )
        .bind(new.room_id)
        .bind(new.sender.id)
        .bind(new.body.clone())
        .bind(new.sent_at)
        .bind(new.nonce.clone())
        .fetch_optional(&mut **tx)
        .await?;
        let inserted = match row {
            Some(row) => Inserted {
                stored: StoredMessage {
                    message: Message {
                        id: row.try_get("id")?,
                        room_id: new.room_id,
                        sender: new.sender.nickname.clone(),
                        body: new.body.clone(),
                        sent_at: rfc3339(new.sent_at),
                        nonce: new.nonce.clone(),
                    },
                    seq: row.try_get("seq")?,
                },
                duplicate: false,
            },
            None => {
                let row = sqlx::query(&format!(
                    "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.sender_id = $2 AND m.nonce = $3"
                ))
                .bind(new.room_id)
                .bind(new.sender.id)
                .bind(new.nonce.clone())
                .fetch_one(&mut **tx)
                .await?;
                Inserted {
                    stored: message_from_row(&row)?,
                    duplicate: true,
                }
            }
        };
        out.push(inserted);
    }
    Ok(out)
}

/// A message this batch stored (not a repeat), as the writer publishes it.
fn newly_stored(m: &NewMessage, id: i64, seq: i64) -> Inserted {
    Inserted {
        stored: StoredMessage {
            message: Message {
                id,
                room_id: m.room_id,
                sender: m.sender.nickname.clone(),
                body: m.body.clone(),
                sent_at: rfc3339(m.sent_at),
                nonce: m.nonce.clone(),
            },
            seq,
        },
        duplicate: false,
    }
}

fn distinct(values: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The last seq of every room in the batch. A correlated MAX per room, so each is one index
/// lookup (a GROUP BY over the rooms would read all their messages).
async fn last_seqs(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rooms = distinct(batch.iter().map(|m| m.room_id));
    let sql = format!(
        "SELECT r.id AS room_id, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.room_id = r.id) AS seq \
         FROM rooms r WHERE r.id IN {}",
        placeholders(Backend::Postgres, 1, rooms.len())
    );
    let mut query = sqlx::query(&sql);
    for room in &rooms {
        query = query.bind(*room);
    }
    let mut last = HashMap::new();
    for row in query.fetch_all(&mut **tx).await? {
        last.insert(
            row.try_get::<i64, _>("room_id")?,
            row.try_get::<i64, _>("seq")?,
        );
    }
    Ok(last)
}

/// Inserts the new messages (index into `batch`, seq) and returns their ids by (room, seq).
async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
    new: &[(usize, i64)],
) -> Result<HashMap<(i64, i64), i64>, sqlx::Error> {
    let mut ids = HashMap::with_capacity(new.len());
    for chunk in new.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO messages (room_id, seq, sender_id, body, sent_at, nonce) VALUES {} \
             ON CONFLICT (room_id, sender_id, nonce) DO NOTHING RETURNING id, room_id, seq",
            placeholders(Backend::Postgres, chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for (i, seq) in chunk {
            let m = &batch[*i];
            query = query
                .bind(m.room_id)
                .bind(*seq)
                .bind(m.sender.id)
                .bind(m.body.as_str())
                .bind(m.sent_at)
                .bind(m.nonce.as_deref());
        }
        for row in query.fetch_all(&mut **tx).await? {
            ids.insert(
                (
                    row.try_get::<i64, _>("room_id")?,
                    row.try_get::<i64, _>("seq")?,
                ),
                row.try_get::<i64, _>("id")?,
            );
        }
    }
    Ok(ids)
}

/// True when, within each room, ids grow with seqs.
fn ids_follow_seqs(out: &[Inserted]) -> bool {
    let mut last: HashMap<i64, (i64, i64)> = HashMap::new();
    out.iter().map(|i| &i.stored).all(|stored| {
        let entry = last.entry(stored.message.room_id).or_insert((0, 0));
        let ok = stored.seq > entry.0 && stored.message.id > entry.1;
        *entry = (stored.seq, stored.message.id);
        ok
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_row_by_row() {
        use super::{placeholders, Backend};
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn sqlite_statements_come_in_a_few_sizes_that_fit_the_largest_batch() {
        use super::statement_rows;
        assert_eq!(statement_rows(1), 8);
        assert_eq!(statement_rows(8), 8);
        assert_eq!(statement_rows(9), 16);
        assert_eq!(statement_rows(1300), 2048);
        assert_eq!(
            statement_rows(crate::writer::MAX_BATCH),
            crate::writer::MAX_BATCH
        );
        let sizes: std::collections::BTreeSet<usize> =
            (1..=crate::writer::MAX_BATCH).map(statement_rows).collect();
        assert_eq!(sizes.len(), 10);
    }
}
