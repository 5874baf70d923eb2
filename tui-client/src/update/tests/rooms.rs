//! Rooms and the lobby: unread counts, switching, history merging and paging, removed rooms,
//! the room list and the room commands.

use super::*;

#[test]
fn unread_counts_grow_only_for_rooms_off_screen_and_only_for_others() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    open(&mut app, 2, vec![]);
    assert_eq!(app.view, View::Room(2));

    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(10, 1, "alice", "hi", None)),
    );
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(11, 1, "me", "mine", None)),
    );
    frame(
        &mut app,
        2,
        ServerFrame::Message(msg(5, 2, "alice", "seen", None)),
    );
    // The same message twice (a resent ack) counts once.
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(10, 1, "alice", "hi", None)),
    );

    assert_eq!(app.room(1).map(|r| r.unread), Some(1));
    assert_eq!(app.room(2).map(|r| r.unread), Some(0));

    press_with(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(1));
    assert_eq!(app.room(1).map(|r| r.unread), Some(0));
}

#[test]
fn alt_digits_and_ctrl_n_p_switch_between_the_list_and_rooms() {
    let mut app = app();
    open(&mut app, 7, vec![]);
    open(&mut app, 8, vec![]);
    press_with(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(7));
    press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(app.view, View::Room(8));
    press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(app.view, View::Lobby, "wraps around to the list");
    press_with(&mut app, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(app.view, View::Room(8));
    press_with(&mut app, KeyCode::Char('9'), KeyModifiers::ALT);
    assert_eq!(app.view, View::Room(8), "no ninth room: nothing changes");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.view, View::Lobby);
}

#[test]
fn history_merges_by_id_without_duplicates() {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![msg(5, 1, "a", "5", None), msg(6, 1, "a", "6", None)],
    );
    frame(
        &mut app,
        1,
        ServerFrame::History {
            messages: vec![
                msg(3, 1, "a", "3", None),
                msg(4, 1, "a", "4", None),
                msg(5, 1, "a", "5", None),
            ],
            has_more: false,
            has_newer: None,
        },
    );
    // A reconnect welcome overlapping what we hold, plus one new message.
    welcome(
        &mut app,
        1,
        vec![msg(6, 1, "a", "6", None), msg(7, 1, "a", "7", None)],
        true,
    );
    let room = app.room(1).expect("open");
    assert_eq!(
        room.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [3, 4, 5, 6, 7]
    );
    assert!(
        !room.has_more,
        "a reconnect's welcome does not bring back has_more"
    );
}

#[test]
fn page_up_at_the_top_asks_for_older_messages_once() {
    let mut app = app();
    let history: Vec<_> = (100..105)
        .map(|id| msg(id, 1, "alice", "x", None))
        .collect();
    crate::update::open_room(&mut app, 1);
    welcome(&mut app, 1, history, true);

    let effects = press(&mut app, KeyCode::PageUp);
    assert_eq!(
        effects,
        vec![Effect::Send {
            room_id: 1,
            frame: chat_shared::frame::HistoryFrom::Before(100).frame(50),
        }]
    );
    assert!(app.room(1).is_some_and(|r| r.loading_history));
    assert!(
        press(&mut app, KeyCode::PageUp).is_empty(),
        "no second request while one is out"
    );

    let older: Vec<_> = (60..100)
        .map(|id| msg(id, 1, "bob", "older", None))
        .collect();
    frame(
        &mut app,
        1,
        ServerFrame::History {
            messages: older,
            has_more: false,
            has_newer: None,
        },
    );
    let room = app.room(1).expect("open");
    assert_eq!(room.messages.len(), 45);
    assert!(!room.loading_history);
    // The view stays where it was: still scrolled up, now with more above.
    press(&mut app, KeyCode::PageUp);
    assert!(app.room(1).is_some_and(|r| r.scroll > 0));
    for _ in 0..10 {
        press(&mut app, KeyCode::PageDown);
    }
    assert_eq!(app.room(1).map(|r| r.scroll), Some(0));
}

