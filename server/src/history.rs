//! Reading a room's log from a point: older than a line (scrolling back), newer than one
//! (scrolling forward to the live edge), or around one (opening a search result). The room
//! socket's `history` frame and `GET /chat/{id}/messages` both answer with this.

use chat_shared::api::MessagePage;
use chat_shared::frame::HistoryFrom;

use crate::store::{Joins, Store, StoreError, StoredMessage};

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// `around` named a line that is not in this room.
    #[error("message {0} is not in this room")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HistoryError {
    /// What to tell the user.
    pub fn message(&self) -> String {
        match self {
            HistoryError::NotFound(id) => format!(
                "message {id} is not in this room; search again or open the room at its newest lines"
            ),
            HistoryError::Store(_) => "the server could not load these messages; try again".into(),
        }
    }
}

fn lines(stored: Vec<StoredMessage>) -> Vec<chat_shared::Message> {
    stored.into_iter().map(|m| m.message).collect()
}

/// Up to `limit` lines of the room from `from`, oldest first. `has_newer` is only given for
/// `after` and `around`, whose readers care where the live edge is.
pub async fn read(
    store: &dyn Store,
    room_id: i64,
    from: HistoryFrom,
    limit: u32,
    joins: Joins,
) -> Result<MessagePage, HistoryError> {
    match from {
        HistoryFrom::Before(before) => {
            let (older, has_more) = older_than(store, room_id, before, limit, joins).await?;
            Ok(MessagePage {
                messages: older,
                has_more,
                has_newer: None,
            })
        }
        HistoryFrom::After(after) => {
            let (newer, has_newer) = newer_than(store, room_id, after, limit, joins).await?;
            let oldest = newer.first().map_or(after.saturating_add(1), |m| m.id);
            let has_more = !store
                .messages_before(room_id, oldest, 1, joins)
                .await?
                .is_empty();
            Ok(MessagePage {
                messages: newer,
                has_more,
                has_newer: Some(has_newer),
            })
        }
        HistoryFrom::Around(id) => {
            let line = store
                .message(room_id, id)
                .await?
                .filter(|line| joins == Joins::Included || !line.message.kind.is_membership());
            let Some(line) = line else {
                return Err(HistoryError::NotFound(id));
            };
            // The line in the middle: as many older lines as newer ones, give or take one.
            let older_count = limit / 2;
            let newer_count = limit.saturating_sub(older_count + 1);
            let (older, has_more) = older_than(store, room_id, id, older_count, joins).await?;
            let (newer, has_newer) = newer_than(store, room_id, id, newer_count, joins).await?;
            let mut messages = older;
            messages.push(line.message);
            messages.extend(newer);
            Ok(MessagePage {
                messages,
                has_more,
                has_newer: Some(has_newer),
            })
        }
    }
}

/// Up to `limit` lines older than `id`, oldest first, and whether there are more.
async fn older_than(
    store: &dyn Store,
    room_id: i64,
    id: i64,
    limit: u32,
    joins: Joins,
) -> Result<(Vec<chat_shared::Message>, bool), StoreError> {
    let mut older = store.messages_before(room_id, id, limit + 1, joins).await?;
    let more = older.len() > limit as usize;
    if more {
        older.remove(0);
    }
    Ok((lines(older), more))
}

/// Up to `limit` lines newer than `id`, oldest first, and whether there are more.
async fn newer_than(
    store: &dyn Store,
    room_id: i64,
    id: i64,
    limit: u32,
    joins: Joins,
) -> Result<(Vec<chat_shared::Message>, bool), StoreError> {
    let mut newer = store.lines_after(room_id, id, limit + 1, joins).await?;
    let more = newer.len() > limit as usize;
    newer.truncate(limit as usize);
    Ok((lines(newer), more))
}
