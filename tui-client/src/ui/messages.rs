//! The message pane: the rows of `layout::messages` (`HH:MM  nickname │ text`, wrapped with a
//! hanging indent) styled, pending lines dimmed after the stored ones, anchored to the bottom
//! and scrolled back by `RoomView::scroll` lines, with a "↓ N new" line at the bottom while
//! scrolled back. Also the room's header line (title, typing hint). Nicknames and titles are sanitized here; bodies were, line by line, by `wrap`.
//! Links in bodies are underlined; [`visible_links`] says where they are on the screen, for
//! `ui::hyperlink` (OSC 8) and for `/open N`.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::lines;
pub use super::lines::LinkCols;
use super::theme::{self, dim, nick_style, pad_left, truncate};
use crate::app::{App, RoomView};
use crate::input::str_width;
use crate::layout::messages::{nick_width, rows, text_column, Entry, EntryKind, Row};
use crate::sanitize::sanitize;

/// A link's cells on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenLink {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
    pub continued: bool,
}

/// One message (or pending line) as styled screen lines, each with its links.
fn entry_lines(entry: Entry<'_>, width: u16) -> Vec<(Line<'static>, Vec<LinkCols>)> {
    if entry.look.wide() {
        return lines::wide_lines(entry);
    }
    let look = entry.look;
    let style = match entry.kind {
        EntryKind::Stored => lines::text_style(look),
        EntryKind::Pending => Style::default().add_modifier(Modifier::DIM),
        EntryKind::Failed => Style::default().add_modifier(Modifier::CROSSED_OUT),
        EntryKind::Note => theme::error(),
    };
    let nick_w = nick_width(width);
    let shown_nick = if lines::hides_nick(look) {
        ""
    } else {
        entry.nickname
    };
    let nick = pad_left(&truncate(&sanitize(shown_nick), nick_w), nick_w);
    let indent = " ".repeat(6 + nick_w);
    let time = entry.time;
    let nickname = entry.nickname;
    let count = entry.lines.len();
    entry
        .lines
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
            let last = i + 1 == count;
            let (body, links) = lines::text_spans(text, style, look, last, text_column(width));
            spans.extend(body);
            (Line::from(spans), links)
        })
        .collect()
}

/// Every line of the room, oldest first, styled, each with its links: `layout::messages::rows`
/// says what they are.
fn build_rows(app: &App, room: &RoomView, width: u16) -> Vec<(Line<'static>, Vec<LinkCols>)> {
    let mut lines = Vec::new();
    for row in rows(app, room, width) {
        match row {
            Row::Top(text) => lines.push((Line::styled(text, dim()), Vec::new())),
            Row::Day(date) => {
                let label = date.format("%a %d %b %Y");
                lines.push((Line::styled(format!("── {label} ──"), dim()), Vec::new()));
            }
            Row::Entry(entry) => lines.extend(entry_lines(entry, width)),
            Row::Ended(text) => lines.push((Line::styled(text, theme::error()), Vec::new())),
            Row::NewMessages => lines.push((
                Line::styled("── new messages ──", super::lines::mention()),
                Vec::new(),
            )),
            Row::Local(text) => lines.extend(text.into_iter().map(|l| {
                let line = Line::from(vec![
                    Span::raw(" ".repeat(6)),
                    Span::styled(l, theme::info()),
                ]);
                (line, Vec::new())
            })),
        }
    }
    lines
}

/// Every line of the room, oldest first, styled.
pub fn build_lines(app: &App, room: &RoomView, width: u16) -> Vec<Line<'static>> {
    build_rows(app, room, width)
        .into_iter()
        .map(|(line, _)| line)
        .collect()
}

/// What the pane shows in `area`: where its lines go, the lines, and the links among them.
struct Shown {
    rect: Rect,
    lines: Vec<Line<'static>>,
    links: Vec<ScreenLink>,
}

fn shown(app: &App, room: &RoomView, area: Rect) -> Shown {
    let rows = build_rows(app, room, area.width);
    let height = usize::from(area.height);
    let total = rows.len();
    let scroll = room.scroll.min(total.saturating_sub(height));
    let end = total - scroll;
    let start = end.saturating_sub(height);
    // Anchor to the bottom like a chat: short rooms start low on the screen.
    let pad = height.saturating_sub(end - start) as u16;
    let rect = Rect::new(area.x, area.y + pad, area.width, area.height - pad);
    // The "more below" line covers the bottom row while scrolled back.
    let covered = (scroll > 0).then(|| area.bottom().saturating_sub(1));
    let mut lines = Vec::new();
    let mut links = Vec::new();
    for (y, (line, cols)) in (rect.y..).zip(rows.into_iter().skip(start).take(end - start)) {
        lines.push(line);
        if Some(y) == covered {
            continue;
        }
        for link in cols {
            let from = link.cols.start.min(area.width);
            let to = link.cols.end.min(area.width);
            if from < to {
                links.push(ScreenLink {
                    x: area.x + from,
                    y,
                    width: to - from,
                    url: link.url,
                    continued: link.continued,
                });
            }
        }
    }
    Shown { rect, lines, links }
}

/// The links on the message pane in `area`, top to bottom, as drawn there.
pub fn visible_links(app: &App, room: &RoomView, area: Rect) -> Vec<ScreenLink> {
    if area.height == 0 {
        return Vec::new();
    }
    shown(app, room, area).links
}

/// The links as `/open N` numbers them: each once, top to bottom, a link wrapped over two
/// lines counted where it starts (or at the top when its start is scrolled off).
pub fn numbered(links: &[ScreenLink]) -> Vec<&str> {
    links
        .iter()
        .enumerate()
        .filter(|(i, link)| *i == 0 || !link.continued)
        .map(|(_, link)| link.url.as_str())
        .collect()
}

pub fn render(app: &App, room: &RoomView, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let Shown { rect, lines, .. } = shown(app, room, area);
    frame.render_widget(Paragraph::new(lines), rect);
    if room.scroll > 0 {
        let text = match room.new_below {
            0 => "↓ more below · End jumps to the newest".to_owned(),
            n => format!("↓ {n} new · End jumps to the newest"),
        };
        let bottom = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
        frame.render_widget(
            Paragraph::new(Line::styled(
                text,
                theme::info().add_modifier(Modifier::REVERSED),
            )),
            bottom,
        );
    }
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
