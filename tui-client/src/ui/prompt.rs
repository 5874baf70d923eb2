//! The input box: a prompt that says where the draft goes, the rows of the draft that are in
//! view (`layout::input`), and the terminal cursor placed by display width.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::{self, dim};
use crate::app::{App, Prompt, View};
use crate::input::str_width;
use crate::layout::input::{input_box, over_limit};

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let room = app.active_room();
    let shown = input_box(app, area.width);
    let prompt_w = str_width(&shown.prompt);
    let prompt_style = if room.is_some_and(|r| over_limit(&r.input).is_some()) {
        theme::error().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    };
    let mut lines = Vec::new();
    if app.input().is_empty() {
        let placeholder = match (&app.prompt, app.view) {
            (Some(Prompt::ConfirmDelete { .. }), _) => "y deletes it, any other key keeps it",
            (Some(Prompt::CreateRoom), _) => "type a title, Enter creates it, Esc cancels",
            (None, View::Room(_)) if room.is_some_and(|r| r.ended.is_some()) => {
                "nothing can be sent here any more · /close closes the tab"
            }
            (None, View::Lobby) => "Enter joins the selected room · n new room · /help",
            (None, View::Room(_)) if room.is_some_and(|r| !r.state.is_online()) => {
                "lines typed now are sent when the connection is back"
            }
            (None, View::Room(_)) => "type a message · Alt+Enter new line · /help for commands",
        };
        lines.push(Line::from(vec![
            Span::styled(shown.prompt.clone(), prompt_style),
            Span::styled(placeholder, dim()),
        ]));
    } else {
        let indent = " ".repeat(prompt_w);
        let in_view = shown
            .rows
            .iter()
            .enumerate()
            .skip(shown.first)
            .take(usize::from(area.height));
        for (i, row) in in_view {
            // The prompt stays on the box's top row, scrolled or not: it says where the draft
            // goes and what is wrong with it.
            let lead = if i == shown.first {
                Span::styled(shown.prompt.clone(), prompt_style)
            } else {
                Span::raw(indent.clone())
            };
            lines.push(Line::from(vec![lead, Span::raw(row.clone())]));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
    if !app.show_help {
        let (row, column) = shown.cursor;
        let y = area.y + u16::try_from(row - shown.first.min(row)).unwrap_or(0);
        let x = area.x + (prompt_w + column).min(usize::from(area.width.saturating_sub(1))) as u16;
        frame.set_cursor_position((x, y.min(area.y + area.height - 1)));
    }
}
