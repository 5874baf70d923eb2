//! The message pane's lines as text, before any styling: the line at the top saying what is
//! above, a line for each new day, and every message and pending line wrapped by display width
//! with a hanging indent under `HH:MM  nickname │ `. `ui::messages` styles these rows and
//! `update` counts them to bound scrolling, so the two cannot disagree on how tall a room is.

use chrono::NaiveDate;
use ratatui::layout::Rect;

use chat_shared::Message;

use super::input::input_box;
use super::lines::{stored_lines, LineKind, Look};
use super::screen::main_layout;
use super::wrap::{wrap, wrap_with_links, WrappedLine};
use crate::app::{App, PendingLine, RoomView, View};
use crate::sanitize::sanitize;

/// Columns for the nickname: narrower panes give the text more room.
pub fn nick_width(width: u16) -> usize {
    if width >= 60 {
        12
    } else {
        8
    }
}

/// Where message text starts: after `HH:MM nick │ ` (6 + nick + 3 cells).
pub fn text_column(width: u16) -> usize {
    6 + nick_width(width) + 3
}

/// The width left for message text after `HH:MM nick │ ` (as `ui::messages` draws them).
fn text_width(width: u16) -> usize {
    usize::from(width).saturating_sub(text_column(width)).max(1)
}

/// The message pane's size for the current view (what `update` pages by).
pub fn pane_size(app: &App) -> (u16, u16) {
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let input_rows = input_box(app, area.width).height;
    let body = main_layout(area, matches!(app.view, View::Room(_)), input_rows).body;
    (body.width, body.height)
}

/// One or more screen lines of the message pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row<'a> {
    /// The first line: what is above the oldest message (sanitized).
    Top(String),
    /// A new day starts here, since the times alone do not say which day it is.
    Day(NaiveDate),
    /// A message, a pending line, or the note under a line that failed.
    Entry(Entry<'a>),
    /// The last line when the server ended our place in the room (a ban).
    Ended(String),
    /// A line only this client shows (`/names`), wrapped under the time column.
    Local(Vec<String>),
    /// "── new messages ──": where our reading stopped (`RoomView::first_new`).
    NewMessages,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// `HH:MM`; `--:--` for a pending line; blank for a note.
    pub time: String,
    /// As the server sent it (not yet sanitized or padded).
    pub nickname: &'a str,
    pub kind: EntryKind,
    /// The body wrapped to the text column, sanitized, with its links: at least one line.
    pub lines: Vec<WrappedLine>,
    /// How a stored line reads (action, notice, deleted, edited, mentions us).
    pub look: Look,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A message the server stored.
    Stored,
    /// A line we sent that the server has not acknowledged yet.
    Pending,
    /// A line we sent that the server refused.
    Failed,
    /// Why the line above it failed.
    Note,
}

impl Row<'_> {
    /// How many screen lines this row takes.
    pub fn height(&self) -> usize {
        match self {
            Row::Top(_) | Row::Day(_) | Row::Ended(_) | Row::NewMessages => 1,
            Row::Entry(entry) => entry.lines.len(),
            Row::Local(lines) => lines.len(),
        }
    }
}

fn entry<'a>(time: String, nickname: &'a str, body: &str, width: u16, kind: EntryKind) -> Row<'a> {
    Row::Entry(Entry {
        time,
        nickname,
        kind,
        lines: wrap_with_links(body, text_width(width)),
        look: Look::PLAIN,
    })
}

/// A line of ours on its way (or refused): an action reads as it will once stored.
fn pending_entry<'a>(
    time: String,
    me: &'a str,
    line: &PendingLine,
    width: u16,
    kind: EntryKind,
) -> Row<'a> {
    if !line.action {
        return entry(time, me, &line.body, width, kind);
    }
    let look = Look {
        kind: LineKind::Action,
        ..Look::PLAIN
    };
    Row::Entry(Entry {
        time,
        nickname: me,
        kind,
        lines: wrap_with_links(&format!("* {me} {}", line.body), text_width(width)),
        look,
    })
}

/// The local lines made when `after` was the newest message.
fn local_rows<'a>(room: &RoomView, after: Option<i64>, width: u16) -> Vec<Row<'a>> {
    let wide = usize::from(width).saturating_sub(6).max(1);
    room.local
        .iter()
        .filter(|line| line.after == after)
        .map(|line| Row::Local(wrap(&line.text, wide)))
        .collect()
}

/// A stored message, as its kind says it reads (`layout::lines`).
fn stored_entry<'a>(app: &App, room: &RoomView, message: &'a Message, width: u16) -> Row<'a> {
    let look = Look {
        found: room.found == Some(message.id),
        ..Look::of(message, app.me.as_deref())
    };
    let wide = usize::from(width).saturating_sub(6).max(1);
    Row::Entry(Entry {
        time: app.clock.hhmm(&message.sent_at),
        nickname: &message.sender,
        kind: EntryKind::Stored,
        lines: stored_lines(message, look, text_width(width), wide),
        look,
    })
}

/// Every row of the room, oldest first; the first one says what is above it.
pub fn rows<'a>(app: &'a App, room: &'a RoomView, width: u16) -> Vec<Row<'a>> {
    let top = if room.loading_history {
        "⋯ loading older messages".to_owned()
    } else if room.has_more {
        "↑ PageUp for older messages".to_owned()
    } else if room.welcomed {
        format!("── start of “{}” ──", sanitize(&room.title()))
    } else {
        "⋯ connecting".to_owned()
    };
    let mut rows = vec![Row::Top(top)];
    rows.extend(local_rows(room, None, width));
    let mut day = None;
    let first_new = room.first_new(app.me.as_deref());
    for message in &room.messages {
        if Some(message.id) == first_new {
            rows.push(Row::NewMessages);
        }
        let this_day = app.clock.day(&message.sent_at);
        if this_day.is_some() && this_day != day {
            day = this_day;
            if let Some(date) = this_day {
                rows.push(Row::Day(date));
            }
        }
        rows.push(stored_entry(app, room, message, width));
        rows.extend(local_rows(room, Some(message.id), width));
    }
    let me = app.me.as_deref().unwrap_or("me");
    for line in &room.pending {
        let time = "--:--".to_owned();
        match line.failed() {
            None => rows.push(pending_entry(time, me, line, width, EntryKind::Pending)),
            Some(reason) => {
                rows.push(pending_entry(time, me, line, width, EntryKind::Failed));
                let note = format!(
                    "✗ not sent: {reason} · Up (with an empty input) takes it back to edit"
                );
                rows.push(entry("     ".to_owned(), "", &note, width, EntryKind::Note));
            }
        }
    }
    if room.has_newer && !room.messages.is_empty() {
        rows.push(Row::Ended(if room.loading_newer {
            "⋯ loading newer messages".to_owned()
        } else {
            "↓ PageDown for newer messages".to_owned()
        }));
    }
    if let Some(why) = &room.ended {
        rows.push(Row::Ended(format!("── {why} ──")));
    }
    rows
}

/// How many screen lines lie above the "── new messages ──" line, if it is shown.
pub fn lines_above_new(app: &App, room: &RoomView, width: u16) -> Option<usize> {
    let rows = rows(app, room, width);
    let at = rows.iter().position(|r| *r == Row::NewMessages)?;
    Some(rows[..at].iter().map(Row::height).sum())
}

/// How many screen lines the whole room takes (what scrolling is bounded by).
pub fn line_count(app: &App, room: &RoomView, width: u16) -> usize {
    rows(app, room, width).iter().map(Row::height).sum()
}
