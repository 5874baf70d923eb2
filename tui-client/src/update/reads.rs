//! How far we have read (docs/protocol.md "Read markers"): the room on screen reports its
//! newest line as read, never a room in a background tab or a view scrolled up above it;
//! the "── new messages ──" line goes where reading stopped, and Alt+U jumps to it.

use std::time::Duration;

use chat_shared::frame::HistoryFrom;
use chat_shared::ClientFrame;

use crate::action::Effect;
use crate::app::{App, Screen, View, HISTORY_PAGE};
use crate::layout::messages;

/// At most one `read` frame this often (the server takes one every 100 ms).
pub const READ_EVERY: Duration = Duration::from_millis(500);

/// After every action: reports the shown room's newest line if it is on screen and newer than
/// our marker. Too soon after the last report it waits for a later action (ticks come a few
/// times a second).
pub(super) fn track(app: &mut App) -> Vec<Effect> {
    if app.screen != Screen::Main {
        return Vec::new();
    }
    let View::Room(room_id) = app.view else {
        return Vec::new();
    };
    let now = app.now;
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    if !room.read_markers || room.scroll > 0 || !room.state.is_online() {
        return Vec::new();
    }
    let Some(newest) = room.messages.last().map(|m| m.id) else {
        return Vec::new();
    };
    if newest <= room.read_up_to
        || room
            .read_sent_at
            .is_some_and(|at| now.saturating_duration_since(at) < READ_EVERY)
    {
        return Vec::new();
    }
    room.read_up_to = newest;
    room.read_sent_at = Some(now);
    vec![Effect::Send {
        room_id,
        frame: ClientFrame::Read { up_to: newest },
    }]
}

/// The room is being shown: the divider goes above the first line after our marker, among
/// the lines loaded now.
pub(super) fn place_divider(app: &mut App, room_id: i64) {
    if let Some(room) = app.room_mut(room_id).filter(|r| r.read_markers) {
        room.new_after = Some(room.read_up_to);
        room.new_upto = room.messages.last().map_or(0, |m| m.id);
        room.seeking_new = false;
    }
}

/// Alt+U: scrolls so the "── new messages ──" line is at the top, loading older pages first
/// when it is older than what is loaded.
pub(super) fn jump_to_new(app: &mut App) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return Vec::new();
    };
    let (width, height) = messages::pane_size(app);
    let Some(room) = app.room(room_id) else {
        return Vec::new();
    };
    let me = app.me.clone();
    if room.new_is_older() && room.first_new(me.as_deref()).is_some() {
        if !room.state.is_online() || room.loading_history {
            return Vec::new();
        }
        let before = room.oldest_id().unwrap_or(i64::MAX);
        let Some(room) = app.room_mut(room_id) else {
            return Vec::new();
        };
        room.seeking_new = true;
        room.loading_history = true;
        return vec![Effect::Send {
            room_id,
            frame: HistoryFrom::Before(before).frame(HISTORY_PAGE),
        }];
    }
    let Some(above) = messages::lines_above_new(app, room, width) else {
        app.info("No new messages here: everything was read.");
        return Vec::new();
    };
    let total = messages::line_count(app, room, width);
    let height = usize::from(height);
    let top = total.saturating_sub(height);
    if let Some(room) = app.room_mut(room_id) {
        room.seeking_new = false;
        // The divider's line at the top of the pane.
        room.scroll = top.saturating_sub(above);
    }
    Vec::new()
}

/// An older page arrived: Alt+U goes on loading until the divider's line is there.
pub(super) fn older_loaded(app: &mut App, room_id: i64) -> Vec<Effect> {
    let seeking = app.room(room_id).is_some_and(|r| r.seeking_new);
    if !seeking || app.view != View::Room(room_id) {
        return Vec::new();
    }
    jump_to_new(app)
}
