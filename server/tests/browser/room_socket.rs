//! A room socket that remembers every message it has seen (welcome history and live frames),
//! so the restart tests can tell a lost line from a doubled one.

use std::collections::BTreeMap;

use chat_shared::{Message, ServerFrame};
use chat_test_support::{welcome_parts, Socket, Visitor};

/// One open room socket, and every message it has seen.
pub struct RoomSocket {
    socket: Socket,
    /// Messages by id: a duplicate id would be the same message, so bodies are counted too.
    messages: BTreeMap<i64, Message>,
    who: String,
}

impl RoomSocket {
    /// Opens the room's socket as `user` and records the welcome's history.
    pub async fn open(user: &Visitor, room_id: i64) -> RoomSocket {
        let (socket, welcome) = user.join(room_id).await;
        let mut socket = RoomSocket {
            socket,
            messages: BTreeMap::new(),
            who: user.nickname.clone(),
        };
        for message in welcome_parts(welcome).3 {
            socket.record(message);
        }
        socket
    }

    fn record(&mut self, message: Message) {
        let id = message.id;
        if let Some(previous) = self.messages.insert(id, message) {
            panic!("{}: message {id} delivered twice: {previous:?}", self.who);
        }
    }

    /// Posts a message.
    pub async fn send(&mut self, body: &str) {
        self.socket.send_message(body, None).await;
    }

    /// Reads frames until a message with `body` has been seen (maybe already in the welcome).
    pub async fn wait_for_message(&mut self, body: &str) {
        while self.count(body) == 0 {
            if let ServerFrame::Message(message) = self.socket.next_frame().await {
                self.record(message);
            }
        }
    }

    /// How many stored messages this socket has seen with `body`.
    pub fn count(&self, body: &str) -> usize {
        self.messages.values().filter(|m| m.body == body).count()
    }
}
