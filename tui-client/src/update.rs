//! `update(&mut App, Action) -> Vec<Effect>`: every state change of the client, with no I/O.
//! Keys and pastes are handled in `update/keys.rs`, slash commands and Enter in
//! `update/commands.rs`, the queue of lines on their way to the server in
//! `update/sending.rs`, network results in `update/net.rs`, the room list in
//! `update/lobby.rs`, `/search` and opening a room at a result in `update/search.rs`, room
//! socket frames in
//! `update/room.rs`, who is in a room and the participant pane's paging in
//! `update/participants.rs`, and keeping unsent lines on disk in `update/unsent.rs`; the helpers here
//! (open, close, switch rooms) are what they share.

mod commands;
mod edits;
mod keys;
mod lobby;
mod mentions;
mod net;
mod open_rooms;
mod participants;
mod reads;
mod room;
mod search;
mod sending;
mod unsent;

use crate::action::{Action, Effect};
use crate::app::{App, LoginForm, RoomView, Screen, View};
use crate::input::LineInput;

pub use mentions::mentions_me;
pub use room::merge_messages;

/// Applies one action to the state and returns the work it asks for.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut effects = match action {
        Action::Key(key) => keys::on_key(app, key),
        Action::Paste(text) => keys::on_paste(app, &text),
        Action::Resize { width, height } => {
            app.size = (width, height);
            Vec::new()
        }
        Action::Tick => on_tick(app),
        Action::Net(event) => net::on_net(app, event),
    };
    effects.extend(unsent::track(app));
    effects.extend(open_rooms::track(app));
    effects.extend(reads::track(app));
    effects
}

/// Lets time-limited things expire (notices, "is typing" hints) and sends lines again once
/// the wait the server asked for is over.
fn on_tick(app: &mut App) -> Vec<Effect> {
    let now = app.now;
    if app.notice.as_ref().is_some_and(|n| n.until <= now) {
        app.notice = None;
    }
    let mut effects = Vec::new();
    for room in &mut app.rooms {
        room.typing.retain(|(_, until)| *until > now);
        if room.hold_until.is_some_and(|until| until <= now) {
            effects.extend(sending::flush(room, now));
        }
    }
    effects
}

/// Shows the lobby or a room, and marks the room read; a room newly shown gets its
/// "── new messages ──" line where reading stopped.
pub(crate) fn switch_to(app: &mut App, view: View) {
    let shown_before = app.view == view;
    app.view = view;
    if let View::Room(id) = view {
        if !shown_before {
            reads::place_divider(app, id);
        }
        if let Some(room) = app.room_mut(id) {
            room.unread = 0;
            room.mentions = 0;
        }
    }
}

/// The views in tab order: the lobby, then each open room.
fn views(app: &App) -> Vec<View> {
    std::iter::once(View::Lobby)
        .chain(app.rooms.iter().map(|r| View::Room(r.id)))
        .collect()
}

/// Ctrl+N / Ctrl+P: the next or previous view, wrapping around.
pub(crate) fn cycle_view(app: &mut App, forward: bool) {
    let views = views(app);
    let current = views.iter().position(|v| *v == app.view).unwrap_or(0);
    let len = views.len();
    let next = if forward {
        (current + 1) % len
    } else {
        (current + len - 1) % len
    };
    switch_to(app, views[next]);
}

/// Opens a room as a tab (or shows it if it is open already) and starts its socket.
pub(crate) fn open_room(app: &mut App, room_id: i64) -> Vec<Effect> {
    if app.room(room_id).is_none() {
        let known = app.lobby.rooms.iter().find(|r| r.id == room_id).cloned();
        app.rooms.push(RoomView::new(room_id, known));
        switch_to(app, View::Room(room_id));
        return vec![Effect::OpenRoom { room_id }];
    }
    switch_to(app, View::Room(room_id));
    Vec::new()
}

/// Closes a tab and stops its socket; the view moves to a neighbouring tab or the lobby.
pub(crate) fn close_room(app: &mut App, room_id: i64) -> Vec<Effect> {
    let Some(index) = app.rooms.iter().position(|r| r.id == room_id) else {
        return Vec::new();
    };
    app.rooms.remove(index);
    if app.view == View::Room(room_id) {
        let next = if index > 0 {
            app.rooms.get(index - 1)
        } else {
            app.rooms.first()
        };
        let view = next.map_or(View::Lobby, |r| View::Room(r.id));
        switch_to(app, view);
    }
    vec![Effect::CloseRoom { room_id }]
}

/// Logged in: the main screen with the live room list, the tabs a previous run had open,
/// and the lines it could not send.
pub(crate) fn enter_main(app: &mut App, nickname: String) -> Vec<Effect> {
    app.me = Some(nickname.clone());
    app.screen = Screen::Main;
    app.view = View::Lobby;
    vec![
        Effect::WatchLobby,
        Effect::LoadOpenRooms {
            nickname: nickname.clone(),
        },
        Effect::LoadUnsent { nickname },
    ]
}

/// Back to the login screen: every room socket stops and the tabs go away.
pub(crate) fn back_to_login(
    app: &mut App,
    info: Option<String>,
    error: Option<String>,
) -> Vec<Effect> {
    let effects = app
        .rooms
        .drain(..)
        .map(|r| Effect::CloseRoom { room_id: r.id })
        .collect();
    app.me = None;
    app.view = View::Lobby;
    app.prompt = None;
    app.notice = None;
    // The results were the last user's (or asked with the session that ended).
    app.search = None;
    app.lobby_input = LineInput::default();
    // The next user starts from the file as it is (their lines are loaded from it).
    app.saved_unsent.clear();
    app.saved_open_rooms = None;
    app.screen = Screen::Login(LoginForm {
        info,
        error,
        ..LoginForm::default()
    });
    effects
}

#[cfg(test)]
pub(crate) mod tests;
