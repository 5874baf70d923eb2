//! Rooms own delivery. Handlers and sockets call the one service here, [`Rooms`], to create,
//! enter, rename, leave and remove rooms, to connect sockets, send and type; it stores what must
//! be stored, builds the events, and publishes them through the fan-out, which hands them back
//! (from every instance) to the [`registry`] for delivery to this instance's sockets.
//!
//! A message's path: `socket/room.rs` reads a `send` frame → [`send_queue`] stores it with
//! others (`store/`) → `fanout/` carries the event to every instance → [`registry`] finds the
//! room → [`room`] puts it in seq order and queues it to each socket (`socket/outbox.rs`) →
//! each socket's task writes it.

mod disabled;
pub mod join_queue;
pub mod lobby;
pub mod notices;
pub mod presence;
pub mod registry;
pub mod room;
pub mod roster;
pub mod send_queue;
pub mod unread;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chat_shared::{MessageKind, Participant, Room};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::{AppError, Refusal};
use crate::event::Event;
use crate::fanout::local::LocalFanout;
use crate::fanout::redis::RedisFanout;
use crate::fanout::Fanout;
use crate::socket::outbox::Outbox;
use crate::store::{
    redacted, Joins, NewEntry, NewMessage, RoomForUser, RoomRecord, Store, StoreResult,
    StoredMessage, User,
};
use join_queue::{Entry, JoinQueue};
pub use registry::Mark;
use registry::Registry;
use room::{LiveRoom, Member, SocketId};
use roster::{Page, Roster};
use send_queue::SendQueue;

/// Events waiting for the send queue's task, across all sockets.
const SEND_QUEUE: usize = 4096;
/// Joins waiting for the join queue's task.
const JOIN_QUEUE: usize = 4096;

pub struct Rooms {
    registry: Arc<Registry>,
    fanout: Arc<dyn Fanout>,
    store: Arc<dyn Store>,
    sends: SendQueue,
    joins: JoinQueue,
    /// Rooms with more participants than this are big (`docs/protocol.md` "Big rooms").
    participant_page: u32,
}

/// A socket's place in a room, from [`Rooms::connect`] until [`Rooms::disconnect`].
pub struct Seat {
    room_id: i64,
    socket: SocketId,
    nickname: String,
}

impl Rooms {
    /// Starts delivery: the registry, the fan-out (Redis if `REDIS_URL` is set, else the
    /// loop-back) and the send queue, whose task is returned to wait for at shutdown.
    pub async fn start(
        config: &Config,
        store: Arc<dyn Store>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Arc<Self>, JoinHandle<()>)> {
        let registry = Registry::new(store.clone(), config.participant_page);
        let fanout: Arc<dyn Fanout> = match &config.redis_url {
            Some(url) => RedisFanout::start(
                url,
                &config.redis_prefix,
                Duration::from_secs(config.presence_ttl_seconds),
                registry.clone(),
                shutdown.clone(),
            )
            .await
            .with_context(|| format!("could not start Redis fan-out at {}", redacted(url)))?,
            None => Arc::new(LocalFanout::new(registry.clone())),
        };
        let (sends, task) = SendQueue::start(
            store.clone(),
            fanout.clone(),
            SEND_QUEUE,
            usize::from(config.write_batch),
            Duration::from_millis(config.write_interval_ms),
        );
        disabled::spawn(store.clone(), registry.clone(), shutdown);
        let joins = JoinQueue::start(store.clone(), JOIN_QUEUE);
        let rooms = Arc::new(Self {
            registry,
            fanout,
            store,
            sends,
            joins,
            participant_page: config.participant_page,
        });
        Ok((rooms, task))
    }

    /// The active room with this id ([`parse_room_id`]).
    pub async fn active(&self, id: &str) -> Result<RoomRecord, AppError> {
        match self.store.room(parse_room_id(id)?).await? {
            Some(record) if record.active => Ok(record),
            _ => Err(AppError::NotFound),
        }
    }

