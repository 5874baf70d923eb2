//! How the main screen is split into panes. `ui` draws into these rectangles and `update`
//! pages by the message pane's height, so drawing and scrolling always agree.

use ratatui::layout::Rect;

/// The sidebar (rooms) shows from this width up.
pub const SIDEBAR_FROM: u16 = 60;
/// The participant pane shows from this width up.
pub const PARTICIPANTS_FROM: u16 = 90;
const SIDEBAR_WIDTH: u16 = 18;
const PARTICIPANTS_WIDTH: u16 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainLayout {
    pub sidebar: Option<Rect>,
    /// One line above the body: the room's title and who is typing.
    pub header: Rect,
    /// Messages, or the room list in the lobby.
    pub body: Rect,
    pub participants: Option<Rect>,
    /// The draft, one or more rows.
    pub input: Rect,
    pub status: Rect,
}

/// Splits the screen; the input box takes `input_rows` rows (at least one) as long as the
/// header and a couple of message lines still fit above it.
pub fn main_layout(area: Rect, in_room: bool, input_rows: u16) -> MainLayout {
    let status_height = u16::from(area.height >= 2);
    let room_for_input = area.height.saturating_sub(status_height + 3).max(1);
    let input_height = input_rows.clamp(1, room_for_input).min(area.height);
    let top_height = area.height - status_height - input_height;
    let input = Rect::new(area.x, area.y + top_height, area.width, input_height);
    let status = Rect::new(
        area.x,
        area.y + top_height + input_height,
        area.width,
        status_height,
    );

    let mut x = area.x;
    let mut width = area.width;
    let sidebar = (area.width >= SIDEBAR_FROM).then(|| {
        let rect = Rect::new(x, area.y, SIDEBAR_WIDTH, top_height);
        x += SIDEBAR_WIDTH;
        width -= SIDEBAR_WIDTH;
        rect
    });
    let participants = (in_room && area.width >= PARTICIPANTS_FROM).then(|| {
        width -= PARTICIPANTS_WIDTH;
        Rect::new(x + width, area.y, PARTICIPANTS_WIDTH, top_height)
    });
    let header = Rect::new(x, area.y, width, top_height.min(1));
    let body = Rect::new(x, area.y + header.height, width, top_height - header.height);
    MainLayout {
        sidebar,
        header,
        body,
        participants,
        input,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_appear_as_the_terminal_grows() {
        let narrow = main_layout(Rect::new(0, 0, 40, 12), true, 1);
        assert_eq!(narrow.sidebar, None);
        assert_eq!(narrow.participants, None);
        assert_eq!(narrow.body, Rect::new(0, 1, 40, 9));
        let wide = main_layout(Rect::new(0, 0, 160, 50), true, 1);
        assert!(wide.sidebar.is_some() && wide.participants.is_some());
        assert_eq!(wide.body.width, 160 - 18 - 20);
        assert_eq!(wide.status, Rect::new(0, 49, 160, 1));
    }

    #[test]
    fn a_tiny_terminal_does_not_underflow() {
        let tiny = main_layout(Rect::new(0, 0, 3, 1), true, 5);
        assert_eq!(tiny.body.height, 0);
        assert_eq!(tiny.input.height, 1);
    }

    #[test]
    fn a_taller_draft_takes_rows_from_the_messages_but_leaves_some() {
        let layout = main_layout(Rect::new(0, 0, 80, 24), true, 4);
        assert_eq!(layout.input, Rect::new(0, 19, 80, 4));
        assert_eq!(layout.body.height, 18);
        let small = main_layout(Rect::new(0, 0, 80, 6), true, 6);
        assert_eq!(small.input.height, 2, "header and a line of messages stay");
    }
}
