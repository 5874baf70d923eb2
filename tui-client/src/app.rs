//! The whole client state: which screen is shown, the login forms, the live room list and every
//! open room with its messages, pending lines, participants and draft. Only `update` changes
//! it and only `ui` reads it.

use std::time::{Duration, Instant};

use chat_shared::api::{FieldErrors, SearchHit};
use chat_shared::{Message, NotifyLevel, Participant, Room};
use chrono::{DateTime, Local, NaiveDate};

use crate::action::ConnState;
use crate::input::LineInput;
use crate::net::open_rooms::OpenRooms;
use crate::net::unsent::UnsentLine;

/// How long someone else's "is typing" hint stays up after their last `typing` frame.
pub const TYPING_SHOWN_FOR: Duration = Duration::from_secs(5);
/// We send `typing` at most this often while the user types.
pub const TYPING_SEND_EVERY: Duration = Duration::from_secs(3);
/// How long an informational notice stays in the status line.
pub const NOTICE_SHOWN_FOR: Duration = Duration::from_secs(6);
/// How long an error stays in the status line: longer than a notice, as it asks for action,
/// but not forever (what it is about is shown where it belongs, e.g. under a failed line).
pub const ERROR_SHOWN_FOR: Duration = Duration::from_secs(12);
/// How many older messages one `history` request asks for.
pub const HISTORY_PAGE: u32 = 50;

/// Which time zone message times are drawn in. Tests pin it so snapshots do not depend on
/// the machine's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Local,
    Fixed(chrono::FixedOffset),
}

impl Clock {
    /// `HH:MM` of an RFC 3339 time in this zone; `??:??` if the server sent something else.
    pub fn hhmm(self, sent_at: &str) -> String {
        let Ok(time) = DateTime::parse_from_rfc3339(sent_at) else {
            return "??:??".to_owned();
        };
        match self {
            Clock::Local => time.with_timezone(&Local).format("%H:%M").to_string(),
            Clock::Fixed(offset) => time.with_timezone(&offset).format("%H:%M").to_string(),
        }
    }

    /// The calendar day of an RFC 3339 time in this zone.
    pub fn day(self, sent_at: &str) -> Option<NaiveDate> {
        let time = DateTime::parse_from_rfc3339(sent_at).ok()?;
        Some(match self {
            Clock::Local => time.with_timezone(&Local).date_naive(),
            Clock::Fixed(offset) => time.with_timezone(&offset).date_naive(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Checking the saved session before anything else is shown.
    Starting,
    Login(LoginForm),
    Register(RegisterForm),
    /// Logged in: the lobby and the open rooms.
    Main,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoginForm {
    pub email: LineInput,
    pub password: LineInput,
    /// 0 = email, 1 = password.
    pub focus: usize,
    /// The server's message (wrong password), or why the server could not be reached.
    pub error: Option<String>,
    /// A neutral note, e.g. "your session expired".
    pub info: Option<String>,
    /// A request is on its way; Enter does nothing until it answers.
    pub busy: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterForm {
    pub email: LineInput,
    pub nickname: LineInput,
    pub password1: LineInput,
    pub password2: LineInput,
    /// 0..=3 in the order above.
    pub focus: usize,
    /// The server's messages by field name (`email`, `nickname`, `password1`, `password2`,
    /// or `__all__` for a failure that belongs to no field).
    pub errors: FieldErrors,
    pub busy: bool,
}

/// What the main area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Lobby,
    /// The open room with this id.
    Room(i64),
}

/// The live room list from `/ws/lobby`: its first page, then older pages from
/// `GET /chat/list?before=` as the selection reaches the end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lobby {
    /// Newest first, as the server sends them.
    pub rooms: Vec<Room>,
    pub selected: usize,
    pub state: ConnState,
    /// Older rooms exist beyond the last one here.
    pub has_more: bool,
    /// A request for the next older page is on its way.
    pub loading_older: bool,
}

/// A line the user sent that the server has not acknowledged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLine {
    /// Sent with every (re)try, so the server stores the line once.
    pub nonce: String,
    pub body: String,
    /// An action line (`/me waves`): every (re)try sends it as one.
    pub action: bool,
    pub state: LineState,
}

impl PendingLine {
    pub fn new(nonce: String, body: String) -> Self {
        Self {
            nonce,
            body,
            action: false,
            state: LineState::Waiting,
        }
    }

    pub fn action(nonce: String, body: String) -> Self {
        Self {
            action: true,
            ..Self::new(nonce, body)
        }
    }

    pub fn failed(&self) -> Option<&str> {
        match &self.state {
            LineState::Failed(reason) => Some(reason),
            _ => None,
        }
    }
}

/// Where a pending line is on its way to the server (`update::sending`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineState {
    /// Not on the current connection yet: waits for its turn, the connection, or the end of
    /// a wait the server asked for.
    Waiting,
    /// Sent on the current connection; its `message` (or `error`) has not come back.
    Sent,
    /// Refused for good (too long, invalid): not resent; the user edits or drops it.
    Failed(String),
}

/// A line of the log that is not a message: the client's own answer to a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLine {
    /// The newest message id when it was made (`None`: before every message).
    pub after: Option<i64>,
    pub text: String,
}

/// `/search` results, drawn over the main area until Esc or Enter (which opens one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchView {
    /// What was searched for, as typed.
    pub query: String,
    /// The room searched, or `None` for every room we are in.
    pub room: Option<i64>,
    /// Newest first: the pages loaded so far.
    pub results: Vec<SearchHit>,
    pub selected: usize,
    /// The first page is on its way.
    pub loading: bool,
    /// The `before` of the next, older page (the server's `next_before`); `None`: the end.
    pub next_before: Option<i64>,
    /// The next page is on its way (asked when the selection reached the last result).
    pub loading_more: bool,
    /// Why there are no (more) results (the server's words).
    pub error: Option<String>,
}