    /// [`Rooms::active`] with what [`Rooms::enter_found`] needs to know of the user, in one
    /// read.
    pub async fn active_for(&self, id: &str, user: &User) -> Result<RoomForUser, AppError> {
        self.active_by_id_for(parse_room_id(id)?, user).await
    }

    /// [`Rooms::active_for`] for a socket: also the live room's [`Mark`] from before the read,
    /// with which the socket's welcome may go without reading the room again
    /// ([`Rooms::unchanged_since`]).
    pub async fn active_for_socket(
        &self,
        id: &str,
        user: &User,
    ) -> Result<(RoomForUser, Option<Mark>), AppError> {
        let id = parse_room_id(id)?;
        let mark = self.registry.mark(id);
        Ok((self.active_by_id_for(id, user).await?, mark))
    }

    async fn active_by_id_for(&self, id: i64, user: &User) -> Result<RoomForUser, AppError> {
        match self.store.room_for_user(id, user.id).await? {
            Some(found) if found.record.active => Ok(found),
            _ => Err(AppError::NotFound),
        }
    }

    /// Whether nothing a read made after `mark` showed has changed unseen: true only once the
    /// asking socket is in the room ([`Rooms::connect`]).
    pub fn unchanged_since(&self, mark: &Mark) -> bool {
        self.registry.unchanged_since(mark)
    }

    /// Enters a room found with [`Rooms::active_for`]: a user banned from it is refused; anyone
    /// else is made a participant ([`Rooms::join`]). A participant coming back writes nothing
    /// (a restart with a busy room connected sets off one such entry per member).
    pub async fn enter_found(&self, found: &RoomForUser, user: &User) -> Result<(), AppError> {
        if found.banned {
            return Err(AppError::Forbidden(Refusal::Banned));
        }
        if found.participant {
            return Ok(());
        }
        self.join(found.record.room.id, user).await
    }

    /// Up to `limit` of the room's participants from `offset` of its list (online first, then
    /// the others, each in the order they joined; `docs/protocol.md` "Big rooms"): from the
    /// room's roster if it has a socket here, else from the database.
    pub async fn participant_page(
        &self,
        room_id: i64,
        offset: u32,
        limit: u32,
    ) -> StoreResult<Page> {
        if let Some(room) = self.registry.room(room_id) {
            self.fill_roster(&room).await?;
            return Ok(room.state().roster.page(offset, limit));
        }
        let mut roster = Roster::default();
        roster.start_fill();
        let participants = self.participants(room_id).await?;
        let online = participants
            .iter()
            .filter(|p| p.online)
            .map(|p| p.nickname.clone())
            .collect();
        roster.filled(
            participants.into_iter().map(|p| p.nickname).collect(),
            online,
        );
        Ok(roster.page(offset, limit))
    }

    /// The nicknames of the room's participants: from its roster if it has a socket here (a
    /// mention in a big room reads no list from the database), else from the database.
    pub async fn participant_names(&self, room_id: i64) -> StoreResult<Vec<String>> {
        if let Some(room) = self.registry.room(room_id) {
            self.fill_roster(&room).await?;
            return Ok(room.state().roster.nicknames());
        }
        self.store.participants(room_id).await
    }

    /// Fills a live room's roster from the database and who is online, unless it is filled.
    async fn fill_roster(&self, room: &Arc<LiveRoom>) -> StoreResult<()> {
        if room.state().roster.is_filled() {
            return Ok(());
        }
        let _one_at_a_time = room.filling_roster.lock().await;
        let shown = {
            let mut state = room.state();
            if state.roster.is_filled() {
                return Ok(());
            }
            state.roster.start_fill();
            (state.roster.total(), state.roster.online_count())
        };
        // Read after the fill started, so whatever changes meanwhile is applied again on top.
        let mut online = self.fanout.online_elsewhere(room.id).await;
        online.extend(self.registry.present(room.id));
        let participants = match self.store.participants(room.id).await {
            Ok(participants) => participants,
            Err(e) => {
                room.state().roster.fill_failed();
                return Err(e);
            }
        };
        let moved = {
            let mut state = room.state();
            state.roster.filled(participants, online);
            let now = (state.roster.total(), state.roster.online_count());
            now != shown && shown != (0, 0) && now.0 > self.participant_page
        };
        if moved {
            room.headcount_moved();
        }
        Ok(())
    }

