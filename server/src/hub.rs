//! This instance's live connections, by room, and the delivery of events to them.
//!
//! Every event reaches [`Hubs::dispatch_all`], from this instance's own writers or (in
//! scale-out) from Redis. Frames are serialized once per event and the same bytes are queued to
//! every connection; the messages a room got from one write go as one queue item. Each
//! connection's queue is bounded in frames (`crate::outbox`): a connection whose queue is full
//! is dropped (it resumes with `?after=`), so one slow reader never slows a room.
//!
//! Ordering: messages carry a per-room `seq` with no gaps (see the migrations). A hub delivers
//! seq N+1 only after N; when it sees a later one first (two instances published out of
//! order, or Redis dropped something while disconnected) it buffers and fetches the missing
//! range from the database, where every lower seq is already committed because inserts into a
//! room are serialized by a row lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use chat_shared::{LobbyFrame, ServerFrame};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::fanout::Event;
use crate::outbox::{Outbox, Refused};
use crate::store::{Store, StoredMessage};

pub type ConnId = u64;

/// What a connection's writer is asked to do.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A frame's bytes, shared by every receiver.
    Frame { text: Utf8Bytes },
    /// A room's new `message` frames from one delivery, in seq order, shared by every
    /// receiver: one queue slot, one wake-up and one flush for all of them, where one slot per
    /// message woke each socket for the first and made it write the rest in dribs (BENCHMARKS.md).
    Messages(Arc<[LiveMessage]>),
    /// Presence and participant frames a room held back for a moment (see
    /// [`NOTICE_INTERVAL`]), in order, shared by every receiver.
    Frames(Arc<[Utf8Bytes]>),
    /// Close the socket with this code and reason.
    Close { code: u16, reason: &'static str },
}

impl Outbound {
    pub fn frame<T: Serialize>(frame: &T) -> Self {
        Outbound::Frame {
            text: to_text(frame),
        }
    }
}

/// The shortest time between two sends of a room's presence and participant frames. A lone
/// one goes out at once; those that follow within the interval are held and go out together at
/// its end, as one queue item per connection. Sent one by one, a join storm (every member
/// reconnecting after a restart) woke and flushed every member's socket once per join: 5000
/// members in one room took 143 s to reconnect, 99 s with 50 ms here and 44 s with 200 ms
/// (BENCHMARKS.md, sixth round). A presence shown a fifth of a second late goes unnoticed.
pub const NOTICE_INTERVAL: Duration = Duration::from_millis(200);

/// A `message` frame on its way to a room's sockets. The id lets a fresh connection skip live
/// messages its welcome history already held.
#[derive(Debug)]
pub struct LiveMessage {
    pub id: i64,
    pub text: Utf8Bytes,
}

/// Serializes a frame; our frame types always serialize.
pub fn to_text<T: Serialize>(frame: &T) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("frames serialize to JSON"))
}

/// One open room socket, as the hub sees it.
#[derive(Debug, Clone)]
pub struct ConnHandle {
    pub id: ConnId,
    pub user_id: i64,
    pub nickname: String,
    pub session_hash: String,
    pub tx: Outbox,
    /// Cancelled to make the connection's task close the socket.
    pub kill: CancellationToken,
}

impl ConnHandle {
    /// Queues without waiting; false if the connection is gone or too far behind.
    fn offer(&self, item: Outbound) -> bool {
        match self.tx.try_send(item) {
            Ok(()) => true,
            Err(Refused::Full) => {
                tracing::info!(conn = self.id, nickname = %self.nickname, "dropping a connection that stopped reading");
                self.kill.cancel();
                false
            }
            Err(Refused::Closed) => false,
        }
    }
}

#[derive(Default)]
struct RoomState {
    conns: HashMap<ConnId, ConnHandle>,
    /// The last seq delivered to this room's connections.
    last_seq: i64,
    /// Messages that arrived ahead of a gap, by seq.
    pending: BTreeMap<i64, StoredMessage>,
    /// A gap fill is running.
    filling: bool,
    /// Presence and participant frames held back, in order (see [`NOTICE_INTERVAL`]).
    notices: Vec<Utf8Bytes>,
    /// When this room's notices last went out.
    notices_sent: Option<Instant>,
}