/// One open room ("tab").
#[derive(Debug, Clone, PartialEq)]
pub struct RoomView {
    pub id: i64,
    /// From the welcome frame (or the lobby until then).
    pub room: Option<Room>,
    /// Stored messages, ordered by id, no id twice.
    pub messages: Vec<Message>,
    /// Sent lines waiting for their own `message` frame, in the order they were typed.
    pub pending: Vec<PendingLine>,
    /// The participants loaded so far, one entry per nickname, in the server's order (online
    /// first). In a big room only some of them: see [`RoomView::people`].
    pub participants: Vec<Participant>,
    /// The room's headcount and how far its list is paged in and scrolled.
    pub people: People,
    /// Who else is typing, and until when the hint is shown.
    pub typing: Vec<(String, Instant)>,
    /// Messages from others that arrived while this room was not on screen.
    pub unread: usize,
    /// How many of those mention us (`Message::mentions`).
    pub mentions: usize,
    /// The id of our own line the input is editing (Up in an empty input); Enter sends an
    /// `edit` for it instead of a new line.
    pub editing: Option<i64>,
    /// The server ended our place here for good (a ban): said in the room, nothing is sent.
    pub ended: Option<String>,
    /// Lines only this client shows in the log (`/names`), each after the message that was
    /// the newest when it was made.
    pub local: Vec<LocalLine>,
    /// How many screen lines the view is scrolled up from the newest message.
    pub scroll: usize,
    /// The server has older messages than the oldest we hold.
    pub has_more: bool,
    /// A `history` request is on its way.
    pub loading_history: bool,
    pub state: ConnState,
    /// The last error frame's message, shown until the next line is sent.
    pub error: Option<String>,
    /// A welcome frame has arrived at least once (so `has_more` is known).
    pub welcomed: bool,
    /// No line is sent before this: the server refused one for its rate, or could not store
    /// it, and asked to wait.
    pub hold_until: Option<Instant>,
    /// Messages that arrived below the view while it was scrolled back ("↓ N new").
    pub new_below: usize,
    /// This room's draft and its own history of sent lines.
    pub input: LineInput,
    /// Which lines ring the bell, as the server keeps it for us (learned on each welcome).
    pub notify: NotifyLevel,
    /// The server keeps read markers (its welcome carried `read_up_to`): only then are `read`
    /// frames sent (a server without them would refuse the frame) and the divider drawn.
    pub read_markers: bool,
    /// Our read marker in this room, as far as we know (the server's, and what we reported):
    /// `update::reads` reports newer lines as they are shown.
    pub read_up_to: i64,
    /// When we last sent a `read` frame (they go at most every `READ_EVERY`).
    pub read_sent_at: Option<Instant>,
    /// Where the "── new messages ──" line goes: above the first line from someone else
    /// after this id, among the lines up to [`RoomView::new_upto`]. Set when the room is first
    /// shown with unread lines.
    pub new_after: Option<i64>,
    /// The newest line when the divider was placed: lines after it came while reading.
    pub new_upto: i64,
    /// Alt+U asked for older pages until the divider's line is loaded.
    pub seeking_new: bool,
    /// A search result opened here: the line to show (with the lines around it) and mark.
    pub found: Option<i64>,
    /// The log shows older lines than the newest (opened at a search result): PageDown at
    /// the bottom reads on (`history` `after`), and live lines wait in `held` until then.
    pub has_newer: bool,
    /// A `history` `around` or `after` request is on its way.
    pub loading_newer: bool,
    /// Live lines that came while `has_newer`: added once the pages forward reach them.
    pub held: Vec<Message>,
}