    /// The room's participants, in the order they joined, each online if they have a socket
    /// to it on any instance.
    pub async fn participants(&self, room_id: i64) -> StoreResult<Vec<Participant>> {
        let mut online = self.fanout.online_elsewhere(room_id).await;
        online.extend(self.registry.present(room_id));
        Ok(self
            .store
            .participants(room_id)
            .await?
            .into_iter()
            .map(|nickname| Participant {
                online: online.contains(&nickname),
                nickname,
            })
            .collect())
    }

    /// Creates a room with its creator as the first participant, as entering it would make
    /// them, and shows it in every lobby.
    pub async fn create(&self, title: &str, creator: &User) -> StoreResult<Room> {
        let room = self.store.create_room(title, creator.id).await?;
        self.store.add_participant(room.id, creator.id).await?;
        let room = self
            .store
            .room(room.id)
            .await?
            .map(|r| r.room)
            .unwrap_or(room);
        tracing::info!(room = room.id, creator = %creator.nickname, "room created");
        self.publish(Event::RoomCreated { room: room.clone() })
            .await;
        Ok(room)
    }

    /// Makes the user a participant (CONTRACT.md: entering a room does) and, if they were not
    /// one, stores a join line and tells the room and the lobby.
    async fn join(&self, room_id: i64, user: &User) -> Result<(), AppError> {
        if let Entry::Joined(record) = self.joins.add(room_id, user.id).await? {
            let count = record.as_ref().map_or(0, |r| r.room.participant_count);
            let mut events = Vec::new();
            if !self.is_big(count) {
                // Published by the send queue, ahead of the events below.
                self.membership_line(room_id, user, MessageKind::Join, "joined")
                    .await;
            }
            events.push(Event::Participant {
                room_id,
                nickname: user.nickname.clone(),
            });
            if let Some(record) = record {
                events.push(Event::RoomCounted { room: record.room });
            }
            self.fanout.publish(events).await;
        }
        Ok(())
    }

    /// Renames the room, says so in its log, and tells its sockets and the lobby; the room as
    /// it is now.
    pub async fn rename(&self, room_id: i64, by: &User, title: &str) -> Result<Room, AppError> {
        self.store.rename_room(room_id, title).await?;
        let renamed = self
            .notice_line(
                room_id,
                by,
                format!("{} renamed the room to “{title}”", by.nickname),
            )
            .await?;
        self.fanout.publish(vec![Event::Message(renamed)]).await;
        let room = self
            .store
            .room(room_id)
            .await?
            .map(|r| r.room)
            .ok_or(AppError::NotFound)?;
        self.publish(Event::RoomChanged { room: room.clone() })
            .await;
        Ok(room)
    }

    /// The user stops being a participant: a leave line is stored, the room is told, their sockets to it close
    /// (`close::LEFT`), and the room and lobby see the new count.
    pub async fn leave(&self, room_id: i64, user: &User) -> StoreResult<()> {
        if self.store.remove_participant(room_id, user.id).await? {
            let record = self.store.room(room_id).await?;
            let mut events = Vec::new();
            if !self.was_big(record.as_ref()) {
                // Published by the send queue, ahead of the events below.
                self.membership_line(room_id, user, MessageKind::Leave, "left")
                    .await;
            }
            events.push(Event::Left {
                room_id,
                user_id: user.id,
                nickname: user.nickname.clone(),
                banned: false,
            });
            if let Some(record) = record {
                events.push(Event::RoomChanged { room: record.room });
            }
            self.fanout.publish(events).await;
        }
        Ok(())
    }