impl RoomState {
    /// Sends to every connection that `include` accepts, dropping those that cannot keep up.
    /// Held notices go first, so every connection gets a room's frames in the order of their
    /// events.
    fn broadcast(&mut self, item: &Outbound, include: impl Fn(&ConnHandle) -> bool) {
        self.send_notices();
        self.send(item, include);
    }

    fn send(&mut self, item: &Outbound, include: impl Fn(&ConnHandle) -> bool) {
        self.conns
            .retain(|_, conn| !include(conn) || conn.offer(item.clone()));
    }

    /// Sends the held notices, if any, to every connection.
    fn send_notices(&mut self) {
        if self.notices.is_empty() {
            return;
        }
        let frames: Arc<[Utf8Bytes]> = std::mem::take(&mut self.notices).into();
        self.notices_sent = Some(Instant::now());
        self.send(&Outbound::Frames(frames), |_| true);
    }

    /// A presence or participant frame for everyone in the room: sent now if the room's last
    /// notices went out at least [`NOTICE_INTERVAL`] ago, else held. Returns when the held
    /// notices are due if the caller must schedule sending them: when this is the first one
    /// held (a send already scheduled for the others takes it too).
    fn notice(&mut self, text: Utf8Bytes) -> Option<Instant> {
        let first_held = self.notices.is_empty();
        self.notices.push(text);
        match self.notices_sent.map(|sent| sent + NOTICE_INTERVAL) {
            Some(due) if due > Instant::now() => first_held.then_some(due),
            _ => {
                self.send_notices();
                None
            }
        }
    }

    /// Takes messages in any order and delivers, in one queue item per connection, those now
    /// in order; true if a gap remains and must be filled.
    fn accept(&mut self, messages: impl IntoIterator<Item = StoredMessage>) -> bool {
        for stored in messages {
            if stored.seq > self.last_seq {
                self.pending.insert(stored.seq, stored);
            }
        }
        let mut ready = Vec::new();
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.last_seq + 1 {
                break;
            }
            let next = entry.remove();
            self.last_seq = next.seq;
            ready.push(LiveMessage {
                id: next.message.id,
                text: to_text(&ServerFrame::Message(next.message)),
            });
        }
        if !ready.is_empty() {
            self.broadcast(&Outbound::Messages(ready.into()), |_| true);
        }
        !self.pending.is_empty()
    }
}

/// One room's connections on this instance.
pub struct RoomHub {
    room_id: i64,
    state: Mutex<RoomState>,
}

/// Every hub of this instance, plus the lobby's connections.
pub struct Hubs {
    rooms: Mutex<HashMap<i64, Arc<RoomHub>>>,
    lobby: Mutex<HashMap<ConnId, mpsc::Sender<Outbound>>>,
    store: Arc<dyn Store>,
    next_conn: AtomicU64,
}

