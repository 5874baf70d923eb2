//! How rows become the server's types, and the SQL both backends share for reading them.

use chat_shared::{Message, MessageKind, Room};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{
    Backend, Change, ChangeKind, Inserted, NewEntry, NewMessage, RoomRecord, StoreResult,
    StoredMessage,
};

/// What reads a room (`r`) with its creator's nickname and its participant count. The count is
/// where each backend keeps it: SQLite in the room's row, Postgres in parts, so that
/// concurrent joins do not queue on the room's row (migrations/postgres/0011).
pub fn room_select(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT r.id, r.title, u.nickname AS creator, r.created_at, r.creator_id, r.active, \
             r.participant_count FROM rooms r JOIN users u ON u.id = r.creator_id"
        }
        Backend::Postgres => {
            "SELECT r.id, r.title, u.nickname AS creator, r.created_at, r.creator_id, r.active, \
             (SELECT CAST(COALESCE(SUM(c.participants), 0) AS BIGINT) FROM room_participant_counts c \
              WHERE c.room_id = r.id) AS participant_count \
             FROM rooms r JOIN users u ON u.id = r.creator_id"
        }
    }
}

pub const MESSAGE_SELECT: &str =
    "SELECT m.id, m.room_id, m.seq, m.sender_id, u.nickname AS sender, m.body, m.sent_at, m.nonce, \
     m.kind, m.target_id, m.edited_at, m.deleted_at, m.mentions \
     FROM messages m JOIN users u ON u.id = m.sender_id";

/// The `kind` values of changes: rows that are not lines of the log.
pub const CHANGE_KINDS: &str = "('edit', 'delete')";

/// The `kind` values of join and leave lines, which only readers that ask for them get.
pub const MEMBERSHIP_KINDS: &str = "('join', 'leave')";

/// The condition (after `AND`, on `m`) that keeps or drops join and leave lines.
pub fn joins_filter(joins: super::Joins) -> String {
    match joins {
        super::Joins::Included => String::new(),
        super::Joins::Excluded => format!(" AND m.kind NOT IN {MEMBERSHIP_KINDS}"),
    }
}

/// Unix milliseconds as RFC 3339 UTC, the contract's time format.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn room_from_row(row: &AnyRow) -> Result<RoomRecord, sqlx::Error> {
    Ok(RoomRecord {
        room: Room {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            creator: row.try_get("creator")?,
            participant_count: row.try_get("participant_count")?,
            created_at: rfc3339(row.try_get("created_at")?),
            unread: 0,
            mentioned: false,
        },
        creator_id: row.try_get("creator_id")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// A line's row (read with [`MESSAGE_SELECT`]) as it is now.
pub fn message_from_row(row: &AnyRow) -> Result<StoredMessage, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let mentions: String = row.try_get("mentions")?;
    Ok(StoredMessage::line(
        Message {
            id: row.try_get("id")?,
            room_id: row.try_get("room_id")?,
            sender: row.try_get("sender")?,
            body: row.try_get("body")?,
            sent_at: rfc3339(row.try_get("sent_at")?),
            nonce: row.try_get("nonce")?,
            kind: serde_json::from_value(serde_json::Value::String(kind))
                .unwrap_or(MessageKind::Unknown),
            edited_at: row.try_get::<Option<i64>, _>("edited_at")?.map(rfc3339),
            deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
            mentions: serde_json::from_str(&mentions).unwrap_or_default(),
        },
        row.try_get("seq")?,
    ))
}

/// Lines' rows (no changes among them).
pub fn messages_from_rows(rows: &[AnyRow]) -> StoreResult<Vec<StoredMessage>> {
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
}

/// A change's row: its id, seq, kind and the id of the line it changed; `None` for a line.
pub fn change_from_row(row: &AnyRow) -> Result<Option<(Change, i64, i64)>, sqlx::Error> {
    let kind = match row.try_get::<String, _>("kind")?.as_str() {
        "edit" => ChangeKind::Edit,
        "delete" => ChangeKind::Delete,
        _ => return Ok(None),
    };
    let change = Change {
        id: row.try_get("id")?,
        kind,
    };
    Ok(Some((
        change,
        row.try_get("seq")?,
        row.try_get::<Option<i64>, _>("target_id")?.unwrap_or(0),
    )))
}

/// `rows` groups of `width` placeholders: `($1, $2), ($3, $4)` for Postgres, `(?, ?), (?, ?)`
/// for SQLite. SQLite finds a numbered parameter's name by walking a list, and the driver asks
/// for every one, which makes a batch's insert quadratic in its parameters; anonymous ones cost
/// nothing (BENCHMARKS.md).
pub fn placeholders(backend: Backend, rows: usize, width: usize) -> String {
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

/// An entry this batch stored (not a repeat), as the writer publishes it: a line, or for a
/// change the line it changed as the change left it.
pub fn newly_stored(m: &NewMessage, id: i64, seq: i64) -> Inserted {
    let stored = match &m.entry {
        NewEntry::Line(kind) => StoredMessage::line(
            Message {
                kind: *kind,
                mentions: m.mentions.clone(),
                ..Message::plain(
                    id,
                    m.room_id,
                    m.sender.nickname.clone(),
                    m.body.clone(),
                    rfc3339(m.sent_at),
                    m.nonce.clone(),
                )
            },
            seq,
        ),
        NewEntry::Edit { target } => StoredMessage {
            message: Message {
                body: m.body.clone(),
                edited_at: Some(rfc3339(m.sent_at)),
                mentions: m.mentions.clone(),
                ..target.clone()
            },
            seq,
            change: Some(Change {
                id,
                kind: ChangeKind::Edit,
            }),
        },
        NewEntry::Delete { target } => StoredMessage {
            message: deleted(target.clone()),
            seq,
            change: Some(Change {
                id,
                kind: ChangeKind::Delete,
            }),
        },
    };
    Inserted {
        stored,
        duplicate: false,
    }
}

/// A line as deleting it leaves it.
pub fn deleted(message: Message) -> Message {
    Message {
        body: String::new(),
        deleted: true,
        mentions: Vec::new(),
        ..message
    }
}

/// The values sorted, each once.
pub fn distinct(values: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_row_by_row() {
        use super::placeholders;
        use crate::store::Backend;
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
