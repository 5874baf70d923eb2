//! The room list in pages: the lobby's first page, older pages loaded as the selection reaches
//! the last room, and live changes that must not land in the part not loaded yet.

use chat_shared::api::RoomList;
use chat_shared::LobbyFrame;

use super::*;

/// Rooms `from` down to `to`, newest first.
fn rooms(from: i64, to: i64) -> Vec<Room> {
    (to..=from)
        .rev()
        .map(|id| room(id, &format!("r{id}")))
        .collect()
}

fn first_page(app: &mut App, list: Vec<Room>, has_more: bool) {
    net(
        app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: list,
            has_more,
        }),
    );
}

fn ids(app: &App) -> Vec<i64> {
    app.lobby.rooms.iter().map(|r| r.id).collect()
}

#[test]
fn reaching_the_last_room_loads_the_older_page_once() {
    let mut app = app();
    first_page(&mut app, rooms(10, 8), true);
    assert!(press(&mut app, KeyCode::Down).is_empty());
    assert_eq!(
        press(&mut app, KeyCode::Down),
        vec![Effect::LoadOlderRooms { before: 8 }],
        "the last room is selected: ask for what lies below it"
    );
    assert!(
        press(&mut app, KeyCode::Down).is_empty(),
        "one request at a time"
    );

    let effects = net(
        &mut app,
        NetEvent::OlderRooms {
            before: 8,
            list: RoomList {
                rooms: rooms(7, 5),
                next_before: Some(5),
            },
        },
    );
    assert!(effects.is_empty());
    assert_eq!(ids(&app), vec![10, 9, 8, 7, 6, 5]);
    assert!(app.lobby.has_more && !app.lobby.loading_older);
    assert_eq!(app.lobby.selected, 2, "the selection stays on its room");

    // PageDown reaches the new end and asks for the page after it.
    assert_eq!(
        press(&mut app, KeyCode::PageDown),
        vec![Effect::LoadOlderRooms { before: 5 }]
    );
    net(
        &mut app,
        NetEvent::OlderRooms {
            before: 5,
            list: RoomList {
                rooms: rooms(4, 1),
                next_before: None,
            },
        },
    );
    assert_eq!(ids(&app), (1..=10).rev().collect::<Vec<_>>());
    assert!(!app.lobby.has_more);
    assert!(press(&mut app, KeyCode::PageDown).is_empty(), "the end");
}

#[test]
fn a_short_list_asks_for_nothing_more() {
    let mut app = app();
    first_page(&mut app, rooms(2, 1), false);
    assert!(press(&mut app, KeyCode::Down).is_empty());
    assert!(press(&mut app, KeyCode::Down).is_empty());
}

#[test]
fn a_page_that_arrives_after_a_reconnect_is_dropped() {
    let mut app = app();
    first_page(&mut app, rooms(10, 8), true);
    press(&mut app, KeyCode::PageDown);
    assert!(app.lobby.loading_older);
    // The socket came back with a new first page before the older one arrived.
    first_page(&mut app, rooms(11, 9), true);
    net(
        &mut app,
        NetEvent::OlderRooms {
            before: 8,
            list: RoomList {
                rooms: rooms(7, 5),
                next_before: None,
            },
        },
    );
    assert_eq!(ids(&app), vec![11, 10, 9]);
    assert!(app.lobby.has_more);
}

#[test]
fn live_changes_to_rooms_not_loaded_stay_out() {
    let mut app = app();
    first_page(&mut app, rooms(10, 8), true);
    // A change to room 3, on a page not loaded yet, and a new room.
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Room {
            room: room(3, "old"),
        }),
    );
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Room {
            room: room(11, "new"),
        }),
    );
    assert_eq!(ids(&app), vec![11, 10, 9, 8]);

    // Once every room is loaded, a room that is not there is new and goes in its place.
    first_page(&mut app, rooms(3, 1), false);
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Room {
            room: room(4, "new"),
        }),
    );
    assert_eq!(ids(&app), vec![4, 3, 2, 1]);
}

#[test]
fn a_failed_page_says_so_and_can_be_asked_for_again() {
    let mut app = app();
    first_page(&mut app, rooms(10, 8), true);
    press(&mut app, KeyCode::PageDown);
    net(
        &mut app,
        NetEvent::OlderRoomsFailed {
            message: "connection refused".into(),
        },
    );
    assert!(!app.lobby.loading_older);
    assert_eq!(
        press(&mut app, KeyCode::Down),
        vec![Effect::LoadOlderRooms { before: 8 }]
    );
}
