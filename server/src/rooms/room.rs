//! One room on this instance: its sockets, who they belong to, and the order its messages go
//! out in.
//!
//! Ordering: messages carry a per-room `seq` with no gaps (see the migrations). A room delivers
//! seq N+1 only after N; when it sees a later one first (two instances published out of order,
//! or Redis dropped something while disconnected) it holds it and reads the missing range from
//! the database, where every lower seq is already committed: each backend numbers a room's
//! messages in commit order (`store::sqlite::inserts`, `store::postgres`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::time::Duration;

use chat_shared::ServerFrame;

use super::notices::{Hold, Notices};
use super::presence::Headcount;
use super::roster::{Change, Roster};
use crate::socket::outbox::{to_text, LiveMessage, Outbound, Outbox};
use crate::store::{Joins, Store, StoredMessage};

/// Tells a room's sockets apart, on this instance.
pub type SocketId = u64;

/// One open room socket, as its room sees it.
#[derive(Debug, Clone)]
pub struct Member {
    pub socket: SocketId,
    pub user_id: i64,
    pub nickname: String,
    pub session_hash: String,
    pub outbox: Outbox,
    /// Whether it gets join and leave lines (`?events=joins`).
    pub joins: Joins,
}

/// A room with sockets on this instance.
pub struct LiveRoom {
    pub id: i64,
    state: Mutex<RoomState>,
    /// Held by the one task filling the roster; the others wait for it.
    pub(super) filling_roster: tokio::sync::Mutex<()>,
}

#[derive(Default)]
pub struct RoomState {
    members: HashMap<SocketId, Member>,
    headcount: Headcount,
    /// The last seq delivered to this room's sockets.
    last_seq: i64,
    /// Messages that arrived ahead of a gap, by seq.
    pending: BTreeMap<i64, StoredMessage>,
    /// A gap fill is running.
    filling: bool,
    notices: Notices,
    pub roster: Roster,
    /// How many room changes and read-marker moves this room has delivered: a socket let in
    /// from a read made when this was still the same, and not moved since it joined, may
    /// welcome with that read instead of reading again ([`super::registry::Mark`]).
    changes: u64,
}

impl LiveRoom {
    /// A room whose last delivered message is `last_seq`.
    pub fn new(id: i64, last_seq: i64) -> Self {
        Self {
            id,
            state: Mutex::new(RoomState {
                last_seq,
                ..RoomState::default()
            }),
            filling_roster: tokio::sync::Mutex::new(()),
        }
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, RoomState> {
        self.state.lock().expect("room lock")
    }

    /// A presence, participant or participant-left frame for everyone in the room, grouped
    /// with those close behind it (`notices`); in a big room (more participants than `page`),
    /// only the counts it moved.
    pub fn people_changed(self: &Arc<Self>, change: Change, frame: &ServerFrame, page: u32) {
        let mut state = self.state();
        let before = state.roster.total();
        let moved = state.roster.apply(change);
        // The change that makes a room big, or small again, is counted too: its frame would
        // not fit the list a client paged in.
        let hold = if before.max(state.roster.total()) > page {
            if !moved {
                return;
            }
            state.notices.hold_headcount()
        } else {
            state.notices.hold(to_text(frame))
        };
        self.schedule(state, hold);
    }

    /// Sends the room's counts (after a fill found them different from what was shown).
    pub fn headcount_moved(self: &Arc<Self>) {
        let mut state = self.state();
        let hold = state.notices.hold_headcount();
        self.schedule(state, hold);
    }

    fn schedule(self: &Arc<Self>, mut state: std::sync::MutexGuard<'_, RoomState>, hold: Hold) {
        match hold {
            Hold::SendNow => state.send_notices(),
            Hold::SendAt(due) => {
                drop(state);
                let room = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(due).await;
                    let mut state = room.state();
                    if state.notices.is_due_at(due) {
                        state.send_notices();
                    }
                });
            }
            Hold::Scheduled => {}
        }
    }

    /// Takes messages in any order; starts a gap fill if some are missing and none is running.
    pub fn accept(self: &Arc<Self>, messages: Vec<StoredMessage>, store: &Arc<dyn Store>) {
        let start_fill = {
            let mut state = self.state();
            state.accept(messages) && !std::mem::replace(&mut state.filling, true)
        };
        if start_fill {
            tokio::spawn(self.clone().fill_gap(store.clone()));
        }
    }

    /// Reads every message after the last delivered seq from the database and delivers them in
    /// order. Also used after a Redis reconnect, when the gap is unknown.
    pub async fn fill_gap(self: Arc<Self>, store: Arc<dyn Store>) {
        metrics::counter!(crate::metrics::GAP_FILLS).increment(1);
        loop {
            let (after, upto) = {
                let state = self.state();
                let upto = state
                    .pending
                    .keys()
                    .next_back()
                    .copied()
                    .unwrap_or(i64::MAX);
                (state.last_seq, upto)
            };
            let fetched = match store.messages_by_seq(self.id, after, upto).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(room = self.id, error = ?e, "could not fill a delivery gap; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            let progressed = !fetched.is_empty();
            let mut state = self.state();
            state.accept(fetched);
            if !progressed {
                // The database has nothing in the gap: do not wait forever for it.
                if let Some((_, first)) = state.pending.pop_first() {
                    state.last_seq = first.seq - 1;
                    state.accept([first]);
                }
            }
            if state.pending.is_empty() || state.members.is_empty() {
                state.filling = false;
                state.pending.clear();
                return;
            }
        }
    }

    /// After an outage: fills whatever may have been missed, unless a fill is running.
    pub async fn resync(self: Arc<Self>, store: Arc<dyn Store>) {
        let start = !std::mem::replace(&mut self.state().filling, true);
        if start {
            self.fill_gap(store).await;
        }
    }
}

