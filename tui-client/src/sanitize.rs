//! Makes text that other people wrote harmless to draw. Message bodies, nicknames, room titles
//! and the server's error messages all pass through [`sanitize`] before they become a `Span`,
//! so a message can never send the terminal an escape sequence (retitle the window, clear the
//! screen, move the cursor, set a hyperlink) or reorder the line with bidi controls
//! ("Trojan Source"). What was there is shown instead, as a visible placeholder:
//!
//! | character | shown as |
//! |---|---|
//! | tab | one space |
//! | other C0 controls U+0000–U+001F (ESC, BEL, CR, LF, …) | its control picture U+2400–U+241F: `␛` `␇` `␍` `␊` |
//! | DEL U+007F | `␡` (U+2421) |
//! | C1 controls U+0080–U+009F (8-bit CSI, OSC, …) | `�` (U+FFFD) |
//! | bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 | `�` |
//! | line and paragraph separators U+2028, U+2029 | `�` |
//!
//! Everything else, wide Korean and emoji included, is kept. Each character maps to exactly
//! one character one cell wide, so widths, wrapping and the input line's cursor can be worked
//! out character by character. Message bodies keep their line breaks because `layout::wrap`
//! splits at `\n` first and sanitizes each line; in one-line places (nicknames, titles) `\n`
//! shows as `␊`.
//!
//! [`scrub`] runs over the finished frame as a net under the per-pane calls: a pane that forgot
//! to sanitize still cannot reach the terminal.

use std::borrow::Cow;

use ratatui::buffer::Buffer;

/// What stands in for characters that have no control picture.
const REPLACEMENT: char = '\u{FFFD}';

/// The character drawn for `c`: `c` itself when it is safe, else its placeholder.
pub fn sanitize_char(c: char) -> char {
    match c {
        '\t' => ' ',
        // The control pictures block mirrors C0 one for one: U+2400 + the code.
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).unwrap_or(REPLACEMENT),
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}'
        | '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}'
        | '\u{2029}' => REPLACEMENT,
        _ => c,
    }
}

/// `text` with every character that could control the terminal or reorder the line replaced
/// by its placeholder (see the table above). Borrows when there is nothing to replace.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| sanitize_char(c) == c) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(sanitize_char).collect())
    }
}

/// Sanitizes every cell of a drawn frame, in case some pane drew raw text.
pub fn scrub(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        if let Cow::Owned(safe) = sanitize(cell.symbol()) {
            cell.set_symbol(&safe);
        }
    }
}

/// Would this character do something to a terminal or to the line's direction? The render
/// tests check that no drawn cell holds one.
#[cfg(test)]
pub(crate) fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::str_width;

    #[test]
    fn escape_sequences_become_control_pictures() {
        assert_eq!(
            sanitize("\x1b]0;pwned\x07\x1b[2Jhi\r\n\x7f"),
            "␛]0;pwned␇␛[2Jhi␍␊␡"
        );
        assert_eq!(sanitize("\0\x08\x1f"), "␀␈␟");
    }

    #[test]
    fn c1_controls_and_bidi_controls_become_replacement_characters() {
        assert_eq!(sanitize("\u{9b}2J\u{9d}0;x\u{9c}"), "�2J�0;x�");
        assert_eq!(
            sanitize("\u{202E}evil\u{202C} \u{2066}a\u{2069} \u{200E}\u{200F}\u{061C}"),
            "�evil� �a� ���"
        );
        assert_eq!(sanitize("a\u{2028}b\u{2029}"), "a�b�");
    }

    #[test]
    fn tabs_become_spaces() {
        assert_eq!(sanitize("a\tb"), "a b");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in ["hello", "안녕하세요 👋", "👨‍👩‍👧 family", "é (e\u{301})", ""]
        {
            assert!(
                matches!(sanitize(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn every_character_keeps_a_width_of_its_own() {
        let nasty = "\x1b[31m안녕\u{202E}🙂\x07";
        let safe = sanitize(nasty);
        assert_eq!(safe.chars().count(), nasty.chars().count());
        assert_eq!(safe, "␛[31m안녕�🙂␇");
        assert_eq!(str_width(&safe), 5 + 4 + 1 + 2 + 1);
    }

    #[test]
    fn nothing_dangerous_survives_any_code_point_below_u_3000() {
        for c in (0..0x3000).filter_map(char::from_u32) {
            let shown = sanitize_char(c);
            assert!(
                !is_dangerous(shown),
                "U+{:04X} shown as U+{:04X}",
                c as u32,
                shown as u32
            );
            if !is_dangerous(c) && c != '\u{2028}' && c != '\u{2029}' {
                assert_eq!(shown, c, "U+{:04X} is kept", c as u32);
            }
        }
    }

    #[test]
    fn scrub_cleans_cells_a_pane_wrote_raw() {
        let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, 3, 1));
        buffer[(0, 0)].set_symbol("\x1b");
        buffer[(1, 0)].set_symbol("\u{202E}");
        buffer[(2, 0)].set_symbol("한");
        scrub(&mut buffer);
        let symbols: Vec<&str> = buffer.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(symbols, ["␛", "�", "한"]);
    }
}
