//! Read markers on screen: the lobby's `New` column (a count, `@N` for a mention, `999+` at the
//! cap) and the "── new messages ──" line above the first unread line.

use chat_shared::Room;

use super::*;

#[test]
fn the_lobby_shows_each_rooms_unread_count_and_mentions() {
    let mut app = app();
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![
                Room {
                    unread: 3,
                    ..room(3, "Plain")
                },
                Room {
                    unread: 2,
                    mentioned: true,
                    ..room(2, "Mentioned")
                },
                Room {
                    unread: 1000,
                    ..room(1, "Busy")
                },
            ],
            has_more: false,
        }),
    );
    let text = screen_text(&draw(&app, 100, 30));
    let row = |title: &str| {
        text.lines()
            .find(|l| l.contains(title))
            .unwrap_or_else(|| panic!("{title} listed:\n{text}"))
            .to_owned()
    };
    assert!(
        row("Plain").contains("Plain") && row("Plain").contains("    3"),
        "{text}"
    );
    assert!(row("Mentioned").contains("   @2"), "{text}");
    assert!(row("Busy").contains(" 999+"), "{text}");

    // Read on another device: the count goes.
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Unread {
            room_id: 3,
            unread: 0,
            mentioned: false,
        }),
    );
    let text = screen_text(&draw(&app, 100, 30));
    let plain = text.lines().find(|l| l.contains("Plain")).unwrap();
    assert!(!plain.contains("    3  "), "{text}");
}

#[test]
fn a_room_shows_the_new_messages_line_above_the_first_unread_line() {
    let mut app = app();
    let _ = crate::update::open_room(&mut app, 1);
    frame(
        &mut app,
        1,
        ServerFrame::Welcome {
            room: room(1, "Marked"),
            me: "me".into(),
            participants: Vec::new(),
            history: (1..=4)
                .map(|id| msg(id, 1, "alice", &format!("line {id}"), None))
                .collect(),
            has_more: false,
            read_up_to: Some(2),
            online_count: None,
            participants_more: false,
        },
    );
    let text = screen_text(&draw(&app, 100, 30));
    let rows: Vec<&str> = text.lines().collect();
    let divider = rows
        .iter()
        .position(|l| l.contains("── new messages ──"))
        .unwrap_or_else(|| panic!("a divider:\n{text}"));
    assert!(rows[divider - 1].contains("line 2"), "{text}");
    assert!(rows[divider + 1].contains("line 3"), "{text}");
}
