//! Enter in the input box: slash commands, chat lines (checked as the server would check them,
//! then queued with a nonce, `sending`), the create-room prompt; plus paging through messages
//! (which asks for older history at the top) and the throttled `typing` frame.

use chat_shared::frame::HistoryFrom;
use chat_shared::limits::TITLE_MAX_CHARS;
use chat_shared::{ClientFrame, NotifyLevel};

use super::sending::check_body;
use super::{close_room, edits, open_room, search, sending};
use crate::action::Effect;
use crate::app::{App, PendingLine, Prompt, View, HISTORY_PAGE, TYPING_SEND_EVERY};
use crate::command::{self, Command};
use crate::layout::messages;

/// Enter: runs what was typed. The draft is cleared (and kept for recall) only when it was
/// used; a line that cannot be sent, or a command that cannot run, stays for the user to fix.
pub(super) fn submit(app: &mut App) -> Vec<Effect> {
    let line = app.input().text();
    if let Some(Prompt::CreateRoom) = app.prompt.take() {
        app.input_mut().take();
        return create(app, &line);
    }
    if let Some((room_id, message_id)) = edits::editing(app) {
        return edits::send_edit(app, room_id, message_id, &line);
    }
    if line.trim().is_empty() {
        app.input_mut().clear();
        if app.view == View::Lobby {
            if let Some(room) = app.lobby.rooms.get(app.lobby.selected) {
                let id = room.id;
                return open_room(app, id);
            }
        }
        return Vec::new();
    }
    app.notice = None;
    let command = command::parse(&line);
    // The line stays in the input, to be fixed.
    if let Command::Invalid(message) = command {
        app.error(message);
        return Vec::new();
    }
    if let (Command::Say(_), View::Lobby) = (&command, app.view) {
        app.error("Open a room first: Enter joins the selected room, /join ID opens one.");
        return Vec::new();
    }
    if let (Command::Say(text), View::Room(id)) = (&command, app.view) {
        return match send_line(app, id, text, false) {
            Ok(effects) => {
                app.input_mut().take();
                effects
            }
            Err(message) => {
                app.error(message);
                Vec::new()
            }
        };
    }
    app.input_mut().take();
    match command {
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
        Command::Me(text) => match app.view {
            View::Room(room_id) => match send_line(app, room_id, &text, true) {
                Ok(effects) => effects,
                Err(message) => {
                    // The line goes back, to be fixed.
                    app.input_mut().set(&line);
                    app.error(message);
                    Vec::new()
                }
            },
            View::Lobby => in_a_room(app, "/me"),
        },
        Command::Edit => match app.view {
            View::Room(room_id) => {
                if !edits::start_editing(app, room_id) {
                    app.error("You have no line here to edit.");
                }
                Vec::new()
            }
            View::Lobby => in_a_room(app, "/edit"),
        },
        Command::Delete(target) => match app.view {
            View::Room(room_id) => {
                edits::ask_delete(app, room_id, target);
                Vec::new()
            }
            View::Lobby => in_a_room(app, "/delete"),
        },
        Command::Ban(nickname) => ban(app, nickname, true),
        Command::Unban(nickname) => ban(app, nickname, false),
        Command::Names => match app.view {
            View::Room(room_id) => {
                edits::list_names(app, room_id);
                Vec::new()
            }
            View::Lobby => in_a_room(app, "/names"),
        },
        Command::Notify(level) => notify(app, level),
        Command::Logout => vec![Effect::Logout],
        Command::Open(n) => open_link(app, n),
        Command::Search(query) => search::start(app, query),
        Command::Help => {
            app.show_help = true;
            Vec::new()
        }
        Command::Quit => {
            app.should_quit = true;
            vec![Effect::Quit]
        }
        Command::Say(_) | Command::Invalid(_) => Vec::new(),
    }
}