#[test]
fn a_removed_room_closes_its_tab_and_says_so() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    open(&mut app, 2, vec![]);
    let effects = frame(&mut app, 2, ServerFrame::RoomRemoved);
    assert_eq!(effects, vec![Effect::CloseRoom { room_id: 2 }]);
    assert!(app.room(2).is_none());
    assert_eq!(app.view, View::Room(1));
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("removed")));

    net(
        &mut app,
        NetEvent::RoomGone {
            room_id: 1,
            message: "no such room".into(),
        },
    );
    assert_eq!(app.view, View::Lobby);
}

#[test]
fn the_lobby_selects_joins_and_creates_rooms() {
    let mut app = app();
    net(
        &mut app,
        NetEvent::Lobby(chat_shared::LobbyFrame::Rooms {
            rooms: vec![room(3, "third"), room(2, "second"), room(1, "first")],
            has_more: false,
        }),
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.lobby.selected, 1);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::OpenRoom { room_id: 2 }]
    );
    assert_eq!(app.view, View::Room(2));

    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.prompt, Some(Prompt::CreateRoom));
    type_text(&mut app, "새 방");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::CreateRoom {
            title: "새 방".into()
        }]
    );

    net(&mut app, NetEvent::RoomCreated(room(4, "새 방")));
    assert_eq!(app.view, View::Room(4));
    assert_eq!(app.lobby.rooms[0].id, 4);

    type_text(&mut app, "/join 3");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::OpenRoom { room_id: 3 }]
    );
    net(
        &mut app,
        NetEvent::Lobby(chat_shared::LobbyFrame::RoomRemoved { id: 3 }),
    );
    assert!(app.lobby.rooms.iter().all(|r| r.id != 3));
}

#[test]
fn commands_in_a_room_ask_for_the_right_requests() {
    let mut app = app();
    open(&mut app, 5, vec![]);
    type_text(&mut app, "/rename  Better title ");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::RenameRoom {
            room_id: 5,
            title: "Better title".into()
        }]
    );
    type_text(&mut app, "/leave");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::LeaveRoom { room_id: 5 }]
    );
    net(&mut app, NetEvent::RoomLeft { room_id: 5 });
    assert!(app.rooms.is_empty());
    type_text(&mut app, &format!("/create {}", "x".repeat(51)));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(app.notice.as_ref().is_some_and(|n| n.text.contains("50")));
    assert_eq!(
        press_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        vec![Effect::Quit]
    );
}

