//! `/search WORDS` (issue 17): asking the server (in the room on screen, or from the lobby in
//! every room we are in), the results list (Up/Down, Enter opens one, Esc closes it; Down at
//! the last result asks for the next, older page while the server says there is one), and a
//! room opened at a result's line: `history` `around` it, the line marked and scrolled into
//! view, then `after` pages down to the live edge, live lines held until the pages get there.

use chat_shared::api::{MessagePage, SearchResults};
use chat_shared::frame::HistoryFrom;
use chat_shared::search::parse_query;
use chat_shared::Message;
use crossterm::event::{KeyCode, KeyEvent};

use super::{merge_messages, open_room, switch_to};
use crate::action::Effect;
use crate::app::{App, RoomView, SearchView, View, HISTORY_PAGE};
use crate::layout::messages::{self, EntryKind, Row};

/// `/search WORDS`: checked here as the server checks it, then asked for.
pub(super) fn start(app: &mut App, query: String) -> Vec<Effect> {
    if let Err(e) = parse_query(&query) {
        app.error(e.message());
        return Vec::new();
    }
    let room = match app.view {
        View::Room(id) => Some(id),
        View::Lobby => None,
    };
    app.search = Some(SearchView {
        query: query.clone(),
        room,
        loading: true,
        ..SearchView::default()
    });
    vec![Effect::Search {
        query,
        room,
        before: None,
    }]
}

/// A page of results: the first replaces the list, a later one (`before` the one asked for)
/// is added below it. An answer to a search no longer shown is dropped.
pub(super) fn on_results(app: &mut App, before: Option<i64>, results: SearchResults) {
    let Some(search) = &mut app.search else {
        return;
    };
    match before {
        None if search.loading => {
            search.loading = false;
            search.results = results.results;
            search.selected = 0;
        }
        Some(before) if search.loading_more && search.next_before == Some(before) => {
            search.loading_more = false;
            search.results.extend(results.results);
        }
        _ => return,
    }
    search.next_before = results.next_before;
}

pub(super) fn on_failed(app: &mut App, message: String) {
    match &mut app.search {
        Some(search) => {
            search.loading = false;
            search.loading_more = false;
            search.error = Some(message);
        }
        None => app.error(message),
    }
}

/// The selection is on the last result: the next page, if there is one and none is on its way
/// (after a page that failed, this asks again).
fn load_more(search: &mut SearchView) -> Vec<Effect> {
    let at_end = search.selected + 1 >= search.results.len();
    let Some(before) = search.next_before else {
        return Vec::new();
    };
    if !at_end || search.loading || search.loading_more {
        return Vec::new();
    }
    search.loading_more = true;
    search.error = None;
    vec![Effect::Search {
        query: search.query.clone(),
        room: search.room,
        before: Some(before),
    }]
}

/// Keys while the results are shown: `None` for a key the list does not take.
pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Option<Vec<Effect>> {
    let empty_input = app.input().is_empty();
    let search = app.search.as_mut()?;
    match key.code {
        KeyCode::Up => search.selected = search.selected.saturating_sub(1),
        KeyCode::Down => {
            search.selected = (search.selected + 1).min(search.results.len().saturating_sub(1));
            return Some(load_more(search));
        }
        KeyCode::Esc => app.search = None,
        KeyCode::Enter if empty_input => {
            let hit = search.results.get(search.selected).cloned();
            app.search = None;
            return Some(match hit {
                Some(hit) => open_at(app, hit.room.id, hit.message.id),
                None => Vec::new(),
            });
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// The `history` frame that reads the lines around `id`.
fn around(room_id: i64, id: i64) -> Effect {
    Effect::Send {
        room_id,
        frame: HistoryFrom::Around(id).frame(HISTORY_PAGE),
    }
}

/// Opens the room at line `id`: a new tab asks once its welcome comes (`on_welcome`); an
/// open one drops what it shows and asks now.
fn open_at(app: &mut App, room_id: i64, id: i64) -> Vec<Effect> {
    let was_open = app.room(room_id).is_some();
    let mut effects = open_room(app, room_id);
    switch_to(app, View::Room(room_id));
    let Some(room) = app.room_mut(room_id) else {
        return effects;
    };
    room.found = Some(id);
    room.has_newer = true;
    room.held.clear();
    room.scroll = 0;
    room.new_below = 0;
    if was_open && room.welcomed {
        room.messages.clear();
        room.has_more = false;
        room.loading_newer = true;
        effects.push(around(room_id, id));
    }
    effects
}

/// A welcome while the room is away from its live edge. The first asks for the lines around
/// the line searched for (its own history is the newest lines: kept for later, as live lines
/// are); after a reconnect it carries what came after the newest line seen, so it follows the
/// held ones.
pub(super) fn on_welcome(room: &mut RoomView, history: Vec<Message>) -> Vec<Effect> {
    room.held.extend(history);
    match room.found {
        Some(found) if !room.welcomed => {
            room.loading_newer = true;
            vec![around(room.id, found)]
        }
        _ => Vec::new(),
    }
}

/// A live line while away from the live edge: held, its pending line settled.
pub(super) fn hold(room: &mut RoomView, message: Message) {
    if let Some(nonce) = &message.nonce {
        room.pending.retain(|p| &p.nonce != nonce);
    }
    room.held.push(message);
}

/// The answer to `around` or `after`.
pub(super) fn on_page(app: &mut App, room_id: i64, page: MessagePage) {
    let first = app.room(room_id).is_some_and(|r| r.messages.is_empty());
    let Some(room) = app.room_mut(room_id) else {
        return;
    };
    room.loading_newer = false;
    merge_messages(room, page.messages);
    if first {
        room.has_more = page.has_more;
    }
    room.has_newer = page.has_newer.unwrap_or(false);
    if !room.has_newer {
        let held = std::mem::take(&mut room.held);
        merge_messages(room, held);
    }
    if first {
        scroll_to_found(app, room_id);
    }
}

/// Scrolls so the line searched for sits in the middle of the pane.
fn scroll_to_found(app: &mut App, room_id: i64) {
    let (width, height) = messages::pane_size(app);
    let Some(room) = app.room(room_id) else {
        return;
    };
    let Some(index) = room
        .found
        .and_then(|id| room.messages.iter().position(|m| m.id == id))
    else {
        return;
    };
    let rows = messages::rows(app, room, width);
    let mut stored = 0;
    let mut below = None;
    for (at, row) in rows.iter().enumerate() {
        if let Row::Entry(entry) = row {
            if entry.kind == EntryKind::Stored {
                if stored == index {
                    below = Some(rows[at + 1..].iter().map(Row::height).sum::<usize>());
                    break;
                }
                stored += 1;
            }
        }
    }
    let scroll = below.unwrap_or(0).saturating_sub(usize::from(height) / 2);
    if let Some(room) = app.room_mut(room_id) {
        room.scroll = scroll;
    }
}

/// PageDown reached the bottom of a room away from its live edge: the next page forward.
pub(super) fn load_newer(room: &mut RoomView) -> Vec<Effect> {
    if !room.has_newer || room.loading_newer || !room.state.is_online() {
        return Vec::new();
    }
    let Some(after) = room.last_id() else {
        return Vec::new();
    };
    room.loading_newer = true;
    vec![Effect::Send {
        room_id: room.id,
        frame: HistoryFrom::After(after).frame(HISTORY_PAGE),
    }]
}
