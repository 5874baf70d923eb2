//! Fan-out behind one interface: delivering events to every instance's connections and
//! knowing who is online. [`local`] does it in-process (the embedded default); [`redis`]
//! across instances (scale-out).

pub mod local;
pub mod redis;

use std::collections::HashSet;

use async_trait::async_trait;
use chat_shared::{Message, Room};
use serde::{Deserialize, Serialize};

/// Something every instance must show its connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A stored message and its place in the room.
    Message {
        message: Message,
        seq: i64,
    },
    Presence {
        room_id: i64,
        nickname: String,
        online: bool,
    },
    Participant {
        room_id: i64,
        nickname: String,
    },
    /// Shown to everyone in the room but the typist's own connections.
    Typing {
        room_id: i64,
        user_id: i64,
        nickname: String,
    },
    RoomCreated {
        room: Room,
    },
    /// Renamed, or someone left: the room's sockets get a `room` frame, the lobby an update.
    RoomChanged {
        room: Room,
    },
    /// Someone joined: only the lobby needs the new count (the room's sockets already got a
    /// `participant` frame, and a `room` frame per join would double a big room's join cost).
    RoomCounted {
        room: Room,
    },
    RoomRemoved {
        room_id: i64,
    },
    /// A user left a room: their sockets to it close.
    Left {
        room_id: i64,
        user_id: i64,
    },
    /// A session was logged out: its sockets close.
    SessionEnded {
        session_hash: String,
    },
}

#[async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Delivers the events, in order, to every instance's connections (this one's included).
    async fn publish(&self, events: Vec<Event>);
    /// Counts a connection of `nickname` to the room; true if it is their first anywhere.
    async fn connected(&self, room_id: i64, nickname: &str) -> bool;
    /// Uncounts one; true if it was their last anywhere.
    async fn disconnected(&self, room_id: i64, nickname: &str) -> bool;
    /// Who has at least one connection to the room, on any instance.
    async fn online(&self, room_id: i64) -> HashSet<String>;
}