impl RoomView {
    pub fn new(id: i64, room: Option<Room>) -> Self {
        Self {
            id,
            room,
            messages: Vec::new(),
            pending: Vec::new(),
            participants: Vec::new(),
            people: People::default(),
            typing: Vec::new(),
            unread: 0,
            mentions: 0,
            editing: None,
            ended: None,
            local: Vec::new(),
            scroll: 0,
            has_more: false,
            loading_history: false,
            state: ConnState::Connecting,
            error: None,
            welcomed: false,
            hold_until: None,
            new_below: 0,
            input: LineInput::default(),
            notify: NotifyLevel::default(),
            read_markers: false,
            read_up_to: 0,
            read_sent_at: None,
            new_after: None,
            new_upto: 0,
            seeking_new: false,
            found: None,
            has_newer: false,
            loading_newer: false,
            held: Vec::new(),
        }
    }

    pub fn title(&self) -> String {
        match &self.room {
            Some(room) => room.title.clone(),
            None => format!("room {}", self.id),
        }
    }

    /// How many participants the room has, loaded or not.
    pub fn participant_total(&self) -> usize {
        self.people
            .counts
            .map_or(self.participants.len(), |c| c.participants)
    }

    /// How many of the room's participants are online, loaded or not.
    pub fn participants_online(&self) -> usize {
        self.people.counts.map_or_else(
            || self.participants.iter().filter(|p| p.online).count(),
            |c| c.online,
        )
    }

    /// How many participants are not loaded ("and N more").
    pub fn participants_more(&self) -> usize {
        self.participant_total()
            .saturating_sub(self.participants.len())
    }

    /// The newest stored message id.
    pub fn last_id(&self) -> Option<i64> {
        self.messages.last().map(|m| m.id)
    }

    /// The oldest stored message id, for `history{before}`.
    pub fn oldest_id(&self) -> Option<i64> {
        self.messages.first().map(|m| m.id)
    }

    /// The id of the line the "── new messages ──" line goes above, if it is loaded.
    pub fn first_new(&self, me: Option<&str>) -> Option<i64> {
        let after = self.new_after?;
        self.messages
            .iter()
            .take_while(|m| m.id <= self.new_upto)
            .find(|m| {
                m.id > after
                    && me != Some(m.sender.as_str())
                    && m.kind != chat_shared::MessageKind::Notice
            })
            .map(|m| m.id)
    }

    /// Lines between the divider's place and the oldest loaded line are not loaded yet.
    pub fn new_is_older(&self) -> bool {
        match (self.new_after, self.oldest_id()) {
            (Some(after), Some(oldest)) => self.has_more && oldest > after + 1,
            _ => false,
        }
    }
}

/// A room's participant list beyond the names loaded (`docs/protocol.md` "Big rooms"): the
/// counts the server last sent, where the next page starts, and the pane's scroll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// From the welcome, `participant_page` and `headcount` frames, moved by `participant`,
    /// `participant_left` and `presence`; `None` from a server without big rooms, whose
    /// list is whole and counted as it is.
    pub counts: Option<Headcount>,
    /// Where the next `participants` page starts; `None` once the server said there is no
    /// more (then, if names are still missing, the list moved: paging starts over at 0).
    pub next_offset: Option<u32>,
    /// A `participants` request is on its way.
    pub loading: bool,
    /// How many rows the participant pane is scrolled down.
    pub scroll: usize,
}

/// How many participants a room has, and how many of them are online.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Headcount {
    pub participants: usize,
    pub online: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// A one-line message in the status line: a failed request, a removed room, a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
    /// The notice goes away at this time.
    pub until: Instant,
}

/// A question asked in the input line instead of a chat line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// `n` in the lobby: the next line is a new room's title.
    CreateRoom,
    /// `/delete`: y deletes this message of this room, anything else keeps it.
    ConfirmDelete {
        room_id: i64,
        message_id: i64,
        /// "your line “hello”", for the question.
        what: String,
    },
}

