//! Storage behind one interface: [`Store`] and the rows it takes and gives. [`SqlStore`]
//! implements it over either database ([`sql`]); what differs by backend lives in [`sqlite`]
//! and [`postgres`].

mod accounts;
mod one_by_one;
mod postgres;
mod read_markers;
mod rows;
mod search;
mod sql;
mod sqlite;

use async_trait::async_trait;
use chat_shared::{Message, MessageKind, NotifyLevel, Room, ServerFrame};
use serde::{Deserialize, Serialize};

pub use accounts::{AccountError, AccountRow};
pub use rows::{distinct, now_ms, rfc3339};
pub use search::SearchRequest;
pub use sql::SqlStore;

/// The most messages one [`Store::insert_messages`] call takes in one statement on SQLite, and
/// so the largest batch the send queue makes (`WRITE_BATCH`). A bigger call is still stored
/// whole, in one transaction.
pub const MAX_BATCH: usize = 4096;

/// A storage failure, by what the caller can do about it. The cause is kept for the log;
/// users see a generic error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or did not answer in time: the same request may
    /// succeed later.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database refused the statement (a constraint, a value it does not take): the same
    /// request will fail again, though a batch may succeed one item at a time.
    #[error("the database refused the change")]
    Refused(#[source] sqlx::Error),
    /// Anything else: a bug, or a database not in the shape the migrations made.
    #[error("storage failed")]
    Failed(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(_) => StoreError::Refused(e),
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
            _ => StoreError::Failed(e),
        }
    }
}

/// Which database is behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names, if it is one we support.
    pub fn of(database_url: &str) -> Option<Self> {
        if database_url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redacted(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database_url.to_owned(),
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A registered user, as the rest of the server sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub nickname: String,
    /// A server admin (`chat-server admin grant-admin`): may remove any room.
    pub is_admin: bool,
    /// When the account was made (Unix ms): new accounts send at a lower rate.
    pub created_at: i64,
}

/// What login needs to check a password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A new account; `password_hash` is already argon2id.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub nickname: String,
    pub password_hash: String,
}

/// Why an account could not be created, field by field.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("email taken")]
    EmailTaken,
    #[error("nickname taken")]
    NicknameTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A room with what permission checks need.
#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub room: Room,
    pub creator_id: i64,
    pub active: bool,
}

/// A room as one user finds it: what entering it and welcoming a socket to it need, read in
/// one query (a join storm pays one round trip to the database for all of it).
#[derive(Debug, Clone)]
pub struct RoomForUser {
    pub record: RoomRecord,
    pub banned: bool,
    pub participant: bool,
    /// The user's read marker in the room, if they have one.
    pub read_up_to: Option<i64>,
}

/// An entry for a room's stream, already validated and permitted: a line, or a change to one.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: i64,
    /// Who wrote the line, or made the change.
    pub sender: User,
    /// The line's body, or an edit's new body (empty for a delete).
    pub body: String,
    pub nonce: Option<String>,
    /// Unix milliseconds.
    pub sent_at: i64,
    pub entry: NewEntry,
    /// The participants `body` mentions (`chat_shared::mentions::find`).
    pub mentions: Vec<String>,
}

impl NewMessage {
    /// A plain message.
    pub fn text(room_id: i64, sender: User, body: String, nonce: Option<String>) -> Self {
        Self {
            room_id,
            sender,
            body,
            nonce,
            sent_at: now_ms(),
            entry: NewEntry::Line(MessageKind::Text),
            mentions: Vec::new(),
        }
    }

    /// A join or leave line (never with mentions): SQLite's grouped insert takes these too, so
    /// a join storm shares its writes (`rooms::send_queue`).
    pub fn is_membership_line(&self) -> bool {
        matches!(self.entry, NewEntry::Line(kind) if kind.is_membership())
            && self.mentions.is_empty()
    }

    /// A plain message with no mentions: what the grouped inserts take. Anything else takes the
    /// exact path (`one_by_one`), which writes every column and applies changes.
    pub fn is_plain(&self) -> bool {
        matches!(self.entry, NewEntry::Line(MessageKind::Text)) && self.mentions.is_empty()
    }

    /// The `kind` column's value.
    pub fn kind_column(&self) -> &'static str {
        match &self.entry {
            NewEntry::Line(kind) => kind.as_str(),
            NewEntry::Edit { .. } => "edit",
            NewEntry::Delete { .. } => "delete",
        }
    }

    /// What the row itself holds as its body: a change's row holds none, as the line it changed
    /// holds the current text (and a delete must leave the text nowhere).
    pub fn row_body(&self) -> &str {
        match &self.entry {
            NewEntry::Line(_) => &self.body,
            NewEntry::Edit { .. } | NewEntry::Delete { .. } => "",
        }
    }

    /// The line an edit or delete changes.
    pub fn target(&self) -> Option<&Message> {
        match &self.entry {
            NewEntry::Line(_) => None,
            NewEntry::Edit { target } | NewEntry::Delete { target } => Some(target),
        }
    }

    /// The `mentions` column's value.
    pub fn mentions_column(&self) -> String {
        match &self.entry {
            NewEntry::Delete { .. } => "[]".to_owned(),
            _ => serde_json::to_string(&self.mentions).unwrap_or_else(|_| "[]".to_owned()),
        }
    }
}