impl RoomState {
    /// Adds a socket; true if it is its user's first here.
    pub fn add(&mut self, member: Member) -> bool {
        let first = self.headcount.arrive(&member.nickname);
        self.members.insert(member.socket, member);
        first
    }

    /// Removes a socket; true if it was its user's last here.
    pub fn remove(&mut self, socket: SocketId) -> bool {
        match self.members.remove(&socket) {
            Some(member) => self.headcount.depart(&member.nickname),
            None => false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn present(&self) -> &Headcount {
        &self.headcount
    }

    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }

    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// [`RoomState::broadcast`] of a change the welcome shows (the room itself, a read
    /// marker), counted in [`RoomState::changes`] under the same lock as the delivery: a
    /// socket added before it gets the frame, one added after sees the count moved.
    pub fn broadcast_change(&mut self, item: &Outbound, include: impl Fn(&Member) -> bool) {
        self.changes += 1;
        self.broadcast(item, include);
    }

    /// Sends to every socket that `include` accepts; one that cannot keep up is told to close
    /// (and stays a member until its task leaves). Held notices go first, so every socket gets
    /// a room's frames in the order of their events. The number of sockets that took it.
    pub fn broadcast(&mut self, item: &Outbound, include: impl Fn(&Member) -> bool) -> usize {
        self.send_notices();
        self.send(item, include)
    }

    fn send(&mut self, item: &Outbound, include: impl Fn(&Member) -> bool) -> usize {
        let mut taken = 0;
        for member in self.members.values() {
            if include(member) && !member.outbox.is_closing() && member.outbox.offer(item.clone()) {
                taken += 1;
            }
        }
        taken
    }

    /// Sends the held notices, if any, to every socket.
    fn send_notices(&mut self) {
        let roster = &self.roster;
        let headcount = || {
            to_text(&ServerFrame::Headcount {
                participants: roster.total(),
                online: roster.online_count(),
            })
        };
        if let Some(frames) = self.notices.take(headcount) {
            self.send(&Outbound::Frames(frames), |_| true);
        }
    }

    /// Takes messages in any order and delivers, in one queue item per socket, those now in
    /// order; true if a gap remains and must be filled.
    fn accept(&mut self, messages: impl IntoIterator<Item = StoredMessage>) -> bool {
        for stored in messages {
            if stored.seq > self.last_seq {
                self.pending.insert(stored.seq, stored);
            }
        }
        let mut ready = Vec::new();
        let mut membership = 0;
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.last_seq + 1 {
                break;
            }
            let next = entry.remove();
            self.last_seq = next.seq;
            let is_membership = next.change.is_none() && next.message.kind.is_membership();
            membership += usize::from(is_membership);
            ready.push((
                is_membership,
                LiveMessage {
                    id: next.stream_id(),
                    text: to_text(&next.into_frame()),
                },
            ));
        }
        if membership == 0 {
            self.deliver(ready.into_iter().map(|(_, m)| m).collect(), |_| true);
        } else {
            // Join and leave lines go only to the sockets that asked for them; the others get
            // the same write without them.
            let others: Vec<LiveMessage> = ready
                .iter()
                .filter(|(is_membership, _)| !is_membership)
                .map(|(_, m)| m.clone())
                .collect();
            self.deliver(ready.into_iter().map(|(_, m)| m).collect(), |m| {
                m.joins == Joins::Included
            });
            self.deliver(others, |m| m.joins == Joins::Excluded);
        }
        !self.pending.is_empty()
    }

