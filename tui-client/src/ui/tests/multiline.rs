//! Messages and drafts that span lines: a body's line feeds are drawn as line breaks (with the
//! hanging indent), and the input box grows with the draft, up to its cap.

use super::*;
use crate::layout::input::MAX_ROWS;

#[test]
fn a_multi_line_message_is_drawn_as_lines_under_its_sender() {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![msg(
            1,
            1,
            "alice",
            "first line\nsecond line\n\n    indented",
            None,
        )],
    );
    let text = screen_text(&draw(&app, 100, 30));
    let lines: Vec<&str> = text.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.contains("alice │ first line"))
        .unwrap_or_else(|| panic!("the first line:\n{text}"));
    // The text column, after the sender's `│`.
    let column = lines[first].find("│ first line").expect("the text column");
    let rest: Vec<&str> = lines[first + 1..first + 4]
        .iter()
        .map(|l| {
            // Up to the participant pane's border.
            let cell = l.get(column..).unwrap_or("");
            cell[..cell.rfind('│').unwrap_or(cell.len())].trim_end()
        })
        .collect();
    assert_eq!(rest, ["│ second line", "│", "│     indented"], "\n{text}");
    assert!(
        !text.contains('␊'),
        "no line feed drawn as a picture:\n{text}"
    );
}

#[test]
fn the_input_box_grows_with_a_multi_line_draft_and_the_messages_make_room() {
    let mut app = app();
    let history: Vec<_> = (1..=40)
        .map(|id| msg(id, 1, "alice", &format!("m{id}"), None))
        .collect();
    open(&mut app, 1, history);
    app.input_mut().insert_str("one\ntwo\nthree");
    let text = screen_text(&draw(&app, 100, 30));
    let lines: Vec<&str> = text.lines().collect();
    // Rows 26-28 hold the draft, the newest message sits right above it.
    assert!(lines[26].starts_with("> one"), "{text}");
    assert_eq!(lines[27].trim(), "two");
    assert_eq!(lines[28].trim(), "three");
    assert!(lines[25].contains("m40"), "{text}");

    // A longer draft stops growing at the cap and shows its end, where the cursor is.
    let more: String = (4..=12).map(|i| format!("\nline {i}")).collect();
    app.input_mut().insert_str(&more);
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);
    let lines: Vec<&str> = text.lines().collect();
    let box_top = 29 - usize::from(MAX_ROWS);
    assert!(lines[box_top].starts_with(">"), "{text}");
    assert_eq!(lines[28].trim(), "line 12");
    assert!(lines[box_top - 1].contains("m40"), "{text}");
}
