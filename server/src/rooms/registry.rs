//! Every live room on this instance and the lobby, and the delivery of events to them: the
//! [`Sink`] the fan-out hands what it carries to.
//!
//! Frames are serialized once per event and the same bytes are queued to every socket; the
//! messages a room got from one write go as one queue item. A socket whose queue is full is
//! told to close (it resumes with `?after=`), so one slow reader never slows a room.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chat_shared::close::{BANNED, DONE, LEFT, LOGGED_OUT};
use chat_shared::ServerFrame;

use super::lobby::Lobby;
use super::room::{LiveRoom, Member, SocketId};
use super::roster::Change;
use crate::event::Event;
use crate::fanout::Sink;
use crate::socket::outbox::Outbound;
use crate::store::{Store, StoredMessage};

/// A live room as it was before a read of the room from the database: if the same room
/// (not one made again since) has delivered no change since, nothing the read showed (the
/// room, the user's read marker) has moved without its socket being told, once that socket
/// is in the room. A change stored before the read is in the read; one stored after it is
/// delivered after, so either it moved the count or its frame reaches the socket.
pub struct Mark {
    room: Arc<LiveRoom>,
    changes: u64,
}

pub struct Registry {
    rooms: Mutex<HashMap<i64, Arc<LiveRoom>>>,
    lobby: Lobby,
    store: Arc<dyn Store>,
    next_socket: AtomicU64,
    /// Rooms with more participants than this are big (`docs/protocol.md` "Big rooms").
    participant_page: u32,
}

