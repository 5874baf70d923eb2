//! What one instance tells every instance's rooms (its own included): the events the fan-out
//! carries and the rooms deliver. Handlers never build these; `rooms` does.

use chat_shared::Room;
use serde::{Deserialize, Serialize};

use crate::store::StoredMessage;

/// Something every instance must show its connections. Its JSON is the fan-out's wire format
/// between instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A stored message and its place in the room.
    Message(StoredMessage),
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
    /// A user left a room: the room is told, and their sockets to it close.
    Left {
        room_id: i64,
        user_id: i64,
        /// Empty from an instance of the last release, which did not send it: then the room
        /// is not told (its sockets still close).
        #[serde(default)]
        nickname: String,
        /// Banned by the room's creator rather than leaving: the sockets close with
        /// `BANNED`. An instance of the last release closes them with `LEFT`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        banned: bool,
    },
    /// A user's read marker in a room moved: their other sockets to the room are told, and
    /// their lobby sockets recount the room. An instance of the last release drops it (an
    /// unknown kind), so its sockets learn the marker at their next welcome.
    Read {
        room_id: i64,
        user_id: i64,
        up_to: i64,
    },
    /// A session was logged out: its sockets close.
    SessionEnded {
        session_hash: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_shared::Message;

    /// Instances of the last release and this one share a Redis channel during a rolling
    /// upgrade, so a message event keeps the shape it had: `{"kind":"message","message":{..},"seq":N}`.
    #[test]
    fn a_message_event_keeps_its_wire_shape() {
        let event = Event::Message(StoredMessage::line(
            Message::plain(5, 2, "ana", "hi", "2026-11-25T00:00:00.000Z", None),
            3,
        ));
        let json: serde_json::Value = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], "message");
        assert_eq!(json["seq"], 3);
        assert_eq!(json["message"]["body"], "hi");
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
    }

    /// An instance of the last release publishes `left` without a nickname: it still closes
    /// the leaver's sockets here, and only the room's `participant_left` is skipped.
    #[test]
    fn a_left_event_from_the_last_release_still_parses() {
        let old = serde_json::json!({"kind": "left", "room_id": 2, "user_id": 9});
        assert_eq!(
            serde_json::from_value::<Event>(old).unwrap(),
            Event::Left {
                room_id: 2,
                user_id: 9,
                nickname: String::new(),
                banned: false,
            }
        );
    }
}