/// Tab completion of a nickname in progress: repeated Tabs cycle through `candidates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Where the completed word starts (a char index, after any `@`).
    pub start: usize,
    /// The matching nicknames, in the order Tab offers them.
    pub candidates: Vec<String>,
    /// The one in the input now.
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// Base URL, e.g. `http://127.0.0.1:8000`, shown on the login screen.
    pub server: String,
    pub screen: Screen,
    /// Our nickname, once logged in.
    pub me: Option<String>,
    pub lobby: Lobby,
    /// Open rooms in tab order (Alt+1 is the first).
    pub rooms: Vec<RoomView>,
    pub view: View,
    /// The command line of the room list (each room has its own, [`RoomView::input`]).
    pub lobby_input: LineInput,
    pub prompt: Option<Prompt>,
    /// The nickname Tab put in the input, while Tab may still replace it with the next one.
    pub completion: Option<Completion>,
    /// Ring the terminal bell when a line mentions us (`--no-bell` / `CHAT_TUI_BELL=0`).
    pub bell: bool,
    pub notice: Option<Notice>,
    pub show_help: bool,
    /// `/search` results, while they are shown.
    pub search: Option<SearchView>,
    /// How many lines the help is scrolled down, when it is taller than the terminal.
    pub help_scroll: u16,
    /// Terminal size in cells; `update` needs it to page through messages.
    pub size: (u16, u16),
    /// The time of the action being handled (set by the main loop, pinned by tests).
    pub now: Instant,
    pub clock: Clock,
    /// Random per run, so nonces are unique across runs; a counter makes them unique within.
    pub nonce_prefix: String,
    pub nonce_counter: u64,
    /// When we last sent a `typing` frame.
    pub last_typing_sent: Option<Instant>,
    /// The unsent lines as last handed to the runtime to keep on disk.
    pub saved_unsent: Vec<UnsentLine>,
    /// The open tabs as last handed to the runtime to keep on disk; `None` until the previous
    /// run's tabs are back, so they are not overwritten before.
    pub saved_open_rooms: Option<OpenRooms>,
    pub should_quit: bool,
}

impl App {
    pub fn new(server: impl Into<String>, now: Instant, nonce_prefix: impl Into<String>) -> Self {
        Self {
            server: server.into(),
            screen: Screen::Starting,
            me: None,
            lobby: Lobby::default(),
            rooms: Vec::new(),
            view: View::Lobby,
            lobby_input: LineInput::default(),
            prompt: None,
            completion: None,
            bell: true,
            notice: None,
            show_help: false,
            search: None,
            help_scroll: 0,
            size: (80, 24),
            now,
            clock: Clock::Local,
            nonce_prefix: nonce_prefix.into(),
            nonce_counter: 0,
            last_typing_sent: None,
            saved_unsent: Vec::new(),
            saved_open_rooms: None,
            should_quit: false,
        }
    }

    pub fn room(&self, id: i64) -> Option<&RoomView> {
        self.rooms.iter().find(|r| r.id == id)
    }

    pub fn room_mut(&mut self, id: i64) -> Option<&mut RoomView> {
        self.rooms.iter_mut().find(|r| r.id == id)
    }

    /// The room on screen, if the view is a room.
    pub fn active_room(&self) -> Option<&RoomView> {
        match self.view {
            View::Room(id) => self.room(id),
            View::Lobby => None,
        }
    }

    /// The input line of what is on screen: the room's draft, or the room list's line.
    pub fn input(&self) -> &LineInput {
        self.active_room().map_or(&self.lobby_input, |r| &r.input)
    }

    pub fn input_mut(&mut self) -> &mut LineInput {
        let View::Room(id) = self.view else {
            return &mut self.lobby_input;
        };
        match self.rooms.iter_mut().find(|r| r.id == id) {
            Some(room) => &mut room.input,
            None => &mut self.lobby_input,
        }
    }

    /// The next unique nonce: well under the contract's 64 characters.
    pub fn next_nonce(&mut self) -> String {
        self.nonce_counter += 1;
        format!("{}-{}", self.nonce_prefix, self.nonce_counter)
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Info,
            text: text.into(),
            until: self.now + NOTICE_SHOWN_FOR,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind: NoticeKind::Error,
            text: text.into(),
            until: self.now + ERROR_SHOWN_FOR,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_given_zone() {
        let seoul = Clock::Fixed(chrono::FixedOffset::east_opt(9 * 3600).expect("valid offset"));
        assert_eq!(seoul.hhmm("2026-11-24T21:46:22Z"), "06:46");
        assert_eq!(seoul.hhmm("garbage"), "??:??");
    }
}
