//! The input box at the bottom of the main screen: the prompt that says where the line goes
//! (and when it is too long to send), the draft wrapped to the box's width, and how many rows
//! the box takes: it grows with the draft up to [`MAX_ROWS`], then scrolls to keep the cursor
//! in view. `ui::prompt` draws by it and `screen` sizes the panes by it, so the message pane
//! gives up exactly the rows the draft takes.

use chat_shared::limits::{body_chars, prepare_body, BODY_MAX_CHARS};

use crate::app::{App, Prompt};
use crate::input::{str_width, LineInput};
use crate::sanitize::sanitize;

/// The most rows the input box grows to.
pub const MAX_ROWS: u16 = 6;

/// The input box's content for a given screen width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputBox {
    pub prompt: String,
    /// Every row of the draft; the box shows `height` of them from `first`.
    pub rows: Vec<String>,
    pub first: usize,
    pub height: u16,
    /// The cursor's row (in `rows`) and column in cells, after the prompt.
    pub cursor: (usize, usize),
}

/// The draft's length as the server counts it, when it is over the limit.
pub fn over_limit(input: &LineInput) -> Option<usize> {
    let chars = body_chars(&prepare_body(&input.text()));
    (chars > BODY_MAX_CHARS).then_some(chars)
}

/// What stands before the draft: where Enter sends it, and what is wrong with it.
pub fn prompt(app: &App) -> String {
    match (&app.prompt, app.active_room()) {
        (Some(Prompt::CreateRoom), _) => "New room title: ".to_owned(),
        (Some(Prompt::ConfirmDelete { what, .. }), _) => {
            format!("Delete {}? y/n ", sanitize(what))
        }
        (None, Some(room)) => {
            let mut prompt = String::new();
            if room.ended.is_some() {
                prompt.push_str("(banned) ");
            } else if !room.state.is_online() {
                prompt.push_str("(offline) ");
            }
            if let Some(chars) = over_limit(&room.input) {
                prompt.push_str(&format!("({chars}/{BODY_MAX_CHARS}: too long) "));
            }
            if room.editing.is_some() {
                prompt.push_str("(editing · Esc cancels) ");
            }
            prompt.push_str("> ");
            prompt
        }
        (None, None) => "› ".to_owned(),
    }
}

pub fn input_box(app: &App, width: u16) -> InputBox {
    let prompt = prompt(app);
    let text_width = usize::from(width).saturating_sub(str_width(&prompt)).max(1);
    let (rows, cursor) = app.input().wrapped(text_width);
    let height = u16::try_from(rows.len()).unwrap_or(MAX_ROWS).min(MAX_ROWS);
    let first = (cursor.0 + 1).saturating_sub(usize::from(height));
    InputBox {
        prompt,
        rows,
        first,
        height,
        cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::update::tests::{app, open};

    #[test]
    fn the_box_grows_with_the_draft_up_to_its_cap_and_keeps_the_cursor_in_view() {
        let mut app = app();
        open(&mut app, 1, vec![]);
        assert_eq!(input_box(&app, 40).height, 1);
        app.input_mut().insert_str("one\ntwo\nthree");
        let shown = input_box(&app, 40);
        assert_eq!((shown.height, shown.first), (3, 0));
        assert_eq!(shown.rows, ["one", "two", "three"]);
        app.input_mut()
            .insert_str(&"\nmore".repeat(usize::from(MAX_ROWS)));
        let shown = input_box(&app, 40);
        assert_eq!(shown.height, MAX_ROWS);
        assert_eq!(shown.first, shown.rows.len() - usize::from(MAX_ROWS));
        assert_eq!(shown.cursor.0, shown.rows.len() - 1);
    }

    #[test]
    fn a_draft_over_the_limit_says_so_in_the_prompt() {
        let mut app = app();
        open(&mut app, 1, vec![]);
        app.input_mut().insert_str(&"x".repeat(BODY_MAX_CHARS));
        assert_eq!(prompt(&app), "> ");
        app.input_mut().insert_str("\tyz");
        assert_eq!(
            prompt(&app),
            "(4006/4000: too long) > ",
            "a tab counts as four spaces"
        );
    }
}
