//! The participant pane of a big room: the counts in its title, "and N more" at the end of
//! the loaded names, the counts moved by a `headcount`, and the pane scrolled by Alt+Down.

use crossterm::event::{KeyCode, KeyModifiers};

use super::*;
use crate::update::tests::{open_big, person, press_with};

fn big_room() -> App {
    let mut app = app();
    open_big(
        &mut app,
        1,
        vec![person("ana", true), person("bo", true), person("cy", false)],
        5,
        2,
    );
    app
}

#[test]
fn the_pane_shows_the_counts_the_loaded_names_and_how_many_more() {
    let app = big_room();
    let text = screen_text(&draw(&app, 100, 30));
    let rows: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    assert!(rows[0].ends_with("│ Users 2/5"), "{text}");
    assert!(rows[1].ends_with("│ ● ana"), "{text}");
    assert!(rows[2].ends_with("│ ● bo"), "{text}");
    assert!(rows[3].ends_with("│ ○ cy"), "{text}");
    assert!(rows[4].ends_with("│ and 2 more"), "{text}");
}

#[test]
fn a_headcount_changes_the_numbers_and_leaves_the_names() {
    let mut app = big_room();
    frame(
        &mut app,
        1,
        ServerFrame::Headcount {
            participants: 40,
            online: 7,
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].ends_with("│ Users 7/40"), "{text}");
    assert!(rows[3].ends_with("│ ○ cy"), "{text}");
    assert!(rows[4].ends_with("│ and 37 more"), "{text}");
}

#[test]
fn alt_down_scrolls_the_pane_and_the_title_stays() {
    let mut app = big_room();
    app.size = (100, 6);
    let before = screen_text(&draw(&app, 100, 6));
    assert!(
        before
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with("│ ● ana")),
        "{before}"
    );
    assert!(
        !before.contains("and 2 more"),
        "below the pane's 3 rows:\n{before}"
    );

    press_with(&mut app, KeyCode::Down, KeyModifiers::ALT);
    let after = screen_text(&draw(&app, 100, 6));
    let rows: Vec<&str> = after.lines().collect();
    assert!(rows[0].ends_with("│ Users 2/5"), "{after}");
    assert!(rows[1].ends_with("│ ● bo"), "{after}");
    assert!(
        rows[3].ends_with("│ and 2 more…"),
        "asked for, on its way:\n{after}"
    );
}