/// `/open N`: the Nth link on the screen as drawn now, to the system's opener.
fn open_link(app: &mut App, n: usize) -> Vec<Effect> {
    let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
    let links = crate::ui::links_on_screen(app, area);
    let numbered = crate::ui::messages::numbered(&links);
    match numbered.get(n - 1) {
        Some(url) => {
            let url = (*url).to_owned();
            app.info(format!("Opening {url}"));
            vec![Effect::OpenLink { url }]
        }
        None => {
            let there = match numbered.len() {
                0 => "there are no links on the screen".to_owned(),
                1 => "there is 1 link on the screen".to_owned(),
                count => format!("there are {count} links on the screen"),
            };
            app.error(format!(
                "No link {n} to open: {there}, numbered from the top."
            ));
            Vec::new()
        }
    }
}

fn ban(app: &mut App, nickname: String, ban: bool) -> Vec<Effect> {
    match app.view {
        View::Room(room_id) => vec![Effect::Ban {
            room_id,
            nickname,
            ban,
        }],
        View::Lobby => in_a_room(app, if ban { "/ban" } else { "/unban" }),
    }
}

/// `/notify LEVEL` asks the server to keep it (the room changes when it says yes);
/// `/notify` alone says what the room has now.
fn notify(app: &mut App, level: Option<NotifyLevel>) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return in_a_room(app, "/notify");
    };
    match level {
        Some(level) => vec![Effect::SetNotify { room_id, level }],
        None => {
            if let Some(level) = app.room(room_id).map(|r| r.notify) {
                app.info(notify_status(level));
            }
            Vec::new()
        }
    }
}

/// The status line's words for a room's notification level.
pub(super) fn notify_status(level: NotifyLevel) -> String {
    let what = match level {
        NotifyLevel::All => "all lines",
        NotifyLevel::Mentions => "mentions only",
        NotifyLevel::None => "nothing",
    };
    format!("Notifications here: {what}.")
}

fn in_a_room(app: &mut App, command: &str) -> Vec<Effect> {
    app.error(format!("{command} works inside a room."));
    Vec::new()
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

/// Checks a chat line (or a `/me` action) as the server will, then queues it.
pub(crate) fn send_line(
    app: &mut App,
    room_id: i64,
    text: &str,
    action: bool,
) -> Result<Vec<Effect>, String> {
    let Some(body) = check_body(text)? else {
        return Ok(Vec::new());
    };
    if let Some(why) = app.room(room_id).and_then(|r| r.ended.clone()) {
        return Err(why);
    }
    let nonce = app.next_nonce();
    let now = app.now;
    let Some(room) = app.room_mut(room_id) else {
        return Ok(Vec::new());
    };
    room.error = None;
    room.scroll = 0;
    room.new_below = 0;
    let line = if action {
        PendingLine::action(nonce, body)
    } else {
        PendingLine::new(nonce, body)
    };
    Ok(sending::queue(room, line, now))
}

/// Sends `typing` while the user types a chat line, at most every few seconds.
pub(super) fn maybe_typing(app: &mut App) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return Vec::new();
    };
    // Fixing a line already sent is not typing a new one.
    let editing = app.room(room_id).is_some_and(|r| r.editing.is_some());
    if app.prompt.is_some()
        || editing
        || app.input().is_empty()
        || app.input().text().starts_with('/')
    {
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
        frame: HistoryFrom::Before(before).frame(HISTORY_PAGE),
    }]
}

/// PageDown: scrolls toward the newest message.
pub(super) fn page_down(app: &mut App) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return super::lobby::move_selection(app, 10);
    };
    let (_, height) = messages::pane_size(app);
    let page = usize::from(height).saturating_sub(1).max(1);
    if let Some(room) = app.room_mut(room_id) {
        let at_bottom = room.scroll == 0;
        room.scroll = room.scroll.saturating_sub(page);
        if room.scroll == 0 {
            room.new_below = 0;
        }
        // At the bottom of a room opened at a search result: read on toward the newest.
        if at_bottom {
            return search::load_newer(room);
        }
    }
    Vec::new()
}

/// End with the view scrolled back: straight to the newest message.
pub(super) fn jump_to_newest(app: &mut App) {
    let View::Room(room_id) = app.view else {
        return;
    };
    if let Some(room) = app.room_mut(room_id) {
        room.scroll = 0;
        room.new_below = 0;
    }
}
