//! Everything the app reacts to ([`Action`]) and everything it asks the outside world to do
//! ([`Effect`]). `update` turns one into the other; nothing in here performs I/O.

use std::time::Duration;

use chat_shared::api::{FieldErrors, RoomList, SearchResults};
use chat_shared::{ClientFrame, LobbyFrame, NotifyLevel, Room, ServerFrame};
use crossterm::event::KeyEvent;

use crate::net::open_rooms::OpenRooms;
use crate::net::unsent::UnsentLine;

/// One input to [`crate::update::update`]: a key, a paste, a resize, a timer tick or a
/// network result.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste), whole: its line breaks are part of
    /// the draft, not Enter presses.
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// Sent a few times a second so time-based state (typing hints, notices, the wait after
    /// a refused line) can expire.
    Tick,
    Net(NetEvent),
}

/// What a background network task found out.
#[derive(Debug, Clone, PartialEq)]
pub enum NetEvent {
    /// The saved session still works (or the server could not be asked; the first 401 decides).
    SessionRestored {
        nickname: String,
    },
    /// There is no usable saved session; `note` says why when it is worth telling.
    SessionMissing {
        note: Option<String>,
    },
    /// The server answered 401 to a call that needs a session: it expired or was logged out.
    SessionExpired,
    LoggedIn {
        nickname: String,
    },
    /// Wrong password (the server's own message) or the server could not be reached.
    LoginFailed {
        message: String,
    },
    Registered {
        nickname: String,
    },
    /// The server's per-field messages (`{"errors":{field:[msg]}}`), or `"__all__"` for a
    /// failure that belongs to no field (server down).
    RegisterFailed {
        errors: FieldErrors,
    },
    LoggedOut,
    RoomCreated(Room),
    RoomRenamed(Room),
    RoomLeft {
        room_id: i64,
    },
    /// A ban or unban went through; `message` says which.
    Moderated {
        message: String,
    },
    /// The server's notification level for the room: `said` when the user just chose it
    /// (`/notify LEVEL`), so the status line confirms it; quietly when learned on (re)connect.
    NotifyLevel {
        room_id: i64,
        level: NotifyLevel,
        said: bool,
    },
    /// A create/rename/leave/logout request failed; `message` is for the user.
    RequestFailed {
        message: String,
    },
    Lobby(LobbyFrame),
    LobbyState(ConnState),
    /// The page of rooms older than `before`, asked for with [`Effect::LoadOlderRooms`].
    OlderRooms {
        before: i64,
        list: RoomList,
    },
    OlderRoomsFailed {
        message: String,
    },
    /// The answer to [`Effect::Search`], with the `before` it asked for (`None`: the first page).
    SearchResults {
        before: Option<i64>,
        results: SearchResults,
    },
    /// The search was refused (the server's words) or the server could not be reached.
    SearchFailed {
        message: String,
    },
    RoomFrame {
        room_id: i64,
        frame: ServerFrame,
    },
    RoomState {
        room_id: i64,
        state: ConnState,
    },
    /// The room socket was refused for good (404: unknown or removed room; 403).
    RoomGone {
        room_id: i64,
        message: String,
    },
    /// The server closed the room socket for good (`chat_shared::close`): its task stopped
    /// and does not reconnect.
    RoomEnded {
        room_id: i64,
        why: RoomEnd,
    },
    /// Lines a previous run could not send (`net::unsent`), for the user now logged in.
    UnsentLoaded {
        lines: Vec<UnsentLine>,
    },
    /// The tabs a previous run had open (`net::open_rooms`), for the user now logged in.
    OpenRoomsLoaded {
        rooms: OpenRooms,
    },
}

/// Why the server ended a room socket for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomEnd {
    /// `close::LEFT`: the user left the room, here or on another device. Reconnecting would
    /// make them a participant again.
    Left,
    /// `close::DONE`: the room was removed.
    Removed,
    /// `close::BANNED`: the room's creator banned us; the server refuses us until lifted.
    Banned,
}

/// The state of one WebSocket, drawn in the status line and the sidebar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnState {
    #[default]
    Connecting,
    Online,
    /// Disconnected; the task tries again after `retry_in`.
    Offline {
        reason: String,
        retry_in: Duration,
    },
}

impl ConnState {
    pub fn is_online(&self) -> bool {
        matches!(self, ConnState::Online)
    }
}

/// Work for the runtime ([`crate::runtime`]); each one runs in the background and reports back
/// with a [`NetEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Load the saved session file and check it against the server.
    RestoreSession,
    Login {
        email: String,
        password: String,
    },
    Register {
        email: String,
        nickname: String,
        password1: String,
        password2: String,
    },
    Logout,
    /// Delete the saved session file (it expired).
    ForgetSession,
    /// Keep the room list live through `/ws/lobby` (does nothing if already watching).
    WatchLobby,
    /// Fetch the page of rooms older than `before` (`GET /chat/list?before=`).
    LoadOlderRooms {
        before: i64,
    },
    CreateRoom {
        title: String,
    },
    RenameRoom {
        room_id: i64,
        title: String,
    },
    LeaveRoom {
        room_id: i64,
    },
    /// Start the room's socket task (it reconnects by itself).
    OpenRoom {
        room_id: i64,
    },
    /// Stop the room's socket task.
    CloseRoom {
        room_id: i64,
    },
    /// `/ban` (`ban: true`) or `/unban` someone in a room we created.
    Ban {
        room_id: i64,
        nickname: String,
        ban: bool,
    },
    /// Ask the server which of the room's lines notify us (`GET /chat/{id}` JSON); only a
    /// success is reported.
    LoadNotify {
        room_id: i64,
    },
    /// `/notify LEVEL`: keep this level on the server (`POST /chat/{id}/notify`).
    SetNotify {
        room_id: i64,
        level: NotifyLevel,
    },
    /// Ring the terminal bell (a line notifies us at the room's level).
    Bell,
    Send {
        room_id: i64,
        frame: ClientFrame,
    },
    /// Keep these lines on disk for `nickname` (replacing what was kept for them), so a quit
    /// or a crash does not lose them; an empty list forgets them.
    SaveUnsent {
        nickname: String,
        lines: Vec<UnsentLine>,
    },
    /// Read the lines kept for `nickname` and report them ([`NetEvent::UnsentLoaded`]).
    LoadUnsent {
        nickname: String,
    },
    /// Keep the open tabs on disk for `nickname`, so the next start opens them again.
    SaveOpenRooms {
        nickname: String,
        rooms: OpenRooms,
    },
    /// Read the tabs kept for `nickname` and report them ([`NetEvent::OpenRoomsLoaded`]).
    LoadOpenRooms {
        nickname: String,
    },
    /// `/search WORDS`: ask `GET /chat/search` (in one room, or in all of ours); `before`
    /// for the next, older page.
    Search {
        query: String,
        room: Option<i64>,
        before: Option<i64>,
    },
    /// `/open N`: open this link with the system's opener (`crate::opener`).
    OpenLink {
        url: String,
    },
    /// Ctrl+L: clear the terminal and draw everything again (the main loop's business).
    ClearScreen,
    Quit,
}
