//! Grouped message writes: a whole batch is stored with a fixed number of statements (find
//! repeated nonces, read each room's last seq, one multi-row insert), not one per message,
//! because every statement is a round trip to the database (for SQLite, to its worker thread).

use std::collections::HashMap;

use chat_shared::Message;
use sqlx::{Any, Row, Transaction};

use super::sql::{message_from_row, rfc3339, Backend, MESSAGE_SELECT};
use super::{Inserted, NewMessage, StoredMessage};

/// Rows per INSERT statement: 6 parameters each stays far below both databases' limits.
const ROWS_PER_INSERT: usize = 500;

/// `($1, $2, $3), ($4, $5, $6), ...`: `rows` groups of `width` numbered placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Stores `batch` in `tx`, in order. The caller holds the rooms' locks (Postgres) or is the
/// only writer (SQLite), so the seqs read here are still the last ones at commit.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    if backend == Backend::Postgres {
        // Ordering across instances (CONTRACT.md "Ordering"): lock each room's row before
        // numbering its messages, so two instances writing to one room commit one after the
        // other, and seq and id both grow in commit order. Rooms are locked in id order so two
        // batches cannot deadlock.
        let mut rooms: Vec<i64> = batch.iter().map(|m| m.room_id).collect();
        rooms.sort_unstable();
        rooms.dedup();
        for room_id in rooms {
            sqlx::query("SELECT id FROM rooms WHERE id = $1 FOR UPDATE")
                .bind(room_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    let originals = stored_nonces(tx, batch).await?;
    let mut last_seq = last_seqs(tx, batch).await?;

    // Decide, in order, what each message is: a repeat (of a stored one, or of an earlier one
    // in this batch) or new, with the next seq of its room.
    enum Plan {
        Repeat(StoredMessage),
        RepeatOfBatch(usize),
        New(i64),
    }
    let mut plans = Vec::with_capacity(batch.len());
    let mut first_in_batch: HashMap<(i64, i64, &str), usize> = HashMap::new();
    for (i, m) in batch.iter().enumerate() {
        let plan = match m.nonce.as_deref() {
            Some(n) if originals.contains_key(&(m.room_id, m.sender.id, n.to_owned())) => {
                Plan::Repeat(originals[&(m.room_id, m.sender.id, n.to_owned())].clone())
            }
            Some(n) if first_in_batch.contains_key(&(m.room_id, m.sender.id, n)) => {
                Plan::RepeatOfBatch(first_in_batch[&(m.room_id, m.sender.id, n)])
            }
            nonce => {
                if let Some(n) = nonce {
                    first_in_batch.insert((m.room_id, m.sender.id, n), i);
                }
                let seq = last_seq.entry(m.room_id).or_insert(0);
                *seq += 1;
                Plan::New(*seq)
            }
        };
        plans.push(plan);
    }

    let new: Vec<(usize, i64)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Plan::New(seq) => Some((i, *seq)),
            _ => None,
        })
        .collect();
    let ids = insert_rows(tx, batch, &new).await?;

    let mut out: Vec<Inserted> = Vec::with_capacity(batch.len());
    for (i, plan) in plans.into_iter().enumerate() {
        let inserted = match plan {
            Plan::Repeat(stored) => Inserted {
                stored,
                duplicate: true,
            },
            Plan::RepeatOfBatch(first) => Inserted {
                stored: out[first].stored.clone(),
                duplicate: true,
            },
            Plan::New(seq) => {
                let m = &batch[i];
                let id = *ids.get(&(m.room_id, seq)).ok_or(sqlx::Error::RowNotFound)?;
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
        };
        out.push(inserted);
    }
    check_ids_follow_seqs(&out)?;
    Ok(out)
}

/// The stored messages whose (room, sender, nonce) a message of the batch repeats. One IN
/// list per column, so the lookup walks the unique (room_id, sender_id, nonce) index; the few
/// cross-combinations it also finds are dropped here.
async fn stored_nonces(
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMessage],
) -> Result<HashMap<(i64, i64, String), StoredMessage>, sqlx::Error> {
    let wanted: std::collections::HashSet<(i64, i64, &str)> = batch
        .iter()
        .filter_map(|m| m.nonce.as_deref().map(|n| (m.room_id, m.sender.id, n)))
        .collect();
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    let rooms = distinct(wanted.iter().map(|k| k.0));
    let senders = distinct(wanted.iter().map(|k| k.1));
    let mut nonces: Vec<&str> = wanted.iter().map(|k| k.2).collect();
    nonces.sort_unstable();
    nonces.dedup();
    let mut n = 0;
    let mut list = |len: usize| {
        let items: Vec<String> = (0..len)
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        items.join(", ")
    };
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.room_id IN ({}) AND m.sender_id IN ({}) AND m.nonce IN ({})",
        list(rooms.len()),
        list(senders.len()),
        list(nonces.len())
    );
    let mut query = sqlx::query(&sql);
    for room in &rooms {
        query = query.bind(*room);
    }
    for sender in &senders {
        query = query.bind(*sender);
    }
    for nonce in &nonces {
        query = query.bind(nonce.to_string());
    }
    for row in query.fetch_all(&mut **tx).await? {
        let sender_id: i64 = row.try_get("sender_id")?;
        let stored = message_from_row(&row)?;
        let nonce = stored.message.nonce.clone().unwrap_or_default();
        if wanted.contains(&(stored.message.room_id, sender_id, nonce.as_str())) {
            found.insert((stored.message.room_id, sender_id, nonce), stored);
        }
    }
    Ok(found)
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
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMessage],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rooms = distinct(batch.iter().map(|m| m.room_id));
    let list: Vec<String> = (1..=rooms.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT r.id AS room_id, (SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.room_id = r.id) AS seq \
         FROM rooms r WHERE r.id IN ({})",
        list.join(", ")
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
    tx: &mut Transaction<'static, Any>,
    batch: &[NewMessage],
    new: &[(usize, i64)],
) -> Result<HashMap<(i64, i64), i64>, sqlx::Error> {
    let mut ids = HashMap::with_capacity(new.len());
    for chunk in new.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO messages (room_id, seq, sender_id, body, sent_at, nonce) VALUES {} RETURNING id, room_id, seq",
            placeholders(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for (i, seq) in chunk {
            let m = &batch[*i];
            query = query
                .bind(m.room_id)
                .bind(*seq)
                .bind(m.sender.id)
                .bind(m.body.clone())
                .bind(m.sent_at)
                .bind(m.nonce.clone());
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

/// Within a room, ids must grow with seq (CONTRACT.md "Ordering"). Both databases number a
/// multi-row insert in row order; if one ever did not, failing here sends the batch down the
/// one-message-at-a-time path, where the order cannot differ.
fn check_ids_follow_seqs(out: &[Inserted]) -> Result<(), sqlx::Error> {
    let mut last: HashMap<i64, (i64, i64)> = HashMap::new();
    for stored in out.iter().filter(|i| !i.duplicate).map(|i| &i.stored) {
        let entry = last.entry(stored.message.room_id).or_insert((0, 0));
        if stored.seq <= entry.0 || stored.message.id <= entry.1 {
            return Err(sqlx::Error::Protocol(format!(
                "room {}: message ids did not follow seqs",
                stored.message.room_id
            )));
        }
        *entry = (stored.seq, stored.message.id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_row_by_row() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::placeholders(1, 1), "($1)");
    }
}
