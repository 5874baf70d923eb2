//! The side panes: open rooms with unread counts on the left, the room's participants with
//! their online state and the room's counts on the right. Titles and nicknames are sanitized.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::theme::{dim, nick_style, selected, truncate};
use crate::action::ConnState;
use crate::app::{App, RoomView, View};
use crate::input::str_width;
use crate::layout::participants;
use crate::sanitize::sanitize;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::RIGHT).border_style(dim());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = vec![row(
        "0",
        "Rooms",
        String::new(),
        Style::default(),
        width,
        app.view == View::Lobby,
    )];
    for (i, room) in app.rooms.iter().enumerate() {
        let (badge, badge_style) = badge(room);
        lines.push(row(
            &(i + 1).to_string(),
            &sanitize(&room.title()),
            badge,
            badge_style,
            width,
            app.view == View::Room(room.id),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The unread badge: `!` offline (or banned), `@3` when some of the 3 unread lines mention
/// us, `3` for plain unread lines.
fn badge(room: &RoomView) -> (String, Style) {
    if room.ended.is_some() || matches!(room.state, ConnState::Offline { .. }) {
        return ("!".to_owned(), Style::default().fg(Color::Red));
    }
    let unread = Style::default()
        .fg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    match (room.mentions, room.unread) {
        (0, 0) => (String::new(), unread),
        (0, n) => (n.to_string(), unread),
        (_, n) => (
            format!("@{n}"),
            super::lines::mention().add_modifier(Modifier::REVERSED),
        ),
    }
}

/// `N title      3`: the Alt+N number, the title cut to fit, the unread badge on the right.
fn row(
    number: &str,
    title: &str,
    badge: String,
    badge_style: Style,
    width: usize,
    active: bool,
) -> Line<'static> {
    let badge_w = if badge.is_empty() {
        0
    } else {
        str_width(&badge) + 1
    };
    let title_w = width.saturating_sub(number.len() + 1 + badge_w);
    let title = truncate(title, title_w);
    let gap = title_w.saturating_sub(str_width(&title));
    let base = if active { selected() } else { Style::default() };
    let mut spans = vec![
        Span::styled(format!("{number} "), dim().patch(base)),
        Span::styled(format!("{title}{}", " ".repeat(gap)), base),
    ];
    if !badge.is_empty() {
        spans.push(Span::styled(format!(" {badge}"), badge_style.patch(base)));
    }
    Line::from(spans)
}

/// The participant pane: the counts, then the loaded names from the pane's scroll on, and
/// "and N more" at the end while the room has more than are loaded (Alt+Down pages them in).
pub fn render_participants(room: &RoomView, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::LEFT)
        .border_style(dim())
        .padding(ratatui::widgets::Padding::left(1));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = vec![Line::styled(
        format!(
            "Users {}/{}",
            room.participants_online(),
            room.participant_total()
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let height = usize::from(inner.height.saturating_sub(1));
    let first = participants::first_row(room, height);
    let width = usize::from(inner.width).saturating_sub(2);
    for p in participants::ordered(room)
        .into_iter()
        .skip(first)
        .take(height)
    {
        let (dot, style) = if p.online {
            ("● ", Style::default().fg(Color::Green))
        } else {
            ("○ ", dim())
        };
        let name_style = if p.online {
            nick_style(&p.nickname)
        } else {
            dim()
        };
        lines.push(Line::from(vec![
            Span::styled(dot, style),
            Span::styled(truncate(&sanitize(&p.nickname), width), name_style),
        ]));
    }
    let more = room.participants_more();
    if more > 0 && lines.len() <= height {
        let text = if room.people.loading {
            format!("and {more} more…")
        } else {
            format!("and {more} more")
        };
        lines.push(Line::styled(
            truncate(&text, usize::from(inner.width)),
            dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