#[test]
fn someone_who_left_is_dropped_from_the_participants_and_a_late_offline_does_not_bring_them_back() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    frame(
        &mut app,
        1,
        ServerFrame::Participant {
            nickname: "bob".into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Presence {
            nickname: "bob".into(),
            online: true,
        },
    );
    let names = |app: &App| -> Vec<(String, bool)> {
        app.room(1)
            .map(|r| {
                r.participants
                    .iter()
                    .map(|p| (p.nickname.clone(), p.online))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        names(&app),
        [("alice".to_owned(), true), ("bob".to_owned(), true)]
    );

    frame(
        &mut app,
        1,
        ServerFrame::ParticipantLeft {
            nickname: "bob".into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Presence {
            nickname: "bob".into(),
            online: false,
        },
    );
    assert_eq!(names(&app), [("alice".to_owned(), true)]);

    // Coming back: `participant` first, then online.
    frame(
        &mut app,
        1,
        ServerFrame::Participant {
            nickname: "bob".into(),
        },
    );
    frame(
        &mut app,
        1,
        ServerFrame::Presence {
            nickname: "bob".into(),
            online: true,
        },
    );
    assert_eq!(
        names(&app),
        [("alice".to_owned(), true), ("bob".to_owned(), true)]
    );
}

#[test]
fn a_socket_closed_because_we_left_closes_the_tab_for_good_and_says_so() {
    let mut app = app();
    open(&mut app, 1, vec![]);
    open(&mut app, 2, vec![]);
    type_text(&mut app, "never sent");
    net(
        &mut app,
        NetEvent::RoomState {
            room_id: 2,
            state: offline(),
        },
    );
    press(&mut app, KeyCode::Enter);

    let effects = net(
        &mut app,
        NetEvent::RoomEnded {
            room_id: 2,
            why: crate::action::RoomEnd::Left,
        },
    );
    assert!(effects.contains(&Effect::CloseRoom { room_id: 2 }));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::OpenRoom { .. })),
        "never reopened: that would make us a participant again"
    );
    assert!(app.room(2).is_none());
    assert_eq!(app.view, View::Room(1));
    let notice = app.notice.clone().expect("a notice");
    assert!(notice.text.contains("You left “room 2”"), "{}", notice.text);
    assert!(notice.text.contains("1 unsent line"), "{}", notice.text);

    // The HTTP answer to our own /leave may come after: nothing more happens.
    assert!(net(&mut app, NetEvent::RoomLeft { room_id: 2 }).is_empty());

    let effects = net(
        &mut app,
        NetEvent::RoomEnded {
            room_id: 1,
            why: crate::action::RoomEnd::Removed,
        },
    );
    assert!(effects.contains(&Effect::CloseRoom { room_id: 1 }));
    assert!(app
        .notice
        .as_ref()
        .is_some_and(|n| n.text.contains("removed")));
}

#[test]
fn slash_open_hands_the_nth_link_on_the_screen_to_the_opener() {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![
            msg(
                1,
                1,
                "alice",
                "https://a.example/1 and https://b.example/2.",
                None,
            ),
            msg(2, 1, "bob", "javascript:alert(1)", None),
        ],
    );
    type_text(&mut app, "/open 2");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::OpenLink {
            url: "https://b.example/2".into()
        }]
    );
    assert!(app.input().is_empty(), "the command is used up");
}

#[test]
fn slash_open_with_no_such_link_says_how_many_there_are() {
    let mut app = app();
    open(
        &mut app,
        1,
        vec![msg(1, 1, "alice", "only https://a.example/1 here", None)],
    );
    type_text(&mut app, "/open 9");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(effects, [], "nothing is opened");
    let notice = app.notice.as_ref().map(|n| n.text.as_str());
    assert_eq!(
        notice,
        Some("No link 9 to open: there is 1 link on the screen, numbered from the top.")
    );
}

#[test]
fn the_tabs_of_the_last_run_open_again_in_order_with_the_shown_one_on_screen() {
    let mut app = app();
    // Nothing is written before the last run's tabs are back: that would forget them.
    open(&mut app, 5, vec![]);
    assert!(!update(&mut app, Action::Tick)
        .iter()
        .any(|e| matches!(e, Effect::SaveOpenRooms { .. })));
    crate::update::close_room(&mut app, 5);

    let kept = crate::net::open_rooms::OpenRooms {
        rooms: vec![3, 1, 2],
        shown: Some(1),
    };
    let effects = net(
        &mut app,
        NetEvent::OpenRoomsLoaded {
            rooms: kept.clone(),
        },
    );
    let opened: Vec<i64> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenRoom { room_id } => Some(*room_id),
            _ => None,
        })
        .collect();
    assert_eq!(opened, [3, 1, 2]);
    assert_eq!(app.view, View::Room(1));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::SaveOpenRooms { .. })),
        "what was just read needs no writing"
    );

    // Closing a tab (or switching) writes the file again.
    type_text(&mut app, "/close");
    let effects = press(&mut app, KeyCode::Enter);
    let saved = effects.iter().find_map(|e| match e {
        Effect::SaveOpenRooms { rooms, .. } => Some(rooms.clone()),
        _ => None,
    });
    assert_eq!(
        saved,
        Some(crate::net::open_rooms::OpenRooms {
            rooms: vec![3, 2],
            shown: Some(3),
        })
    );
}
