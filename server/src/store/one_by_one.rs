//! The exact path for storing messages: one statement per message, each numbered after the one
//! before, and a repeated nonce answered with the original. Both backends take it when a grouped
//! insert cannot be used: a batch that repeats a nonce, or one with anything but plain messages
//! (actions, notices, mentions, edits and deletes, which also change the line they name).
//! The search index follows in the same transaction on Postgres: a text or action line is
//! indexed, an edit replaces its line's entry, a delete removes it. On SQLite new lines are
//! left to the search indexer, and an edit replaces the entry only of a line it has reached.

use sqlx::{Any, Row, Transaction};

use chat_shared::MessageKind;

use super::rows::{message_from_row, newly_stored, MESSAGE_SELECT};
use super::search::{index_lines, indexed_when_stored, is_indexed, unindex};
use super::{Backend, Inserted, NewEntry, NewMessage};

/// The exact path: one statement per message, each numbered after the one before; a repeated
/// nonce returns the original.
pub async fn insert_one_by_one(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[NewMessage],
) -> Result<Vec<Inserted>, sqlx::Error> {
    let mut out = Vec::with_capacity(batch.len());
    for new in batch {
        let row = sqlx::query(
            "INSERT INTO messages (room_id, seq, sender_id, body, sent_at, nonce, kind, target_id, mentions) \
             VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE room_id = $1), $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (room_id, sender_id, nonce) DO NOTHING RETURNING id, seq",
        )
        .bind(new.room_id)
        .bind(new.sender.id)
        .bind(new.row_body().to_owned())
        .bind(new.sent_at)
        .bind(new.nonce.clone())
        .bind(new.kind_column())
        .bind(new.target().map(|t| t.id))
        .bind(new.mentions_column())
        .fetch_optional(&mut **tx)
        .await?;
        let inserted = match row {
            Some(row) => {
                let id = row.try_get("id")?;
                if is_searchable(&new.entry) && indexed_when_stored(backend) {
                    index_lines(tx, backend, &[(id, new.room_id, new.body.as_str())]).await?;
                }
                apply_change(tx, backend, new).await?;
                newly_stored(new, id, row.try_get("seq")?)
            }
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

/// What an edit or delete does to the line it names, in the transaction that stores it. A
/// deleted line is not edited again, and deleting leaves its text nowhere.
async fn apply_change(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new: &NewMessage,
) -> Result<(), sqlx::Error> {
    match &new.entry {
        NewEntry::Line(_) => {}
        NewEntry::Edit { target } => {
            let edited = sqlx::query(
                "UPDATE messages SET body = $1, edited_at = $2, mentions = $3 \
                 WHERE id = $4 AND room_id = $5 AND deleted_at IS NULL",
            )
            .bind(new.body.clone())
            .bind(new.sent_at)
            .bind(new.mentions_column())
            .bind(target.id)
            .bind(new.room_id)
            .execute(&mut **tx)
            .await?;
            // The line is found by its new words only. One the SQLite indexer has not reached
            // yet is indexed with them when it does.
            if edited.rows_affected() > 0
                && is_searchable(&NewEntry::Line(target.kind))
                && is_indexed(tx, backend, target.id).await?
            {
                unindex(tx, backend, target.id).await?;
                index_lines(tx, backend, &[(target.id, new.room_id, new.body.as_str())]).await?;
            }
        }
        NewEntry::Delete { target } => {
            unindex(tx, backend, target.id).await?;
            sqlx::query(
                "UPDATE messages SET body = '', mentions = '[]', deleted_at = $1 \
                 WHERE id = $2 AND room_id = $3 AND deleted_at IS NULL",
            )
            .bind(new.sent_at)
            .bind(target.id)
            .bind(new.room_id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Whether an entry is a line search finds: text and action lines, not notices or changes.
fn is_searchable(entry: &NewEntry) -> bool {
    matches!(
        entry,
        NewEntry::Line(MessageKind::Text) | NewEntry::Line(MessageKind::Action)
    )
}
