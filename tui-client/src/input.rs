//! A small text editor for the input line and the form fields: cursor movement, editing,
//! line breaks (a message may span lines) and recall of earlier entries. Positions are counted
//! in `char`s and widths in terminal cells, so Korean and other wide characters line up with
//! the cursor.

use unicode_width::UnicodeWidthChar;

use crate::sanitize::sanitize_char;

/// The display width of one character (control characters take no cell).
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The display width of a string in terminal cells.
pub fn str_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Editable text with a cursor and a history of submitted entries. The text may hold line
/// breaks (`\n`); Home, End, Up and Down work within its lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    chars: Vec<char>,
    /// Index into `chars`: the cursor sits before `chars[cursor]`.
    cursor: usize,
    /// Lines submitted with [`LineInput::take`], oldest first.
    history: Vec<String>,
    /// While recalling: which history entry is shown.
    recall: Option<usize>,
    /// What was being typed before recall started, restored by going past the newest entry.
    draft: String,
}

impl LineInput {
    pub fn with_text(text: &str) -> Self {
        let mut input = Self::default();
        input.set(text);
        input
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The cursor's position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text and puts the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.chars = text.chars().collect();
        self.cursor = self.chars.len();
    }

    pub fn clear(&mut self) {
        self.chars.clear();
        self.cursor = 0;
        self.recall = None;
    }

    /// Returns the text, clears the line and remembers the text for Up/Down recall.
    pub fn take(&mut self) -> String {
        let text = self.text();
        if !text.trim().is_empty() && self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.clear();
        self.draft.clear();
        text
    }

    pub fn insert(&mut self, c: char) {
        self.chars.insert(self.cursor, c);
        self.cursor += 1;
    }

    /// Inserts `text` (a paste) at the cursor, in one go however long it is.
    pub fn insert_str(&mut self, text: &str) {
        let new: Vec<char> = text.chars().collect();
        let count = new.len();
        self.chars.splice(self.cursor..self.cursor, new);
        self.cursor += count;
    }

    /// The characters from `start` to the cursor.
    pub fn before_cursor_from(&self, start: usize) -> String {
        self.chars[start.min(self.cursor)..self.cursor]
            .iter()
            .collect()
    }

    /// Where the word before the cursor starts (after the last whitespace).
    pub fn word_start(&self) -> usize {
        self.chars[..self.cursor]
            .iter()
            .rposition(|c| c.is_whitespace())
            .map_or(0, |at| at + 1)
    }

    /// Replaces the characters from `start` to the cursor with `text`; the cursor ends after it.
    pub fn replace_before_cursor(&mut self, start: usize, text: &str) {
        let start = start.min(self.cursor);
        let new: Vec<char> = text.chars().collect();
        let count = new.len();
        self.chars.splice(start..self.cursor, new);
        self.cursor = start + count;
    }

    /// Does the text span more than one line?
    pub fn is_multiline(&self) -> bool {
        self.chars.contains(&'\n')
    }

