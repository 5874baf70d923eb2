//! Read markers (docs/protocol.md "Read markers"): the room on screen reports its newest line,
//! never a background tab or a view scrolled up; the lobby's counts follow `unread` frames and
//! survive `room` frames; the "new messages" line and Alt+U.

use chat_shared::frame::HistoryFrom;
use chat_shared::LobbyFrame;

use super::*;
use crate::app::RoomView;

/// Room `id` opened with a server that keeps read markers, its marker at `read_up_to`.
fn open_marked(app: &mut App, id: i64, history: Vec<Message>, read_up_to: i64, has_more: bool) {
    let effects = super::super::open_room(app, id);
    assert_eq!(effects, vec![Effect::OpenRoom { room_id: id }]);
    marked_welcome(app, id, history, read_up_to, has_more);
}

fn marked_welcome(
    app: &mut App,
    id: i64,
    history: Vec<Message>,
    read_up_to: i64,
    has_more: bool,
) -> Vec<Effect> {
    frame(
        app,
        id,
        ServerFrame::Welcome {
            room: room(id, "Marked"),
            me: "me".into(),
            participants: Vec::new(),
            history,
            has_more,
            read_up_to: Some(read_up_to),
            online_count: None,
            participants_more: false,
        },
    )
}

fn reads(effects: &[Effect]) -> Vec<(i64, i64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                room_id,
                frame: ClientFrame::Read { up_to },
            } => Some((*room_id, *up_to)),
            _ => None,
        })
        .collect()
}

fn history(ids: std::ops::RangeInclusive<i64>, room_id: i64) -> Vec<Message> {
    ids.map(|id| msg(id, room_id, "alice", &format!("line {id}"), None))
        .collect()
}

fn shown(app: &App, id: i64) -> &RoomView {
    app.room(id).expect("open")
}

#[test]
fn the_room_on_screen_reports_its_newest_line_once_and_not_too_often() {
    let mut app = app();
    let effects = {
        let _ = super::super::open_room(&mut app, 1);
        marked_welcome(&mut app, 1, history(1..=3, 1), 1, false)
    };
    assert_eq!(
        reads(&effects),
        vec![(1, 3)],
        "shown: read up to the newest"
    );
    assert!(reads(&update(&mut app, Action::Tick)).is_empty(), "once");

    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(4, 1, "alice", "four", None)),
    );
    // Within the interval: it waits; a tick after it sends.
    assert_eq!(shown(&app, 1).read_up_to, 3);
    app.now += crate::update::reads::READ_EVERY;
    assert_eq!(reads(&update(&mut app, Action::Tick)), vec![(1, 4)]);
}

#[test]
fn a_background_tab_and_a_scrolled_up_view_report_nothing() {
    let mut app = app();
    open_marked(&mut app, 1, history(1..=40, 1), 40, false);
    open_marked(&mut app, 2, history(41..=42, 2), 42, false);
    app.now += crate::update::reads::READ_EVERY;
    // Room 1 is in the background now.
    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(msg(43, 1, "alice", "hi", None)),
    );
    assert!(reads(&effects).is_empty(), "{effects:?}");
    assert_eq!(shown(&app, 1).read_up_to, 40);

    // Shown, but scrolled up above the newest line: still nothing.
    super::super::switch_to(&mut app, View::Room(1));
    // (switching itself reports: the view starts at the bottom)
    assert_eq!(
        shown(&app, 1).read_up_to,
        40,
        "not until an action is handled"
    );
    press(&mut app, KeyCode::PageUp);
    app.now += crate::update::reads::READ_EVERY;
    let effects = frame(
        &mut app,
        1,
        ServerFrame::Message(msg(44, 1, "alice", "more", None)),
    );
    assert!(reads(&effects).is_empty(), "scrolled up: {effects:?}");
    let effects = press(&mut app, KeyCode::End);
    assert_eq!(reads(&effects), vec![(1, 44)], "back at the bottom");
}

#[test]
fn a_server_without_read_markers_gets_no_read_frames_and_no_divider() {
    let mut app = app();
    let _ = super::super::open_room(&mut app, 1);
    let effects = welcome(&mut app, 1, history(1..=3, 1), false);
    assert!(reads(&effects).is_empty());
    assert_eq!(shown(&app, 1).first_new(Some("me")), None);
}

#[test]
fn another_devices_read_moves_the_marker_so_it_is_not_sent_again() {
    let mut app = app();
    open_marked(&mut app, 1, history(1..=2, 1), 2, false);
    super::super::switch_to(&mut app, View::Lobby);
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(3, 1, "alice", "three", None)),
    );
    frame(&mut app, 1, ServerFrame::Read { up_to: 3 });
    app.now += crate::update::reads::READ_EVERY;
    super::super::switch_to(&mut app, View::Room(1));
    assert!(reads(&update(&mut app, Action::Tick)).is_empty());
}

#[test]
fn lobby_counts_follow_unread_frames_and_survive_room_frames() {
    let mut app = app();
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Rooms {
            rooms: vec![Room {
                unread: 2,
                ..room(1, "One")
            }],
            has_more: false,
        }),
    );
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Unread {
            room_id: 1,
            unread: 5,
            mentioned: true,
        }),
    );
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Room {
            room: room(1, "Renamed"),
        }),
    );
    let listed = &app.lobby.rooms[0];
    assert_eq!(
        (listed.title.as_str(), listed.unread, listed.mentioned),
        ("Renamed", 5, true)
    );
    net(
        &mut app,
        NetEvent::Lobby(LobbyFrame::Unread {
            room_id: 1,
            unread: 0,
            mentioned: false,
        }),
    );
    assert_eq!(app.lobby.rooms[0].unread, 0);
}

#[test]
fn the_divider_goes_above_the_first_line_from_others_after_the_marker() {
    let mut app = app();
    let mut lines = history(1..=5, 1);
    lines[3].sender = "me".into(); // 4 is ours: never "new"
    open_marked(&mut app, 1, lines, 2, false);
    assert_eq!(shown(&app, 1).first_new(Some("me")), Some(3));
    // Lines that arrive while reading get no divider of their own.
    frame(
        &mut app,
        1,
        ServerFrame::Message(msg(6, 1, "alice", "six", None)),
    );
    assert_eq!(shown(&app, 1).first_new(Some("me")), Some(3));
}

#[test]
fn alt_u_scrolls_to_the_divider_and_loads_older_pages_to_reach_it() {
    let mut app = app();
    // The marker (5) is older than the 50 lines loaded (51..=100).
    open_marked(&mut app, 1, history(51..=100, 1), 5, true);
    assert!(shown(&app, 1).new_is_older());
    let effects = press_with(&mut app, KeyCode::Char('u'), KeyModifiers::ALT);
    assert_eq!(
        effects,
        vec![Effect::Send {
            room_id: 1,
            frame: HistoryFrom::Before(51).frame(crate::app::HISTORY_PAGE)
        }]
    );
    let effects = frame(
        &mut app,
        1,
        ServerFrame::History {
            messages: history(1..=50, 1),
            has_more: false,
            has_newer: None,
        },
    );
    assert!(effects.is_empty(), "reached: no more pages");
    let room = shown(&app, 1);
    assert_eq!(room.first_new(Some("me")), Some(6));
    assert!(room.scroll > 0, "scrolled up to the divider");
    assert!(!room.seeking_new);
}