    /// Bans `target` from the room: they stop being a participant, their sockets to it close
    /// (`close::BANNED`), and a notice line says who banned whom. False if already banned.
    pub async fn ban(&self, room_id: i64, by: &User, target: &User) -> StoreResult<bool> {
        if !self.store.ban(room_id, target.id, by.id).await? {
            return Ok(false);
        }
        tracing::info!(room = room_id, by = %by.nickname, banned = %target.nickname, "user banned");
        let notice = self
            .notice_line(
                room_id,
                by,
                format!("{} banned {} from the room", by.nickname, target.nickname),
            )
            .await?;
        let record = self.store.room(room_id).await?;
        // The notice goes out before the leave line the send queue publishes.
        self.publish(Event::Message(notice)).await;
        let mut events = Vec::new();
        if !self.was_big(record.as_ref()) {
            self.membership_line(room_id, target, MessageKind::Leave, "left")
                .await;
        }
        events.push(Event::Left {
            room_id,
            user_id: target.id,
            nickname: target.nickname.clone(),
            banned: true,
        });
        if let Some(record) = record {
            events.push(Event::RoomChanged { room: record.room });
        }
        self.fanout.publish(events).await;
        Ok(true)
    }

    /// Lifts a ban (the user may enter again) with a notice line; false if there was none.
    pub async fn unban(&self, room_id: i64, by: &User, target: &User) -> StoreResult<bool> {
        if !self.store.unban(room_id, target.id).await? {
            return Ok(false);
        }
        let notice = self
            .notice_line(
                room_id,
                by,
                format!("{} lifted the ban on {}", by.nickname, target.nickname),
            )
            .await?;
        self.fanout.publish(vec![Event::Message(notice)]).await;
        Ok(true)
    }

    /// Whether a room of `participants` is big: its joins and leaves are counted, not written
    /// as lines (`docs/protocol.md` "Big rooms").
    fn is_big(&self, participants: i64) -> bool {
        participants > i64::from(self.participant_page)
    }

    /// Whether the room was big before someone left it (`record`: the room after).
    fn was_big(&self, record: Option<&RoomRecord>) -> bool {
        record.is_some_and(|r| self.is_big(r.room.participant_count + 1))
    }

    /// Stores a notice (a quiet line in the room's log, by `by`) in the room's stream.
    async fn notice_line(
        &self,
        room_id: i64,
        by: &User,
        body: String,
    ) -> StoreResult<StoredMessage> {
        self.server_line(room_id, by, MessageKind::Notice, body)
            .await
    }

    /// Stores the line that says `user` joined or left (`verb`) with the send queue's next
    /// write, which publishes it; returns once it has. Best effort: the change of membership
    /// is already stored and must still be told, so a line that cannot be stored is logged
    /// (by the queue) and left out of the log.
    async fn membership_line(&self, room_id: i64, user: &User, kind: MessageKind, verb: &str) {
        let line = NewMessage {
            entry: NewEntry::Line(kind),
            ..NewMessage::text(
                room_id,
                user.clone(),
                format!("{} {verb} the room", user.nickname),
                None,
            )
        };
        if !self.sends.store_line(line).await {
            tracing::error!(room = room_id, nickname = %user.nickname, "could not store a {verb} line");
        }
    }

    /// Stores a line the server writes (a notice, a join, a leave; `by` is who caused it) in
    /// the room's stream, so a reload and a resume show it in order with the messages.
    async fn server_line(
        &self,
        room_id: i64,
        by: &User,
        kind: MessageKind,
        body: String,
    ) -> StoreResult<StoredMessage> {
        let line = NewMessage {
            entry: NewEntry::Line(kind),
            ..NewMessage::text(room_id, by.clone(), body, None)
        };
        let mut stored = self.store.insert_messages(&[line]).await?;
        Ok(stored.remove(0).stored)
    }

    /// Removes the room: its sockets get `room_removed` and close, lobbies drop it.
    pub async fn remove(&self, room_id: i64) -> StoreResult<()> {
        self.store.remove_room(room_id).await?;
        tracing::info!(room = room_id, "room removed");
        self.publish(Event::RoomRemoved { room_id }).await;
        Ok(())
    }