    /// Where the line holding char index `at` starts.
    fn line_start(&self, at: usize) -> usize {
        self.chars[..at]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |i| i + 1)
    }

    /// Where the line holding char index `at` ends (its `\n`, or the end of the text).
    fn line_end(&self, at: usize) -> usize {
        self.chars[at..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(self.chars.len(), |i| at + i)
    }

    /// Up within the text: the same column on the line above. False on the first line.
    pub fn line_up(&mut self) -> bool {
        let start = self.line_start(self.cursor);
        if start == 0 {
            return false;
        }
        let column = self.cursor - start;
        let above = self.line_start(start - 1);
        self.cursor = above + column.min(start - 1 - above);
        true
    }

    /// Down within the text: the same column on the line below. False on the last line.
    pub fn line_down(&mut self) -> bool {
        let column = self.cursor - self.line_start(self.cursor);
        let end = self.line_end(self.cursor);
        if end == self.chars.len() {
            return false;
        }
        let below = end + 1;
        self.cursor = below + column.min(self.line_end(below) - below);
        true
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    /// To the start of the cursor's line.
    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    /// To the end of the cursor's line.
    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    /// Ctrl+U: deletes everything before the cursor.
    pub fn kill_to_start(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }

    /// Ctrl+W: deletes the word before the cursor and the spaces after it, as shells do.
    pub fn kill_word(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    /// Up: shows the previous submitted line. Returns false when there is none.
    pub fn recall_previous(&mut self) -> bool {
        let next = match self.recall {
            None if self.history.is_empty() => return false,
            None => {
                self.draft = self.text();
                self.history.len() - 1
            }
            Some(0) => return false,
            Some(i) => i - 1,
        };
        self.recall = Some(next);
        let line = self.history[next].clone();
        self.set(&line);
        true
    }

    /// Down: shows the next submitted line, or the draft after the newest one.
    pub fn recall_next(&mut self) -> bool {
        let Some(i) = self.recall else {
            return false;
        };
        if i + 1 < self.history.len() {
            self.recall = Some(i + 1);
            let line = self.history[i + 1].clone();
            self.set(&line);
        } else {
            self.recall = None;
            let draft = std::mem::take(&mut self.draft);
            self.set(&draft);
        }
        true
    }

    /// The text hard-wrapped into rows of at most `width` cells (a line break starts a row),
    /// drawn as [`sanitize_char`] shows each character, and the cursor's (row, column in
    /// cells). A cursor after a full row sits at the start of the next, so it stays visible.
    pub fn wrapped(&self, width: usize) -> (Vec<String>, (usize, usize)) {
        let width = width.max(1);
        let mut rows = vec![String::new()];
        let mut used = 0;
        let mut cursor = (0, 0);
        for (i, &c) in self.chars.iter().enumerate() {
            if c == '\n' {
                if i == self.cursor {
                    cursor = (rows.len() - 1, used);
                }
                rows.push(String::new());
                used = 0;
                continue;
            }
            let shown = sanitize_char(c);
            let w = char_width(shown);
            if used + w > width && used > 0 {
                rows.push(String::new());
                used = 0;
            }
            if i == self.cursor {
                cursor = (rows.len() - 1, used);
            }
            if let Some(row) = rows.last_mut() {
                row.push(shown);
            }
            used += w;
        }
        if self.cursor == self.chars.len() {
            if used >= width {
                rows.push(String::new());
                used = 0;
            }
            cursor = (rows.len() - 1, used);
        }
        (rows, cursor)
    }

    /// The part of the line that fits in `width` cells with the cursor visible, and the
    /// cursor's column within it. `mask` draws every character as that one (passwords);
    /// otherwise pasted control characters are drawn as their placeholders, one for one.
    pub fn visible(&self, width: usize, mask: Option<char>) -> (String, usize) {
        let shown: Vec<char> = match mask {
            Some(m) => vec![m; self.chars.len()],
            None => self.chars.iter().map(|&c| sanitize_char(c)).collect(),
        };
        if width == 0 {
            return (String::new(), 0);
        }
        // Scroll so that the text before the cursor plus one cell for the cursor fits.
        let mut start = 0;
        let mut before: usize = shown[..self.cursor].iter().map(|&c| char_width(c)).sum();
        while before + 1 > width && start < self.cursor {
            before -= char_width(shown[start]);
            start += 1;
        }
        let mut text = String::new();
        let mut used = 0;
        for &c in &shown[start..] {
            let w = char_width(c);
            if used + w > width {
                break;
            }
            used += w;
            text.push(c);
        }
        (text, before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> LineInput {
        let mut input = LineInput::default();
        s.chars().for_each(|c| input.insert(c));
        input
    }

    #[test]
    fn editing_in_the_middle_of_korean_text_keeps_the_cursor_on_characters() {
        let mut input = typed("안녕하세요");
        input.left();
        input.left();
        input.insert('!');
        assert_eq!(input.text(), "안녕하!세요");
        input.backspace();
        input.backspace();
        assert_eq!(input.text(), "안녕세요");
        input.delete();
        assert_eq!(input.text(), "안녕요");
        input.home();
        input.insert('a');
        input.end();
        input.insert('b');
        assert_eq!(input.text(), "a안녕요b");
    }

    #[test]
    fn the_cursor_column_counts_wide_characters_as_two_cells() {
        let mut input = typed("한글ab");
        assert_eq!(input.visible(20, None), ("한글ab".to_owned(), 6));
        input.left();
        input.left();
        assert_eq!(input.visible(20, None).1, 4);
        assert_eq!(str_width("한글ab"), 6);
    }

    #[test]
    fn a_long_line_scrolls_so_the_cursor_stays_visible() {
        let input = typed("가나다라마바사");
        let (text, col) = input.visible(6, None);
        // 14 cells of text, 6 cells of room: the end shows, the cursor is in the last cell.
        assert_eq!(text, "마바사".chars().skip(1).collect::<String>());
        assert_eq!(col, 4);
        assert!(str_width(&text) <= 6);
    }

    #[test]
    fn pasted_control_characters_are_drawn_as_placeholders_and_keep_the_cursor_right() {
        let input = typed("a\u{1b}[2J\u{202E}b");
        assert_eq!(input.visible(20, None), ("a␛[2J�b".to_owned(), 7));
        assert_eq!(
            input.text(),
            "a\u{1b}[2J\u{202E}b",
            "what is sent is what was typed"
        );
    }

    #[test]
    fn a_multi_line_draft_moves_by_lines_and_wraps_by_cells() {
        let mut input = typed("first line");
        input.insert('\n');
        input.insert_str("둘째\nthird");
        assert!(input.is_multiline());
        assert_eq!(input.text(), "first line\n둘째\nthird");
        assert!(input.line_up());
        assert_eq!(
            input.cursor(),
            "first line\n".chars().count() + 2,
            "column kept, cut to the line"
        );
        assert!(input.line_up());
        assert_eq!(input.cursor(), 2);
        assert!(!input.line_up(), "the first line has nothing above");
        input.end();
        assert_eq!(input.cursor(), 10, "End stays on its line");
        assert!(input.line_down());
        assert!(input.line_down());
        assert!(!input.line_down());
        input.home();
        assert_eq!(input.cursor(), "first line\n둘째\n".chars().count());

        // 6 cells a row: "first " / "line" / "둘째" / "third"; the cursor at "t" of third.
        let (rows, cursor) = input.wrapped(6);
        assert_eq!(rows, ["first ", "line", "둘째", "third"]);
        assert_eq!(cursor, (3, 0));
        input.end();
        assert_eq!(
            input.wrapped(5).1,
            (4, 0),
            "after a full row the cursor starts the next"
        );
    }

    #[test]
    fn passwords_are_masked_one_dot_per_character() {
        let input = typed("비밀pw");
        assert_eq!(input.visible(10, Some('•')), ("••••".to_owned(), 4));
    }

    #[test]
    fn ctrl_u_and_ctrl_w_delete_before_the_cursor() {
        let mut input = typed("hello big world");
        input.kill_word();
        assert_eq!(input.text(), "hello big ");
        input.kill_word();
        assert_eq!(input.text(), "hello ");
        let mut input = typed("abc def");
        input.left();
        input.left();
        input.kill_to_start();
        assert_eq!(input.text(), "ef");
        assert_eq!(input.cursor(), 0);
    }

    #[test]
    fn up_and_down_recall_sent_lines_and_restore_the_draft() {
        let mut input = typed("first");
        input.take();
        "second".chars().for_each(|c| input.insert(c));
        input.take();
        "draft".chars().for_each(|c| input.insert(c));
        assert!(input.recall_previous());
        assert_eq!(input.text(), "second");
        assert!(input.recall_previous());
        assert_eq!(input.text(), "first");
        assert!(!input.recall_previous());
        assert!(input.recall_next());
        assert_eq!(input.text(), "second");
        assert!(input.recall_next());
        assert_eq!(input.text(), "draft");
        assert!(!input.recall_next());
    }
}
