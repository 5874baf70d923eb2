//! The input line: a prompt that says where the line goes, the visible part of the text, and
//! the terminal cursor placed by display width.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::dim;
use crate::app::{App, Prompt, View};
use crate::input::str_width;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let room = app.active_room();
    let prompt = match (app.prompt, room) {
        (Some(Prompt::CreateRoom), _) => "New room title: ".to_owned(),
        (None, Some(room)) if !room.state.is_online() => "(offline) > ".to_owned(),
        (None, Some(_)) => "> ".to_owned(),
        (None, None) => "› ".to_owned(),
    };
    let prompt_w = str_width(&prompt);
    let room_for_text = usize::from(area.width).saturating_sub(prompt_w);
    let (text, cursor) = app.input.visible(room_for_text, None);
    let mut spans = vec![Span::styled(
        prompt,
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    )];
    if app.input.is_empty() {
        let placeholder = match (app.prompt, app.view) {
            (Some(_), _) => "type a title, Enter creates it, Esc cancels",
            (None, View::Lobby) => "Enter joins the selected room · n new room · /help",
            (None, View::Room(_)) if room.is_some_and(|r| !r.state.is_online()) => {
                "lines typed now are sent when the connection is back"
            }
            (None, View::Room(_)) => "type a message · /help for commands",
        };
        spans.push(Span::styled(placeholder, dim()));
    } else {
        spans.push(Span::raw(text));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if !app.show_help {
        let x = area.x + (prompt_w + cursor).min(usize::from(area.width.saturating_sub(1))) as u16;
        frame.set_cursor_position((x, area.y));
    }
}
