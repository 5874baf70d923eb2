//! Colours and small formatting helpers shared by the panes: one stable colour per nickname,
//! truncation and padding by display width.

use ratatui::style::{Color, Modifier, Style};

use crate::input::char_width;

/// Colours that read well on dark and light terminals alike.
const NICK_PALETTE: [Color; 12] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Red,
    Color::LightCyan,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightRed,
];

/// A nickname's colour: FNV-1a of its bytes, so it is the same in every run and on every
/// machine (std's hasher makes no such promise).
pub fn nick_color(nickname: &str) -> Color {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in nickname.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    NICK_PALETTE[hash as usize % NICK_PALETTE.len()]
}

pub fn nick_style(nickname: &str) -> Style {
    Style::default()
        .fg(nick_color(nickname))
        .add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

pub fn error() -> Style {
    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn info() -> Style {
    Style::default().fg(Color::Cyan)
}

pub fn selected() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

/// Cuts `text` to at most `width` cells, ending in `…` when something was cut.
pub fn truncate(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(char_width).sum();
    if total <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Pads `text` with spaces on the left to `width` cells (it must already fit).
pub fn pad_left(text: &str, width: usize) -> String {
    let w: usize = text.chars().map(char_width).sum();
    format!("{}{text}", " ".repeat(width.saturating_sub(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nickname_always_gets_the_same_colour() {
        assert_eq!(nick_color("moistybro"), nick_color("moistybro"));
        let colours: std::collections::HashSet<_> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|n| format!("{:?}", nick_color(n)))
            .collect();
        assert!(
            colours.len() > 1,
            "different nicknames spread over the palette"
        );
    }

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(truncate("안녕하세요", 6), "안녕…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(pad_left("한", 4), "  한");
    }
}
