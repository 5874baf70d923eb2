//! The lobby's sockets on this instance: everyone watching the room list, and, for those
//! logged in, which rooms they take part in, so a room's new lines reach only their counts.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chat_shared::close::LOGGED_OUT;
use chat_shared::LobbyFrame;

use super::room::SocketId;
use super::unread::UnreadWatch;
use crate::socket::outbox::{Outbound, Outbox};

#[derive(Default)]
pub struct Lobby {
    sockets: Mutex<HashMap<SocketId, Outbox>>,
    watches: Mutex<Watches>,
}

/// The logged-in lobby sockets, and for each room the sockets whose user takes part in it.
#[derive(Default)]
struct Watches {
    by_socket: HashMap<SocketId, Arc<UnreadWatch>>,
    by_room: HashMap<i64, HashSet<SocketId>>,
}

impl Watches {
    fn add_room(&mut self, room_id: i64, socket: SocketId) {
        self.by_room.entry(room_id).or_default().insert(socket);
    }

    fn remove_room(&mut self, room_id: i64, socket: SocketId) {
        if let Some(sockets) = self.by_room.get_mut(&room_id) {
            sockets.remove(&socket);
            if sockets.is_empty() {
                self.by_room.remove(&room_id);
            }
        }
    }

    /// The watches of the room's sockets that `which` selects.
    fn in_room(
        &self,
        room_id: i64,
        which: impl Fn(&UnreadWatch) -> bool,
    ) -> impl Iterator<Item = &Arc<UnreadWatch>> {
        self.by_room
            .get(&room_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.by_socket.get(s))
            .filter(move |w| which(w))
    }
}

impl Lobby {
    pub fn join(&self, socket: SocketId, outbox: Outbox) {
        self.sockets().insert(socket, outbox);
    }

    pub fn leave(&self, socket: SocketId) {
        self.sockets().remove(&socket);
        let mut watches = self.watches();
        watches.by_socket.remove(&socket);
        watches.by_room.retain(|_, sockets| {
            sockets.remove(&socket);
            !sockets.is_empty()
        });
    }

    /// Follows the unread counts of a logged-in socket's user in `rooms` (those they take part
    /// in), and in rooms they join from now on.
    pub fn watch(&self, socket: SocketId, watch: Arc<UnreadWatch>) {
        self.watches().by_socket.insert(socket, watch);
    }

    pub fn watch_rooms(&self, socket: SocketId, rooms: &[i64]) {
        let mut watches = self.watches();
        for room_id in rooms {
            watches.add_room(*room_id, socket);
        }
    }

    /// New entries in the room: every watching socket but the sender's counts it again
    /// (one's own lines are never unread).
    pub fn entries(&self, room_id: i64, senders: &HashSet<&str>) {
        for watch in self
            .watches()
            .in_room(room_id, |w| senders.iter().any(|s| *s != w.nickname))
        {
            watch.touch(room_id);
        }
    }

    /// The user's marker in the room moved.
    pub fn read(&self, room_id: i64, user_id: i64) {
        for watch in self.watches().in_room(room_id, |w| w.user_id == user_id) {
            watch.touch(room_id);
        }
    }

    /// The user became a participant: their sockets follow the room from now on.
    pub fn joined(&self, room_id: i64, nickname: &str) {
        let mut watches = self.watches();
        let sockets: Vec<SocketId> = watches
            .by_socket
            .iter()
            .filter(|(_, w)| w.nickname == nickname)
            .map(|(s, _)| *s)
            .collect();
        for socket in sockets {
            watches.add_room(room_id, socket);
        }
    }

    /// The user stopped being a participant: their sockets count the room once more (to
    /// nothing) and then stop following it.
    pub fn left(&self, room_id: i64, user_id: i64) {
        let mut watches = self.watches();
        let leaving: Vec<SocketId> = watches
            .by_socket
            .iter()
            .filter(|(_, w)| w.user_id == user_id)
            .map(|(socket, w)| {
                w.touch(room_id);
                *socket
            })
            .collect();
        for socket in leaving {
            watches.remove_room(room_id, socket);
        }
    }

    /// A session was logged out: its lobby sockets close, as its room sockets do.
    pub fn session_ended(&self, session_hash: &str) {
        let ending: Vec<SocketId> = self
            .watches()
            .by_socket
            .iter()
            .filter(|(_, w)| w.session_hash == session_hash)
            .map(|(socket, _)| *socket)
            .collect();
        let sockets = self.sockets();
        for socket in ending {
            if let Some(outbox) = sockets.get(&socket) {
                outbox.close(LOGGED_OUT, "logged out");
            }
        }
    }

    fn watches(&self) -> std::sync::MutexGuard<'_, Watches> {
        self.watches.lock().expect("lobby watch lock")
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
