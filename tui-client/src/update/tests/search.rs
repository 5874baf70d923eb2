//! `/search` and opening a room at a result's line.

use chat_shared::api::{SearchHit, SearchResults};
use chat_shared::frame::HistoryFrom;
use chat_shared::ServerFrame;
use crossterm::event::KeyCode;

use super::{app, frame, msg, net, open, press, room, type_text, welcome};
use crate::action::{Effect, NetEvent};
use crate::app::{App, Screen, View};

fn search(app: &mut App, words: &str) -> Vec<Effect> {
    type_text(app, &format!("/search {words}"));
    press(app, KeyCode::Enter)
}

fn hit(room_id: i64, id: i64, body: &str) -> SearchHit {
    SearchHit {
        room: room(room_id, &format!("room {room_id}")),
        message: msg(id, room_id, "alice", body, None),
    }
}

#[test]
fn search_asks_every_room_from_the_lobby_and_this_room_from_a_room() {
    let mut app = app();
    assert_eq!(
        search(&mut app, "대화 deploy"),
        vec![Effect::Search {
            query: "대화 deploy".into(),
            room: None,
            before: None,
        }]
    );
    assert!(app.search.as_ref().is_some_and(|s| s.loading));
    press(&mut app, KeyCode::Esc);
    assert!(app.search.is_none(), "Esc closes the results");

    open(&mut app, 3, vec![msg(1, 3, "alice", "hi", None)]);
    assert_eq!(
        search(&mut app, "hi"),
        vec![Effect::Search {
            query: "hi".into(),
            room: Some(3),
            before: None,
        }]
    );
}

#[test]
fn a_search_with_no_words_is_refused_here_as_the_server_would() {
    let mut app = app();
    assert!(search(&mut app, "\"*\"").is_empty());
    let notice = app.notice.as_ref().expect("an error notice");
    assert_eq!(notice.text, "search for a word: letters or digits");
    assert!(app.search.is_none());
}

#[test]
fn a_result_opens_its_room_around_the_line_and_pages_forward_to_the_live_edge() {
    let mut app = app();
    search(&mut app, "needle");
    net(
        &mut app,
        NetEvent::SearchResults {
            before: None,
            results: SearchResults {
                results: vec![hit(7, 60, "newer needle"), hit(7, 50, "the needle")],
                next_before: None,
            },
        },
    );
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::OpenRoom { room_id: 7 }]);
    assert_eq!(app.view, View::Room(7));
    assert!(app.search.is_none());

    // The welcome's newest lines wait; the lines around the one found are asked for.
    let newest: Vec<_> = (90..=100)
        .map(|id| msg(id, 7, "bob", "late", None))
        .collect();
    let effects = welcome(&mut app, 7, newest, true);
    assert!(effects.contains(&Effect::Send {
        room_id: 7,
        frame: HistoryFrom::Around(50).frame(50),
    }));
    assert!(app.room(7).unwrap().messages.is_empty());
    // A live line meanwhile is held, not shown out of place.
    frame(
        &mut app,
        7,
        ServerFrame::Message(msg(101, 7, "bob", "live", None)),
    );
    assert!(app.room(7).unwrap().messages.is_empty());

    let around: Vec<_> = (26..=75).map(|id| msg(id, 7, "bob", "x", None)).collect();
    frame(
        &mut app,
        7,
        ServerFrame::History {
            messages: around,
            has_more: true,
            has_newer: Some(true),
        },
    );
    let room = app.room(7).unwrap();
    assert_eq!(room.found, Some(50));
    assert!(room.has_more && room.has_newer);
    assert!(
        room.scroll > 0,
        "the line is scrolled into view, not the bottom"
    );

    // PageDown to the bottom, and once more there: the next page forward.
    let mut asked = Vec::new();
    for _ in 0..10 {
        asked.extend(press(&mut app, KeyCode::PageDown));
    }
    assert_eq!(
        asked,
        vec![Effect::Send {
            room_id: 7,
            frame: HistoryFrom::After(75).frame(50),
        }],
        "asked once"
    );
    let rest: Vec<_> = (76..=100).map(|id| msg(id, 7, "bob", "x", None)).collect();
    frame(
        &mut app,
        7,
        ServerFrame::History {
            messages: rest,
            has_more: true,
            has_newer: Some(false),
        },
    );
    let room = app.room(7).unwrap();
    assert!(!room.has_newer);
    let ids: Vec<i64> = room.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids, (26..=101).collect::<Vec<_>>(), "no gap, no line twice");

    // At the live edge, live lines show at once again.
    frame(
        &mut app,
        7,
        ServerFrame::Message(msg(102, 7, "bob", "live 2", None)),
    );
    assert_eq!(app.room(7).unwrap().last_id(), Some(102));
}

