//! The objects of the chat: rooms, participants and messages, as they appear in JSON.

use serde::{Deserialize, Serialize};

/// A chat room as listed and shown (CONTRACT.md "Room").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: i64,
    pub title: String,
    /// The creator's nickname.
    pub creator: String,
    pub participant_count: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A member of a room and whether any of their connections to it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub nickname: String,
    pub online: bool,
}

/// A stored chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Increases within a room; "everything after id N" is exact.
    pub id: i64,
    pub room_id: i64,
    /// The sender's nickname.
    pub sender: String,
    pub body: String,
    /// RFC 3339, UTC.
    pub sent_at: String,
    /// The client's idempotency key for this message, if it gave one.
    pub nonce: Option<String>,
}
