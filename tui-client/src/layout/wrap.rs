//! Word wrapping by display width (unicode-width), so lines of Korean or other wide text
//! never run past the pane. Message bodies are sanitized here, after the split at `\n`.

use crate::input::char_width;
use crate::sanitize::sanitize_char;

/// Splits `text` into lines of at most `width` cells, breaking at spaces where it can and
/// inside a word only when one word is wider than the line. Newlines start new lines; every
/// other character is drawn as [`sanitize_char`] shows it.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<char> = Vec::new();
        let mut line_width = 0;
        for c in paragraph.chars() {
            // Escape sequences and bidi controls must not reach the terminal as they are.
            let c = sanitize_char(c);
            let w = char_width(c);
            if line_width + w > width && !line.is_empty() {
                if c == ' ' {
                    out.push(line.drain(..).collect());
                    line_width = 0;
                    continue;
                }
                match line.iter().rposition(|&ch| ch == ' ') {
                    Some(space) => {
                        let rest: Vec<char> = line.drain(space + 1..).collect();
                        line.pop();
                        out.push(line.drain(..).collect());
                        line_width = rest.iter().map(|&ch| char_width(ch)).sum();
                        line = rest;
                    }
                    None => {
                        out.push(line.drain(..).collect());
                        line_width = 0;
                    }
                }
            }
            line.push(c);
            line_width += w;
        }
        out.push(line.into_iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::str_width;

    #[test]
    fn wraps_at_spaces_within_the_width() {
        assert_eq!(wrap("the quick brown fox", 10), ["the quick", "brown fox"]);
    }

    #[test]
    fn wide_characters_count_two_cells() {
        let lines = wrap("안녕하세요 반갑습니다 여러분", 12);
        assert_eq!(lines, ["안녕하세요", "반갑습니다", "여러분"]);
        for line in wrap("가나다라마바사아자차카타파하", 7) {
            assert!(str_width(&line) <= 7, "{line}");
        }
    }

    #[test]
    fn long_words_break_and_newlines_are_kept() {
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn control_characters_are_shown_as_placeholders_and_count_one_cell() {
        assert_eq!(wrap("a\x1b[2J\u{202E}b\tc", 20), ["a␛[2J�b c"]);
        assert_eq!(wrap("\x07\x07\x07\x07", 2), ["␇␇", "␇␇"]);
        assert_eq!(wrap("x\r\ny", 10), ["x␍", "y"]);
    }
}