    /// Queues one write's messages, as one item, to the sockets `include` accepts.
    fn deliver(&mut self, messages: Vec<LiveMessage>, include: impl Fn(&Member) -> bool) {
        if messages.is_empty() {
            return;
        }
        let count = messages.len();
        let receivers = self.broadcast(&Outbound::Messages(messages.into()), include);
        metrics::counter!(crate::metrics::DELIVERIES).increment((count * receivers) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rooms::notices::NOTICE_INTERVAL;
    use crate::socket::outbox::{outbox, OutboxReceiver};
    use chat_shared::Message;
    use tokio_util::sync::CancellationToken;

    fn stored(seq: i64) -> StoredMessage {
        StoredMessage::line(
            Message::plain(
                100 + seq,
                7,
                "ana",
                format!("line {seq}"),
                "2026-11-25T00:00:00Z",
                None,
            ),
            seq,
        )
    }

    fn room_with_one_socket(last_seq: i64) -> (RoomState, OutboxReceiver, CancellationToken) {
        let kill = CancellationToken::new();
        let mut state = RoomState {
            last_seq,
            ..RoomState::default()
        };
        let rx = add_socket(&mut state, 1, Joins::Excluded, kill.clone());
        (state, rx, kill)
    }

    fn add_socket(
        state: &mut RoomState,
        socket: SocketId,
        joins: Joins,
        kill: CancellationToken,
    ) -> OutboxReceiver {
        let (tx, rx) = outbox(16, kill);
        state.add(Member {
            socket,
            user_id: socket as i64,
            nickname: format!("user{socket}"),
            session_hash: "h".into(),
            outbox: tx,
            joins,
        });
        rx
    }

    fn join_line(seq: i64) -> StoredMessage {
        let mut line = stored(seq);
        line.message.kind = chat_shared::MessageKind::Join;
        line
    }

    #[test]
    fn join_lines_reach_only_the_sockets_that_asked_for_them() {
        let (mut room, mut base, _) = room_with_one_socket(0);
        let mut asked = add_socket(&mut room, 2, Joins::Included, CancellationToken::new());
        assert!(!room.accept([stored(1), join_line(2), stored(3)]));
        assert_eq!(queued(&mut asked), vec![vec![1, 2, 3]]);
        assert_eq!(queued(&mut base), vec![vec![1, 3]]);

        assert!(!room.accept([join_line(4)]));
        assert_eq!(queued(&mut asked), vec![vec![4]]);
        assert!(queued(&mut base).is_empty(), "nothing, not an empty item");
    }

    impl RoomState {
        /// What `LiveRoom::notice` does, without scheduling.
        fn notice(&mut self, text: &str) -> Hold {
            let hold = self.notices.hold(text.into());
            if hold == Hold::SendNow {
                self.send_notices();
            }
            hold
        }
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
        let (mut room, mut rx, _) = room_with_one_socket(0);
        assert!(!room.accept([stored(3), stored(1), stored(2)]));
        assert_eq!(queued(&mut rx), vec![vec![1, 2, 3]]);
        assert_eq!(room.last_seq, 3);
    }

    #[test]
    fn messages_after_a_gap_wait_for_it_and_repeats_are_not_sent_again() {
        let (mut room, mut rx, _) = room_with_one_socket(3);
        assert!(room.accept([stored(5), stored(6)]), "4 is missing");
        assert!(queued(&mut rx).is_empty());
        assert!(!room.accept([stored(2), stored(4), stored(5)]));
        assert_eq!(queued(&mut rx), vec![vec![4, 5, 6]]);
        assert!(!room.accept([stored(6)]));
        assert!(queued(&mut rx).is_empty(), "already delivered");
    }

    #[test]
    fn a_socket_over_its_frame_limit_is_told_to_close_and_sent_nothing_more() {
        let (mut room, mut rx, kill) = room_with_one_socket(0);
        assert!(
            !room.accept((1..=20).map(stored)),
            "an empty queue takes a whole write"
        );
        assert!(!kill.is_cancelled());
        assert!(!room.accept([stored(21)]), "20 frames queued, limit 16");
        assert!(kill.is_cancelled());
        assert_eq!(queued(&mut rx), vec![(1..=20).collect::<Vec<_>>()]);
        assert!(!room.accept([stored(22)]));
        assert!(queued(&mut rx).is_empty(), "nothing after the close");
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
        let (mut room, mut rx, _) = room_with_one_socket(0);
        assert_eq!(room.notice("a"), Hold::SendNow, "nothing to wait for");
        assert_eq!(items(&mut rx), ["a"]);

        tokio::time::advance(Duration::from_millis(10)).await;
        let due = room.notices.last_sent().unwrap() + NOTICE_INTERVAL;
        assert_eq!(
            room.notice("b"),
            Hold::SendAt(due),
            "held: the caller schedules the send"
        );
        assert_eq!(room.notice("c"), Hold::Scheduled);
        assert!(items(&mut rx).is_empty(), "held until the interval ends");

        // What the scheduled task does when the interval ends.
        tokio::time::advance(NOTICE_INTERVAL).await;
        room.send_notices();
        assert_eq!(items(&mut rx), ["b+c"], "one queue item for both");

        tokio::time::advance(NOTICE_INTERVAL).await;
        assert_eq!(
            room.notice("d"),
            Hold::SendNow,
            "a quiet interval later, at once"
        );
        assert_eq!(items(&mut rx), ["d"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_big_rooms_counts_go_out_at_most_once_a_second() {
        use crate::rooms::notices::HEADCOUNT_INTERVAL;
        let (mut room, mut rx, _) = room_with_one_socket(0);
        assert_eq!(room.notices.hold_headcount(), Hold::SendNow);
        room.send_notices();
        assert_eq!(items(&mut rx).len(), 1);
        let sent = room.notices.last_sent().unwrap();
        for _ in 0..5 {
            tokio::time::advance(Duration::from_millis(150)).await;
            let hold = room.notices.hold_headcount();
            assert!(
                matches!(hold, Hold::SendAt(due) if due == sent + HEADCOUNT_INTERVAL)
                    || hold == Hold::Scheduled,
                "{hold:?}"
            );
        }
        assert!(items(&mut rx).is_empty(), "held until the second is over");
    }

    /// A group sent early (with a message) leaves its scheduled send with nothing to do: the
    /// next group keeps its own interval. Stale sends used to flush every later group at once,
    /// and a 1000-member storm got a `headcount` frame every few milliseconds.
    #[tokio::test(start_paused = true)]
    async fn a_group_sent_early_does_not_let_its_old_schedule_send_the_next() {
        let room = Arc::new(LiveRoom::new(7, 0));
        let kill = CancellationToken::new();
        let mut rx = add_socket(&mut room.state(), 1, Joins::Excluded, kill);
        room.state().roster.start_fill();
        room.state()
            .roster
            .filled(vec!["ana".into()], Default::default());
        let joined = |n: &str| {
            room.people_changed(
                Change::Joined(n.into()),
                &ServerFrame::Participant { nickname: n.into() },
                100,
            )
        };
        joined("bo");
        assert_eq!(items(&mut rx).len(), 1, "a lone notice goes at once");
        tokio::time::advance(Duration::from_millis(100)).await;
        joined("cy"); // held; a send is scheduled at 200 ms
                      // A message at 100 ms sends the held notice first; the send at 200 ms is now stale.
        assert!(!room.state().accept([stored(1)]));
        assert_eq!(items(&mut rx).len(), 2, "the notice, then the message");
        tokio::time::advance(Duration::from_millis(50)).await;
        joined("di"); // held until 100 + 200 = 300 ms
        tokio::time::advance(Duration::from_millis(60)).await;
        tokio::task::yield_now().await;
        assert!(
            items(&mut rx).is_empty(),
            "at 210 ms the stale send woke and left di's notice for its own time"
        );
        tokio::time::advance(Duration::from_millis(100)).await;
        tokio::task::yield_now().await;
        assert_eq!(items(&mut rx).len(), 1, "di's notice at its own time");
    }

    #[tokio::test(start_paused = true)]
    async fn held_notices_reach_the_sockets_before_the_next_message() {
        let (mut room, mut rx, _) = room_with_one_socket(0);
        assert_eq!(room.notice("joined"), Hold::SendNow);
        assert_ne!(room.notice("online"), Hold::SendNow);
        assert!(!room.accept([stored(1)]));
        assert_eq!(items(&mut rx), ["joined", "online", "messages [1]"]);
        // The scheduled task then finds nothing left to send.
        room.send_notices();
        assert!(items(&mut rx).is_empty());
    }
}
