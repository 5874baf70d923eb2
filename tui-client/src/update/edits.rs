//! Changing lines already sent: Up in an empty input (or `/edit`) takes our newest line into
//! the input to edit, Enter sends an `edit` for it and Esc gives up; `/delete` asks y/n first,
//! then sends a `delete`. Also `/names`. What the server answers comes back as
//! `message_edited` / `message_deleted` (`update::room`) or as an `error` naming the message.

use chat_shared::{ClientFrame, Message};

use super::sending::check_body;
use crate::action::Effect;
use crate::app::{App, LocalLine, Prompt, View};
use crate::command::DeleteTarget;

/// The room and message the input is editing, if it is.
pub(super) fn editing(app: &App) -> Option<(i64, i64)> {
    let room = app.active_room()?;
    Some((room.id, room.editing?))
}

/// A line that can still be changed: not deleted, not a notice from the server.
fn changeable(message: &Message) -> bool {
    !message.deleted && !message.kind.is_quiet()
}

/// Puts our newest line of the room into the input to edit. False if we have none.
pub(super) fn start_editing(app: &mut App, room_id: i64) -> bool {
    edit_before(app, room_id, i64::MAX)
}

/// Up while editing: our line before the one being edited takes its place (the first edit
/// is dropped unsent). False if there is none.
pub(super) fn edit_older(app: &mut App, room_id: i64, current: i64) -> bool {
    edit_before(app, room_id, current)
}

/// Puts our newest line older than `before` into the input to edit.
fn edit_before(app: &mut App, room_id: i64, before: i64) -> bool {
    let me = app.me.clone().unwrap_or_default();
    let Some(room) = app.room_mut(room_id) else {
        return false;
    };
    let Some(line) = room
        .messages
        .iter()
        .rev()
        .find(|m| m.id < before && m.sender == me && changeable(m))
    else {
        return false;
    };
    let (id, body) = (line.id, line.body.clone());
    room.editing = Some(id);
    room.input.set(&body);
    true
}

/// Esc while editing: the input empties and the line stays as it was.
pub(super) fn cancel_editing(app: &mut App) -> bool {
    let View::Room(room_id) = app.view else {
        return false;
    };
    let Some(room) = app.room_mut(room_id) else {
        return false;
    };
    if room.editing.take().is_none() {
        return false;
    }
    room.input.clear();
    true
}

/// Enter while editing: the new text goes as an `edit` of the line.
pub(super) fn send_edit(app: &mut App, room_id: i64, message_id: i64, text: &str) -> Vec<Effect> {
    let body = match check_body(text) {
        Ok(Some(body)) => body,
        Ok(None) => {
            app.error("An edit cannot be empty: Esc keeps the line, /delete removes it.");
            return Vec::new();
        }
        Err(message) => {
            app.error(message);
            return Vec::new();
        }
    };
    let online = app.room(room_id).is_some_and(|r| r.state.is_online());
    if !online {
        app.error("Not connected: the edit can be sent once the room is back online.");
        return Vec::new();
    }
    if let Some(room) = app.room_mut(room_id) {
        room.editing = None;
        room.error = None;
        room.input.clear();
    }
    vec![Effect::Send {
        room_id,
        frame: ClientFrame::Edit {
            id: message_id,
            body,
        },
    }]
}

/// `/delete`: finds the line and asks y/n about it in the input line.
pub(super) fn ask_delete(app: &mut App, room_id: i64, target: DeleteTarget) {
    let me = app.me.clone().unwrap_or_default();
    let Some(room) = app.room(room_id) else {
        return;
    };
    let mut lines = room.messages.iter().rev().filter(|m| changeable(m));
    let found = match target {
        DeleteTarget::MyLast => lines.find(|m| m.sender == me),
        DeleteTarget::FromBottom(n) => lines.nth(n - 1),
    };
    let Some(line) = found else {
        app.error(match target {
            DeleteTarget::MyLast => "You have no line here to delete.".to_owned(),
            DeleteTarget::FromBottom(n) => format!("There is no line {n} from the bottom here."),
        });
        return;
    };
    let whose = if line.sender == me {
        "your line".to_owned()
    } else {
        format!("{}'s line", line.sender)
    };
    let quote: String = line.body.chars().take(40).collect();
    let ellipsis = if line.body.chars().count() > 40 {
        "…"
    } else {
        ""
    };
    app.prompt = Some(Prompt::ConfirmDelete {
        room_id,
        message_id: line.id,
        what: format!("{whose} “{quote}{ellipsis}”"),
    });
}

/// The answer to the y/n question: y deletes, anything else keeps the line.
pub(super) fn answer_delete(app: &mut App, yes: bool) -> Vec<Effect> {
    let Some(Prompt::ConfirmDelete {
        room_id,
        message_id,
        ..
    }) = app.prompt.take()
    else {
        return Vec::new();
    };
    if !yes {
        app.info("Not deleted.");
        return Vec::new();
    }
    vec![Effect::Send {
        room_id,
        frame: ClientFrame::Delete { id: message_id },
    }]
}

/// `/names`: who is in the room, online first, as a line of the log only we see. In a big
/// room, the names loaded so far and how many more there are (the pane pages them in).
pub(super) fn list_names(app: &mut App, room_id: i64) {
    let Some(room) = app.room_mut(room_id) else {
        return;
    };
    let mut people: Vec<_> = room.participants.iter().collect();
    people.sort_by(|a, b| {
        b.online
            .cmp(&a.online)
            .then_with(|| a.nickname.cmp(&b.nickname))
    });
    let names: Vec<String> = people
        .iter()
        .map(|p| {
            if p.online {
                p.nickname.clone()
            } else {
                format!("{} (away)", p.nickname)
            }
        })
        .collect();
    let mut text = format!(
        "In “{}” ({}): {}",
        room.title(),
        room.participant_total().max(names.len()),
        names.join(", ")
    );
    let more = room.participants_more();
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    let after = room.last_id();
    room.local.push(LocalLine { after, text });
    room.scroll = 0;
    room.new_below = 0;
}
