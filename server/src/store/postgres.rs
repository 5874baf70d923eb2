//! Postgres (scale-out): messages are numbered inside a transaction that holds each room's row
//! lock, so several instances writing to one room commit one after the other.

use std::collections::{HashMap, HashSet};

use sqlx::{Acquire, Any, AnyPool, Row, Transaction};

use super::one_by_one::insert_one_by_one;
use super::rows::{distinct, newly_stored, placeholders};
use super::search::{index_lines, Line};
use super::{Backend, Inserted, NewMessage};

/// Rows per INSERT statement: 6 parameters each stays far below Postgres's 65535.
const ROWS_PER_INSERT: usize = 500;

/// Postgres: stores `batch` in `tx`, in order, holding the rooms' locks, so the seqs read here
/// are still the last ones at commit.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    // Ordering across instances (CONTRACT.md "Ordering"): lock each room's row before
    // numbering its messages, so two instances writing to one room commit one after the
    // other, and seq and id both grow in commit order. Rooms are locked in id order so two
    // batches cannot deadlock.
    for room_id in distinct(batch.iter().map(|m| m.room_id)) {
        // NO KEY UPDATE: exclusive among writers of messages, but it lets a participant's
        // insert check its foreign key to the room (KEY SHARE) meanwhile, so joins do not
        // queue behind a room's messages.
        sqlx::query("SELECT id FROM rooms WHERE id = $1 FOR NO KEY UPDATE")
            .bind(room_id)
            .execute(&mut **tx)
            .await?;
    }
    // The usual case: no message repeats a nonce. Number them all and insert them in one
    // statement that skips repeats; if it skipped any, undo it (a savepoint) and take the
    // exact path, so seqs stay gap-free either way.
    if !batch.iter().all(NewMessage::is_plain) {
        return insert_one_by_one(tx, Backend::Postgres, batch).await;
    }
    let mut attempt = tx.begin().await?;
    if let Some(out) = insert_all(&mut attempt, batch).await? {
        attempt.commit().await?;
        return Ok(out);
    }
    attempt.rollback().await?;
    insert_one_by_one(tx, Backend::Postgres, batch).await
}

/// Makes each (room, user) pair a participant and places the new ones' read markers at their
/// room's latest entry, in one statement (one round trip and a commit of its own) instead of a
/// transaction with a savepoint (six): a join storm does this once per group of joins. The
/// pairs that were not participants yet.
pub async fn add_participants(
    pool: &AnyPool,
    joins: &[(i64, i64)],
    now: i64,
) -> Result<HashSet<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "WITH joined AS ( \
             INSERT INTO participants (room_id, user_id, joined_at) VALUES {} \
             ON CONFLICT (room_id, user_id) DO NOTHING RETURNING room_id, user_id \
         ), marked AS ( \
             INSERT INTO read_markers (user_id, room_id, up_to, updated_at) \
             SELECT j.user_id, j.room_id, \
                    (SELECT COALESCE(MAX(m.id), 0) FROM messages m WHERE m.room_id = j.room_id), ${} \
             FROM joined j \
             ON CONFLICT (user_id, room_id) DO UPDATE SET up_to = excluded.up_to, updated_at = excluded.updated_at \
             WHERE read_markers.up_to < excluded.up_to \
         ) \
         SELECT room_id, user_id FROM joined",
        placeholders(Backend::Postgres, joins.len(), 3),
        joins.len() * 3 + 1
    );
    // Statements of every group size are not worth keeping prepared.
    let mut query = sqlx::query(&sql).persistent(false);
    for (room_id, user_id) in joins {
        query = query.bind(*room_id).bind(*user_id).bind(now);
    }
    let rows = query.bind(now).fetch_all(pool).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("room_id")?, row.try_get("user_id")?)))
        .collect()
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
    // Plain lines all: each is indexed in the transaction that stores it.
    let lines: Vec<Line<'_>> = out
        .iter()
        .zip(batch)
        .map(|(stored, m)| (stored.stored.message.id, m.room_id, m.body.as_str()))
        .collect();
    index_lines(tx, Backend::Postgres, &lines).await?;
    // Within a room, ids must grow with seq (CONTRACT.md "Ordering"). Both databases number
    // a multi-row insert in row order; if one ever did not, the exact path is taken instead.
    Ok(ids_follow_seqs(&out).then_some(out))
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
