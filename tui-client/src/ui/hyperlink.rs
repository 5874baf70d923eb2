//! OSC 8 hyperlinks over the links the message pane drew, for terminals that make them
//! clickable (others ignore the sequence and show the text). Applied to the finished frame
//! by `ui::draw`, after `sanitize::scrub`: these are the only escapes a frame carries, and
//! their target is the link percent-encoded down to printable ASCII, so nothing from a body
//! can end the sequence early or start another.
//!
//! ratatui 0.29 knows nothing of hyperlinks, so the sequence goes into cell symbols, which
//! needs care with widths: the buffer diff takes a symbol's width from all its characters,
//! escapes included, and skips the cell after a symbol wider than one. So each symbol holds
//! the open sequence, the text of two cells (two narrow characters, or one wide one) and the
//! close sequence; the second cell is the one the diff skips, and every symbol is a whole
//! link on its own, so any subset the diff redraws stays correct. A narrow cell left alone at
//! the end of a run keeps its text and underline without the link, since the diff would
//! otherwise skip the unrelated cell after it.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

use super::messages::ScreenLink;

/// The string terminator ending an OSC sequence (ESC \).
const ST: &str = "\x1b\\";

/// Turns the cells of each link into OSC 8 hyperlinks to its URL.
pub fn apply(buffer: &mut Buffer, links: &[ScreenLink]) {
    let area = buffer.area;
    for link in links {
        let open = format!("\x1b]8;;{}{ST}", target(&link.url));
        let close = format!("\x1b]8;;{ST}");
        let end = link.x.saturating_add(link.width).min(area.right());
        let y = link.y;
        if y >= area.bottom() {
            continue;
        }
        let mut x = link.x.max(area.x);
        while x < end {
            let first = buffer[(x, y)].symbol().to_owned();
            let text = match first.width() {
                2 => first,
                1 if x + 1 < end && buffer[(x + 1, y)].symbol().width() == 1 => {
                    first + buffer[(x + 1, y)].symbol()
                }
                _ => {
                    x += 1;
                    continue;
                }
            };
            buffer[(x, y)].set_symbol(&format!("{open}{text}{close}"));
            x += 2;
        }
    }
}

/// `url` with every byte outside printable ASCII (and `%` itself kept as is) percent-encoded:
/// what an OSC 8 target may hold.
pub fn target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for byte in url.bytes() {
        if (0x21..=0x7e).contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;

    use super::*;

    fn link(x: u16, width: u16, url: &str) -> ScreenLink {
        ScreenLink {
            x,
            y: 0,
            width,
            url: url.to_owned(),
            continued: false,
        }
    }

    #[test]
    fn targets_are_printable_ascii() {
        assert_eq!(
            target("https://ko.wikipedia.org/wiki/한"),
            "https://ko.wikipedia.org/wiki/%ED%95%9C"
        );
        assert_eq!(target("https://x/\x1b\x07 a"), "https://x/%1B%07%20a");
    }

    #[test]
    fn every_symbol_is_a_whole_link_two_cells_wide() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 8, 1));
        buffer.set_string(0, 0, "ab한cde!", ratatui::style::Style::default());
        apply(&mut buffer, &[link(0, 7, "https://x.y")]);
        let symbols: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
        let wrapped = |s: &str| format!("\x1b]8;;https://x.y\x1b\\{s}\x1b]8;;\x1b\\");
        assert_eq!(
            symbols,
            [
                wrapped("ab").as_str(),
                "b",
                wrapped("한").as_str(),
                " ",
                wrapped("cd").as_str(),
                "d",
                "e",
                "!"
            ],
            "pairs and wide characters linked; the lone last cell and what follows untouched"
        );
    }

    #[test]
    fn the_diff_draws_every_cell_outside_the_pairs() {
        let area = Rect::new(0, 0, 6, 1);
        let before = Buffer::empty(area);
        let mut after = Buffer::empty(area);
        after.set_string(0, 0, "abcd.x", ratatui::style::Style::default());
        apply(&mut after, &[link(0, 4, "https://x.y")]);
        let drawn: Vec<u16> = before.diff(&after).iter().map(|(x, _, _)| *x).collect();
        assert_eq!(drawn, [0, 2, 4, 5], "the pairs' first cells, then the rest");
    }
}