    /// Closes every socket of a session that was logged out, on every instance.
    pub async fn end_session(&self, session_hash: &str) {
        self.publish(Event::SessionEnded {
            session_hash: session_hash.to_owned(),
        })
        .await;
    }

    /// Registers a room socket, so it gets every event from now on, and announces its user
    /// online if this is their first socket anywhere. The room's first socket here reads the
    /// room's position, and fails (and registers nothing) if it cannot: without it, delivery
    /// would start from seq 0 and read the whole room to fill the "gap".
    pub async fn connect(
        &self,
        room_id: i64,
        user: &User,
        session_hash: &str,
        outbox: Outbox,
        joins: Joins,
    ) -> StoreResult<Seat> {
        let socket = self.registry.next_socket_id();
        let member = Member {
            socket,
            user_id: user.id,
            nickname: user.nickname.clone(),
            session_hash: session_hash.to_owned(),
            outbox,
            joins,
        };
        // A live room knows its position; only the first socket here reads it.
        let first = match self.registry.join_live(room_id, member) {
            Ok(first) => first,
            Err(member) => {
                let last_seq = self.store.last_seq(room_id).await?;
                self.registry.join(room_id, member, last_seq)
            }
        };
        if first && self.fanout.arrived(room_id, &user.nickname).await {
            self.publish(Event::Presence {
                room_id,
                nickname: user.nickname.clone(),
                online: true,
            })
            .await;
        }
        Ok(Seat {
            room_id,
            socket,
            nickname: user.nickname.clone(),
        })
    }

    /// Unregisters a room socket, and announces its user offline if it was their last
    /// anywhere.
    pub async fn disconnect(&self, seat: Seat) {
        if self.registry.leave(seat.room_id, seat.socket)
            && self.fanout.departed(seat.room_id, &seat.nickname).await
        {
            self.publish(Event::Presence {
                room_id: seat.room_id,
                nickname: seat.nickname,
                online: false,
            })
            .await;
        }
    }

    /// The queue a socket's messages go through to be stored and delivered.
    pub fn sends(&self) -> &SendQueue {
        &self.sends
    }

    /// Shows the room's other sockets that the user is typing.
    pub async fn typing(&self, room_id: i64, user: &User) {
        self.publish(Event::Typing {
            room_id,
            user_id: user.id,
            nickname: user.nickname.clone(),
        })
        .await;
    }

    /// The user has read the room up to `up_to` (already stored): their other sockets to the
    /// room and their lobby sockets, on every instance, are told.
    pub async fn read(&self, room_id: i64, user: &User, up_to: i64) {
        self.publish(Event::Read {
            room_id,
            user_id: user.id,
            up_to,
        })
        .await;
    }

    /// Follows a logged-in lobby socket's unread counts in `rooms` and the rooms its user
    /// joins from now on.
    pub fn watch_unread(&self, socket: SocketId, watch: Arc<unread::UnreadWatch>) {
        self.registry.lobby().watch(socket, watch);
    }

    pub fn watch_unread_rooms(&self, socket: SocketId, rooms: &[i64]) {
        self.registry.lobby().watch_rooms(socket, rooms);
    }

    /// Registers a lobby socket: it gets every room list change from now on.
    pub fn join_lobby(&self, outbox: Outbox) -> SocketId {
        let socket = self.registry.next_socket_id();
        self.registry.lobby().join(socket, outbox);
        socket
    }

    pub fn leave_lobby(&self, socket: SocketId) {
        self.registry.lobby().leave(socket);
    }

    /// Whether other instances' events reach this one (always, with one instance).
    pub async fn fanout_connected(&self) -> bool {
        self.fanout.is_connected().await
    }

    async fn publish(&self, event: Event) {
        self.fanout.publish(vec![event]).await;
    }
}

/// A room id as written in a path. Only the canonical spelling is an id: `05` and `+5` are
/// not found, so a room has one address (caches, logs and links agree on it).
fn parse_room_id(id: &str) -> Result<i64, AppError> {
    id.parse()
        .ok()
        .filter(|n: &i64| n.to_string() == id)
        .ok_or(AppError::NotFound)
}
