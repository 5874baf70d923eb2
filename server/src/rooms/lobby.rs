//! The lobby's sockets on this instance: everyone watching the room list.

use std::collections::HashMap;
use std::sync::Mutex;

use chat_shared::LobbyFrame;

use super::room::SocketId;
use crate::socket::outbox::{Outbound, Outbox};

#[derive(Default)]
pub struct Lobby {
    sockets: Mutex<HashMap<SocketId, Outbox>>,
}

impl Lobby {
    pub fn join(&self, socket: SocketId, outbox: Outbox) {
        self.sockets().insert(socket, outbox);
    }

    pub fn leave(&self, socket: SocketId) {
        self.sockets().remove(&socket);
    }

    /// Sends a frame to every lobby socket; one that stopped reading is told to close (1013)
    /// and forgotten.
    pub fn send(&self, frame: &LobbyFrame) {
        let item = Outbound::frame(frame);
        self.sockets()
            .retain(|_, outbox| outbox.offer(item.clone()));
    }

    fn sockets(&self) -> std::sync::MutexGuard<'_, HashMap<SocketId, Outbox>> {
        self.sockets.lock().expect("lobby lock")
    }
}
