//! The help popup (`/help` or F1): every key and command on one screen.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::theme::dim;
use crate::command::COMMANDS;

/// The keys of the main screen: (keys, meaning).
pub const KEYS: &[(&str, &str)] = &[
    ("Alt+1..9", "show room 1..9 (Alt+0 or Esc: the room list)"),
    ("Ctrl+N / Ctrl+P", "next / previous room"),
    (
        "Up / Down",
        "choose a room; move in the draft; recall lines",
    ),
    ("Enter", "join the chosen room; send the message"),
    (
        "Up (empty input)",
        "edit your last line; Esc cancels the edit",
    ),
    ("Tab", "complete a nickname (again: the next one)"),
    ("Alt+A", "next room with news, mentions first"),
    ("Alt+U", "jump to the new messages line"),
    (
        "Alt+Enter, Ctrl+J",
        "new line in the message (a paste stays whole)",
    ),
    ("n", "new room (in the list, with an empty line)"),
    (
        "PgUp/PgDn, End",
        "scroll (PgUp at the top loads older); End: newest",
    ),
    (
        "Alt+Up / Alt+Down",
        "scroll who is here, paging in more (Alt+PgUp/PgDn)",
    ),
    ("Ctrl+U / Ctrl+W", "delete to the start / the word before"),
    ("Ctrl+L / Ctrl+C", "redraw the screen / quit"),
];

pub fn render(frame: &mut Frame, area: Rect, scroll: u16) {
    let mut lines = vec![Line::styled(
        "Keys",
        Style::default().add_modifier(Modifier::BOLD),
    )];
    lines.extend(KEYS.iter().map(|(k, v)| Line::raw(format!("  {k:<18}{v}"))));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Commands",
        Style::default().add_modifier(Modifier::BOLD),
    ));
    lines.extend(
        COMMANDS
            .iter()
            .map(|(k, v)| Line::raw(format!("  {k:<18}{v}"))),
    );
    let total = lines.len() as u16;
    let fits = total + 2 <= area.height;
    // The hint sits in the bottom border, so it shows however far the help is scrolled.
    let hint = if fits {
        " any key closes this help "
    } else {
        " Down/PgDn: more · Up/PgUp: back · any other key closes "
    };
    let width = 72.min(area.width);
    let height = (total + 2).min(area.height);
    let scroll = scroll.min(total.saturating_sub(height.saturating_sub(2)));
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(" help ")
        .title_bottom(Line::styled(hint, dim()));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}
