//! The login and register forms: one labelled field per line, the server's messages under the
//! fields they are about, and the keys at the bottom. The server's messages are sanitized.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::theme::{self, dim};
use crate::app::{App, LoginForm, RegisterForm};
use crate::input::LineInput;
use crate::layout::wrap::wrap;
use crate::sanitize::sanitize;

const LABEL_WIDTH: u16 = 11;
/// The forms' box is at most this wide; inside it, a border and a space on each side.
const BOX_WIDTH: u16 = 64;

/// A box of at most `width` x `height` in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// One field: its label and its visible text; places the cursor when it has focus.
fn field(
    frame: &mut Frame,
    area: Rect,
    y: u16,
    label: &str,
    input: &LineInput,
    focused: bool,
    mask: bool,
) {
    if y >= area.y + area.height {
        return;
    }
    let label_style = if focused {
        Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let marker = if focused { "›" } else { " " };
    let value_width = area.width.saturating_sub(LABEL_WIDTH);
    let (text, cursor) = input.visible(usize::from(value_width), mask.then_some('•'));
    let line = Line::from(vec![
        Span::styled(format!("{marker}{label:<10}"), label_style),
        Span::styled(text, Style::default().add_modifier(Modifier::UNDERLINED)),
    ]);
    frame.render_widget(Paragraph::new(line), Rect::new(area.x, y, area.width, 1));
    if focused {
        let x = area.x + LABEL_WIDTH + cursor as u16;
        frame.set_cursor_position((x.min(area.x + area.width.saturating_sub(1)), y));
    }
}

/// A line of text inside the form, if it fits.
fn text_line(frame: &mut Frame, area: Rect, y: u16, line: Line) {
    if y < area.y + area.height {
        frame.render_widget(Paragraph::new(line), Rect::new(area.x, y, area.width, 1));
    }
}

/// The framed box both forms are drawn in; returns its inner area.
fn form_box(frame: &mut Frame, area: Rect, title: &str, height: u16) -> Rect {
    let outer = centered(area, BOX_WIDTH, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(format!(" chat-tui · {title} "));
    let inner = block.inner(outer);
    frame.render_widget(Clear, outer);
    frame.render_widget(block, outer);
    Rect::new(
        inner.x + 1,
        inner.y,
        inner.width.saturating_sub(2),
        inner.height,
    )
}

pub fn render_login(app: &App, form: &LoginForm, frame: &mut Frame, area: Rect) {
    let inner = form_box(frame, area, "log in", 12);
    let y = inner.y;
    text_line(
        frame,
        inner,
        y,
        Line::styled(format!("Server {}", sanitize(&app.server)), dim()),
    );
    field(
        frame,
        inner,
        y + 2,
        "Email",
        &form.email,
        form.focus == 0,
        false,
    );
    field(
        frame,
        inner,
        y + 3,
        "Password",
        &form.password,
        form.focus == 1,
        true,
    );
    let status = if form.busy {
        Line::styled("Logging in…", theme::info())
    } else if let Some(error) = &form.error {
        Line::styled(sanitize(error).into_owned(), theme::error())
    } else if let Some(info) = &form.info {
        Line::styled(sanitize(info).into_owned(), theme::info())
    } else {
        Line::raw("")
    };
    // Two lines: "Cannot reach … Is the server running?" must be readable whole.
    let status_area = Rect::new(inner.x, y + 5, inner.width, 2).intersection(inner);
    frame.render_widget(
        Paragraph::new(status).wrap(ratatui::widgets::Wrap { trim: true }),
        status_area,
    );
    text_line(
        frame,
        inner,
        y + 8,
        Line::styled(
            if inner.width >= 56 {
                "Enter log in · Tab next · Ctrl+R register · Ctrl+C quit"
            } else {
                "Enter · Tab · Ctrl+R register"
            },
            dim(),
        ),
    );
}

pub fn render_register(app: &App, form: &RegisterForm, frame: &mut Frame, area: Rect) {
    let fields: [(&str, &str, &LineInput, bool); 4] = [
        ("Email", "email", &form.email, false),
        ("Nickname", "nickname", &form.nickname, false),
        ("Password", "password1", &form.password1, true),
        ("Again", "password2", &form.password2, true),
    ];
    // The server's messages go under their field, wrapped to the room beside the labels (the
    // box grows to hold them), never cut: "It must contain at least 8 characters."
    let message_width = usize::from(area.width.min(BOX_WIDTH).saturating_sub(4 + LABEL_WIDTH));
    let messages: Vec<Vec<String>> = fields
        .iter()
        .map(|(_, key, _, _)| {
            form.errors
                .errors
                .get(*key)
                .into_iter()
                .flatten()
                .flat_map(|message| wrap(message, message_width))
                .collect()
        })
        .collect();
    let error_lines: usize = messages.iter().map(Vec::len).sum();
    let height = 12 + u16::try_from(error_lines).unwrap_or(u16::MAX - 12);
    let inner = form_box(frame, area, "register", height);
    let mut y = inner.y;
    text_line(
        frame,
        inner,
        y,
        Line::styled(format!("Server {}", sanitize(&app.server)), dim()),
    );
    y += 2;
    for (i, ((label, _, input, mask), lines)) in fields.into_iter().zip(messages).enumerate() {
        field(frame, inner, y, label, input, form.focus == i, mask);
        y += 1;
        for line in lines {
            // `wrap` has sanitized each line.
            text_line(
                frame,
                inner,
                y,
                Line::styled(
                    format!("{:w$}{line}", "", w = usize::from(LABEL_WIDTH)),
                    theme::error(),
                ),
            );
            y += 1;
        }
    }
    y += 1;
    let status = if form.busy {
        Line::styled("Registering…", theme::info())
    } else if let Some(message) = form.errors.first("__all__") {
        Line::styled(sanitize(message).into_owned(), theme::error())
    } else {
        Line::raw("")
    };
    // Two lines, as on the login form: "Cannot reach … Is the server running?"
    let status_area = Rect::new(inner.x, y, inner.width, 2).intersection(inner);
    frame.render_widget(
        Paragraph::new(status).wrap(ratatui::widgets::Wrap { trim: true }),
        status_area,
    );
    text_line(
        frame,
        inner,
        y + 2,
        Line::styled("Enter next/register · Tab next · Esc log in", dim()),
    );
}