impl Hubs {
    pub fn new(store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::default(),
            lobby: Mutex::default(),
            store,
            next_conn: AtomicU64::new(1),
        })
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a connection to its room's hub. `last_seq` (read from the database before this
    /// call) starts a hub that did not exist yet.
    pub fn join(&self, room_id: i64, conn: ConnHandle, last_seq: i64) {
        let hub = {
            let mut rooms = self.rooms.lock().expect("hub registry lock");
            rooms
                .entry(room_id)
                .or_insert_with(|| {
                    Arc::new(RoomHub {
                        room_id,
                        state: Mutex::new(RoomState {
                            last_seq,
                            ..RoomState::default()
                        }),
                    })
                })
                .clone()
        };
        hub.state
            .lock()
            .expect("room hub lock")
            .conns
            .insert(conn.id, conn);
    }

    /// Removes a connection; the hub goes when its last connection does.
    pub fn leave(&self, room_id: i64, conn_id: ConnId) {
        let mut rooms = self.rooms.lock().expect("hub registry lock");
        if let Some(hub) = rooms.get(&room_id) {
            let empty = {
                let mut state = hub.state.lock().expect("room hub lock");
                state.conns.remove(&conn_id);
                state.conns.is_empty()
            };
            if empty {
                rooms.remove(&room_id);
            }
        }
    }

    pub fn join_lobby(&self, tx: mpsc::Sender<Outbound>) -> ConnId {
        let id = self.next_conn_id();
        self.lobby.lock().expect("lobby lock").insert(id, tx);
        id
    }

    pub fn leave_lobby(&self, id: ConnId) {
        self.lobby.lock().expect("lobby lock").remove(&id);
    }

    /// Rooms with connections on this instance (for filling gaps after a Redis outage).
    pub fn room_ids(&self) -> Vec<i64> {
        self.rooms
            .lock()
            .expect("hub registry lock")
            .keys()
            .copied()
            .collect()
    }

    /// Number of room connections on this instance.
    pub fn connection_count(&self) -> usize {
        let hubs = self.all_hubs();
        hubs.iter()
            .map(|h| h.state.lock().expect("room hub lock").conns.len())
            .sum()
    }

    fn all_hubs(&self) -> Vec<Arc<RoomHub>> {
        self.rooms
            .lock()
            .expect("hub registry lock")
            .values()
            .cloned()
            .collect()
    }

    fn hub(&self, room_id: i64) -> Option<Arc<RoomHub>> {
        self.rooms
            .lock()
            .expect("hub registry lock")
            .get(&room_id)
            .cloned()
    }

    fn to_lobby(&self, frame: &LobbyFrame) {
        let item = Outbound::frame(frame);
        self.lobby
            .lock()
            .expect("lobby lock")
            .retain(|_, tx| tx.try_send(item.clone()).is_ok());
    }

    fn to_room(&self, room_id: i64, item: &Outbound, include: impl Fn(&ConnHandle) -> bool) {
        if let Some(hub) = self.hub(room_id) {
            hub.state
                .lock()
                .expect("room hub lock")
                .broadcast(item, include);
        }
    }

    /// Sends a presence or participant frame to everyone in a room, held for a moment if the
    /// room just had one (see [`NOTICE_INTERVAL`]).
    fn to_room_soon(&self, room_id: i64, text: Utf8Bytes) {
        let Some(hub) = self.hub(room_id) else {
            return;
        };
        let due = hub.state.lock().expect("room hub lock").notice(text);
        if let Some(due) = due {
            tokio::spawn(async move {
                tokio::time::sleep_until(due).await;
                hub.state.lock().expect("room hub lock").send_notices();
            });
        }
    }

    /// Closes the connections `which` selects, in every room.
    fn close_where(
        &self,
        code: u16,
        reason: &'static str,
        which: impl Fn(i64, &ConnHandle) -> bool,
    ) {
        let hubs = self.all_hubs();
        for hub in hubs {
            let state = hub.state.lock().expect("room hub lock");
            for conn in state.conns.values().filter(|c| which(hub.room_id, c)) {
                let _ = conn.tx.try_send(Outbound::Close { code, reason });
                conn.kill.cancel();
            }
        }
    }

    /// Delivers events, in order, to this instance's connections. The messages among them go
    /// room by room, each room's share as one queue item per connection.
    pub fn dispatch_all(self: &Arc<Self>, events: impl IntoIterator<Item = Event>) {
        // Rooms are independent, so the order between them does not matter; within a room,
        // `RoomState::accept` delivers by seq.
        let mut messages: HashMap<i64, Vec<StoredMessage>> = HashMap::new();
        for event in events {
            match event {
                Event::Message { message, seq } => messages
                    .entry(message.room_id)
                    .or_default()
                    .push(StoredMessage { message, seq }),
                other => {
                    // Messages before an event are delivered before it.
                    self.accept_messages(messages.drain());
                    self.dispatch_other(other);
                }
            }
        }
        self.accept_messages(messages);
    }

    /// Delivers one event that is not a message.
    fn dispatch_other(&self, event: Event) {
        match event {
            Event::Message { .. } => unreachable!("dispatch_all groups messages by room"),
            Event::Presence {
                room_id,
                nickname,
                online,
            } => self.to_room_soon(
                room_id,
                to_text(&ServerFrame::Presence { nickname, online }),
            ),
            Event::Participant { room_id, nickname } => {
                self.to_room_soon(room_id, to_text(&ServerFrame::Participant { nickname }))
            }
            Event::Typing {
                room_id,
                user_id,
                nickname,
            } => self.to_room(
                room_id,
                &Outbound::frame(&ServerFrame::Typing { nickname }),
                |c| c.user_id != user_id,
            ),
            Event::RoomCreated { room } | Event::RoomCounted { room } => {
                self.to_lobby(&LobbyFrame::Room { room })
            }
            Event::RoomChanged { room } => {
                self.to_room(
                    room.id,
                    &Outbound::frame(&ServerFrame::Room { room: room.clone() }),
                    |_| true,
                );
                self.to_lobby(&LobbyFrame::Room { room });
            }
            Event::RoomRemoved { room_id } => {
                self.to_room(room_id, &Outbound::frame(&ServerFrame::RoomRemoved), |_| {
                    true
                });
                self.to_room(
                    room_id,
                    &Outbound::Close {
                        code: 1000,
                        reason: "room removed",
                    },
                    |_| true,
                );
                self.to_lobby(&LobbyFrame::RoomRemoved { id: room_id });
            }
            Event::Left { room_id, user_id } => self.close_where(1000, "left the room", |r, c| {
                r == room_id && c.user_id == user_id
            }),
            Event::SessionEnded { session_hash } => {
                self.close_where(1008, "logged out", |_, c| c.session_hash == session_hash)
            }
        }
    }

    fn accept_messages(
        self: &Arc<Self>,
        by_room: impl IntoIterator<Item = (i64, Vec<StoredMessage>)>,
    ) {
        for (room_id, messages) in by_room {
            let Some(hub) = self.hub(room_id) else {
                continue;
            };
            let start_fill = {
                let mut state = hub.state.lock().expect("room hub lock");
                let gap = state.accept(messages);
                if gap && !state.filling {
                    state.filling = true;
                    true
                } else {
                    false
                }
            };
            if start_fill {
                let hubs = self.clone();
                tokio::spawn(async move { hubs.fill_gap(hub).await });
            }
        }
    }

    /// Fetches every message after the hub's last delivered seq from the database and
    /// delivers them in order. Also used after a Redis reconnect, when the gap is unknown.
    pub async fn fill_gap(self: Arc<Self>, hub: Arc<RoomHub>) {
        loop {
            let (after, upto) = {
                let state = hub.state.lock().expect("room hub lock");
                let upto = state
                    .pending
                    .keys()
                    .next_back()
                    .copied()
                    .unwrap_or(i64::MAX);
                (state.last_seq, upto)
            };
            let fetched = match self.store.messages_by_seq(hub.room_id, after, upto).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(room = hub.room_id, error = ?e, "could not fill a delivery gap; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    continue;
                }
            };
            let progressed = !fetched.is_empty();
            let mut state = hub.state.lock().expect("room hub lock");
            state.accept(fetched);
            if !progressed {
                // The database has nothing in the gap: do not wait forever for it.
                if let Some((_, first)) = state.pending.pop_first() {
                    state.last_seq = first.seq - 1;
                    state.accept([first]);
                }
            }
            if state.pending.is_empty() || state.conns.is_empty() {
                state.filling = false;
                state.pending.clear();
                return;
            }
        }
    }

    /// After a Redis outage: every room may have missed messages.
    pub async fn fill_all_gaps(self: &Arc<Self>) {
        let hubs = self.all_hubs();
        for hub in hubs {
            let start = {
                let mut state = hub.state.lock().expect("room hub lock");
                !std::mem::replace(&mut state.filling, true)
            };
            if start {
                self.clone().fill_gap(hub).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::{outbox, OutboxReceiver};
    use chat_shared::Message;

    fn stored(seq: i64) -> StoredMessage {
        StoredMessage {
            message: Message {
                id: 100 + seq,
                room_id: 7,
                sender: "ana".into(),
                body: format!("line {seq}"),
                sent_at: "2026-11-25T00:00:00Z".into(),
                nonce: None,
            },
            seq,
        }
    }

    fn room_with_one_socket(last_seq: i64) -> (RoomState, OutboxReceiver) {
        let (tx, rx) = outbox(16);
        let mut state = RoomState {
            last_seq,
            ..RoomState::default()
        };
        let conn = ConnHandle {
            id: 1,
            user_id: 1,
            nickname: "bo".into(),
            session_hash: "h".into(),
            tx,
            kill: CancellationToken::new(),
        };
        state.conns.insert(conn.id, conn);
        (state, rx)
    }

    /// The seqs in each queued item, in queue order.
    fn queued(rx: &mut OutboxReceiver) -> Vec<Vec<i64>> {
        std::iter::from_fn(|| rx.try_recv())
            .map(|item| match item {
                Outbound::Messages(m) => m.iter().map(|m| m.id - 100).collect(),
                other => panic!("expected messages, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_write_reaches_each_socket_as_one_item_in_seq_order() {
        let (mut room, mut rx) = room_with_one_socket(0);
        assert!(!room.accept([stored(3), stored(1), stored(2)]));
        assert_eq!(queued(&mut rx), vec![vec![1, 2, 3]]);
        assert_eq!(room.last_seq, 3);
    }

    #[test]
    fn messages_after_a_gap_wait_for_it_and_repeats_are_not_sent_again() {
        let (mut room, mut rx) = room_with_one_socket(3);
        assert!(room.accept([stored(5), stored(6)]), "4 is missing");
        assert!(queued(&mut rx).is_empty());
        assert!(!room.accept([stored(2), stored(4), stored(5)]));
        assert_eq!(queued(&mut rx), vec![vec![4, 5, 6]]);
        assert!(!room.accept([stored(6)]));
        assert!(queued(&mut rx).is_empty(), "already delivered");
    }

    #[test]
    fn a_socket_over_its_frame_limit_is_dropped_from_the_room() {
        let (mut room, _rx) = room_with_one_socket(0);
        let kill = room.conns[&1].kill.clone();
        assert!(
            !room.accept((1..=20).map(stored)),
            "an empty queue takes a whole write"
        );
        assert!(room.conns.contains_key(&1));
        assert!(!room.accept([stored(21)]), "20 frames queued, limit 16");
        assert!(room.conns.is_empty());
        assert!(kill.is_cancelled());
    }

    /// Each queued item as text: a held group of notices as their texts, messages as seqs.
    fn items(rx: &mut OutboxReceiver) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv())
            .map(|item| match item {
                Outbound::Frames(frames) => frames
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
                Outbound::Messages(m) => format!(
                    "messages {:?}",
                    m.iter().map(|m| m.id - 100).collect::<Vec<_>>()
                ),
                other => panic!("expected notices or messages, got {other:?}"),
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_notice_goes_at_once_and_those_close_behind_it_go_together() {
        let (mut room, mut rx) = room_with_one_socket(0);
        assert_eq!(room.notice("a".into()), None, "nothing to wait for");
        assert_eq!(items(&mut rx), ["a"]);

        tokio::time::advance(Duration::from_millis(10)).await;
        let due = room
            .notice("b".into())
            .expect("held: the caller schedules the send");
        assert_eq!(due, room.notices_sent.unwrap() + NOTICE_INTERVAL);
        assert_eq!(room.notice("c".into()), None, "already scheduled");
        assert!(items(&mut rx).is_empty(), "held until the interval ends");

        // What the scheduled task does when the interval ends.
        tokio::time::advance(NOTICE_INTERVAL).await;
        room.send_notices();
        assert_eq!(items(&mut rx), ["b+c"], "one queue item for both");

        tokio::time::advance(NOTICE_INTERVAL).await;
        assert_eq!(
            room.notice("d".into()),
            None,
            "a quiet interval later, at once"
        );
        assert_eq!(items(&mut rx), ["d"]);
    }

    #[tokio::test(start_paused = true)]
    async fn held_notices_reach_the_sockets_before_the_next_message() {
        let (mut room, mut rx) = room_with_one_socket(0);
        assert_eq!(room.notice("joined".into()), None);
        assert!(room.notice("online".into()).is_some());
        assert!(!room.accept([stored(1)]));
        assert_eq!(items(&mut rx), ["joined", "online", "messages [1]"]);
        // The scheduled task then finds nothing left to send.
        room.send_notices();
        assert!(items(&mut rx).is_empty());
    }
}
