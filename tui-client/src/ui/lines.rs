//! Styles of stored lines by their look (`layout::lines`): a line that mentions us stands out,
//! an action is in italics, a notice and a deleted line are dimmed, and "(edited)" is dimmed
//! after the text. Links keep their underline in every look.

use std::ops::Range;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::dim;
use crate::input::char_width;
use crate::layout::lines::{LineKind, Look, EDITED};
use crate::layout::messages::Entry;
use crate::layout::wrap::WrappedLine;

/// A link's cells on one line of the pane (columns from the pane's left edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCols {
    pub cols: Range<u16>,
    pub url: String,
    /// The link started on the line above.
    pub continued: bool,
}

/// Cells before a notice's text: `HH:MM `.
const WIDE_LEAD: usize = 6;

/// The text style of a stored line.
pub fn text_style(look: Look) -> Style {
    let base = match look.kind {
        LineKind::Text => Style::default(),
        LineKind::Action => Style::default().add_modifier(Modifier::ITALIC),
        LineKind::Notice | LineKind::Deleted => dim(),
    };
    let base = if look.mention {
        base.patch(mention())
    } else {
        base
    };
    if look.found {
        base.add_modifier(Modifier::REVERSED)
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

/// The text of one screen line, starting `lead` cells from the pane's left edge: in `style`,
/// its links underlined, and on the last line of an edited message "(edited)" dimmed; with
/// where its links are, for OSC 8 and `/open N`.
pub fn text_spans(
    line: WrappedLine,
    style: Style,
    look: Look,
    last: bool,
    lead: usize,
) -> (Vec<Span<'static>>, Vec<LinkCols>) {
    let chars: Vec<char> = line.text.chars().collect();
    let quiet_from = if look.edited && last && line.text.ends_with(EDITED) {
        chars.len() - EDITED.chars().count()
    } else {
        chars.len()
    };
    let col_of = |i: usize| -> u16 {
        let w: usize = chars[..i].iter().map(|&c| char_width(c)).sum();
        u16::try_from(lead + w).unwrap_or(u16::MAX)
    };
    // Spans break wherever the style changes: at each link's ends and where "(edited)" starts.
    let mut cuts = vec![0, quiet_from, chars.len()];
    for run in &line.links {
        cuts.extend([run.chars.start, run.chars.end]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut spans = Vec::new();
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let mut span_style = if from >= quiet_from { dim() } else { style };
        if line
            .links
            .iter()
            .any(|run| run.chars.start <= from && to <= run.chars.end)
        {
            span_style = span_style.add_modifier(Modifier::UNDERLINED);
        }
        spans.push(Span::styled(
            chars[from..to].iter().collect::<String>(),
            span_style,
        ));
    }
    if spans.is_empty() {
        spans.push(Span::styled(String::new(), style));
    }
    let cols = line
        .links
        .into_iter()
        .map(|run| LinkCols {
            cols: col_of(run.chars.start)..col_of(run.chars.end),
            url: run.url,
            continued: run.continued,
        })
        .collect();
    (spans, cols)
}

/// A notice: the time, then the text across the nickname column, dimmed; links still
/// underlined and reported.
pub fn wide_lines(entry: Entry<'_>) -> Vec<(Line<'static>, Vec<LinkCols>)> {
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
                " ".repeat(WIDE_LEAD)
            };
            let mut spans = vec![Span::styled(lead, dim())];
            let (body, links) = text_spans(text, style, entry.look, i + 1 == count, WIDE_LEAD);
            spans.extend(body);
            (Line::from(spans), links)
        })
        .collect()
}