impl Registry {
    pub fn new(store: Arc<dyn Store>, participant_page: u32) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::default(),
            lobby: Lobby::default(),
            store,
            next_socket: AtomicU64::new(1),
            participant_page,
        })
    }

    pub fn next_socket_id(&self) -> SocketId {
        self.next_socket.fetch_add(1, Ordering::Relaxed)
    }

    pub fn lobby(&self) -> &Lobby {
        &self.lobby
    }

    /// Adds a socket to its room, which starts at `last_seq` (read from the database before
    /// this call) if it had no socket here yet; true if it is its user's first here. The room
    /// is found and the socket added under one lock, so a concurrent leave of the room's last
    /// socket cannot remove the room in between.
    pub fn join(&self, room_id: i64, member: Member, last_seq: i64) -> bool {
        let mut rooms = self.rooms();
        let room = rooms
            .entry(room_id)
            .or_insert_with(|| Arc::new(LiveRoom::new(room_id, last_seq)));
        let first = room.state().add(member);
        metrics::gauge!(crate::metrics::ROOMS_LIVE).set(rooms.len() as f64);
        first
    }

    /// [`Registry::join`] for a room that has a socket here already, which needs no position
    /// read from the database; gives the member back if the room has none.
    pub fn join_live(&self, room_id: i64, member: Member) -> Result<bool, Member> {
        let rooms = self.rooms();
        match rooms.get(&room_id) {
            Some(room) => Ok(room.state().add(member)),
            None => Err(member),
        }
    }

    /// Removes a socket; the room goes when its last socket does. True if it was its user's
    /// last here.
    pub fn leave(&self, room_id: i64, socket: SocketId) -> bool {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get(&room_id) else {
            return false;
        };
        let (last, empty) = {
            let mut state = room.state();
            (state.remove(socket), state.is_empty())
        };
        if empty {
            rooms.remove(&room_id);
            metrics::gauge!(crate::metrics::ROOMS_LIVE).set(rooms.len() as f64);
        }
        last
    }

    /// The room's [`Mark`], if it has a socket here; take it before the read it vouches for.
    pub fn mark(&self, room_id: i64) -> Option<Mark> {
        self.room(room_id).map(|room| {
            let changes = room.state().changes();
            Mark { room, changes }
        })
    }

    /// Whether the marked room is still this room's live room and has delivered no change
    /// since the mark. Ask only once the socket that relies on it has joined the room.
    pub fn unchanged_since(&self, mark: &Mark) -> bool {
        self.room(mark.room.id)
            .is_some_and(|room| Arc::ptr_eq(&room, &mark.room))
            && mark.room.state().changes() == mark.changes
    }

    /// Users with a socket to the room on this instance.
    pub fn present(&self, room_id: i64) -> HashSet<String> {
        self.room(room_id)
            .map(|room| room.state().present().nicknames().cloned().collect())
            .unwrap_or_default()
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<LiveRoom>>> {
        self.rooms.lock().expect("room registry lock")
    }

    fn all(&self) -> Vec<Arc<LiveRoom>> {
        self.rooms().values().cloned().collect()
    }

    /// The room, if it has a socket on this instance.
    pub fn room(&self, room_id: i64) -> Option<Arc<LiveRoom>> {
        self.rooms().get(&room_id).cloned()
    }

    fn to_room(&self, room_id: i64, item: &Outbound, include: impl Fn(&Member) -> bool) {
        if let Some(room) = self.room(room_id) {
            room.state().broadcast(item, include);
        }
    }

    /// [`Registry::to_room`] for a change a welcome shows ([`Mark`]).
    fn change_room(&self, room_id: i64, item: &Outbound, include: impl Fn(&Member) -> bool) {
        if let Some(room) = self.room(room_id) {
            room.state().broadcast_change(item, include);
        }
    }

    /// Tells the room that someone joined, left, came or went: the frame in a small room, the
    /// counts in a big one.
    fn people_changed(&self, room_id: i64, change: Change, frame: &ServerFrame) {
        if let Some(room) = self.room(room_id) {
            room.people_changed(change, frame, self.participant_page);
        }
    }

    /// Closes every room socket of the user.
    pub fn close_user(&self, user_id: i64, code: u16, reason: &'static str) {
        self.close_where(code, reason, |_, m| m.user_id == user_id);
    }

    /// Closes the sockets `which` selects, in every room.
    fn close_where(&self, code: u16, reason: &'static str, which: impl Fn(i64, &Member) -> bool) {
        for room in self.all() {
            for member in room.state().members().filter(|m| which(room.id, m)) {
                member.outbox.close(code, reason);
            }
        }
    }

    /// Delivers messages room by room, each room's share as one queue item per socket.
    fn deliver_messages(&self, by_room: impl IntoIterator<Item = (i64, Vec<StoredMessage>)>) {
        for (room_id, messages) in by_room {
            let senders: HashSet<&str> =
                messages.iter().map(|m| m.message.sender.as_str()).collect();
            self.lobby.entries(room_id, &senders);
            if let Some(room) = self.room(room_id) {
                room.accept(messages, &self.store);
            }
        }
    }

    /// Delivers one event that is not a message.
    fn deliver_other(&self, event: Event) {
        match event {
            Event::Message(_) => unreachable!("deliver groups messages by room"),
            Event::Presence {
                room_id,
                nickname,
                online,
            } => self.people_changed(
                room_id,
                Change::Online(nickname.clone(), online),
                &ServerFrame::Presence { nickname, online },
            ),
            Event::Participant { room_id, nickname } => {
                self.lobby.joined(room_id, &nickname);
                self.people_changed(
                    room_id,
                    Change::Joined(nickname.clone()),
                    &ServerFrame::Participant { nickname },
                )
            }
            Event::Typing {
                room_id,
                user_id,
                nickname,
            } => self.to_room(
                room_id,
                &Outbound::frame(&ServerFrame::Typing { nickname }),
                |m| m.user_id != user_id,
            ),
            Event::RoomCreated { room } => self.lobby.room(room),
            Event::RoomCounted { room } => self.lobby.counted(room),
            Event::RoomChanged { room } => {
                self.change_room(
                    room.id,
                    &Outbound::frame(&ServerFrame::Room { room: room.clone() }),
                    |_| true,
                );
                self.lobby.room(room);
            }
            Event::RoomRemoved { room_id } => {
                // The close is queued behind the frame, so the frame is written first.
                self.change_room(room_id, &Outbound::frame(&ServerFrame::RoomRemoved), |_| {
                    true
                });
                let close = Outbound::Close {
                    code: DONE,
                    reason: "room removed",
                };
                self.to_room(room_id, &close, |_| true);
                self.lobby.removed(room_id);
            }
            Event::Left {
                room_id,
                user_id,
                nickname,
                banned,
            } => {
                self.lobby.left(room_id, user_id);
                if !nickname.is_empty() {
                    self.people_changed(
                        room_id,
                        Change::Left(nickname.clone()),
                        &ServerFrame::ParticipantLeft { nickname },
                    );
                }
                let (code, reason) = if banned {
                    (BANNED, "you were banned from this room")
                } else {
                    (LEFT, "you left this room")
                };
                self.close_where(code, reason, |r, m| r == room_id && m.user_id == user_id)
            }
            Event::Read {
                room_id,
                user_id,
                up_to,
            } => {
                self.change_room(
                    room_id,
                    &Outbound::frame(&ServerFrame::Read { up_to }),
                    |m| m.user_id == user_id,
                );
                self.lobby.read(room_id, user_id);
            }
            Event::SessionEnded { session_hash } => {
                self.lobby.session_ended(&session_hash);
                self.close_where(LOGGED_OUT, "logged out", |_, m| {
                    m.session_hash == session_hash
                })
            }
        }
    }
}

