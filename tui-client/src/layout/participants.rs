//! The participant pane's rows: one per loaded participant (online first, in the server's
//! order), then "and N more" while the room has more than are loaded. `ui` draws them and
//! `update` scrolls them and pages in more when the end comes into view.

use chat_shared::Participant;

use super::screen::main_layout;
use crate::app::{App, RoomView, View};
use crate::layout::input::input_box;

/// How many list rows the participant pane shows (below its title line), or `None` when the
/// screen is too narrow for the pane.
pub fn list_height(app: &App) -> Option<usize> {
    let area = ratatui::layout::Rect::new(0, 0, app.size.0, app.size.1);
    let in_room = matches!(app.view, View::Room(_));
    let pane = main_layout(area, in_room, input_box(app, area.width).height).participants?;
    Some(usize::from(pane.height.saturating_sub(1)))
}

/// The loaded participants as the pane lists them: online first, each group in the order
/// the server gave (the order pages come in, so a new page adds at the end).
pub fn ordered(room: &RoomView) -> Vec<&Participant> {
    let mut people: Vec<_> = room.participants.iter().collect();
    people.sort_by_key(|p| !p.online);
    people
}

/// How many rows the list has: the participants and the "and N more" line.
pub fn row_count(room: &RoomView) -> usize {
    room.participants.len() + usize::from(room.participants_more() > 0)
}

/// The furthest the list scrolls in a pane of `height` rows: its last row at the bottom.
pub fn max_scroll(room: &RoomView, height: usize) -> usize {
    row_count(room).saturating_sub(height)
}

/// The first row shown: the room's scroll, kept within the list.
pub fn first_row(room: &RoomView, height: usize) -> usize {
    room.people.scroll.min(max_scroll(room, height))
}

/// Is the list's last row on screen?
pub fn end_in_view(room: &RoomView, height: usize) -> bool {
    first_row(room, height) + height >= row_count(room)
}
