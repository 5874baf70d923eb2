//! Drawing again: Ctrl+L repaints every cell (a diff-based draw would leave what another
//! program wrote over the screen), and a view scrolled back says what arrived below it.

use super::*;

#[test]
fn a_full_redraw_wipes_what_another_program_wrote_over_the_screen() {
    use ratatui::backend::Backend;
    use ratatui::buffer::Cell;

    let app = demo();
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    crate::ui::draw(&mut terminal, &app, false, true).expect("draw");
    let clean = terminal.backend().buffer().clone();

    // Another program scribbles over the terminal behind ratatui's back.
    let mut junk = Cell::default();
    junk.set_symbol("#");
    let scribble: Vec<(u16, u16, &Cell)> = (0..100).map(|x| (x, 10, &junk)).collect();
    terminal
        .backend_mut()
        .draw(scribble.into_iter())
        .expect("scribble");

    // A plain draw sends only what changed in the app: the scribble stays.
    crate::ui::draw(&mut terminal, &app, false, true).expect("draw");
    assert!(screen_text(terminal.backend().buffer()).contains(&"#".repeat(100)));

    // Ctrl+L's draw clears first and sends every cell again.
    crate::ui::draw(&mut terminal, &app, true, true).expect("redraw");
    assert_eq!(
        screen_text(terminal.backend().buffer()),
        screen_text(&clean)
    );
}

#[test]
fn a_view_scrolled_back_shows_how_many_new_messages_are_below() {
    let mut app = app();
    let history: Vec<_> = (1..=60)
        .map(|id| msg(id, 1, "alice", "old", None))
        .collect();
    open(&mut app, 1, history);
    crate::update::update(
        &mut app,
        crate::action::Action::Key(crossterm::event::KeyEvent::from(
            crossterm::event::KeyCode::PageUp,
        )),
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(
        text.contains("↓ more below · End jumps to the newest"),
        "{text}"
    );
    for id in 61..=62 {
        frame(
            &mut app,
            1,
            ServerFrame::Message(msg(id, 1, "alice", "new", None)),
        );
    }
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("↓ 2 new · End jumps to the newest"), "{text}");
    assert!(
        !text.contains("│ new"),
        "the new ones are below the view:\n{text}"
    );
}
