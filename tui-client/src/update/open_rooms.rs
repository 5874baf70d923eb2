//! The open tabs, kept on disk (`net::open_rooms`) so the next start opens them again: after
//! every action the file is rewritten if the tabs changed, and once logged in the tabs a
//! previous run left are opened. A room that is gone or refuses us closes its tab with a
//! notice, as any room does (`NetEvent::RoomGone`).

use super::{open_room, switch_to};
use crate::action::Effect;
use crate::app::{App, View};
use crate::net::open_rooms::OpenRooms;

fn open_rooms(app: &App) -> OpenRooms {
    OpenRooms {
        rooms: app.rooms.iter().map(|r| r.id).collect(),
        shown: match app.view {
            View::Room(id) => Some(id),
            View::Lobby => None,
        },
    }
}

/// Asks for the file to be rewritten when the tabs changed since it last was; nothing before
/// the previous run's tabs are back (that would forget them).
pub(super) fn track(app: &mut App) -> Option<Effect> {
    let nickname = app.me.clone()?;
    let saved = app.saved_open_rooms.as_ref()?;
    let now = open_rooms(app);
    if *saved == now {
        return None;
    }
    app.saved_open_rooms = Some(now.clone());
    Some(Effect::SaveOpenRooms {
        nickname,
        rooms: now,
    })
}

/// Opens the tabs a previous run left, in their order, and shows the one that was shown.
pub(super) fn restore(app: &mut App, kept: OpenRooms) -> Vec<Effect> {
    let view = app.view;
    let mut effects = Vec::new();
    for room_id in &kept.rooms {
        effects.extend(open_room(app, *room_id));
    }
    let shown = kept
        .shown
        .filter(|id| app.room(*id).is_some())
        .map_or(view, View::Room);
    switch_to(app, shown);
    app.saved_open_rooms = Some(open_rooms(app));
    effects
}
