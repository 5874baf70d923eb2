//! The message pane: `HH:MM  nickname │ text`, wrapped by display width with a hanging indent,
//! pending lines dimmed after the stored ones, anchored to the bottom and scrolled back by
//! `RoomView::scroll` lines. Also the room's header line (title, typing hint). Nicknames,
//! titles and bodies are sanitized here (bodies by `wrap`, line by line).

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::layout::main_layout;
use super::sanitize::sanitize;
use super::theme::{self, dim, hhmm, local_day, nick_style, pad_left, truncate};
use super::wrap::wrap;
use crate::app::{App, RoomView, View};
use crate::input::str_width;

/// Columns for the nickname: narrower panes give the text more room.
fn nick_width(width: u16) -> usize {
    if width >= 60 {
        12
    } else {
        8
    }
}

/// The width left for message text after `HH:MM nick │ `.
fn text_width(width: u16) -> usize {
    usize::from(width)
        .saturating_sub(6 + nick_width(width) + 3)
        .max(1)
}

/// The message pane's size for the current view (what `update` pages by).
pub fn pane_size(app: &App) -> (u16, u16) {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let body = main_layout(area, matches!(app.view, View::Room(_))).body;
    (body.width, body.height)
}

/// How many screen lines the whole room takes (what scrolling is bounded by).
pub fn line_count(app: &App, room: &RoomView, width: u16) -> usize {
    build_lines(app, room, width).len()
}

/// One message (or pending line) as screen lines.
fn entry_lines(
    time: &str,
    nickname: &str,
    body: &str,
    width: u16,
    style: Style,
) -> Vec<Line<'static>> {
    let nick_w = nick_width(width);
    let nick = pad_left(&truncate(&sanitize(nickname), nick_w), nick_w);
    let indent = " ".repeat(6 + nick_w);
    wrap(body, text_width(width))
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let lead = if i == 0 {
                vec![
                    Span::styled(format!("{time} "), dim()),
                    Span::styled(nick.clone(), nick_style(nickname).patch(style)),
                ]
            } else {
                vec![Span::raw(indent.clone())]
            };
            let mut spans = lead;
            spans.push(Span::styled(" │ ", dim()));
            spans.push(Span::styled(text, style));
            Line::from(spans)
        })
        .collect()
}

/// Every line of the room, oldest first; the first one says what is above it.
pub fn build_lines(app: &App, room: &RoomView, width: u16) -> Vec<Line<'static>> {
    let top = if room.loading_history {
        "⋯ loading older messages".to_owned()
    } else if room.has_more {
        "↑ PageUp for older messages".to_owned()
    } else if room.welcomed {
        format!("── start of “{}” ──", sanitize(&room.title()))
    } else {
        "⋯ connecting".to_owned()
    };
    let mut lines = vec![Line::styled(top, dim())];
    let mut day = None;
    for message in &room.messages {
        // A line for each new day, since the times alone do not say which day it is.
        let this_day = local_day(&message.sent_at, app.clock);
        if this_day.is_some() && this_day != day {
            day = this_day;
            if let Some(date) = this_day {
                let label = date.format("%a %d %b %Y");
                lines.push(Line::styled(format!("── {label} ──"), dim()));
            }
        }
        lines.extend(entry_lines(
            &hhmm(&message.sent_at, app.clock),
            &message.sender,
            &message.body,
            width,
            Style::default(),
        ));
    }
    let me = app.me.as_deref().unwrap_or("me");
    for line in &room.pending {
        match &line.failed {
            None => lines.extend(entry_lines(
                "--:--",
                me,
                &line.body,
                width,
                Style::default().add_modifier(Modifier::DIM),
            )),
            Some(reason) => {
                lines.extend(entry_lines(
                    "--:--",
                    me,
                    &line.body,
                    width,
                    Style::default().add_modifier(Modifier::CROSSED_OUT),
                ));
                let note = format!("✗ not sent: {reason} (Up recalls the line)");
                lines.extend(entry_lines("     ", "", &note, width, theme::error()));
            }
        }
    }
    lines
}

pub fn render(app: &App, room: &RoomView, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let lines = build_lines(app, room, area.width);
    let height = usize::from(area.height);
    let total = lines.len();
    let scroll = room.scroll.min(total.saturating_sub(height));
    let end = total - scroll;
    let start = end.saturating_sub(height);
    let shown: Vec<Line> = lines[start..end].to_vec();
    // Anchor to the bottom like a chat: short rooms start low on the screen.
    let pad = height.saturating_sub(shown.len()) as u16;
    let rect = Rect::new(area.x, area.y + pad, area.width, area.height - pad);
    frame.render_widget(Paragraph::new(shown), rect);
}

/// The title line: tab number, title, creator, and who is typing.
pub fn render_header(app: &App, room: &RoomView, frame: &mut Frame, area: Rect) {
    let index = app.rooms.iter().position(|r| r.id == room.id).unwrap_or(0) + 1;
    let mut spans = vec![Span::styled(
        format!(" [{index}] {} ", sanitize(&room.title())),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if let Some(info) = &room.room {
        spans.push(Span::styled(
            format!("#{} by {} ", info.id, sanitize(&info.creator)),
            dim(),
        ));
    }
    let others: usize = app
        .rooms
        .iter()
        .filter(|r| r.id != room.id)
        .map(|r| r.unread)
        .sum();
    if others > 0 {
        spans.push(Span::styled(format!("(+{others} unread) "), theme::info()));
    }
    let typing: Vec<_> = room.typing.iter().map(|(n, _)| sanitize(n)).collect();
    if !typing.is_empty() {
        let verb = if typing.len() == 1 { "is" } else { "are" };
        let hint = format!("{} {verb} typing…", typing.join(", "));
        let used: usize = spans.iter().map(|s| str_width(&s.content)).sum();
        let room_left = usize::from(area.width).saturating_sub(used + 1);
        let hint = truncate(&hint, room_left);
        let gap = room_left.saturating_sub(str_width(&hint));
        spans.push(Span::raw(" ".repeat(gap)));
        spans.push(Span::styled(
            hint,
            Style::default().add_modifier(Modifier::ITALIC),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans))
            .style(Style::default().add_modifier(Modifier::UNDERLINED)),
        area,
    );
}
