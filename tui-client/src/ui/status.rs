//! The status line: the connection state of what is on screen, then either the latest notice
//! (an error stays until the user acts) or the keys that work here. Notices quote the server
//! and room titles, so they are sanitized.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::theme::{self, dim};
use crate::action::ConnState;
use crate::app::{App, NoticeKind, View};
use crate::sanitize::sanitize;

/// The badge for a socket state: what it is and, when offline, why and when it tries again.
fn badge(state: &ConnState) -> Span<'static> {
    match state {
        ConnState::Online => Span::styled("● online ", Style::default().fg(Color::Green)),
        ConnState::Connecting => Span::styled("◌ connecting ", Style::default().fg(Color::Yellow)),
        ConnState::Offline { reason, retry_in } => Span::styled(
            format!(
                "✗ offline: {}; retry in {:.1}s ",
                sanitize(reason),
                retry_in.as_secs_f32()
            ),
            theme::error(),
        ),
    }
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let room = app.active_room();
    let state = room.map_or(&app.lobby.state, |r| &r.state);
    let mut spans = vec![badge(state)];
    if let Some(room) = room {
        let waiting = room.pending.iter().filter(|p| p.failed().is_none()).count();
        if waiting > 0 {
            spans.push(Span::styled(
                format!("{waiting} pending "),
                Style::default().fg(Color::Yellow),
            ));
        }
    }
    if let Some(me) = &app.me {
        spans.push(Span::styled(format!("{} ", sanitize(me)), dim()));
    }
    spans.push(Span::styled("│ ", dim()));
    match &app.notice {
        Some(notice) => spans.push(Span::styled(
            sanitize(&notice.text).into_owned(),
            match notice.kind {
                NoticeKind::Error => theme::error(),
                NoticeKind::Info => theme::info(),
            },
        )),
        None => {
            let keys = match app.view {
                View::Lobby => {
                    "↑↓ select · Enter join · n new · Alt+1-9 rooms · F1 help · Ctrl+C quit"
                }
                View::Room(_) => {
                    "Alt+1-9/Ctrl+N/P switch · PgUp/PgDn scroll · Esc rooms · /help · Ctrl+C quit"
                }
            };
            spans.push(Span::styled(keys, dim()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
