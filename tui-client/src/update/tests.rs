//! Unit tests of `update`: no terminal, no network. Each test builds the state, feeds actions
//! and checks the state and the effects that come back. The helpers live here; the tests are
//! grouped by topic in `tests/`.

mod drafts;
mod forms;
mod lobby_pages;
mod notify;
mod people;
mod reads;
mod room_events;
mod rooms;
mod search;
mod sending;

use std::time::{Duration, Instant};

use chat_shared::api::FieldErrors;
use chat_shared::{ClientFrame, ErrorCode, Message, Participant, Room, ServerFrame};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::update;
use crate::action::{Action, ConnState, Effect, NetEvent};
use crate::app::{App, Clock, Prompt, Screen, View};

pub(crate) fn room(id: i64, title: &str) -> Room {
    Room {
        id,
        title: title.into(),
        creator: "alice".into(),
        participant_count: 2,
        created_at: "2026-11-24T21:00:00Z".into(),
        unread: 0,
        mentioned: false,
    }
}

pub(crate) fn msg(id: i64, room_id: i64, sender: &str, body: &str, nonce: Option<&str>) -> Message {
    Message::plain(
        id,
        room_id,
        sender,
        body,
        format!("2026-11-24T09:{:02}:00Z", id % 60),
        nonce.map(str::to_owned),
    )
}

/// A logged-in app ("me") on a 100x30 terminal, times in UTC.
pub(crate) fn app() -> App {
    let mut app = App::new("http://127.0.0.1:8000", Instant::now(), "t");
    app.clock = Clock::Fixed(chrono::FixedOffset::east_opt(0).expect("UTC"));
    app.size = (100, 30);
    app.screen = Screen::Main;
    app.me = Some("me".into());
    app
}

pub(crate) fn net(app: &mut App, event: NetEvent) -> Vec<Effect> {
    update(app, Action::Net(event))
}

pub(crate) fn frame(app: &mut App, room_id: i64, frame: ServerFrame) -> Vec<Effect> {
    net(app, NetEvent::RoomFrame { room_id, frame })
}

pub(crate) fn welcome(
    app: &mut App,
    room_id: i64,
    history: Vec<Message>,
    has_more: bool,
) -> Vec<Effect> {
    let info = app
        .lobby
        .rooms
        .iter()
        .find(|r| r.id == room_id)
        .cloned()
        .unwrap_or_else(|| room(room_id, &format!("room {room_id}")));
    frame(
        app,
        room_id,
        ServerFrame::Welcome {
            room: info,
            me: "me".into(),
            participants: vec![Participant {
                nickname: "alice".into(),
                online: true,
            }],
            history,
            has_more,
            read_up_to: None,
            online_count: None,
            participants_more: false,
        },
    )
}

/// `name` online or not, as the server lists participants.
pub(crate) fn person(name: &str, online: bool) -> Participant {
    Participant {
        nickname: name.into(),
        online,
    }
}

/// Opens room `id` as a big room (`docs/protocol.md` "Big rooms"): the welcome lists
/// `first_page` of `total` participants, `online` of them online, and says there are more.
pub(crate) fn open_big(
    app: &mut App,
    id: i64,
    first_page: Vec<Participant>,
    total: i64,
    online: u32,
) {
    super::open_room(app, id);
    frame(
        app,
        id,
        ServerFrame::Welcome {
            room: Room {
                participant_count: total,
                ..room(id, "Big")
            },
            me: "me".into(),
            participants: first_page,
            history: Vec::new(),
            has_more: false,
            read_up_to: None,
            online_count: Some(online),
            participants_more: true,
        },
    );
}

pub(crate) fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub(crate) fn press_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    update(app, Action::Key(KeyEvent::new(code, modifiers)))
}

pub(crate) fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| press(app, KeyCode::Char(c)))
        .collect()
}

/// Opens room `id` and lets its socket say welcome.
pub(crate) fn open(app: &mut App, id: i64, history: Vec<Message>) {
    let effects = super::open_room(app, id);
    assert_eq!(effects, vec![Effect::OpenRoom { room_id: id }]);
    welcome(app, id, history, false);
}

pub(crate) fn sent_nonces(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                frame: ClientFrame::Send { nonce, .. },
                ..
            } => nonce.clone(),
            _ => None,
        })
        .collect()
}

pub(crate) fn sent_bodies(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                frame: ClientFrame::Send { body, .. },
                ..
            } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

/// The nonces of the room's pending lines, in order.
pub(crate) fn pending_nonces(app: &App, room_id: i64) -> Vec<String> {
    app.room(room_id)
        .map(|r| r.pending.iter().map(|p| p.nonce.clone()).collect())
        .unwrap_or_default()
}

/// The server's answer to our line with `nonce`: our message back, stored as `id`.
pub(crate) fn ack(app: &mut App, room_id: i64, id: i64, nonce: &str) -> Vec<Effect> {
    let body = app
        .room(room_id)
        .and_then(|r| r.pending.iter().find(|p| p.nonce == nonce))
        .map(|p| p.body.clone())
        .unwrap_or_default();
    frame(
        app,
        room_id,
        ServerFrame::Message(msg(id, room_id, "me", &body, Some(nonce))),
    )
}

/// An `error` frame refusing the line with `nonce`.
pub(crate) fn refusal(code: ErrorCode, nonce: &str, retry_after_ms: Option<u64>) -> ServerFrame {
    ServerFrame::Error {
        code,
        message: "no".into(),
        nonce: Some(nonce.into()),
        retry_after_ms,
    }
}

pub(crate) fn offline() -> ConnState {
    ConnState::Offline {
        reason: "connection refused".into(),
        retry_in: Duration::from_secs(1),
    }
}
