//! The room list: the lobby socket's first page and its live changes, and older pages loaded
//! when the selection reaches the last room shown.

use chat_shared::api::RoomList;
use chat_shared::{LobbyFrame, Room};

use crate::action::Effect;
use crate::app::App;

pub(super) fn on_frame(app: &mut App, frame: LobbyFrame) {
    match frame {
        LobbyFrame::Rooms { rooms, has_more } => {
            for open in &mut app.rooms {
                if let Some(room) = rooms.iter().find(|r| r.id == open.id) {
                    open.room = Some(room.clone());
                }
            }
            // A reconnect starts over from the newest page; a page still loading would land
            // after the wrong room.
            app.lobby.rooms = rooms;
            app.lobby.has_more = has_more;
            app.lobby.loading_older = false;
        }
        LobbyFrame::Room { room } => upsert(app, room),
        LobbyFrame::RoomRemoved { id } => app.lobby.rooms.retain(|r| r.id != id),
        LobbyFrame::Unread {
            room_id,
            unread,
            mentioned,
        } => {
            if let Some(room) = app.lobby.rooms.iter_mut().find(|r| r.id == room_id) {
                room.unread = unread;
                room.mentioned = mentioned;
            }
        }
    }
    clamp_selection(app);
}

/// A room created or changed: replaced where it is, or put in its place by id (newest first).
/// A room older than every loaded one stays out while older pages are not loaded yet: its
/// page brings it.
pub(crate) fn upsert(app: &mut App, room: Room) {
    let lobby = &mut app.lobby;
    match lobby.rooms.iter_mut().find(|r| r.id == room.id) {
        // A `room` frame carries no unread count: the one we have stays.
        Some(existing) => {
            *existing = Room {
                unread: existing.unread,
                mentioned: existing.mentioned,
                ..room.clone()
            }
        }
        None => {
            let at = lobby
                .rooms
                .iter()
                .position(|r| r.id < room.id)
                .unwrap_or(lobby.rooms.len());
            if at < lobby.rooms.len() || !lobby.has_more {
                lobby.rooms.insert(at, room.clone());
                // The selection stays on the room it was on.
                if at <= lobby.selected && lobby.rooms.len() > 1 {
                    lobby.selected += 1;
                }
            }
        }
    }
    if let Some(open) = app.room_mut(room.id) {
        open.room = Some(room);
    }
}

/// Moves the selection by `delta` rows; reaching the last room asks for the next older page.
pub(super) fn move_selection(app: &mut App, delta: isize) -> Vec<Effect> {
    let last = app.lobby.rooms.len().saturating_sub(1);
    app.lobby.selected = app.lobby.selected.saturating_add_signed(delta).min(last);
    load_more_at_end(app)
}

fn load_more_at_end(app: &mut App) -> Vec<Effect> {
    let lobby = &mut app.lobby;
    let at_end = lobby.selected + 1 >= lobby.rooms.len();
    match lobby.rooms.last() {
        Some(last) if at_end && lobby.has_more && !lobby.loading_older => {
            lobby.loading_older = true;
            vec![Effect::LoadOlderRooms { before: last.id }]
        }
        _ => Vec::new(),
    }
}

/// An older page arrived: it goes below the rooms shown, unless the list started over
/// meanwhile (a reconnect) and no longer ends where it was asked for.
pub(super) fn on_older(app: &mut App, before: i64, list: RoomList) {
    let lobby = &mut app.lobby;
    if !lobby.loading_older || lobby.rooms.last().map(|r| r.id) != Some(before) {
        return;
    }
    lobby.loading_older = false;
    lobby.has_more = list.next_before.is_some();
    lobby
        .rooms
        .extend(list.rooms.into_iter().filter(|r| r.id < before));
}

pub(super) fn on_older_failed(app: &mut App, message: String) {
    app.lobby.loading_older = false;
    app.error(format!("Could not load older rooms: {message}"));
}

fn clamp_selection(app: &mut App) {
    let last = app.lobby.rooms.len().saturating_sub(1);
    app.lobby.selected = app.lobby.selected.min(last);
}
