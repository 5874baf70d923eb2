//! The exact path for storing messages: one statement per message, each numbered after the one
//! before, and a repeated nonce answered with the original. Both backends take it when a grouped
//! insert cannot be used (a batch that repeats a nonce).

use chat_shared::Message;
use sqlx::{Any, Row, Transaction};

use super::rows::{message_from_row, rfc3339, MESSAGE_SELECT};
use super::{Inserted, NewMessage, StoredMessage};

/// The exact path: one statement per message, each numbered after the one before; a repeated
/// nonce returns the original.
pub async fn insert_one_by_one(
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
