//! Styles of stored lines by their look (`layout::lines`): a line that mentions us stands out,
//! an action is in italics, a notice and a deleted line are dimmed, and "(edited)" is dimmed
//! after the text.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::dim;
use crate::layout::lines::{LineKind, Look, EDITED};
use crate::layout::messages::Entry;

/// The text style of a stored line.
pub fn text_style(look: Look) -> Style {
    let base = match look.kind {
        LineKind::Text => Style::default(),
        LineKind::Action => Style::default().add_modifier(Modifier::ITALIC),
        LineKind::Notice | LineKind::Deleted => dim(),
    };
    if look.mention {
        base.patch(mention())
    } else {
        base
    }
}

/// A line that mentions us.
pub fn mention() -> Style {
    Style::default()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD)
}

/// Does the nickname column stay empty (the text already names the sender)?
pub fn hides_nick(look: Look) -> bool {
    look.kind == LineKind::Action
}

/// The text of one screen line; on the last one of an edited line, "(edited)" dimmed.
pub fn text_spans(text: String, style: Style, look: Look, last: bool) -> Vec<Span<'static>> {
    if look.edited && last {
        if let Some(before) = text.strip_suffix(EDITED) {
            return vec![
                Span::styled(before.to_owned(), style),
                Span::styled(EDITED, dim()),
            ];
        }
    }
    vec![Span::styled(text, style)]
}

/// A notice: the time, then the text across the nickname column, dimmed.
pub fn wide_lines(entry: Entry<'_>) -> Vec<Line<'static>> {
    let style = text_style(entry.look);
    let count = entry.lines.len();
    entry
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let lead = if i == 0 {
                format!("{} ", entry.time)
            } else {
                " ".repeat(6)
            };
            let mut spans = vec![Span::styled(lead, dim())];
            spans.extend(text_spans(text, style, entry.look, i + 1 == count));
            Line::from(spans)
        })
        .collect()
}