/// What a [`NewMessage`] adds to the room's stream.
#[derive(Debug, Clone)]
pub enum NewEntry {
    Line(MessageKind),
    /// A new body for `target`, as it was when the edit was permitted.
    Edit {
        target: Message,
    },
    Delete {
        target: Message,
    },
}

/// A stored entry of a room's stream with its position in the room: a line, or (with
/// `change`) an edit or delete, whose `message` is then the line it changed, as it is now. It
/// travels between instances as it is (in the `message` event), so its JSON is part of the
/// fan-out's wire format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub message: Message,
    /// 1, 2, 3, ... within the room: see the `seq` column in the migrations.
    pub seq: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// An edit or delete in a room's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The change's own id: its place in the stream, a resume cursor like a message id.
    pub id: i64,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Edit,
    Delete,
}

impl StoredMessage {
    /// A line (not a change).
    pub fn line(message: Message, seq: i64) -> Self {
        Self {
            message,
            seq,
            change: None,
        }
    }

    /// Its id in the stream: what `?after=` and `history`'s `before` compare with.
    pub fn stream_id(&self) -> i64 {
        self.change.map_or(self.message.id, |c| c.id)
    }

    /// The frame that shows it to a room socket.
    pub fn into_frame(self) -> ServerFrame {
        match self.change {
            None => ServerFrame::Message(self.message),
            Some(Change {
                id,
                kind: ChangeKind::Edit,
            }) => ServerFrame::MessageEdited {
                id,
                message: self.message,
            },
            Some(Change {
                id,
                kind: ChangeKind::Delete,
            }) => ServerFrame::MessageDeleted {
                id,
                message: self.message,
            },
        }
    }
}

/// Whether a reader of a room's stream gets its join and leave lines. Only sockets that ask
/// (`?events=joins`) do: a base client would show each as an ordinary line. The filter is in
/// the query, so a page of history is full of the lines the reader does get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joins {
    Included,
    Excluded,
}

/// The outcome of storing one [`NewMessage`].
#[derive(Debug, Clone)]
pub struct Inserted {
    pub stored: StoredMessage,
    /// True when the nonce was seen before and `stored` is the original.
    pub duplicate: bool,
}

/// What a `read` frame did to the user's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkRead {
    /// The marker moved forward to the id.
    Moved,
    /// The marker was already there or further: nothing changed.
    Behind,
    /// No entry of the room has that id: nothing was stored.
    NotInRoom,
}

/// A room's unread lines for one user (`docs/protocol.md` "Read markers").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// Counted up to `limits::UNREAD_CAP`.
    pub count: u32,
    /// One of them mentions the user.
    pub mentioned: bool,
}

