//! Who is in a room (`docs/protocol.md` "Big rooms"): the welcome's first page and counts,
//! `participant_page` answers merged one entry per nickname, `headcount` moving the counts,
//! the small room's `participant` / `participant_left` / `presence` frames, and the pane's
//! scroll, which asks for the next page when the end of the list comes into view.

use chat_shared::{limits, ClientFrame, Participant};

use crate::action::Effect;
use crate::app::{App, Headcount, RoomView, View};
use crate::layout::participants as pane;

/// The welcome's list: the first page (the whole list from a server without big rooms,
/// whose welcome has no `online_count`). What was paged in before is dropped, since the list
/// may have moved while we were away; a request still on its way died with the old socket.
pub(super) fn on_welcome(
    room: &mut RoomView,
    participants: Vec<Participant>,
    total: i64,
    online_count: Option<u32>,
    more: bool,
) {
    room.people.counts = online_count.map(|online| Headcount {
        participants: usize::try_from(total).unwrap_or(0),
        online: online as usize,
    });
    room.people.next_offset = more.then_some(participants.len() as u32);
    room.people.loading = false;
    room.participants = Vec::new();
    merge(room, participants);
}

/// A `participant_page`: its names added (or their online state updated), the counts and
/// where the next page starts. While the end of the list is still in view and the server
/// has more, the next page is asked for at once.
pub(super) fn on_page(
    app: &mut App,
    room_id: i64,
    offset: u32,
    participants: Vec<Participant>,
    counts: Headcount,
    has_more: bool,
) -> Vec<Effect> {
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    let next = offset.saturating_add(participants.len() as u32);
    merge(room, participants);
    room.people.counts = Some(counts);
    room.people.next_offset = has_more.then_some(next);
    room.people.loading = false;
    if has_more {
        load_if_end_in_view(app, room_id)
    } else {
        Vec::new()
    }
}

/// A `headcount`: the counts move, the names loaded stay as they are.
pub(super) fn on_headcount(room: &mut RoomView, counts: Headcount) {
    room.people.counts = Some(counts);
}

/// `participant` (small rooms): a new participant, offline until their `presence`.
pub(super) fn on_joined(room: &mut RoomView, nickname: String) {
    if room.participants.iter().any(|p| p.nickname == nickname) {
        return;
    }
    room.participants.push(Participant {
        nickname,
        online: false,
    });
    if let Some(counts) = &mut room.people.counts {
        counts.participants += 1;
    }
}

/// `participant_left` (small rooms).
pub(super) fn on_left(room: &mut RoomView, nickname: &str) {
    let Some(at) = room
        .participants
        .iter()
        .position(|p| p.nickname == nickname)
    else {
        return;
    };
    let gone = room.participants.remove(at);
    if let Some(counts) = &mut room.people.counts {
        counts.participants = counts.participants.saturating_sub(1);
        if gone.online {
            counts.online = counts.online.saturating_sub(1);
        }
    }
}

/// `presence` (small rooms). Only participants are listed: someone who just left may still
/// get an "offline" after `participant_left`, and someone who enters gets `participant` first.
pub(super) fn on_presence(room: &mut RoomView, nickname: &str, online: bool) {
    let Some(p) = room
        .participants
        .iter_mut()
        .find(|p| p.nickname == nickname)
    else {
        return;
    };
    if p.online == online {
        return;
    }
    p.online = online;
    if let Some(counts) = &mut room.people.counts {
        counts.online = if online {
            counts.online + 1
        } else {
            counts.online.saturating_sub(1)
        };
    }
}

/// Alt+Up/Down (a row) and Alt+PgUp/PgDn (a pane): scrolls the room's participant pane.
/// Moving down with the end in view asks for more names, from the start again if the server
/// said it had no more yet the counts say some are missing (the list moved while paging).
pub(super) fn scroll(app: &mut App, rows: isize) -> Vec<Effect> {
    let View::Room(room_id) = app.view else {
        return Vec::new();
    };
    let Some(height) = pane::list_height(app) else {
        return Vec::new();
    };
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    let from = pane::first_row(room, height);
    room.people.scroll = from
        .saturating_add_signed(rows)
        .min(pane::max_scroll(room, height));
    if rows <= 0 || !pane::end_in_view(room, height) {
        return Vec::new();
    }
    if room.people.next_offset.is_none() {
        room.people.next_offset = Some(0);
    }
    load_more(room).into_iter().collect()
}

/// Asks for the next page if the room is on screen and its pane shows the end of the list.
fn load_if_end_in_view(app: &mut App, room_id: i64) -> Vec<Effect> {
    if app.view != View::Room(room_id) {
        return Vec::new();
    }
    let height = pane::list_height(app);
    let Some(room) = app.room_mut(room_id) else {
        return Vec::new();
    };
    match height {
        Some(height) if pane::end_in_view(room, height) => load_more(room).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The `participants` request for the next page, unless one is on its way, none is missing
/// or the server has no more.
fn load_more(room: &mut RoomView) -> Option<Effect> {
    if room.people.loading || room.participants_more() == 0 || room.ended.is_some() {
        return None;
    }
    let offset = room.people.next_offset?;
    room.people.loading = true;
    Some(Effect::Send {
        room_id: room.id,
        frame: ClientFrame::Participants {
            offset,
            limit: limits::PARTICIPANT_PAGE,
        },
    })
}

/// Adds names not loaded yet at the end and takes the online state of those that are.
fn merge(room: &mut RoomView, participants: Vec<Participant>) {
    for p in participants {
        match room
            .participants
            .iter_mut()
            .find(|known| known.nickname == p.nickname)
        {
            Some(known) => known.online = p.online,
            None => room.participants.push(p),
        }
    }
}