#[async_trait]
impl Sink for Registry {
    /// Delivers events in order. Rooms are independent, so the order between them does not
    /// matter; within a room, messages go by seq (`room.rs`), and messages before another
    /// event are delivered before it.
    fn deliver(&self, events: Vec<Event>) {
        let mut messages: HashMap<i64, Vec<StoredMessage>> = HashMap::new();
        for event in events {
            match event {
                Event::Message(stored) => messages
                    .entry(stored.message.room_id)
                    .or_default()
                    .push(stored),
                other => {
                    self.deliver_messages(messages.drain());
                    self.deliver_other(other);
                }
            }
        }
        self.deliver_messages(messages);
    }

    async fn resync(&self) {
        for room in self.all() {
            // Joins, leaves and presence may have been lost too: the next welcome or page
            // fills the roster again.
            room.state().roster.outdated();
            room.resync(self.store.clone()).await;
        }
    }

    fn present_here(&self) -> Vec<(i64, String)> {
        self.all()
            .iter()
            .flat_map(|room| {
                room.state()
                    .present()
                    .nicknames()
                    .map(|n| (room.id, n.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::socket::outbox::outbox;
    use crate::store::SqlStore;

    fn member(socket: SocketId, nickname: &str) -> Member {
        Member {
            socket,
            user_id: socket as i64,
            nickname: nickname.to_owned(),
            session_hash: "h".to_owned(),
            outbox: outbox(16, CancellationToken::new()).0,
            joins: crate::store::Joins::Excluded,
        }
    }

    /// A join and a leave of the room's only socket, both waiting for the room's lock (held
    /// here, as a delivery would hold it), then let go together, many times. Whichever goes
    /// first, the joined socket must be in the registry afterwards: a join that found the room,
    /// let go of the registry and only then added its socket could add it to a room the leave
    /// had just removed, and that socket would never get a frame.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_socket_that_joins_as_the_last_one_leaves_is_never_lost() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("race.db").display());
        let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url, 1).await.expect("store"));
        let registry = Registry::new(store, 100);
        const ROUNDS: usize = 200;
        let mut lost = 0;
        for _ in 0..ROUNDS {
            registry.join(7, member(1, "old"), 0);
            let room = registry.room(7).expect("the room is live");
            let held = room.state();
            let joiner = {
                let registry = registry.clone();
                std::thread::spawn(move || registry.join(7, member(2, "new"), 0))
            };
            let leaver = {
                let registry = registry.clone();
                std::thread::spawn(move || registry.leave(7, 1))
            };
            // Both are waiting for a lock by now.
            std::thread::sleep(std::time::Duration::from_millis(2));
            drop(held);
            joiner.join().unwrap();
            leaver.join().unwrap();
            if !registry.present(7).contains("new") {
                lost += 1;
            }
            registry.leave(7, 2);
            registry.leave(7, 1);
        }
        assert_eq!(lost, 0, "joined sockets lost in {lost} of {ROUNDS} rounds");
    }

    fn room(id: i64, title: &str) -> chat_shared::Room {
        chat_shared::Room {
            id,
            title: title.to_owned(),
            creator: "ana".to_owned(),
            participant_count: 2,
            created_at: "2026-11-29T00:00:00Z".to_owned(),
            unread: 0,
            mentioned: false,
        }
    }

    /// A welcome may reuse its upgrade's read only while the mark holds: deliveries that
    /// change nothing the read showed keep it, a room change, a read marker moving, or the
    /// live room being made again break it.
    #[tokio::test]
    async fn a_mark_holds_until_the_room_delivers_a_change_or_is_made_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("mark.db").display());
        let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url, 1).await.expect("store"));
        let registry = Registry::new(store, 100);
        assert!(registry.mark(7).is_none(), "no live room, no mark");
        registry.join(7, member(1, "ana"), 0);

        let mark = registry.mark(7).expect("the room is live");
        registry.deliver(vec![
            Event::Typing {
                room_id: 7,
                user_id: 2,
                nickname: "bo".to_owned(),
            },
            Event::Participant {
                room_id: 7,
                nickname: "bo".to_owned(),
            },
            Event::Read {
                room_id: 8,
                user_id: 1,
                up_to: 3,
            },
        ]);
        registry.join(7, member(2, "bo"), 0);
        assert!(
            registry.unchanged_since(&mark),
            "nothing the read showed moved"
        );

        registry.deliver(vec![Event::Read {
            room_id: 7,
            user_id: 2,
            up_to: 3,
        }]);
        assert!(!registry.unchanged_since(&mark), "a read marker moved");

        let mark = registry.mark(7).expect("the room is live");
        registry.deliver(vec![Event::RoomChanged {
            room: room(7, "renamed"),
        }]);
        assert!(!registry.unchanged_since(&mark), "the room was renamed");

        let mark = registry.mark(7).expect("the room is live");
        registry.leave(7, 1);
        registry.leave(7, 2);
        registry.join(7, member(3, "cy"), 0);
        assert!(
            !registry.unchanged_since(&mark),
            "a room made again may have missed changes"
        );
    }
}
