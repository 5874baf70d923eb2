//! How lines read by what they are: "(edited)" after an edited body, a deleted line dimmed,
//! an action in italics as "* nick waves", a notice dimmed without the nickname column, a line
//! that mentions us highlighted, and the sidebar's `@` for a room that mentions us.

use chat_shared::MessageKind;
use ratatui::style::Color;

use super::*;
use crate::action::RoomEnd;

/// The cell where `needle` starts on the row that holds it.
fn cell_of<'a>(buffer: &'a Buffer, text: &str, needle: &str) -> &'a ratatui::buffer::Cell {
    let row = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{text}"));
    let first = needle.chars().next().expect("a needle");
    let line: String = text.lines().nth(row).expect("row").to_owned();
    // Columns are cells; these rows hold only narrow characters before the needle.
    let col = line[..line.find(needle).expect("needle")].chars().count();
    let cell = &buffer[(col as u16, row as u16)];
    assert_eq!(cell.symbol(), first.to_string());
    cell
}

fn room_with_every_kind() -> App {
    let mut app = app();
    let history = vec![
        Message {
            edited_at: Some("2026-11-24T09:05:00Z".into()),
            ..msg(1, 1, "alice", "hello world", None)
        },
        Message {
            deleted: true,
            ..msg(2, 1, "bob", "", None)
        },
        Message {
            kind: MessageKind::Action,
            ..msg(3, 1, "bob", "waves", None)
        },
        Message {
            kind: MessageKind::Notice,
            ..msg(4, 1, "alice", "alice banned carl from the room", None)
        },
        Message {
            mentions: vec!["me".into()],
            ..msg(5, 1, "alice", "@me are you there?", None)
        },
    ];
    open(&mut app, 1, history);
    app
}

#[test]
fn edited_deleted_action_notice_and_mention_lines_read_as_what_they_are() {
    let app = room_with_every_kind();
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);

    assert!(text.contains("alice │ hello world (edited)"), "{text}");
    assert!(dim_fg(cell_of(&buffer, &text, "(edited)")));
    assert!(text.contains("bob │ message deleted"), "{text}");
    assert!(dim_fg(cell_of(&buffer, &text, "message deleted")));

    let action = text
        .lines()
        .find(|l| l.contains("* bob waves"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        action.contains("│ * bob waves") && !action.contains("bob │"),
        "the nickname is in the text, not its column: {action}"
    );
    assert!(cell_of(&buffer, &text, "* bob waves")
        .modifier
        .contains(Modifier::ITALIC));

    let notice = text
        .lines()
        .find(|l| l.contains("alice banned carl"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        notice.contains("09:04 alice banned carl from the room")
            && !notice.contains("│ alice banned"),
        "no nickname column: {notice}"
    );
    assert!(dim_fg(cell_of(&buffer, &text, "alice banned carl")));

    let mention = cell_of(&buffer, &text, "@me are you there?");
    assert_eq!(mention.fg, Color::LightYellow);
    assert!(mention.modifier.contains(Modifier::BOLD));
    let plain = cell_of(&buffer, &text, "hello world");
    assert_ne!(plain.fg, Color::LightYellow, "only the mention stands out");
}

fn dim_fg(cell: &ratatui::buffer::Cell) -> bool {
    cell.fg == Color::DarkGray
}

#[test]
fn the_sidebar_marks_a_room_that_mentions_me_apart_from_plain_unread() {
    let mut app = room_with_every_kind();
    open(&mut app, 2, vec![]);
    open(&mut app, 3, vec![]);
    frame(
        &mut app,
        1,
        ServerFrame::Message(Message {
            mentions: vec!["me".into()],
            ..msg(6, 1, "alice", "@me ping", None)
        }),
    );
    frame(
        &mut app,
        2,
        ServerFrame::Message(msg(1, 2, "alice", "plain", None)),
    );
    let text = screen_text(&draw(&app, 100, 30));
    let row = |n: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{n} room {n}")))
            .unwrap_or_else(|| panic!("tab {n}:\n{text}"))
            .to_owned()
    };
    assert!(row("1").contains(" @1"), "{}", row("1"));
    assert!(
        row("2").contains(" 1") && !row("2").contains('@'),
        "{}",
        row("2")
    );
}

#[test]
fn a_banned_room_says_so_in_its_tab() {
    let mut app = room_with_every_kind();
    net(
        &mut app,
        NetEvent::RoomEnded {
            room_id: 1,
            why: RoomEnd::Banned,
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    assert!(text.contains("You were banned from this room"), "{text}");
    assert!(text.contains("(banned)"), "the input says it: {text}");
}

#[test]
fn the_input_shows_editing_while_a_line_is_edited() {
    let mut app = room_with_every_kind();
    app.me = Some("alice".into());
    crate::update::tests::press(&mut app, crossterm::event::KeyCode::Up);
    let text = screen_text(&draw(&app, 100, 30));
    assert!(
        text.lines()
            .any(|l| l.contains("editing") && l.contains("@me are you there?")),
        "{text}"
    );
}

#[test]
fn joins_and_leaves_are_quiet_lines_in_our_words_and_never_unread() {
    let mut app = room_with_every_kind();
    open(&mut app, 2, vec![]);
    for message in [
        Message {
            kind: MessageKind::Join,
            ..msg(6, 1, "dana", "dana joined the room", None)
        },
        Message {
            kind: MessageKind::Leave,
            ..msg(7, 1, "dana", "dana left the room", None)
        },
    ] {
        frame(&mut app, 1, ServerFrame::Message(message));
    }
    // They came while room 2 was on screen: still nothing unread in room 1.
    assert_eq!((app.rooms[0].unread, app.rooms[0].mentions), (0, 0));

    crate::update::tests::press_with(
        &mut app,
        crossterm::event::KeyCode::Char('1'),
        crossterm::event::KeyModifiers::ALT,
    );
    let buffer = draw(&app, 100, 30);
    let text = screen_text(&buffer);
    for quiet in ["09:06 dana joined", "09:07 dana left"] {
        let line = text
            .lines()
            .find(|l| l.contains(quiet))
            .unwrap_or_else(|| panic!("{quiet:?} not shown:\n{text}"));
        assert!(!line.contains("dana │"), "no nickname column: {line}");
    }
    assert!(!text.contains("joined the room"), "our words, not the body");
    assert!(dim_fg(cell_of(&buffer, &text, "dana joined")));
}
