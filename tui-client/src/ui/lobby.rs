//! The room list (the lobby): id, title, participants and creator of the active rooms loaded
//! so far, live from `/ws/lobby`, with the selected row highlighted and a last row saying
//! older rooms exist. Titles and creators are sanitized.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::theme::{self, dim, nick_style};
use crate::action::ConnState;
use crate::app::App;
use crate::sanitize::sanitize;

pub fn render(app: &App, frame: &mut Frame, header: Rect, body: Rect) {
    let state = match &app.lobby.state {
        ConnState::Online => ("live".to_owned(), theme::info()),
        ConnState::Connecting => ("connecting…".to_owned(), dim()),
        ConnState::Offline { .. } => ("offline".to_owned(), theme::error()),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            ratatui::text::Span::styled(
                format!(
                    " Rooms ({}{}) ",
                    app.lobby.rooms.len(),
                    if app.lobby.has_more { "+" } else { "" }
                ),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            ratatui::text::Span::styled(state.0, state.1),
        ]))
        .style(Style::default().add_modifier(Modifier::UNDERLINED)),
        header,
    );
    if app.lobby.rooms.is_empty() {
        let text = match &app.lobby.state {
            ConnState::Offline { reason, .. } => {
                format!(" The room list is offline: {}", sanitize(reason))
            }
            ConnState::Connecting => " Loading the room list…".to_owned(),
            ConnState::Online => " No rooms yet. Press n to create one.".to_owned(),
        };
        frame.render_widget(Paragraph::new(text).style(dim()), body);
        return;
    }
    let rows = app.lobby.rooms.iter().map(|room| {
        Row::new(vec![
            Cell::from(format!("{:>4}", room.id)),
            Cell::from(sanitize(&room.title).into_owned()),
            unread_cell(room),
            Cell::from(format!("{:>5}", room.participant_count)),
            Cell::from(sanitize(&room.creator).into_owned()).style(nick_style(&room.creator)),
        ])
    });
    // Below the last room: where the older ones are.
    let more = app.lobby.has_more.then(|| {
        let note = if app.lobby.loading_older {
            "Loading older rooms…"
        } else {
            "Older rooms load as you move down"
        };
        Row::new(vec![Cell::from(""), Cell::from(note)]).style(dim())
    });
    let rows = rows.chain(more);
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(14),
        ],
    )
    .header(Row::new(vec!["  ID", "Title", "  New", "Users", "Creator"]).style(dim()))
    .row_highlight_style(theme::selected())
    .highlight_symbol("› ")
    .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut table_state = TableState::default().with_selected(Some(app.lobby.selected));
    frame.render_stateful_widget(table, body, &mut table_state);
}

/// A room's unread lines, as the server counts them for us (docs/protocol.md "Read markers"):
/// `12`, `@12` when one of them mentions us, `999+` at the server's cap, blank when read.
fn unread_cell(room: &chat_shared::Room) -> Cell<'static> {
    if room.unread == 0 {
        return Cell::from("");
    }
    let count = chat_shared::limits::unread_label(room.unread);
    if room.mentioned {
        Cell::from(format!("{:>5}", format!("@{count}")))
            .style(super::lines::mention().add_modifier(Modifier::REVERSED))
    } else {
        Cell::from(format!("{count:>5}")).style(
            Style::default()
                .fg(ratatui::style::Color::Yellow)
                .add_modifier(Modifier::BOLD),
        )
    }
}