/// Everything the server keeps. Both backends pass the same integration suite.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn create_user(&self, new: NewUser) -> Result<User, CreateUserError>;
    /// Whether the email and the nickname are already registered (case-insensitively; a
    /// nickname also when another one looks the same), so the form can show both at once;
    /// the unique constraints still decide on insert.
    async fn taken(&self, email: &str, nickname: &str) -> StoreResult<(bool, bool)>;
    /// Looks a user up by email, case-insensitively.
    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The user of a session that has not expired at `now` (Unix ms).
    /// The user of a live session, and when the session expires (Unix ms).
    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<(User, i64)>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Removes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: i64) -> StoreResult<u64>;

    /// Up to `limit` active rooms with ids below `before` (all, when `None`), newest first.
    async fn active_rooms(&self, before: Option<i64>, limit: u32) -> StoreResult<Vec<Room>>;
    /// Up to `limit` ids of active rooms newer than `after`, oldest first: what lies between a
    /// page and the newest rooms.
    async fn active_room_ids_after(&self, after: i64, limit: u32) -> StoreResult<Vec<i64>>;
    /// Any room, active or removed.
    async fn room(&self, id: i64) -> StoreResult<Option<RoomRecord>>;
    /// Any room, with whether the user is banned from it or takes part in it, and their read
    /// marker there.
    async fn room_for_user(&self, id: i64, user_id: i64) -> StoreResult<Option<RoomForUser>>;
    /// [`Store::room`] for several rooms in one query (in no order; ids not found are left out).
    async fn rooms(&self, ids: &[i64]) -> StoreResult<Vec<RoomRecord>>;
    async fn create_room(&self, title: &str, creator_id: i64) -> StoreResult<Room>;
    async fn rename_room(&self, id: i64, title: &str) -> StoreResult<()>;
    async fn remove_room(&self, id: i64) -> StoreResult<()>;

    /// Makes the user a participant; true if they were not one already. A new participant's
    /// read marker is put at the room's latest entry.
    async fn add_participant(&self, room_id: i64, user_id: i64) -> StoreResult<bool> {
        let joined = self.add_participants(&[(room_id, user_id)]).await?;
        Ok(joined.first().copied().unwrap_or(false))
    }
    /// [`Store::add_participant`] for several (room, user) pairs in one transaction, all or
    /// none; for each pair in order, whether it joined (a pair given twice joins once).
    async fn add_participants(&self, joins: &[(i64, i64)]) -> StoreResult<Vec<bool>>;
    /// True if they were a participant.
    async fn remove_participant(&self, room_id: i64, user_id: i64) -> StoreResult<bool>;
    /// Participants' nicknames in the order they joined.
    async fn participants(&self, room_id: i64) -> StoreResult<Vec<String>>;

    /// Stores a batch in one transaction, in order, all or nothing; a repeated nonce returns
    /// the original.
    async fn insert_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<Inserted>>;
    /// One line of a room (not a change), as it is now.
    async fn message(&self, room_id: i64, id: i64) -> StoreResult<Option<StoredMessage>>;
    /// The latest `limit` lines (messages, actions, notices; not changes), oldest first, each
    /// as it is now.
    async fn latest_messages(
        &self,
        room_id: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>>;
    /// Up to `limit` lines with id below `before`, oldest first, each as it is now.
    async fn messages_before(
        &self,
        room_id: i64,
        before: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>>;
    /// Up to `limit` lines (not changes) with id above `after`, oldest first, each as it is
    /// now: reading forward from a line a search found.
    async fn lines_after(
        &self,
        room_id: i64,
        after: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>>;
    /// Up to `request.limit` text and action lines that match `request.query`, newest first,
    /// each as it is now, only from active rooms the user is a participant of (issue 17).
    async fn search(&self, request: &SearchRequest) -> StoreResult<Vec<StoredMessage>>;
    /// Up to `limit` entries (lines and changes) with id above `after`, oldest first.
    async fn messages_after(
        &self,
        room_id: i64,
        after: i64,
        limit: u32,
        joins: Joins,
    ) -> StoreResult<Vec<StoredMessage>>;
    /// Entries with `after_seq < seq <= upto_seq`, oldest first (filling a gap in delivery).
    async fn messages_by_seq(
        &self,
        room_id: i64,
        after_seq: i64,
        upto_seq: i64,
    ) -> StoreResult<Vec<StoredMessage>>;
    /// The highest seq stored in the room (0 when empty).
    async fn last_seq(&self, room_id: i64) -> StoreResult<i64>;

    /// The named secret, set to `fresh` if no instance has set it yet.
    async fn secret(&self, name: &str, fresh: &str) -> StoreResult<String>;

    /// Answers one trivial query: the database is reachable and the pool can lend a connection.
    async fn ping(&self) -> StoreResult<()>;

    /// Sets which lines notify a participant; false if they are not one.
    async fn set_notify(&self, room_id: i64, user_id: i64, level: NotifyLevel)
        -> StoreResult<bool>;
    /// Which lines notify a participant; `None` if they are not one.
    async fn notify(&self, room_id: i64, user_id: i64) -> StoreResult<Option<NotifyLevel>>;

    /// Bans the user from the room, ends their participation; true if they were not banned.
    async fn ban(&self, room_id: i64, user_id: i64, by: i64) -> StoreResult<bool>;
    /// Lifts a ban; true if there was one.
    async fn unban(&self, room_id: i64, user_id: i64) -> StoreResult<bool>;
    async fn is_banned(&self, room_id: i64, user_id: i64) -> StoreResult<bool>;
    /// The nicknames banned from the room, in the order they were banned.
    async fn bans(&self, room_id: i64) -> StoreResult<Vec<String>>;
    /// The user with this nickname (compared case-insensitively).
    async fn user_by_nickname(&self, nickname: &str) -> StoreResult<Option<User>>;

    /// Moves the user's read marker in the room forward to `up_to`, an entry of that room.
    async fn mark_read(&self, room_id: i64, user_id: i64, up_to: i64) -> StoreResult<MarkRead>;
    /// The user's read marker in the room, if they have one.
    async fn read_marker(&self, room_id: i64, user_id: i64) -> StoreResult<Option<i64>>;
    /// The unread lines of those of `room_ids` the user takes part in (others are left out).
    async fn unread(
        &self,
        user: &User,
        room_ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Unread>>;
    /// The active rooms the user takes part in.
    async fn rooms_of(&self, user_id: i64) -> StoreResult<Vec<i64>>;

    /// Accounts disabled at `since` (Unix ms) or later: every instance polls this and closes
    /// their sockets, as the admin command that disabled them has no way to reach them.
    async fn disabled_since(&self, since: i64) -> StoreResult<Vec<i64>>;
}
