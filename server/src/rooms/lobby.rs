//! The lobby's sockets on this instance: everyone watching the room list, and, for those
//! logged in, which rooms they take part in, so a room's new lines reach only their counts.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chat_shared::close::LOGGED_OUT;
use chat_shared::{LobbyFrame, Room};
use tokio::time::Instant;

use super::room::SocketId;
use super::unread::UnreadWatch;
use crate::socket::outbox::{Outbound, Outbox};

/// How often the lobby hears of a room's participant count while people keep joining: a join
/// storm into one room would otherwise send every lobby socket a `room` frame per join.
pub const COUNT_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct Lobby {
    sockets: Arc<Mutex<HashMap<SocketId, Outbox>>>,
    watches: Mutex<Watches>,
    rooms: Arc<Mutex<RoomSends>>,
}

/// When each room's count was last sent to the lobby, and a newer count held until its
/// interval ends.
/// Every `room` and `room_removed` frame goes out under its lock, so a held count sent late
/// can never follow the room's removal or overwrite a newer title.
#[derive(Default)]
struct RoomSends {
    sent: HashMap<i64, Instant>,
    held: HashMap<i64, Room>,
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
        send_to(&self.sockets, frame);
    }

    /// A room was created or changed (renamed, someone left): every lobby shows it now, and a
    /// count held back is dropped, this one being newer.
    pub fn room(&self, room: Room) {
        let mut rooms = lock_rooms(&self.rooms);
        rooms.held.remove(&room.id);
        send_to(&self.sockets, &LobbyFrame::Room { room });
    }

    /// Someone joined the room: its new count goes out now if the room was not sent in the
    /// last [`COUNT_INTERVAL`], else the latest count goes out when the interval ends.
    pub fn counted(&self, room: Room) {
        let now = Instant::now();
        let mut rooms = lock_rooms(&self.rooms);
        let due = match rooms.sent.get(&room.id) {
            Some(&at) if now < at + COUNT_INTERVAL => at + COUNT_INTERVAL,
            _ => {
                rooms.sent.retain(|_, at| now < *at + COUNT_INTERVAL);
                rooms.sent.insert(room.id, now);
                // Older than this one, if its send has not run yet.
                rooms.held.remove(&room.id);
                send_to(&self.sockets, &LobbyFrame::Room { room });
                return;
            }
        };
        let id = room.id;
        if rooms.held.insert(id, room).is_some() {
            return; // its send is already scheduled
        }
        let (shared, sockets) = (self.rooms.clone(), self.sockets.clone());
        tokio::spawn(async move {
            tokio::time::sleep_until(due).await;
            let mut rooms = lock_rooms(&shared);
            if let Some(room) = rooms.held.remove(&id) {
                rooms.sent.insert(id, Instant::now());
                send_to(&sockets, &LobbyFrame::Room { room });
            }
        });
    }

    /// The room is gone: every lobby drops it, and a count held back is never sent.
    pub fn removed(&self, room_id: i64) {
        let mut rooms = lock_rooms(&self.rooms);
        rooms.held.remove(&room_id);
        rooms.sent.remove(&room_id);
        send_to(&self.sockets, &LobbyFrame::RoomRemoved { id: room_id });
    }

    fn sockets(&self) -> std::sync::MutexGuard<'_, HashMap<SocketId, Outbox>> {
        self.sockets.lock().expect("lobby lock")
    }
}

fn lock_rooms(rooms: &Mutex<RoomSends>) -> std::sync::MutexGuard<'_, RoomSends> {
    rooms.lock().expect("lobby rooms lock")
}

fn send_to(sockets: &Mutex<HashMap<SocketId, Outbox>>, frame: &LobbyFrame) {
    let item = Outbound::frame(frame);
    sockets
        .lock()
        .expect("lobby lock")
        .retain(|_, outbox| outbox.offer(item.clone()));
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

    fn room(id: i64, title: &str, participant_count: i64) -> Room {
        Room {
            id,
            title: title.to_owned(),
            creator: "ann".to_owned(),
            participant_count,
            created_at: "2026-11-29T12:00:00Z".to_owned(),
            unread: 0,
            mentioned: false,
        }
    }

    /// The lobby frames queued for a socket, as (type, room id, title, count).
    fn queued(rx: &mut crate::socket::outbox::OutboxReceiver) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(item) = rx.try_recv() {
            let Outbound::Frame { text } = item else {
                panic!("a lobby gets single frames");
            };
            let frame: LobbyFrame = serde_json::from_str(text.as_str()).unwrap();
            seen.push(match frame {
                LobbyFrame::Room { room } => {
                    format!("{} {} {}", room.id, room.title, room.participant_count)
                }
                LobbyFrame::RoomRemoved { id } => format!("{id} removed"),
                other => panic!("unexpected {other:?}"),
            });
        }
        seen
    }

    #[tokio::test(start_paused = true)]
    async fn a_join_storm_reaches_the_lobby_as_one_count_a_second() {
        let lobby = Lobby::default();
        let (tx, mut rx) = outbox(64, CancellationToken::new());
        lobby.join(1, tx);
        for count in 2..=40 {
            lobby.counted(room(7, "Big", count));
        }
        lobby.counted(room(8, "Other", 5));
        assert_eq!(
            queued(&mut rx),
            ["7 Big 2", "8 Other 5"],
            "the first at once"
        );
        tokio::time::sleep(COUNT_INTERVAL).await;
        tokio::task::yield_now().await;
        assert_eq!(
            queued(&mut rx),
            ["7 Big 40"],
            "the latest when the second ends"
        );
        tokio::time::sleep(COUNT_INTERVAL * 2).await;
        assert!(queued(&mut rx).is_empty(), "nothing while no one joins");
        lobby.counted(room(7, "Big", 41));
        assert_eq!(
            queued(&mut rx),
            ["7 Big 41"],
            "a quiet room's count goes at once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_count_never_follows_a_rename_or_a_removal() {
        let lobby = Lobby::default();
        let (tx, mut rx) = outbox(64, CancellationToken::new());
        lobby.join(1, tx);
        lobby.counted(room(7, "Big", 2));
        lobby.counted(room(7, "Big", 3));
        lobby.room(room(7, "Renamed", 3));
        lobby.counted(room(9, "Gone", 2));
        lobby.counted(room(9, "Gone", 3));
        lobby.removed(9);
        // A new room's first joiner is counted at once: the room frame is not a count.
        lobby.room(room(10, "New", 1));
        lobby.counted(room(10, "New", 2));
        tokio::time::sleep(COUNT_INTERVAL * 2).await;
        assert_eq!(
            queued(&mut rx),
            [
                "7 Big 2",
                "7 Renamed 3",
                "9 Gone 2",
                "9 removed",
                "10 New 1",
                "10 New 2"
            ]
        );
    }
}
