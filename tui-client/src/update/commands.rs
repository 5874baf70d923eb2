//! Enter in the input line: slash commands, chat lines (queued as pending with a nonce), the
//! create-room prompt; plus paging through messages (which asks for older history at the top)
//! and the throttled `typing` frame.

use chat_shared::limits::{BODY_MAX_CHARS, TITLE_MAX_CHARS};
use chat_shared::ClientFrame;

use super::{close_room, open_room};
use crate::action::Effect;
use crate::app::{App, PendingLine, Prompt, View, HISTORY_PAGE, TYPING_SEND_EVERY};
use crate::command::{self, Command};
use crate::layout::messages;

/// Enter: runs what was typed.
pub(super) fn submit(app: &mut App) -> Vec<Effect> {
    let line = app.input.take();
    if let Some(Prompt::CreateRoom) = app.prompt.take() {
        return create(app, &line);
    }
    if line.trim().is_empty() {
        if app.view == View::Lobby {
            if let Some(room) = app.lobby.rooms.get(app.lobby.selected) {
                let id = room.id;
                return open_room(app, id);
            }
        }
        return Vec::new();
    }
    app.notice = None;
    match command::parse(&line) {
        Command::Say(text) => match app.view {
            View::Room(id) => send_line(app, id, &text),
            View::Lobby => {
                app.error("Open a room first: Enter joins the selected room, /join ID opens one.");
                Vec::new()
            }
        },
        Command::Join(id) => open_room(app, id),
        Command::Create(title) => create(app, &title),
        Command::Leave => match app.view {
            View::Room(room_id) => vec![Effect::LeaveRoom { room_id }],
            View::Lobby => {
                app.error("/leave works inside a room.");
                Vec::new()
            }
        },
        Command::Rename(title) => match app.view {
            View::Room(room_id) => match valid_title(&title) {
                Ok(title) => vec![Effect::RenameRoom { room_id, title }],
                Err(message) => {
                    app.error(message);
                    Vec::new()
                }
            },
            View::Lobby => {
                app.error("/rename works inside a room.");
                Vec::new()
            }
        },
        Command::Close => match app.view {
            View::Room(room_id) => close_room(app, room_id),
            View::Lobby => Vec::new(),
        },
        Command::Logout => vec![Effect::Logout],
        Command::Help => {
            app.show_help = true;
            Vec::new()
        }
        Command::Quit => {
            app.should_quit = true;
            vec![Effect::Quit]
        }
        Command::Invalid(message) => {
            app.error(message);
            Vec::new()
        }
    }
}

/// The contract's title rule (1–50 characters after trimming), checked before asking.
fn valid_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    let chars = title.chars().count();
    if chars == 0 {
        Err("A room title cannot be empty.".into())
    } else if chars > TITLE_MAX_CHARS {
        Err(format!(
            "A room title has at most {TITLE_MAX_CHARS} characters; this one has {chars}."
        ))
    } else {
        Ok(title.to_owned())
    }
}

fn create(app: &mut App, title: &str) -> Vec<Effect> {
    match valid_title(title) {
        Ok(title) => vec![Effect::CreateRoom { title }],
        Err(message) => {
            app.error(message);
            Vec::new()
        }
    }
}

/// Queues a chat line as pending and sends it now if the room is online; otherwise the
/// welcome after the reconnect sends it (see `room::on_welcome`).
pub(crate) fn send_line(app: &mut App, room_id: i64, text: &str) -> Vec<Effect> {
    let body = text.trim().to_owned();
    if body.is_empty() {
        return Vec::new();
    }
    let chars = body.chars().count();
    if chars > BODY_MAX_CHARS {
        app.error(format!(
            "A message has at most {BODY_MAX_CHARS} characters; this one has {chars}."
        ));
        app.input.set(text);
        return Vec::new();
    }
    let nonce = app.next_nonce();
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    room.pending.push(PendingLine {
        nonce: nonce.clone(),
        body: body.clone(),
        failed: None,
    });
    room.error = None;
    room.scroll = 0;
    if room.state.is_online() {
        vec![Effect::Send {
            room_id,
            frame: ClientFrame::Send {
                body,
                nonce: Some(nonce),
            },
        }]
    } else {
        Vec::new()
    }
}

/// Sends `typing` while the user types a chat line, at most every few seconds.
pub(super) fn maybe_typing(app: &mut App) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return Vec::new();
    };
    if app.prompt.is_some() || app.input.is_empty() || app.input.text().starts_with('/') {
        return Vec::new();
    }
    let online = app.room(room_id).is_some_and(|r| r.state.is_online());
    let due = app
        .last_typing_sent
        .is_none_or(|last| app.now.duration_since(last) >= TYPING_SEND_EVERY);
    if !online || !due {
        return Vec::new();
    }
    app.last_typing_sent = Some(app.now);
    vec![Effect::Send {
        room_id,
        frame: ClientFrame::Typing,
    }]
}

/// PageUp: scrolls back a page; at the top, asks the server for older messages.
pub(super) fn page_up(app: &mut App) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        app.lobby.selected = app.lobby.selected.saturating_sub(10);
        return Vec::new();
    };
    let (width, height) = messages::pane_size(app);
    let Some(room) = app.room(room_id) else {
        return Vec::new();
    };
    let total = messages::line_count(app, room, width);
    let height = usize::from(height);
    let top = total.saturating_sub(height);
    let page = height.saturating_sub(1).max(1);
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    room.scroll = (room.scroll + page).min(top);
    if room.scroll < top || !room.has_more || room.loading_history || !room.state.is_online() {
        return Vec::new();
    }
    let Some(before) = room.oldest_id() else {
        return Vec::new();
    };
    room.loading_history = true;
    vec![Effect::Send {
        room_id,
        frame: ClientFrame::History {
            before,
            limit: HISTORY_PAGE,
        },
    }]
}

/// PageDown: scrolls toward the newest message.
pub(super) fn page_down(app: &mut App) {
    let View::Room(room_id) = app.view else {
        let last = app.lobby.rooms.len().saturating_sub(1);
        app.lobby.selected = (app.lobby.selected + 10).min(last);
        return;
    };
    let (_, height) = messages::pane_size(app);
    let page = usize::from(height).saturating_sub(1).max(1);
    if let Some(room) = app.room_mut(room_id) {
        room.scroll = room.scroll.saturating_sub(page);
    }
}