/// A page of `n` hits in room 1 with ids from `top` down.
fn page(top: i64, n: i64, next_before: Option<i64>) -> SearchResults {
    SearchResults {
        results: (0..n).map(|i| hit(1, top - i, "needle")).collect(),
        next_before,
    }
}

#[test]
fn down_at_the_last_result_asks_for_the_next_page_once_and_adds_it_below() {
    let mut app = app();
    search(&mut app, "needle");
    net(
        &mut app,
        NetEvent::SearchResults {
            before: None,
            results: page(100, 3, Some(98)),
        },
    );
    assert!(
        press(&mut app, KeyCode::Down).is_empty(),
        "not at the end yet"
    );
    let asked = press(&mut app, KeyCode::Down);
    assert_eq!(
        asked,
        vec![Effect::Search {
            query: "needle".into(),
            room: None,
            before: Some(98),
        }]
    );
    assert!(app.search.as_ref().unwrap().loading_more);
    assert!(
        press(&mut app, KeyCode::Down).is_empty(),
        "one page at a time"
    );

    // A late answer for another page is not this one.
    net(
        &mut app,
        NetEvent::SearchResults {
            before: Some(50),
            results: page(49, 2, None),
        },
    );
    assert_eq!(app.search.as_ref().unwrap().results.len(), 3);

    net(
        &mut app,
        NetEvent::SearchResults {
            before: Some(98),
            results: page(97, 2, None),
        },
    );
    let search = app.search.as_ref().unwrap();
    let ids: Vec<i64> = search.results.iter().map(|h| h.message.id).collect();
    assert_eq!(ids, [100, 99, 98, 97, 96]);
    assert_eq!(search.selected, 2, "the selection stays where it was");
    assert!(!search.loading_more);
    assert_eq!(search.next_before, None);

    press(&mut app, KeyCode::Down);
    assert!(
        press(&mut app, KeyCode::Down).is_empty(),
        "the last page asks for nothing more"
    );
    assert_eq!(app.search.as_ref().unwrap().selected, 4);
}

#[test]
fn a_page_that_failed_is_shown_and_asked_again_at_the_end() {
    let mut app = app();
    search(&mut app, "needle");
    net(
        &mut app,
        NetEvent::SearchResults {
            before: None,
            results: page(100, 1, Some(100)),
        },
    );
    // One result: already at the end, so the next Down asks.
    assert_eq!(press(&mut app, KeyCode::Down).len(), 1);
    net(
        &mut app,
        NetEvent::SearchFailed {
            message: "Cannot reach the server".into(),
        },
    );
    let search = app.search.as_ref().unwrap();
    assert_eq!(search.results.len(), 1, "what was found stays");
    assert!(!search.loading_more);
    assert_eq!(press(&mut app, KeyCode::Down).len(), 1, "asked again");
    assert_eq!(app.search.as_ref().unwrap().error, None);
}

#[test]
fn a_session_that_expired_during_a_search_lands_on_the_login_screen() {
    let mut app = app();
    open(&mut app, 3, vec![msg(1, 3, "alice", "hi", None)]);
    search(&mut app, "hi");
    let effects = net(&mut app, NetEvent::SessionExpired);
    assert!(effects.contains(&Effect::ForgetSession));
    assert!(app.search.is_none(), "the results were the old session's");
    let Screen::Login(form) = &app.screen else {
        panic!("expected the login screen, got {:?}", app.screen);
    };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("expired")));
}
