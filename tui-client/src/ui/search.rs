//! `/search` results over the main area: what was searched and where, then one row per line
//! found (newest first: room, sender, the body on one line), the selected one highlighted,
//! and below them whether more are to come ("more…", "Loading more…", "end of results").
//! Enter opens it, Esc closes the list. Everything from other people is sanitized.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::theme::{self, dim, nick_style};
use crate::app::{App, SearchView};
use crate::sanitize::sanitize;

pub fn render(app: &App, search: &SearchView, frame: &mut Frame, header: Rect, body: Rect) {
    let place = match search.room.and_then(|id| app.room(id)) {
        Some(room) => format!("in “{}”", sanitize(&room.title())),
        None => "in all your rooms".to_owned(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(format!(
            " Search “{}” {place} · Enter opens · Esc closes ",
            sanitize(&search.query)
        )))
        .style(
            Style::default()
                .add_modifier(Modifier::BOLD)
                .add_modifier(Modifier::UNDERLINED),
        ),
        header,
    );
    let note = if search.loading {
        Some((" Searching…".to_owned(), dim()))
    } else if search.results.is_empty() {
        Some(match &search.error {
            Some(error) => (format!(" {}", sanitize(error)), theme::error()),
            None => (" No lines match.".to_owned(), dim()),
        })
    } else {
        None
    };
    if let Some((text, style)) = note {
        frame.render_widget(Paragraph::new(text).style(style), body);
        return;
    }
    let [list, footer] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(body);
    let (text, style) = if let Some(error) = &search.error {
        (
            format!(" {} · Down at the end asks again", sanitize(error)),
            theme::error(),
        )
    } else if search.loading_more {
        (" Loading more…".to_owned(), dim())
    } else if search.next_before.is_some() {
        (" more… (Down at the end loads them)".to_owned(), dim())
    } else {
        (" end of results".to_owned(), dim())
    };
    let count = format!(" {} found ·", search.results.len());
    frame.render_widget(
        Paragraph::new(format!("{count}{text}")).style(style),
        footer,
    );
    let rows = search.results.iter().map(|hit| {
        let body = hit.message.body.replace('\n', " ");
        Row::new(vec![
            Cell::from(sanitize(&hit.room.title).into_owned()),
            Cell::from(sanitize(&hit.message.sender).into_owned())
                .style(nick_style(&hit.message.sender)),
            Cell::from(sanitize(&body).into_owned()),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Length(12),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(vec!["Room", "From", "Line"]).style(dim()))
    .row_highlight_style(theme::selected())
    .highlight_symbol("› ")
    .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(Some(search.selected));
    frame.render_stateful_widget(table, list, &mut state);
}
