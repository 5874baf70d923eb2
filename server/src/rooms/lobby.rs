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

#[cfg(test)]
mod tests {
    use chat_shared::close::TOO_SLOW;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::socket::outbox::outbox;

    #[tokio::test]
    async fn a_lobby_socket_that_stopped_reading_is_told_to_close_and_forgotten() {
        let lobby = Lobby::default();
        let kill = CancellationToken::new();
        let (tx, mut rx) = outbox(2, kill.clone());
        lobby.join(1, tx);
        let frame = LobbyFrame::RoomRemoved { id: 3 };
        lobby.send(&frame);
        lobby.send(&frame);
        assert!(!kill.is_cancelled(), "two frames fit");
        lobby.send(&frame);
        assert!(
            kill.is_cancelled(),
            "the socket's task is told to close (it sends {TOO_SLOW})"
        );
        assert!(lobby.sockets().is_empty(), "and the lobby forgets it");
        lobby.send(&frame);
        let mut queued = Vec::new();
        while let Some(item) = rx.try_recv() {
            queued.push(item);
        }
        assert_eq!(queued.len(), 2, "nothing after the drop");
    }
}
